"""Business-day arithmetic for reply deadlines and notice periods: Monday to Friday, skipping
the public holidays of the user's country when a calendar is given (`bot.letters.holidays`)."""

from __future__ import annotations

import datetime
from collections.abc import Container

_ONE_DAY = datetime.timedelta(days=1)
NoHolidays: Container[datetime.date] = frozenset()


def is_business_day(d: datetime.date, holidays: Container[datetime.date] = NoHolidays) -> bool:
    """Monday to Friday, and not a public holiday of the calendar given."""
    return d.weekday() < 5 and d not in holidays


def add_business_days(d: datetime.date, n: int,
                      holidays: Container[datetime.date] = NoHolidays) -> datetime.date:
    """The date `n` business days after `d`, skipping weekends and the holidays given.

    Friday + 1 is Monday; Saturday + 1 and Sunday + 1 are Monday too (counting
    starts from the last business day on or before `d`). With ``n == 0`` the
    result is `d` itself when it is a business day, else the next business day.
    Raises ValueError for a negative `n`.
    """
    if n < 0:
        raise ValueError(f"n must be >= 0, got {n}")
    if n == 0:
        while not is_business_day(d, holidays):
            d += _ONE_DAY
        return d
    while not is_business_day(d, holidays):  # a day off counts from the business day before
        d -= _ONE_DAY
    for _ in range(n):
        d += _ONE_DAY
        while not is_business_day(d, holidays):
            d += _ONE_DAY
    return d


def last_working_day(notice_date: datetime.date, notice_business_days: int = 10,
                     holidays: Container[datetime.date] = NoHolidays) -> datetime.date:
    """The last working day when notice is handed in on `notice_date`.

    Two weeks' notice is ten business days after the given date: notice given on
    Monday 2026-12-21 ends on Monday 2027-01-04 when no holidays are given; with a
    country's calendar its public holidays (Christmas, New Year…) are skipped too.
    """
    return add_business_days(notice_date, notice_business_days, holidays)


def business_days_between(start: datetime.date, end: datetime.date,
                          holidays: Container[datetime.date] = NoHolidays) -> int:
    """How many business days come after `start` up to and including `end` (0 if end <= start)."""
    count, d = 0, start
    while d < end:
        d += _ONE_DAY
        if is_business_day(d, holidays):
            count += 1
    return count


def days_off_between(start: datetime.date, end: datetime.date,
                     holidays: Container[datetime.date]) -> list[datetime.date]:
    """The holidays (weekdays) after `start` up to `end` that the counting skipped."""
    found, d = [], start
    while d < end:
        d += _ONE_DAY
        if d.weekday() < 5 and d in holidays:
            found.append(d)
    return found
