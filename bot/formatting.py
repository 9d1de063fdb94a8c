"""How dates are shown to the job seeker: one short form everywhere ("Fri 27 Nov")."""

from __future__ import annotations

from datetime import date
from functools import lru_cache


@lru_cache(maxsize=4096)  # a batch of nudges shows the same few dates thousands of times
def short_date(day: date) -> str:
    return f"{day:%a} {day.day} {day:%b}"
