"""How dates and names are shown to the job seeker: one short date form everywhere ("Fri 27
Nov"), possessives ("Acme Analytics' offer")."""

from __future__ import annotations

from datetime import date
from functools import lru_cache


@lru_cache(maxsize=4096)  # a batch of nudges shows the same few dates thousands of times
def short_date(day: date) -> str:
    return f"{day:%a} {day.day} {day:%b}"


def possessive(name: str) -> str:
    """“Acme's”, “Acme Analytics'”: a name ending in s takes the apostrophe alone."""
    name = name.strip()
    return f"{name}'" if name.endswith(("s", "S")) else f"{name}'s"
