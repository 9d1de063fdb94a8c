"""Forgiving choices: typos in a choice ("vidoe"), times with words around them ("9am please"),
quiet hours with minutes ("22:00-07:30"), a button's label typed as a name is questioned, and
possessives of names ending in s ("Acme Analytics' offer")."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.formatting import possessive
from bot.nudges.rules import Prefs, in_quiet_hours, out_of_quiet
from storage.models import Application, Interview, User
from tests.story import Seeker, make_engine, onboard

MONDAY = datetime(2026, 12, 7, 15, 0, tzinfo=UTC)
LONDON = ZoneInfo("Europe/London")


def _debrief_until_format(jane: Seeker, company: str = "Acme") -> None:
    jane.runs("debrief")
    jane.answers(company, "Data Analyst", "today 11am", "first")


def test_a_typo_in_the_format_is_read_as_the_format_it_nearly_spells(sqlite_url):
    engine, _, db = make_engine(sqlite_url, MONDAY)
    jane = Seeker(engine)
    onboard(jane)
    _debrief_until_format(jane)
    jane.says("vidoe")
    jane.answers("done", "4", "skip", "skip", "skip", "skip", "skip", "don't know", "skip",
                 "skip")
    assert "(first round, video)" in jane.text
    with db.session() as session:
        assert session.scalars(select(Interview.format)).one() == "video"
    db.dispose()


def test_an_hour_with_words_around_it_is_read(sqlite_url):
    engine, _, db = make_engine(sqlite_url, MONDAY)
    jane = Seeker(engine)
    jane.says("hello")
    jane.answers("Jane Doe", "skip", "London", "9am please", "22:00-07:30")
    assert "• Reminder hour: 09:00" in jane.last
    assert "• Quiet hours: 22:00–07:30" in jane.last
    with db.session() as session:
        user = session.scalars(select(User)).one()
        assert (user.nudge_hour, user.quiet_start, user.quiet_start_minute, user.quiet_end,
                user.quiet_end_minute) == (9, 22, 0, 7, 30)
    db.dispose()


def test_quiet_hours_ending_at_half_past_seven_hold_a_nudge_until_then():
    prefs = Prefs(tz=LONDON, nudge_hour=7, quiet=(22, 7), quiet_minutes=(0, 30))
    seven = datetime(2026, 12, 8, 7, 0, tzinfo=UTC)
    assert in_quiet_hours(seven, prefs)
    assert out_of_quiet(seven, prefs) == datetime(2026, 12, 8, 7, 30, tzinfo=UTC)
    assert not in_quiet_hours(datetime(2026, 12, 8, 7, 30, tzinfo=UTC), prefs)


def test_a_button_label_typed_as_a_company_is_questioned_before_it_is_stored(sqlite_url):
    engine, _, db = make_engine(sqlite_url, MONDAY)
    jane = Seeker(engine)
    onboard(jane)
    jane.runs("debrief")
    jane.says("Start a new one")
    assert "“Start a new one” is one of my buttons" in jane.last
    assert jane.buttons == ["Yes, “Start a new one” is right"]
    jane.says("Acme")  # they meant a name after all
    assert "role" in jane.last.casefold()
    jane.runs("cancel")
    jane.runs("debrief")
    jane.says("Continue")
    jane.presses("Yes, “Continue” is right")
    jane.answers("Data Analyst", "today 11am", "first", "video", "done", "4", "skip", "skip",
                 "skip", "skip", "skip", "don't know", "skip", "skip")
    with db.session() as session:
        assert session.scalars(select(Application.company)).all() == ["Continue"]
    db.dispose()


def test_possessives_of_names_ending_in_s_take_the_apostrophe_alone():
    assert possessive("Acme Analytics") == "Acme Analytics'"
    assert possessive("Acme") == "Acme's"
    assert possessive("James") == "James'"


def test_the_offer_decision_names_acme_analytics_offer_rightly(sqlite_url):
    engine, _, db = make_engine(sqlite_url, MONDAY)
    jane = Seeker(engine)
    onboard(jane)
    jane.runs("debrief")
    jane.answers("Acme Analytics", "Data Analyst", "today 11am", "first", "video", "done", "4",
                 "skip", "skip", "skip", "skip", "skip", "don't know", "skip", "skip")
    jane.runs("offer", "Acme Analytics")
    jane.answers("85k", "10%", "skip", "skip", "25", "skip", "skip", "skip", "Dec 9", "no",
                 "skip", "skip", "90k")
    jane.runs("status")
    jane.runs("export")
    ics = [r.attachment for r in jane.replies if r.attachment and
           r.attachment.filename.endswith(".ics")][0]
    text = ics.content.decode() if isinstance(ics.content, bytes) else ics.content
    assert "Reply to Acme Analytics' offer" in text and "Analytics's" not in text
    db.dispose()


def test_a_typo_in_any_button_answer_takes_that_button(sqlite_url):
    engine, _, db = make_engine(sqlite_url, MONDAY)
    jane = Seeker(engine)
    onboard(jane)
    _debrief_until_format(jane, "Acme")
    jane.answers("video", "done", "4", "skip", "skip", "skip", "skip", "skip", "don't know",
                 "skip", "skip")
    jane.runs("outcome")
    jane.says("stil decidng")
    assert "Acme is still deciding" in jane.text
    db.dispose()


def test_a_debrief_the_day_after_says_today_is_the_last_day_for_the_thank_yous(sqlite_url):
    engine, _, db = make_engine(sqlite_url, MONDAY)
    jane = Seeker(engine)
    onboard(jane)
    jane.runs("debrief")
    jane.answers("Acme", "Data Analyst", "yesterday 11am", "secnd", "video", "Jane Smith",
                 "skip", "skip", "skip", "skip", "done", "4", "skip", "skip", "skip", "skip",
                 "skip", "don't know", "skip", "skip")
    assert "(second round, video)" in jane.text
    assert "today — the day after the interview is the latest" in jane.text
    assert "tomorrow at the latest" not in jane.text
    db.dispose()
