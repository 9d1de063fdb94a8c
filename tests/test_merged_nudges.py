"""Merged nudges stay readable (issue 12): with six applications due at once, one message has at
most five buttons, each saying what and for whom in 30 characters (a long company shortened at a
word boundary), and a "Show all" button that brings every one with its own choices."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import insert

from bot.clock import FixedClock
from bot.conversation.engine import Engine
from bot.messages import Incoming, UserKey
from bot.nudges.rules import ApplicationFacts, Prefs, plan_application
from bot.nudges.texts import shorten
from storage.db import Database
from storage.models import Application, Interview, Nudge, User
from tests.nudging import scheduler_for

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)  # a Wednesday: no digest
COMPANIES = ("Acme Corp", "International Business Machines Corporation", "Globex",
             "Initech Software Solutions Limited", "Hooli", "Umbrella Pharmaceuticals Europe")


def seed(db: Database) -> None:
    """Jane, six applications whose decision dates passed last week: six follow-ups due now."""
    decided = NOW.date() - timedelta(days=7)
    with db.session() as session:
        [uid] = session.scalars(insert(User).returning(User.id), [
            {"platform": "console", "workspace": "local", "external_id": "jane",
             "display_name": "Jane Doe", "timezone": "UTC", "nudge_hour": 9,
             "quiet_start": None, "quiet_end": None, "onboarded": True}]).all()
        for company in COMPANIES:
            [aid] = session.scalars(insert(Application).returning(Application.id), [
                {"user_id": uid, "company": company, "role": "Analyst",
                 "created_at": NOW - timedelta(days=30), "updated_at": NOW - timedelta(days=30)}
            ]).all()
            session.execute(insert(Interview), [{
                "user_id": uid, "application_id": aid, "round": "first", "format": "video",
                "starts_at": datetime.combine(decided - timedelta(days=5), datetime.min.time(),
                                              UTC),
                "recorded_at": NOW - timedelta(days=12), "decision_expected": decided}])
            [follow_up] = plan_application(ApplicationFacts(aid, decision_expected=decided),
                                           Prefs(UTC, 9, None), NOW)
            session.execute(insert(Nudge), [{
                "user_id": uid, "application_id": aid, "kind": follow_up.kind,
                "key": follow_up.key, "due_at": follow_up.due_at, "state": "pending",
                "payload": follow_up.payload, "created_at": NOW - timedelta(days=1)}])


def test_six_applications_due_at_once_make_one_readable_message(sqlite_url: str) -> None:
    db = Database(sqlite_url)
    seed(db)
    clock = FixedClock(NOW)
    scheduler, inbox = scheduler_for(db, clock)
    scheduler.tick()

    [message] = inbox.messages
    for company in COMPANIES:
        assert company in message.reply.text
    labels = [b.label for b in message.reply.buttons]
    assert len(labels) <= 5 and len(set(labels)) == len(labels)
    assert all(len(label) <= 30 for label in labels), labels
    assert labels[:3] == ["Follow up: Acme Corp", "Follow up: International…",
                          "Follow up: Globex"]
    assert labels[3:] == ["Show all 6", "Snooze all till tomorrow"]

    # "Show all": each one on its own, with its own choices
    engine = Engine(db, clock)
    jane = UserKey("console", "local", "jane")
    shown = engine.handle(Incoming.press(jane, message.reply.buttons[3].value))
    assert len(shown) == 6
    for company, reply in zip(COMPANIES, shown, strict=True):
        assert company in reply.text
        assert "Still deciding" in [b.label for b in reply.buttons]
    # one of them pressed from there counts for that application only
    engine.handle(Incoming.press(jane, next(b.value for b in shown[1].buttons
                                            if b.label == "Still deciding")))
    again = engine.handle(Incoming.press(jane, message.reply.buttons[3].value))
    assert len(again) == 5 and not any("International" in r.text for r in again)
    db.dispose()


def test_a_long_company_is_shortened_at_a_word_boundary() -> None:
    assert shorten("Acme Corp", 20) == "Acme Corp"
    assert shorten("International Business Machines", 19) == "International…"
    assert shorten("Initech Software Solutions", 18) == "Initech Software…"
    assert shorten("Supercalifragilistic", 10) == "Supercali…"  # one long word: no boundary
    assert len(shorten("Umbrella Pharmaceuticals Europe", 19)) <= 19
