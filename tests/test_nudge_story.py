"""The whole nudge story with a fake clock: thank-yous, follow-up, weekly check-ins, an offer."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.messages import Incoming
from storage.models import Nudge
from tests.nudging import run_until, scheduler_for
from tests.story import Seeker, make_engine

MONDAY_1130 = datetime(2026, 11, 23, 11, 30, tzinfo=UTC)  # London = UTC in November


def _story(sqlite_url: str):  # type: ignore[no-untyped-def]
    engine, clock, db = make_engine(sqlite_url, MONDAY_1130)
    jane = Seeker(engine)
    jane.says("hello")
    jane.answers("Jane Doe", "jane@example.com · +44 7700 900123", "London", "9", "21-8")
    jane.runs("debrief")
    jane.answers("Acme", "Data Analyst", "today 11:00", "first", "video",
                 "Katherine O'Neill", "Head of Data", "k.oneill@acme.example", "skip",
                 "streaming", "Rahul Mehta", "skip", "skip", "skip", "mentoring", "done",
                 "4", "skip", "skip", "skip", "skip", "skip", "Friday", "skip", "skip")
    scheduler, inbox = scheduler_for(db, clock)
    return engine, clock, db, jane, scheduler, inbox


def test_after_a_debrief_at_11_the_thank_you_nudge_comes_at_18_naming_both(sqlite_url):
    _, clock, _, _, scheduler, inbox = _story(sqlite_url)
    run_until(scheduler, clock, datetime(2026, 11, 23, 17, 59, tzinfo=UTC))
    assert inbox.messages == []
    run_until(scheduler, clock, datetime(2026, 11, 23, 18, 30, tzinfo=UTC))
    assert len(inbox.messages) == 1
    first = inbox.messages[0]
    assert first.at == datetime(2026, 11, 23, 18, 0, tzinfo=UTC)
    assert "Katherine O'Neill" in first.reply.text and "Rahul Mehta" in first.reply.text


def test_the_whole_story_from_debrief_to_offer(sqlite_url):
    engine, clock, db, jane, scheduler, inbox = _story(sqlite_url)
    run_until(scheduler, clock, datetime(2026, 11, 23, 18, 30, tzinfo=UTC))
    jane.press_value(inbox.button("Done — all sent"))
    assert "marked as sent" in jane.text

    # nothing more until the decision date (Friday 27) has passed: follow-up Monday 30 at 09:00
    run_until(scheduler, clock, datetime(2026, 11, 30, 8, 59, tzinfo=UTC))
    assert all("week ahead" in m.reply.text for m in inbox.messages[1:])
    run_until(scheduler, clock, datetime(2026, 11, 30, 9, 30, tzinfo=UTC))
    follow_up = [m for m in inbox.messages if "expected to decide" in m.reply.text]
    assert len(follow_up) == 1
    assert follow_up[0].at == datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
    assert "Jane Doe" in follow_up[0].reply.text and "Data Analyst" in follow_up[0].reply.text

    clock.set(datetime(2026, 11, 30, 10, 0, tzinfo=UTC))
    # merged with the week ahead: one button a thing, which opens it with all its choices
    jane.press_value(next(b.value for b in follow_up[0].reply.buttons
                          if b.label == "Follow up: Acme"))
    opened = next(b.value for r in jane.replies for b in r.buttons if b.label == "Still deciding")
    jane.press_value(opened)

    # check-ins come exactly weekly after "still deciding" (logged Monday 10:00, so the first
    # can't be Monday 09:00 — that would be 23 hours short of a week — it comes Tuesday 09:00)
    run_until(scheduler, clock, datetime(2026, 12, 22, 12, 0, tzinfo=UTC), timedelta(hours=1))
    check_ins = [m for m in inbox.messages if "Weekly check-in" in m.reply.text]
    assert [m.at for m in check_ins] == [
        datetime(2026, 12, 8, 9, 0, tzinfo=UTC),
        datetime(2026, 12, 15, 9, 0, tzinfo=UTC),
        datetime(2026, 12, 22, 9, 0, tzinfo=UTC),
    ]

    # an offer stops them
    clock.set(datetime(2026, 12, 22, 13, 0, tzinfo=UTC))
    jane.press_value(inbox.button("Offer", check_ins[-1]))
    before = len([m for m in inbox.messages if "Weekly check-in" in m.reply.text])
    run_until(scheduler, clock, datetime(2027, 1, 31, tzinfo=UTC), timedelta(hours=6))
    after = len([m for m in inbox.messages if "Weekly check-in" in m.reply.text])
    assert after == before
    with db.session() as session:
        open_contact = session.query(Nudge).filter(
            Nudge.kind.in_(("check_in", "follow_up")), Nudge.state.in_(("pending", "snoozed"))
        ).count()
    assert open_contact == 0


def test_a_nudge_press_by_another_user_changes_nothing(sqlite_url):
    engine, clock, db, jane, scheduler, inbox = _story(sqlite_url)
    run_until(scheduler, clock, datetime(2026, 11, 23, 18, 30, tzinfo=UTC))
    mallory = Seeker(engine, "mallory")
    replies = engine.handle(Incoming.press(mallory.key, inbox.button("Stop for this")))
    assert "isn't there anymore" in replies[-1].text
    with db.session() as session:
        assert session.query(Nudge).filter(Nudge.state == "cancelled").count() == 0
