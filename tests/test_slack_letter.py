"""Editing a letter in Slack: `/afterview letter` opens the last letter in a modal with one
multi-line input; Save keeps the user's version, proofreads it and answers in the DM."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import select

from storage.models import Letter
from tests.fakes.slack_api import FakeSlack
from tests.fakes.slack_signing import text_value, view_submission_body
from tests.slack_harness import SlackBot, SlackUser, texts, wait_until
from tests.test_slack_app import onboard, open_modal, submit


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    with FakeSlack() as server:
        yield server


@pytest.fixture
def bot(fake: FakeSlack, sqlite_url: str) -> Iterator[SlackBot]:
    running = SlackBot(fake, sqlite_url).start()
    running.adapter.per_channel_interval = 0.0
    yield running
    running.stop()


def test_the_letter_modal_is_prefilled_and_its_save_is_kept_and_proofread(bot: SlackBot):
    jane = SlackUser(bot, "U7")
    onboard(jane)
    submit(bot, jane, open_modal(bot, jane))
    bot.settle()
    jane.runs("thanks")
    bot.settle()
    before = len(bot.fake.calls("views.open"))
    status, _, _ = jane.runs("letter")
    assert status == 200
    opened = bot.fake.wait_for_calls("views.open", before + 1)[-1]
    view = opened.params["view"]
    assert view["callback_id"] == "afterview_letter"
    element = view["blocks"][1]["element"]
    assert element["multiline"] is True and element["initial_value"].startswith("Dear ")
    mine = element["initial_value"].replace("Kind regards,", "I realy hope to hear from you.\n\n"
                                            "Kind regards,")
    said_before = len(jane.messages())
    status, body = bot.post(view_submission_body(
        jane.user_id, jane.team, "afterview_letter", {"letter": {"value": text_value(mine)}},
        view["private_metadata"], view_id=str(opened.response["view"]["id"])))
    assert status == 200
    said = wait_until(lambda: [m for m in jane.messages()[said_before:]
                               if "Saved your version" in texts(m)], what="the saved letter")
    assert "My proofreading found" in texts(said[-1])
    assert '"realy" looks misspelled' in str(said[-1])
    with bot.db.session() as session:
        edited = session.scalars(select(Letter.edited)).all()
    assert any("I realy hope to hear from you." in e for e in edited)
