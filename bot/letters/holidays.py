"""Public holidays of the user's country (the `holidays` library, offline): the country asked in
settings or guessed from the time zone, and the words that name a holiday that moved a date."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from functools import cache
from importlib import resources
from typing import Protocol

import holidays as holiday_calendars

from bot.formatting import short_date
from bot.parsing import ParseError
from bot.parsing.choices import match_choice

ALIASES = {"uk": "GB", "england": "GB", "britain": "GB", "great britain": "GB", "usa": "US",
           "america": "US", "united states of america": "US", "holland": "NL"}


class Holidays:
    """One country's public holidays; empty (no country) counts only weekends."""

    def __init__(self, country: str = "") -> None:
        self.country = country
        self._calendar = _calendar(country) if country else None

    def name(self, day: date) -> str | None:
        """The holiday on that day, or None."""
        if self._calendar is None or day not in self._calendar:
            return None
        return str(self._calendar.get(day)).split(";")[0].strip()

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.name(day) is not None


@cache
def _calendar(country: str) -> holiday_calendars.HolidayBase:
    return holiday_calendars.country_holidays(country)  # years are added as they are asked


@cache
def _zone_countries() -> dict[str, str]:
    """Time zone name → ISO country, from the tz database's own table (tzdata, offline)."""
    text = resources.files("tzdata").joinpath("zoneinfo", "zone.tab").read_text()
    found = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            code, _, zone = line.split("\t")[:3]
            found[zone] = code
    return found


@cache
def _country_names() -> dict[str, str]:
    text = resources.files("tzdata").joinpath("zoneinfo", "iso3166.tab").read_text()
    names = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            code, name = line.split("\t")[:2]
            names[name] = code
    return names


def supported(country: str) -> bool:
    return country in holiday_calendars.list_supported_countries()


def country_of_zone(zone: str) -> str:
    """The country of a time zone ("Europe/Berlin" → "DE"), when the holidays are known."""
    code = _zone_countries().get(zone, "")
    return code if supported(code) else ""


def user_country(country: str, zone: str) -> str:
    """The country whose holidays count: the one the user chose, else their time zone's."""
    return country if country and supported(country) else country_of_zone(zone)


SHORT_NAMES = {"GB": "the UK", "US": "the US", "NL": "the Netherlands", "AE": "the UAE"}


def country_name(country: str) -> str:
    names = {code: name for name, code in _country_names().items()}
    return SHORT_NAMES.get(country) or names.get(country, country)


def parse_country(text: str) -> str:
    """An ISO code from "Germany", "de", "UK", "united states"; ParseError when unknown or its
    holidays aren't known."""
    word = " ".join(text.casefold().split()).strip(" .!")
    code = ALIASES.get(word) or (word.upper() if len(word) == 2 else None)
    if code is None or code not in _country_names().values():
        code = match_choice(word, _country_names(), cutoff=80)
    if code is None:
        raise ParseError(f"I don't know the country “{text.strip()[:60]}” — try its name "
                         "(“Germany”) or its two-letter code (“DE”).")
    if not supported(code):
        raise ParseError(f"I don't have the public holidays of {country_name(code)}, so I'll "
                         "count only weekends. Pick another country, or “skip”.")
    return code


def moved_by(days: Iterable[date], calendar: Holidays) -> str:
    """“ (not counting Christmas Day on Fri 25 Dec)” for the holidays among `days`, or ""."""
    named = [f"{(calendar.name(day) or '').replace(' (observed)', ' observed')} on "
             f"{short_date(day)}" for day in sorted(set(days)) if day in calendar]
    if not named:
        return ""
    listed = named[0] if len(named) == 1 else ", ".join(named[:-1]) + " or " + named[-1]
    return f" (not counting {listed})"


class HasCountry(Protocol):
    """Where the country is read from: the `User` row."""

    @property
    def country(self) -> str: ...
    @property
    def timezone(self) -> str: ...


def calendar_for(user: HasCountry) -> Holidays:
    """The user's public holidays: their country's, or their time zone's country's."""
    return Holidays(user_country(user.country or "", user.timezone or ""))
