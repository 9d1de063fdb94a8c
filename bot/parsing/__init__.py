"""Pure parsers for what job seekers type, one module a topic: dates and times, time zones,
hours, choices and numbers, contacts, money. Bad input raises `ParseError` with a short, specific
message; everything is importable from here."""

from bot.parsing.base import MAX_INPUT, ParseError, Prefer
from bot.parsing.choices import (
    RATING_MESSAGE,
    is_dont_know,
    is_no,
    is_yes,
    parse_int,
    parse_rating,
    parse_yes_no,
)
from bot.parsing.contacts import parse_email, parse_phone
from bot.parsing.dates import parse_date, parse_datetime
from bot.parsing.hours import parse_hour, parse_quiet_hours, parse_quiet_window
from bot.parsing.money import parse_money
from bot.parsing.names import company_name
from bot.parsing.zones import parse_timezone, tz_from_name

__all__ = [
    "MAX_INPUT",
    "ParseError",
    "Prefer",
    "RATING_MESSAGE",
    "company_name",
    "is_dont_know",
    "is_no",
    "is_yes",
    "parse_date",
    "parse_datetime",
    "parse_email",
    "parse_hour",
    "parse_int",
    "parse_money",
    "parse_phone",
    "parse_quiet_hours",
    "parse_quiet_window",
    "parse_rating",
    "parse_timezone",
    "parse_yes_no",
    "tz_from_name",
]
