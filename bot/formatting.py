"""How dates are shown to the job seeker: one short form everywhere ("Fri 27 Nov")."""

from __future__ import annotations

from datetime import date


def short_date(day: date) -> str:
    return f"{day:%a} {day.day} {day:%b}"
