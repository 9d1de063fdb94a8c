"""What the job seeker types, and what the bot understands: bot.parsing, one behaviour a test."""

from __future__ import annotations

import subprocess
import sys
import time as timer
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.parsing import (
    ParseError,
    is_dont_know,
    is_no,
    is_yes,
    parse_date,
    parse_datetime,
    parse_email,
    parse_hour,
    parse_int,
    parse_money,
    parse_phone,
    parse_quiet_hours,
    parse_rating,
    parse_timezone,
    parse_yes_no,
    tz_from_name,
)

BERLIN = ZoneInfo("Europe/Berlin")
LOS_ANGELES = ZoneInfo("America/Los_Angeles")

SUNDAY_10AM = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)  # Sunday 22 Nov 2026, 10:00 in Berlin
FRIDAY_10AM = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)  # Friday 27 Nov 2026, 10:00 in Berlin
WEDNESDAY_10AM = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
DEC_10_10AM = datetime(2026, 12, 10, 9, 0, tzinfo=UTC)


def on_sunday(text: str, prefer: str = "future") -> date:
    return parse_date(text, SUNDAY_10AM, BERLIN, prefer=prefer)  # type: ignore[arg-type]


def when_on_sunday(text: str, prefer: str = "past", **kwargs: object) -> datetime:
    return parse_datetime(text, SUNDAY_10AM, BERLIN, prefer=prefer, **kwargs)  # type: ignore[arg-type]


def berlin(year: int, month: int, day: int, hour: int, minute: int) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=BERLIN)


def message_of(parser: Callable[[str], object], text: str) -> str:
    with pytest.raises(ParseError) as caught:
        parser(text)
    return str(caught.value)


# --------------------------------------------------------------------------- don't know, yes, no


@pytest.mark.parametrize(
    "answer",
    [
        "don't know",
        "Dont know",
        "I don’t know",
        "IDK",
        "not sure",
        "No idea.",
        "unknown",
        "?",
        "???",
        "dunno",
        "no clue",
        "not yet known",
        "I don't know yet",
        "DON'T KNOW",
    ],
)
def test_dont_know_is_recognised_in_its_many_spellings(answer: str) -> None:
    assert is_dont_know(answer)


@pytest.mark.parametrize("answer", ["no", "know", "3", "Dec 5", "", "Berlin"])
def test_real_answers_are_not_dont_know(answer: str) -> None:
    assert not is_dont_know(answer)


@pytest.mark.parametrize("answer", ["yes", "Y", "yeah!", "yep", "sure", "OK", "done", "👍", "Yes."])
def test_yes_words_are_yes(answer: str) -> None:
    assert is_yes(answer)
    assert not is_no(answer)


@pytest.mark.parametrize("answer", ["no", "N", "nope", "not yet", "Not yet.", "nah"])
def test_no_words_are_no(answer: str) -> None:
    assert is_no(answer)
    assert not is_yes(answer)


def test_no_idea_is_dont_know_rather_than_no() -> None:
    assert not is_no("no idea")


def test_parse_yes_no_reads_both_answers() -> None:
    assert parse_yes_no("Yep") is True
    assert parse_yes_no("not yet") is False


def test_parse_yes_no_names_the_unclear_answer() -> None:
    assert message_of(parse_yes_no, "maybe") == (
        "I couldn't read “maybe” as yes or no — please answer “yes” or “no”."
    )


# --------------------------------------------------------------------------- time zones


@pytest.mark.parametrize(
    ("answer", "zone"),
    [
        ("Berlin", "Europe/Berlin"),
        ("new york", "America/New_York"),
        ("São Paulo", "America/Sao_Paulo"),
        ("sao paulo", "America/Sao_Paulo"),
        ("NYC", "America/New_York"),
        ("SF", "America/Los_Angeles"),
        ("LA", "America/Los_Angeles"),
        ("London", "Europe/London"),
        ("Bangalore", "Asia/Kolkata"),
        ("Mumbai", "Asia/Kolkata"),
        ("Zürich", "Europe/Zurich"),
        ("Dar es Salaam", "Africa/Dar_es_Salaam"),
        ("buenos aires", "America/Argentina/Buenos_Aires"),
    ],
)
def test_a_city_name_gives_its_iana_zone(answer: str, zone: str) -> None:
    assert parse_timezone(answer) == zone


def test_an_iana_name_is_accepted_in_any_case() -> None:
    assert parse_timezone("europe/berlin") == "Europe/Berlin"


@pytest.mark.parametrize("answer", ["UTC", "gmt", "utc+0", "Z"])
def test_utc_and_gmt_are_plain_utc(answer: str) -> None:
    assert parse_timezone(answer) == "UTC"


@pytest.mark.parametrize(
    ("answer", "canonical"),
    [
        ("UTC+2", "UTC+02:00"),
        ("+2", "UTC+02:00"),
        ("GMT-5", "UTC-05:00"),
        ("UTC+05:30", "UTC+05:30"),
        ("+0530", "UTC+05:30"),
        ("-12", "UTC-12:00"),
        ("+14", "UTC+14:00"),
    ],
)
def test_an_offset_becomes_a_canonical_utc_offset(answer: str, canonical: str) -> None:
    assert parse_timezone(answer) == canonical


@pytest.mark.parametrize(
    ("answer", "zone"),
    [
        ("CET", "Europe/Berlin"),
        ("EST", "America/New_York"),
        ("PST", "America/Los_Angeles"),
        ("IST", "Asia/Kolkata"),
    ],
)
def test_a_common_abbreviation_means_the_zone_with_daylight_saving(answer: str, zone: str) -> None:
    assert parse_timezone(answer) == zone


@pytest.mark.parametrize("answer", ["I'm in Berlin", "Berlin, Germany", "berlin time"])
def test_a_city_inside_a_short_sentence_is_found(answer: str) -> None:
    assert parse_timezone(answer) == "Europe/Berlin"


def test_an_offset_beyond_plus_fourteen_is_refused_with_the_real_range() -> None:
    message = message_of(parse_timezone, "UTC+15")
    assert "“UTC+15”" in message and "UTC-12 to UTC+14" in message


def test_an_unknown_place_is_named_in_the_error() -> None:
    message = message_of(parse_timezone, "Smarchville")
    assert "“Smarchville”" in message and "Berlin" in message


def test_tz_from_name_gives_a_zoneinfo_for_an_iana_name() -> None:
    assert tz_from_name("Europe/Berlin") == ZoneInfo("Europe/Berlin")


def test_tz_from_name_gives_a_fixed_offset_for_utc_plus_five_thirty() -> None:
    zone = tz_from_name("UTC+05:30")
    assert zone.utcoffset(None) == timedelta(hours=5, minutes=30)


def test_tz_from_name_gives_utc_for_utc() -> None:
    assert tz_from_name("UTC").utcoffset(None) == timedelta(0)


def test_tz_from_name_refuses_an_unknown_name() -> None:
    with pytest.raises(ParseError):
        tz_from_name("Mars/Olympus_Mons")


@pytest.mark.parametrize("answer", ["Berlin", "NYC", "UTC", "UTC-04:00", "+0530", "IST"])
def test_every_parsed_time_zone_can_be_turned_into_a_tzinfo(answer: str) -> None:
    zone = tz_from_name(parse_timezone(answer))
    assert SUNDAY_10AM.astimezone(zone).utcoffset() is not None


# --------------------------------------------------------------------------- hours and quiet hours


@pytest.mark.parametrize(
    ("answer", "hour"),
    [
        ("9", 9),
        ("9am", 9),
        ("9 am", 9),
        ("21", 21),
        ("9pm", 21),
        ("21:00", 21),
        ("noon", 12),
        ("midnight", 0),
        ("12am", 0),
        ("12pm", 12),
        ("9 p.m.", 21),
        ("nine", 9),
        ("at 9", 9),
    ],
)
def test_an_hour_is_read_in_twelve_and_twenty_four_hour_forms(answer: str, hour: int) -> None:
    assert parse_hour(answer) == hour


def test_an_hour_with_minutes_is_refused_with_whole_hours_suggested() -> None:
    message = message_of(parse_hour, "9:30")
    assert "“9:30”" in message and "09:00" in message


@pytest.mark.parametrize("answer", ["25", "13pm", "21:75"])
def test_an_hour_that_does_not_exist_is_refused(answer: str) -> None:
    assert f"“{answer}”" in message_of(parse_hour, answer)


def test_an_hour_that_is_not_a_time_names_the_expected_form() -> None:
    message = message_of(parse_hour, "breakfast")
    assert "“breakfast”" in message and "9am" in message


@pytest.mark.parametrize(
    "answer", ["22-7", "10pm to 7am", "22:00-07:00", "22 - 7", "from 10pm until 7am"]
)
def test_quiet_hours_from_ten_at_night_to_seven_in_the_morning(answer: str) -> None:
    assert parse_quiet_hours(answer) == (22, 7)


def test_quiet_hours_with_spaces_around_the_dash() -> None:
    assert parse_quiet_hours("21 - 8") == (21, 8)


@pytest.mark.parametrize("answer", ["none", "No", "off", "Off."])
def test_quiet_hours_can_be_turned_off(answer: str) -> None:
    assert parse_quiet_hours(answer) is None


def test_quiet_hours_that_start_and_end_together_are_refused() -> None:
    message = message_of(parse_quiet_hours, "7-7")
    assert "“7-7”" in message and "different start and end" in message


def test_quiet_hours_that_are_not_a_range_show_the_expected_form() -> None:
    message = message_of(parse_quiet_hours, "22")
    assert "“22”" in message and "22-7" in message


# --------------------------------------------------------------------------- ratings and numbers

RATING_HELP = "Please answer with a number from 1 (badly) to 5 (great)."


@pytest.mark.parametrize(
    ("answer", "rating"),
    [
        ("3", 3),
        ("3/5", 3),
        ("4 stars", 4),
        ("1 star", 1),
        ("five", 5),
        ("4 out of 5", 4),
        ("⭐⭐⭐⭐", 4),
    ],
)
def test_a_rating_is_read_from_digits_fractions_stars_and_words(answer: str, rating: int) -> None:
    assert parse_rating(answer) == rating


@pytest.mark.parametrize("answer", ["0", "6", "great", "3.5"])
def test_a_rating_outside_one_to_five_gets_the_scale_explained(answer: str) -> None:
    assert message_of(parse_rating, answer) == RATING_HELP


@pytest.mark.parametrize(
    ("answer", "number"),
    [
        ("3", 3),
        ("two", 2),
        ("Twenty", 20),
        ("zero", 0),
        ("1,000", 1000),
        ("3 rounds", 3),
        ("none", 0),
        ("a couple", 2),
    ],
)
def test_a_number_is_read_from_digits_and_words(answer: str, number: int) -> None:
    assert parse_int(answer) == number


def test_a_number_out_of_range_names_the_range_and_the_answer() -> None:
    message = message_of(lambda t: parse_int(t, lo=1, hi=10, what="a number of rounds"), "12")
    assert message == "Please give a number of rounds from 1 to 10 — “12” is out of range."


def test_a_range_already_named_in_the_question_is_not_repeated() -> None:
    message = message_of(lambda t: parse_int(t, lo=1, hi=10, what="a number from 1 to 10"), "12")
    assert message == "Please give a number from 1 to 10 — “12” is out of range."


def test_a_number_below_the_minimum_is_refused() -> None:
    assert "at least 1" in message_of(lambda t: parse_int(t, lo=1), "0")


def test_a_word_that_is_not_a_number_is_named_in_the_error() -> None:
    message = message_of(parse_int, "lots")
    assert "“lots”" in message and "three" in message


def test_twenty_one_in_words_is_not_mistaken_for_twenty() -> None:
    with pytest.raises(ParseError):
        parse_int("twenty one")


# --------------------------------------------------------------------------- email and phone


def test_an_email_keeps_the_local_part_and_lower_cases_the_domain() -> None:
    assert parse_email("  Jane.Doe@Example.COM ") == "Jane.Doe@example.com"


def test_an_email_written_as_a_mailto_link_is_accepted() -> None:
    assert parse_email("mailto:jane@example.io") == "jane@example.io"


def test_a_half_written_email_is_refused_with_an_example() -> None:
    assert message_of(parse_email, "jane@") == (
        "“jane@” isn't an email address — it should look like jane@example.com."
    )


@pytest.mark.parametrize("answer", ["jane@@x.io", "jane@x", "a b@x.io", "jane.example.com"])
def test_malformed_emails_are_refused(answer: str) -> None:
    with pytest.raises(ParseError):
        parse_email(answer)


@pytest.mark.parametrize(
    ("answer", "kept"),
    [
        ("+1 555 010 2030", "+1 555 010 2030"),
        ("(030) 1234-5678", "(030) 1234-5678"),
        ("+49  30   1234567 ", "+49 30 1234567"),
        ("555.010.2030", "555.010.2030"),
    ],
)
def test_a_phone_number_keeps_its_punctuation_with_tidy_spaces(answer: str, kept: str) -> None:
    assert parse_phone(answer) == kept


def test_a_phone_number_with_five_digits_is_too_short() -> None:
    message = message_of(parse_phone, "12345")
    assert "“12345”" in message and "at least 6 digits" in message


def test_a_phone_number_with_sixteen_digits_is_too_long() -> None:
    assert "15 digits" in message_of(parse_phone, "1234567890123456")


def test_a_phone_number_with_letters_is_refused_with_an_example() -> None:
    message = message_of(parse_phone, "call me maybe")
    assert "“call me maybe”" in message and "+1 555 010 2030" in message


# --------------------------------------------------------------------------- money


@pytest.mark.parametrize(
    ("answer", "amount", "currency"),
    [
        ("$120,000", Decimal(120000), "USD"),
        ("120k", Decimal(120000), None),
        ("95 000 EUR", Decimal(95000), "EUR"),
        ("€85k", Decimal(85000), "EUR"),
        ("1.2m", Decimal(1200000), None),
        ("85000", Decimal(85000), None),
        ("85.000 €", Decimal(85000), "EUR"),
        ("120,000 USD per year", Decimal(120000), "USD"),
        ("CHF 100'000", Decimal(100000), "CHF"),
        ("£50k a year", Decimal(50000), "GBP"),
        ("120000.50", Decimal("120000.50"), None),
        ("2 million dollars", Decimal(2000000), "USD"),
        ("85 MXN", Decimal(85), "MXN"),
    ],
)
def test_an_amount_is_read_with_its_currency(
    answer: str, amount: Decimal, currency: str | None
) -> None:
    assert parse_money(answer) == (amount, currency)


@pytest.mark.parametrize("answer", ["competitive", "120-130k", "$", "12 apples"])
def test_something_that_is_not_an_amount_is_refused_with_examples(answer: str) -> None:
    message = message_of(parse_money, answer)
    assert f"“{answer}”" in message and "85k EUR" in message


def test_an_amount_with_two_different_currencies_is_refused() -> None:
    assert "two currencies" in message_of(parse_money, "$120k EUR")


# ------------------------------------------------------------------ dates: the everyday words


def test_today_is_the_local_date() -> None:
    assert on_sunday("today") == date(2026, 11, 22)


def test_today_3pm_is_this_afternoon_in_the_users_zone() -> None:
    assert when_on_sunday("today 3pm") == berlin(2026, 11, 22, 15, 0)


def test_today_at_15_30_reads_the_twenty_four_hour_clock() -> None:
    assert when_on_sunday("Today  at 15:30") == berlin(2026, 11, 22, 15, 30)


def test_yesterday_without_a_time_is_noon_yesterday() -> None:
    assert when_on_sunday("yesterday") == berlin(2026, 11, 21, 12, 0)


def test_today_without_a_time_is_now() -> None:
    assert when_on_sunday("today") == berlin(2026, 11, 22, 10, 0)


def test_a_default_time_fills_in_when_no_time_is_given() -> None:
    assert when_on_sunday("tomorrow", default_time=time(18)) == berlin(2026, 11, 23, 18, 0)


def test_yesterday_10am() -> None:
    assert when_on_sunday("yesterday 10am") == berlin(2026, 11, 21, 10, 0)


def test_tomorrow_is_the_next_day() -> None:
    assert on_sunday("tomorrow") == date(2026, 11, 23)


def test_tomorrow_at_9_is_nine_in_the_morning() -> None:
    assert when_on_sunday("tomorrow at 9") == berlin(2026, 11, 23, 9, 0)


def test_a_bare_hour_from_one_to_six_is_read_as_the_afternoon() -> None:
    assert when_on_sunday("tomorrow at 3") == berlin(2026, 11, 23, 15, 0)


def test_this_morning_is_nine_oclock_today() -> None:
    assert when_on_sunday("this morning") == berlin(2026, 11, 22, 9, 0)


def test_this_afternoon_is_two_oclock_today() -> None:
    assert when_on_sunday("this afternoon") == berlin(2026, 11, 22, 14, 0)


def test_a_part_of_day_turns_a_bare_hour_into_the_evening() -> None:
    assert when_on_sunday("friday evening at 8") == berlin(2026, 11, 20, 20, 0)


def test_now_is_the_current_minute() -> None:
    assert when_on_sunday("now") == berlin(2026, 11, 22, 10, 0)


def test_an_hour_ago() -> None:
    assert when_on_sunday("an hour ago") == berlin(2026, 11, 22, 9, 0)


def test_two_hours_ago() -> None:
    assert when_on_sunday("2 hours ago") == berlin(2026, 11, 22, 8, 0)


def test_three_days_ago_is_a_date_with_the_default_noon() -> None:
    assert when_on_sunday("3 days ago") == berlin(2026, 11, 19, 12, 0)


def test_two_hours_ago_just_after_midnight_is_yesterday() -> None:
    just_after_midnight = datetime(2026, 11, 22, 23, 30, tzinfo=UTC)  # 00:30 on Monday in Berlin
    assert parse_date("2 hours ago", just_after_midnight, BERLIN) == date(2026, 11, 22)


# --------------------------------------------------------------------------- dates: weekdays


def test_next_friday_said_on_a_sunday_is_five_days_later() -> None:
    assert on_sunday("next Friday") == date(2026, 11, 27)


def test_next_friday_said_on_a_friday_is_a_week_later() -> None:
    assert parse_date("next friday", FRIDAY_10AM, BERLIN) == date(2026, 12, 4)


def test_a_bare_friday_looking_ahead_is_the_coming_friday() -> None:
    assert on_sunday("Friday", prefer="future") == date(2026, 11, 27)


def test_a_bare_friday_looking_back_is_the_friday_just_gone() -> None:
    assert on_sunday("Friday", prefer="past") == date(2026, 11, 20)


@pytest.mark.parametrize("prefer", ["past", "future"])
def test_a_bare_friday_said_on_a_friday_is_today(prefer: str) -> None:
    assert parse_date("Friday", FRIDAY_10AM, BERLIN, prefer=prefer) == date(2026, 11, 27)  # type: ignore[arg-type]


def test_last_friday_said_on_a_friday_is_a_week_ago() -> None:
    assert parse_date("last Friday", FRIDAY_10AM, BERLIN) == date(2026, 11, 20)


def test_last_friday_is_in_the_past_even_when_the_future_is_preferred() -> None:
    assert on_sunday("last friday", prefer="future") == date(2026, 11, 20)


def test_next_friday_is_in_the_future_even_when_the_past_is_preferred() -> None:
    assert on_sunday("next friday", prefer="past") == date(2026, 11, 27)


def test_on_monday_2pm_looking_back_is_last_monday_afternoon() -> None:
    assert when_on_sunday("on monday 2pm") == berlin(2026, 11, 16, 14, 0)


def test_on_monday_2pm_looking_ahead_is_tomorrow_afternoon() -> None:
    assert when_on_sunday("on Monday 2pm", prefer="future") == berlin(2026, 11, 23, 14, 0)


def test_friday_9am_said_on_friday_at_ten_looking_ahead_is_next_week() -> None:
    assert parse_datetime("Friday 9am", FRIDAY_10AM, BERLIN, prefer="future") == berlin(
        2026, 12, 4, 9, 0
    )


def test_friday_3pm_said_on_friday_at_ten_looking_back_is_last_week() -> None:
    assert parse_datetime("Friday 3pm", FRIDAY_10AM, BERLIN, prefer="past") == berlin(
        2026, 11, 20, 15, 0
    )


def test_a_time_alone_looking_back_is_the_latest_such_time() -> None:
    assert when_on_sunday("3pm", prefer="past") == berlin(2026, 11, 21, 15, 0)


def test_a_time_alone_looking_ahead_is_the_next_such_time() -> None:
    assert when_on_sunday("3pm", prefer="future") == berlin(2026, 11, 22, 15, 0)


# --------------------------------------------------------------------------- dates: spans


def test_in_two_weeks() -> None:
    assert on_sunday("in two weeks") == date(2026, 12, 6)


def test_in_three_days() -> None:
    assert on_sunday("in 3 days") == date(2026, 11, 25)


def test_in_a_week() -> None:
    assert on_sunday("in a week") == date(2026, 11, 29)


def test_in_ten_days() -> None:
    assert on_sunday("in 10 days") == date(2026, 12, 2)


def test_next_week_is_the_same_weekday_seven_days_on() -> None:
    assert on_sunday("next week") == date(2026, 11, 29)


def test_end_of_the_week_said_on_a_wednesday_is_that_friday() -> None:
    assert parse_date("end of the week", WEDNESDAY_10AM, BERLIN) == date(2026, 11, 27)


def test_end_of_the_week_said_on_a_friday_is_today() -> None:
    assert parse_date("end of the week", FRIDAY_10AM, BERLIN) == date(2026, 11, 27)


def test_end_of_the_week_said_on_a_sunday_is_the_coming_friday() -> None:
    assert on_sunday("end of the week") == date(2026, 11, 27)


def test_end_of_next_week_said_on_a_wednesday_is_the_friday_after_next() -> None:
    assert parse_date("end of next week", WEDNESDAY_10AM, BERLIN) == date(2026, 12, 4)


def test_in_a_month_keeps_the_day_of_the_month() -> None:
    assert on_sunday("in 2 months") == date(2027, 1, 22)


# --------------------------------------------------------------------------- dates: calendar dates


@pytest.mark.parametrize("answer", ["Dec 5", "5 Dec", "December 5th", "dec. 5", "5th of December"])
def test_a_month_and_day_looking_ahead_is_this_december(answer: str) -> None:
    assert on_sunday(answer) == date(2026, 12, 5)


@pytest.mark.parametrize("answer", ["Dec 5 2026", "December 5, 2026", "2026-12-05", "05.12.2026"])
def test_a_date_with_a_year_is_exactly_that_date(answer: str) -> None:
    assert on_sunday(answer, prefer="past") == date(2026, 12, 5)


def test_an_iso_date_and_time() -> None:
    assert when_on_sunday("2026-12-05 14:00") == berlin(2026, 12, 5, 14, 0)


def test_a_month_day_and_time_with_dots_in_pm() -> None:
    assert when_on_sunday("Dec. 5, 2026 at 2:30 p.m.") == berlin(2026, 12, 5, 14, 30)


def test_january_said_in_november_looking_ahead_is_next_year() -> None:
    assert on_sunday("Jan 10", prefer="future") == date(2027, 1, 10)


def test_january_said_in_november_looking_back_is_this_year() -> None:
    assert on_sunday("Jan 10", prefer="past") == date(2026, 1, 10)


def test_dec_5_said_on_dec_10_looking_back_is_this_year() -> None:
    assert parse_date("Dec 5", DEC_10_10AM, BERLIN, prefer="past") == date(2026, 12, 5)


def test_dec_5_said_on_dec_10_looking_ahead_is_next_year() -> None:
    assert parse_date("Dec 5", DEC_10_10AM, BERLIN, prefer="future") == date(2027, 12, 5)


def test_dec_31_said_on_jan_2_looking_back_is_last_year() -> None:
    jan_2 = datetime(2027, 1, 2, 9, 0, tzinfo=UTC)
    assert parse_date("Dec 31", jan_2, BERLIN, prefer="past") == date(2026, 12, 31)


def test_feb_29_without_a_year_is_the_next_leap_day() -> None:
    assert on_sunday("Feb 29") == date(2028, 2, 29)


def test_the_fifth_is_the_next_fifth_of_a_month() -> None:
    assert on_sunday("the 5th") == date(2026, 12, 5)


def test_a_day_first_slash_date_that_cannot_be_month_first_is_read() -> None:
    assert on_sunday("25/12") == date(2026, 12, 25)


def test_an_ambiguous_slash_date_asks_for_the_month_in_words() -> None:
    message = message_of(lambda t: on_sunday(t), "12/05")
    assert "“12/05”" in message and "December 5" in message and "May 12" in message


def test_february_30_is_not_a_real_date() -> None:
    message = message_of(lambda t: on_sunday(t), "Feb 30")
    assert message == "“Feb 30” isn't a real date — February has no day 30."


def test_an_unusual_phrase_is_left_to_dateparser() -> None:
    assert on_sunday("the 3rd of next month") == date(2026, 12, 3)


# --------------------------------------------------------------------------- dates: time zones


def test_today_for_a_user_in_los_angeles_at_half_past_eleven_at_night_is_their_date() -> None:
    late_in_la = datetime(2026, 11, 22, 7, 30, tzinfo=UTC)  # 21 Nov, 23:30 in Los Angeles
    assert parse_date("today", late_in_la, LOS_ANGELES) == date(2026, 11, 21)


def test_today_9pm_in_los_angeles_is_an_aware_pacific_time() -> None:
    late_in_la = datetime(2026, 11, 22, 7, 30, tzinfo=UTC)
    found = parse_datetime("today 9pm", late_in_la, LOS_ANGELES)
    assert found == datetime(2026, 11, 21, 21, 0, tzinfo=LOS_ANGELES)
    assert found.utcoffset() == timedelta(hours=-8)


def test_a_fixed_offset_zone_gives_a_time_at_that_offset() -> None:
    india = tz_from_name("UTC+05:30")
    found = parse_datetime("tomorrow 9am", SUNDAY_10AM, india)
    assert found.utcoffset() == timedelta(hours=5, minutes=30)
    assert (found.date(), found.hour, found.minute) == (date(2026, 11, 23), 9, 0)


def test_a_time_in_the_spring_forward_gap_moves_to_summer_time() -> None:
    found = when_on_sunday("Mar 29 2026 2:30am")
    assert found.astimezone(UTC) == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)
    assert found.utcoffset() == timedelta(hours=2)


# --------------------------------------------------------------------------- dates: refusals


def test_a_made_up_date_gets_the_friendly_message() -> None:
    assert message_of(lambda t: on_sunday(t), "32nd Smarch") == (
        "I couldn't read “32nd Smarch” as a date — try “yesterday 3pm”, “Dec 5” or “next Friday”."
    )


def test_a_made_up_date_and_time_gets_time_examples() -> None:
    message = message_of(lambda t: when_on_sunday(t), "sometime")
    assert "“sometime”" in message and "today at 15:30" in message


def test_an_empty_date_asks_for_an_answer_or_skip() -> None:
    assert message_of(lambda t: on_sunday(t), "   ") == "Please type a date — or “skip”."


def test_dont_know_is_not_a_date() -> None:
    with pytest.raises(ParseError):
        on_sunday("don't know")


def test_an_overlong_date_is_refused_without_being_read() -> None:
    message = message_of(lambda t: on_sunday(t), "next friday " * 30)
    assert "too long" in message and "Dec 5" in message


def test_an_impossible_time_of_day_is_refused() -> None:
    message = message_of(lambda t: when_on_sunday(t), "tomorrow 25:00")
    assert "“tomorrow 25:00”" in message and "15:00" in message


def test_a_date_centuries_away_is_refused() -> None:
    assert "too far" in message_of(lambda t: on_sunday(t), "in 9999 years")


def test_importing_the_parsers_does_not_import_dateparser() -> None:
    check = "import sys, bot.parsing; print('dateparser' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", check], capture_output=True, text=True, check=True, timeout=60
    )
    assert result.stdout.strip() == "False"


# --------------------------------------------------------------------------- any text at all

PARSERS: list[Callable[[str], object]] = [
    is_dont_know,
    is_yes,
    is_no,
    parse_yes_no,
    parse_timezone,
    tz_from_name,
    parse_hour,
    parse_quiet_hours,
    parse_rating,
    parse_int,
    parse_email,
    parse_phone,
    parse_money,
    lambda t: parse_date(t, SUNDAY_10AM, BERLIN),
    lambda t: parse_datetime(t, SUNDAY_10AM, LOS_ANGELES, prefer="future"),
]
DATE_WORDS = [
    "next",
    "last",
    "friday",
    "dec",
    "5",
    "3pm",
    "at",
    "in",
    "weeks",
    "ago",
    "the",
    "of",
    "12/05",
    "2026-02-30",
    ":",
    "-",
    "tomorrow",
    "noon",
    "k",
    "$",
    "+",
    "utc",
]
ANY_TEXT = st.one_of(
    st.text(max_size=300),
    st.lists(st.sampled_from(DATE_WORDS), max_size=8).map(" ".join),
)


@settings(max_examples=200, deadline=None)
@given(text=ANY_TEXT)
def test_any_text_is_either_understood_or_refused_with_a_parse_error(text: str) -> None:
    for parser in PARSERS:
        started = timer.perf_counter()
        try:
            parser(text)
        except ParseError as refused:
            assert str(refused)
        assert timer.perf_counter() - started < 2.0  # generous: the first dateparser call warms up
