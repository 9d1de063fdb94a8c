"""Advice that matches what happened and the day it is read: status, the digest and the nudges
know the latest contact and a booked round; thank-yous come the same evening; the weekly check-in
date and the once-a-week check agree across both clock changes, in two time zones."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.nudging import run_until, scheduler_for
from tests.story import Seeker, debrief, make_engine

MONDAY = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)  # London in winter: local = UTC


def _jane(url: str, at: datetime = MONDAY, tz: str = "London", when: str = "today 9am",
          decision: str = "Friday"):  # type: ignore[no-untyped-def]
    engine, clock, db = make_engine(url, at)
    jane = Seeker(engine)
    jane.says("hello")
    jane.answers("Jane Doe", "jane.doe@example.com", tz, "9", "21-8")
    debrief(jane, "Acme", ("Jane Smith",), when, decision)
    return clock, db, jane


def _log_follow_up(jane: Seeker) -> None:
    jane.runs("followup", "Acme")
    jane.presses("I followed up / checked in")
    jane.presses("Still deciding")


def test_after_a_logged_follow_up_status_no_longer_says_follow_up(any_db_url):
    clock, db, jane = _jane(any_db_url)
    clock.set(datetime(2026, 12, 14, 10, 0, tzinfo=UTC))  # Monday after the Friday decision
    with db.session() as session:
        from storage.models import Interviewer
        for person in session.query(Interviewer):
            person.thank_you_state = "sent"
    jane.runs("status")
    assert "follow up: their decision date has passed" in jane.last
    _log_follow_up(jane)
    jane.runs("status")
    assert "follow up" not in jane.last
    assert "wait for their answer" in jane.last and "(by Mon 21 Dec)" in jane.last
    db.dispose()


def test_the_day_before_a_booked_second_interview_status_says_prepare_not_follow_up(sqlite_url):
    clock, db, jane = _jane(sqlite_url)
    clock.set(datetime(2026, 12, 14, 10, 0, tzinfo=UTC))
    with db.session() as session:
        from storage.models import Application, Interviewer
        for person in session.query(Interviewer):
            person.thank_you_state = "sent"
        app = session.query(Application).one()
        app.status, app.next_round = "second_round", "second"
        app.next_interview_at = datetime(2026, 12, 15, 14, 0, tzinfo=UTC)
    jane.runs("status")
    assert "prepare for your second interview (“prep”) (by Tue 15 Dec)" in jane.last
    assert "follow up" not in jane.last
    db.dispose()


def test_the_monday_digest_after_a_follow_up_does_not_ask_for_another(sqlite_url):
    clock, db, jane = _jane(sqlite_url)
    with db.session() as session:
        from storage.models import Interviewer
        for person in session.query(Interviewer):
            person.thank_you_state = "sent"
    clock.set(datetime(2026, 12, 14, 8, 0, tzinfo=UTC))
    _log_follow_up(jane)
    scheduler, inbox = scheduler_for(db, clock)
    run_until(scheduler, clock, datetime(2026, 12, 21, 10, 0, tzinfo=UTC))
    digests = [t for t in inbox.texts() if t.startswith("🗓 Your week ahead")]
    assert digests and all("follow up: their decision date has passed" not in t
                           for t in digests)
    db.dispose()


def test_after_a_2pm_interview_the_thank_you_nudge_comes_the_same_evening(any_db_url):
    clock, db, jane = _jane(any_db_url, datetime(2026, 12, 7, 15, 30, tzinfo=UTC), when="today 2pm")
    scheduler, inbox = scheduler_for(db, clock)
    run_until(scheduler, clock, datetime(2026, 12, 7, 20, 0, tzinfo=UTC))
    [nudge] = inbox.messages
    assert nudge.at == datetime(2026, 12, 7, 18, 0, tzinfo=UTC)
    assert "Today, or tomorrow at the latest." in nudge.reply.text
    db.dispose()


def test_a_thank_you_nudge_sent_the_next_morning_says_it_is_the_last_day(sqlite_url):
    # debrief at 20:30 (quiet from 21:00): no evening left, so the morning — worded as the last day
    clock, db, jane = _jane(sqlite_url, datetime(2026, 12, 7, 20, 30, tzinfo=UTC), when="today 7pm")
    scheduler, inbox = scheduler_for(db, clock)
    run_until(scheduler, clock, datetime(2026, 12, 9, 12, 0, tzinfo=UTC))
    first, late = inbox.messages
    assert first.at == datetime(2026, 12, 8, 9, 0, tzinfo=UTC)
    assert "Today is the last day" in first.reply.text
    assert "tomorrow at the latest" not in first.reply.text
    assert late.at == datetime(2026, 12, 9, 9, 0, tzinfo=UTC)
    assert "Late is better than never" in late.reply.text
    db.dispose()


# ---- the weekly check-in across clock changes ----------------------------------------------------

CLOCK_CHANGES = [  # (zone, a Thursday before the change) — spring and autumn, two zones
    ("Europe/London", "2026-03-26"), ("Europe/London", "2026-10-22"),
    ("America/New_York", "2026-03-05"), ("America/New_York", "2026-10-29"),
]


@pytest.mark.parametrize(("zone", "thursday"), CLOCK_CHANGES)
def test_the_weekly_check_in_announced_for_a_day_is_welcome_that_day_across_a_clock_change(
        sqlite_url, zone, thursday):
    tz = ZoneInfo(zone)
    day = datetime.fromisoformat(thursday)
    interview = datetime.combine(day.date() - timedelta(days=10), datetime.min.time(), tz)
    clock, db, jane = _jane(sqlite_url, (interview + timedelta(hours=12)).astimezone(UTC),
                            tz=zone, when="today 11am", decision="Friday")
    with db.session() as session:
        from storage.models import Interviewer
        for person in session.query(Interviewer):
            person.thank_you_state = "sent"
    clock.set(datetime.combine(day.date(), datetime.min.time(), tz).replace(hour=9)
              .astimezone(UTC))
    _log_follow_up(jane)
    week_later = day.date() + timedelta(days=7)
    shown = f"{week_later:%a} {week_later.day} {week_later:%b}"
    assert f"around {shown}" in jane.text  # announced: a week later, the same weekday
    with db.session() as session:
        from storage.models import Nudge
        [check_in] = session.query(Nudge).filter_by(kind="check_in", state="pending").all()
        assert check_in.due_at.astimezone(tz).date() == week_later  # the nudge: that day too

    clock.set(datetime.combine(week_later, datetime.min.time(), tz).replace(hour=9)
              .astimezone(UTC))  # 9:00 local on the announced day: 167 or 169 hours later
    jane.runs("followup", "Acme")
    assert "not before" not in jane.text and "Weekly check-in #" in jane.text
    jane.presses("I followed up / checked in")
    assert "within a week" not in jane.text
    db.dispose()


def test_on_the_reply_deadline_the_offer_decision_says_due_today_not_no_need_to_rush(sqlite_url):
    clock, db, jane = _jane(sqlite_url, datetime(2026, 12, 8, 10, 0, tzinfo=UTC),
                            when="yesterday 11am", decision="don't know")
    jane.runs("offer", "Acme")
    jane.answers("85k", "10%", "skip", "skip", "25", "skip", "skip", "skip", "today", "no",
                 "skip", "skip", "90k")
    assert "Your answer is due today" in jane.last
    assert "No need to rush" not in jane.text
    db.dispose()


def test_nudge_texts_name_the_day_as_seen_on_the_day_they_are_sent():
    from bot.nudges.texts import relative_day
    tz = ZoneInfo("Europe/London")
    deadline = datetime(2026, 12, 10).date()
    assert relative_day(deadline, datetime(2026, 12, 9, 9, 0, tzinfo=UTC), tz) == "tomorrow"
    assert relative_day(deadline, datetime(2026, 12, 10, 9, 0, tzinfo=UTC), tz) == "today"
    assert relative_day(deadline, datetime(2026, 12, 7, 9, 0, tzinfo=UTC), tz) == "on Thu 10 Dec"
