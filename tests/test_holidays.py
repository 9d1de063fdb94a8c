"""Business days skip the public holidays of the user's country — chosen in settings, or guessed
from the time zone — and the text names the holiday that moved a date."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from bot.letters.business_days import add_business_days, business_days_between, last_working_day
from bot.letters.holidays import Holidays, country_of_zone, parse_country
from bot.parsing import ParseError
from storage.models import User
from tests.story import Seeker, debrief, make_engine, onboard

WEDNESDAY_BEFORE_CHRISTMAS = datetime(2026, 12, 23, 10, 0, tzinfo=UTC)


def test_two_business_days_from_the_day_before_christmas_eve_skip_christmas_and_boxing_day():
    assert add_business_days(date(2026, 12, 23), 2) == date(2026, 12, 25)  # weekends only
    assert add_business_days(date(2026, 12, 23), 2, Holidays("GB")) == date(2026, 12, 29)


def test_thanksgiving_is_skipped_in_the_us_but_not_in_the_uk():
    wednesday = date(2026, 11, 25)
    assert add_business_days(wednesday, 1, Holidays("US")) == date(2026, 11, 27)
    assert add_business_days(wednesday, 1, Holidays("GB")) == date(2026, 11, 26)


def test_ten_business_days_of_notice_over_new_year_in_germany():
    # 25 Dec and 1 Jan are German holidays on weekdays: ten business days end Wed 6 Jan
    notice = date(2026, 12, 21)
    assert last_working_day(notice) == date(2027, 1, 4)
    assert last_working_day(notice, holidays=Holidays("DE")) == date(2027, 1, 6)
    assert business_days_between(notice, date(2027, 1, 6), Holidays("DE")) == 10


@pytest.mark.parametrize(("zone", "country"), [
    ("Europe/London", "GB"), ("America/New_York", "US"), ("Europe/Berlin", "DE"),
    ("Asia/Kolkata", "IN"), ("UTC", "")])
def test_the_country_is_guessed_from_the_time_zone(zone, country):
    assert country_of_zone(zone) == country


@pytest.mark.parametrize(("typed", "code"), [
    ("germany", "DE"), ("UK", "GB"), ("united states", "US"), ("fr", "FR"), ("Frnace", "FR")])
def test_a_country_is_read_by_name_code_or_with_a_typo(typed, code):
    assert parse_country(typed) == code


def test_an_unknown_country_is_refused_with_a_clear_message():
    with pytest.raises(ParseError, match="I don't know the country “Narnia”"):
        parse_country("Narnia")


def test_settings_ask_the_country_and_offer_the_time_zones_guess(sqlite_url):
    engine, _, db = make_engine(sqlite_url, WEDNESDAY_BEFORE_CHRISTMAS)
    jane = Seeker(engine)
    onboard(jane)
    assert "• Country (public holidays): the UK (from your time zone)" in jane.last
    jane.runs("settings")
    jane.presses("Country")
    assert jane.buttons[:2] == ["the UK", "From my time zone"] and len(jane.buttons) <= 5
    jane.says("narnia")
    assert "I don't know the country" in jane.text
    jane.says("germany")
    assert "• Country (public holidays): Germany" in jane.last
    with db.session() as session:
        assert session.query(User).one().country == "DE"
    db.dispose()


def test_an_offer_without_a_deadline_on_23_december_is_due_after_the_holidays_and_says_why(
        any_db_url):
    engine, _, db = make_engine(any_db_url, WEDNESDAY_BEFORE_CHRISTMAS)
    jane = Seeker(engine)
    onboard(jane)  # London
    debrief(jane, "Acme", ("Jane Smith",), "yesterday 11am", "don't know")
    jane.runs("offer", "Acme")
    jane.answers("85k", "10%", "skip", "skip", "25", "skip", "skip", "skip", "don't know")
    assert ("two business days: Tue 29 Dec (not counting Christmas Day on Fri 25 Dec or "
            "Boxing Day observed on Mon 28 Dec)") in jane.text
    db.dispose()


def test_a_follow_up_after_a_christmas_eve_decision_waits_for_the_first_working_day(any_db_url):
    engine, clock, db = make_engine(any_db_url, datetime(2026, 12, 18, 10, 0, tzinfo=UTC))
    jane = Seeker(engine)
    onboard(jane)  # London
    debrief(jane, "Acme", ("Jane Smith",), "today 9am", "Dec 24")
    jane.runs("followup", "Acme")
    assert "I'll remind you on Tue 29 Dec" in jane.text  # not Christmas, not Boxing Day
    with db.session() as session:
        from storage.models import Nudge
        [follow_up] = session.query(Nudge).filter_by(kind="follow_up").all()
        assert follow_up.due_at == datetime(2026, 12, 29, 9, 0, tzinfo=UTC)
    db.dispose()
