"""The offer flow's letter questions: the user's own figures behind each counter-offer argument,
the competing offer as recorded, and the decline's "are you sure?", positive reason and open
door."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from bot.conversation.flows.base import Jump, text_answer
from bot.conversation.flows.offer_records import _app, _offer, _other_offers
from bot.formatting import possessive
from bot.letters.offers import (
    COUNTER_ARGUMENTS,
    FIGURE_QUESTIONS,
    POSITIVE_REASONS,
    negative_reason,
)
from bot.messages import Button
from bot.parsing import ParseError, parse_yes_no
from bot.turn import Turn

NEEDS_NUMBER = frozenset({"market", "relocation", "commute"})
REASON_LABELS = ("A role closer to my goals", "The right match for me now",
                 "Fits my long-term goals")


# ---- counter-offer figures --------------------------------------------------------------------

def missing_figure(turn: Turn) -> str:
    """The first chosen argument that still needs the user's figure, or ""."""
    figures = turn.slots.get("figures") or {}
    skipped = turn.slots.get("figures_skipped") or []
    for key in turn.slots.get("arguments", []):
        if key in FIGURE_QUESTIONS and key not in figures and key not in skipped:
            return str(key)
    return ""


def needs_figure(turn: Turn) -> bool:
    return turn.slots.get("choice") == "negotiate" and bool(missing_figure(turn))


def figure_prompt(turn: Turn) -> str:
    key = missing_figure(turn)
    return (f"{FIGURE_QUESTIONS[key]}\nThe letter cites your own figure — an argument without "
            "one convinces nobody (“skip” leaves this argument out).")


def figure_answer(text: str, turn: Turn) -> str:
    value = text_answer(text, turn)
    if len(value) > 160:
        raise ParseError("Keep it to the figure and its source — under 160 characters.")
    key = missing_figure(turn)
    if key in NEEDS_NUMBER and not any(c.isdigit() for c in value):
        raise ParseError(f"I need the figure itself — {FIGURE_QUESTIONS[key].split('? ', 1)[-1]}"
                         " (or “skip” to leave this argument out).")
    return value


def on_figure(turn: Turn, value: str) -> None:
    key = missing_figure(turn)
    if not key:
        return
    if value:
        turn.slots["figures"] = {**(turn.slots.get("figures") or {}), key: value}
    else:
        turn.slots["figures_skipped"] = [*(turn.slots.get("figures_skipped") or []), key]
        turn.say(f"Okay — I leave out “{COUNTER_ARGUMENTS[key]}”.")
    if missing_figure(turn):
        raise Jump("figure")


def competing_salary(turn: Turn, competing: str) -> Decimal | None:
    """The recorded salary of the competing offer: the named company's, else the best other
    open offer in the same currency; None when nothing is recorded."""
    app, offer = _app(turn), _offer(turn)
    best: Decimal | None = None
    for other, other_offer in _other_offers(turn, app):
        if other_offer.salary is None or offer is not None and offer.currency and \
                other_offer.currency and other_offer.currency != offer.currency:
            continue
        if competing and other.company.casefold() != competing.casefold():
            continue
        salary = Decimal(other_offer.salary)
        best = salary if best is None or salary > best else best
    return best


# ---- declining ----------------------------------------------------------------------------------

def sure_prompt(turn: Turn) -> str:
    company = turn.slots.get("company") or "them"
    return (f"Are you sure you want to decline {possessive(company)} offer? Once you send it, it "
            "is hard to take back — if something could change your mind (salary, start date, "
            "remote days), negotiating first costs nothing.")


def on_sure(turn: Turn, yes: bool) -> None:
    if not yes:
        turn.slots["choice"] = None
        turn.say("Good — nothing is declined. Take your time.")
        raise Jump("decision")


def reason_answer(text: str, turn: Turn) -> str:
    """The user's reason, refused when negative, with positive ones offered instead."""
    value = text_answer(text, turn)
    if value in POSITIVE_REASONS:
        return value
    if len(value) > 300:
        raise ParseError("Keep the reason to one short sentence — under 300 characters.")
    bad = negative_reason(value)
    if bad:
        raise ParseError(
            f"“{bad}” would burn a bridge — a decline gives a positive reason or none. Say what "
            "you chose rather than what was wrong, or pick one:",
            tuple(zip(REASON_LABELS, POSITIVE_REASONS, strict=True)))
    return value


def reason_choices(turn: Turn) -> list[Button]:
    return [Button(label, value) for label, value in zip(REASON_LABELS, POSITIVE_REASONS,
                                                          strict=True)]


def interest_prompt(turn: Turn) -> str:
    company = turn.slots.get("company") or "them"
    return (f"Would you like to work with {company} one day, in another role? If so, the letter "
            "keeps the door open.")


def yes_no(text: str, turn: Turn) -> bool:
    return parse_yes_no(text)


def letter_slots(turn: Turn) -> dict[str, Any]:
    """What the counter-offer letter needs from the slots: figures and competing salary."""
    competing = str(turn.slots.get("competing") or "")
    return {"figures": dict(turn.slots.get("figures") or {}),
            "competing_salary": competing_salary(turn, competing)}
