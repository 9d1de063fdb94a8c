"""Business-day arithmetic for reply deadlines and notice periods, Monday to Friday."""

from __future__ import annotations

import datetime

_ONE_DAY = datetime.timedelta(days=1)


def is_business_day(d: datetime.date) -> bool:
    """Monday to Friday. Public holidays are not known here."""
    return d.weekday() < 5


def add_business_days(d: datetime.date, n: int) -> datetime.date:
    """The date `n` business days after `d`, skipping Saturdays and Sundays.

    Friday + 1 is Monday; Saturday + 1 and Sunday + 1 are Monday too (counting
    starts from the last business day on or before `d`). With ``n == 0`` the
    result is `d` itself when it is a business day, else the next Monday.
    There is no holiday calendar: bank holidays count as business days.
    Raises ValueError for a negative `n`.
    """
    if n < 0:
        raise ValueError(f"n must be >= 0, got {n}")
    if n == 0:
        while not is_business_day(d):
            d += _ONE_DAY
        return d
    while not is_business_day(d):  # a weekend start counts from the Friday before
        d -= _ONE_DAY
    weeks, rest = divmod(n, 5)
    d += datetime.timedelta(weeks=weeks)
    for _ in range(rest):
        d += _ONE_DAY
        while not is_business_day(d):
            d += _ONE_DAY
    return d


def last_working_day(notice_date: datetime.date, notice_business_days: int = 10) -> datetime.date:
    """The last working day when notice is handed in on `notice_date`.

    Two weeks' notice is ten business days after the given date: notice given on
    Monday 2026-12-21 ends on Monday 2027-01-04. Weekends are skipped; public
    holidays (Christmas, New Year…) are not known and count as working days, so
    check the contract and local holidays.
    """
    return add_business_days(notice_date, notice_business_days)


def business_days_between(start: datetime.date, end: datetime.date) -> int:
    """How many business days come after `start` up to and including `end` (0 if end <= start)."""
    if end <= start:
        return 0
    weeks, rest = divmod((end - start).days, 7)
    count = weeks * 5
    d = start + datetime.timedelta(weeks=weeks)
    for _ in range(rest):
        d += _ONE_DAY
        if is_business_day(d):
            count += 1
    return count
