"""The settings step for the user's country, whose public holidays business days skip (reply
deadlines, the offer decision, notice periods); guessed from the time zone until set."""

from __future__ import annotations

from typing import Any

from bot.conversation.flows.base import Step
from bot.letters.holidays import country_name, country_of_zone, parse_country
from bot.messages import Button
from bot.turn import Turn
from storage.models import User

GUESS = "guess"


def _prompt(turn: Turn) -> str:
    return (f"Which country's public holidays should I skip when I count business days (reply "
            f"deadlines, notice periods)? Now: {country_line(turn.user)}.")


def _parse(text: str, turn: Turn) -> str:
    if " ".join(text.casefold().split()) in (GUESS, "from my time zone", "auto"):
        return ""
    return parse_country(text)


def _choices(turn: Turn) -> list[Button]:
    guessed = country_of_zone(turn.user.timezone or "")
    found = [Button(country_name(guessed), guessed)] if guessed else []
    return [*found, Button("From my time zone", GUESS)]


def country_line(user: User) -> str:
    """“United Kingdom”, or “United Kingdom (from your time zone)”, or none."""
    if user.country:
        return country_name(user.country)
    guessed = country_of_zone(user.timezone or "")
    return (f"{country_name(guessed)} (from your time zone)" if guessed
            else "none — only weekends are skipped")


def apply_country(turn: Turn, slots: dict[str, Any]) -> None:
    if slots.get("country") is not None:
        turn.user.country = slots["country"]


COUNTRY = Step("country", _prompt, _parse, optional=True, skip_value=None, choices=_choices,
               help="A country name (“Germany”) or code (“DE”); “From my time zone” guesses.")
