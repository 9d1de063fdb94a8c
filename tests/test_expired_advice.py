"""Advice that has expired is never repeated (issue 12): after an offer's reply deadline the
digest and `status` ask once whether the user decided, then stop; a thank-you whose window has
gone gets one "late is better than never", then silence."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from bot.clock import FixedClock
from storage.db import Database
from storage.models import Application, Interviewer
from tests.nudging import run_until, scheduler_for
from tests.story import Seeker, debrief, make_engine

MONDAY = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)  # London in winter: local = UTC


def _jane(url: str) -> tuple[FixedClock, Database, Seeker]:
    engine, clock, db = make_engine(url, MONDAY)
    jane = Seeker(engine)
    jane.says("hello")
    jane.answers("Jane Doe", "jane.doe@example.com", "London", "9", "21-8")
    debrief(jane, "Acme Corp", ("Mia Wong",), "today 9am", "Friday")
    return clock, db, jane


def _offer_due(db: Database, deadline: date) -> None:
    with db.session() as session:
        for person in session.query(Interviewer):
            person.thank_you_state = "sent"
        app = session.query(Application).one()
        app.status, app.offer_deadline = "offer", deadline


def test_status_asks_once_about_an_offer_whose_deadline_has_passed(sqlite_url: str) -> None:
    clock, db, jane = _jane(sqlite_url)
    _offer_due(db, date(2026, 11, 27))
    jane.runs("status")
    assert "decide on the offer" in jane.text and "(by Fri 27 Nov)" in jane.text

    clock.set(datetime(2026, 11, 30, 10, 0, tzinfo=UTC))  # the deadline is gone
    jane.runs("status")
    assert "did you decide on Acme Corp's offer?" in jane.text
    assert "decide on the offer (" not in jane.text
    jane.runs("status")  # asked once: then silence
    assert "Acme Corp" in jane.text and "offer" in jane.text  # the stage is still shown
    assert "did you decide" not in jane.text and "decide on the offer" not in jane.text


def test_the_digest_after_an_offers_deadline_asks_once_then_drops_it(sqlite_url: str) -> None:
    clock, db, jane = _jane(sqlite_url)
    _offer_due(db, date(2026, 11, 27))
    scheduler, inbox = scheduler_for(db, clock)
    run_until(scheduler, clock, datetime(2027, 1, 5, tzinfo=UTC), timedelta(hours=6))
    digests = [m.reply.text for m in inbox.messages if "week ahead" in m.reply.text]
    assert len(digests) >= 5, digests
    about_offer = [d for d in digests if "• Acme Corp:" in d]
    assert len(about_offer) == 1, digests  # the first digest after the deadline, once
    assert "• Acme Corp: did you decide on Acme Corp's offer?" in about_offer[0]
    assert not any("decide on the offer" in d for d in digests)


def test_a_thank_you_whose_window_is_gone_gets_one_late_is_better_than_never(
        sqlite_url: str) -> None:
    clock, db, jane = _jane(sqlite_url)
    jane.runs("status")
    assert "send thank-you letters to Mia Wong" in jane.text
    clock.set(datetime(2026, 11, 26, 10, 0, tzinfo=UTC))  # three days on: the window is gone
    jane.runs("status")
    assert "late is better than never: a short thank-you to Mia Wong" in jane.text
    assert "send thank-you letters" not in jane.text
    jane.runs("status")
    assert "thank-you" not in jane.text and "Mia Wong" not in jane.text
    assert "wait for their decision" in jane.text  # what is next instead
    clock.set(datetime(2027, 1, 11, 10, 0, tzinfo=UTC))  # through January: never again
    jane.runs("status")
    assert "thank-you" not in jane.text
