"""`status chart`: the pipeline funnel and the timeline as a PNG a phone shows well."""

from __future__ import annotations

import io
import time
from datetime import UTC, date, datetime, timedelta

import pytest
from PIL import Image

from bot.outputs.charts import (
    DECISION,
    FOLLOW_UP_PLANNED,
    FOLLOW_UP_SENT,
    INTERVIEW,
    ChartData,
    Lane,
    Mark,
    chart_data,
    render_chart,
)
from storage.repository import Repository
from tests.ownership import story_copy
from tests.story import Seeker, make_engine

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
TODAY = date(2026, 11, 23)


def _check_png(content: bytes) -> tuple[int, int]:
    assert content.startswith(PNG_SIGNATURE)
    assert 10_000 <= len(content) <= 2_000_000, len(content)
    image = Image.open(io.BytesIO(content))
    image.verify()
    width, height = image.size
    assert width == 1080  # a phone screen's width: readable without zooming
    assert 600 <= height <= 4000
    return width, height


def _lanes(count: int) -> tuple[Lane, ...]:
    lanes = []
    for n in range(count):
        start = TODAY - timedelta(days=3 * n)
        lanes.append(Lane(f"Company {n} · Analyst", "interviewing", n % 4 != 3, (
            Mark(start, INTERVIEW), Mark(start + timedelta(days=5), DECISION),
            Mark(start + timedelta(days=8), FOLLOW_UP_SENT if n > 2 else FOLLOW_UP_PLANNED))))
    return tuple(lanes)


@pytest.mark.parametrize("applications", [0, 1, 20])
def test_the_chart_is_a_valid_phone_sized_png_for_0_1_and_20_applications(applications):
    data = ChartData(TODAY, (("Applications", applications), ("Interviews", applications),
                             ("Later rounds", applications // 3), ("Offers", applications // 10)),
                     _lanes(applications))
    render_chart(data)  # the first drawing loads fonts
    started = time.process_time()  # CPU time: other processes on a busy CI box don't count
    png = render_chart(data)
    assert time.process_time() - started < 1.0
    _check_png(png)


def test_status_offers_a_picture_and_sends_it_as_a_png_attachment(tmp_path):
    _, _, _, jane = story_copy(tmp_path)
    jane.runs("cancel")
    jane.runs("status")
    assert "Show as a picture" in jane.buttons
    replies = jane.presses("Show as a picture")
    attachment = replies[0].attachment
    assert attachment is not None and attachment.mime_type == "image/png"
    assert attachment.filename.endswith(".png")
    assert "2 applications" in replies[0].text and attachment.caption == replies[0].text
    _check_png(attachment.content)


def test_the_chart_counts_the_funnel_and_marks_each_applications_dates(tmp_path):
    _, clock, db, _ = story_copy(tmp_path)
    with db.session() as session:
        repo = Repository.for_key(session, "console", "local", "jane")
        assert repo is not None
        data = chart_data(repo, clock.now(), UTC)
    assert dict(data.funnel) == {"Applications": 2, "Interviews": 2, "Later rounds": 1,
                                 "Offers": 1}
    acme = next(lane for lane in data.lanes if lane.label.startswith("Acme"))
    kinds = {m.kind for m in acme.marks}
    assert {INTERVIEW, DECISION, FOLLOW_UP_PLANNED, FOLLOW_UP_SENT, "next interview"} <= kinds


def test_a_new_user_asking_for_the_chart_gets_an_empty_one_not_an_error(tmp_path):
    engine, _, _ = make_engine(f"sqlite:///{tmp_path / 'a.db'}", datetime(2026, 11, 23,
                                                                           tzinfo=UTC))
    replies = Seeker(engine, "newcomer").runs("status", "chart")
    assert replies[0].attachment is not None and "empty" in replies[0].text
    _check_png(replies[0].attachment.content)
