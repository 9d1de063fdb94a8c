"""A debrief told in one sentence: what the sentence names fills the debrief's slots (read with
the debrief's own parsers, so the same checks apply), then the quick path asks only for what is
missing."""

from __future__ import annotations

import contextlib
from datetime import datetime
from typing import TYPE_CHECKING, Any

from bot.conversation.flows.debrief import ROUNDS
from bot.conversation.flows.debrief_quick import QUICK
from bot.parsing import ParseError, company_name
from bot.parsing.names import proper_name
from bot.turn import Turn
from bot.understanding.meaning import Meaning

if TYPE_CHECKING:
    from bot.conversation.flows.base import Runner


def start_debrief(runner: Runner, turn: Turn, meaning: Meaning) -> None:
    slots: dict[str, Any] = {QUICK: True}
    app = turn.repo.application(meaning.company.one) if meaning.company.one else None
    if app is not None and app.is_active:
        done = len(turn.repo.interviews(app))
        slots.update(application_id=app.id, company=app.company, known_role=app.role,
                     suggested_round=ROUNDS[min(done, len(ROUNDS) - 1)])
        slots["round"] = slots["suggested_round"]
    elif app is not None:
        slots["company"] = app.company  # a closed application: a new one at the same company
    elif meaning.company.said:
        slots["company"] = company_name(meaning.company.said)
    if meaning.role:
        slots["role"] = meaning.role
    elif app is not None and app.role and app.is_active:
        slots["role"] = app.role
    held = _held(turn, meaning)
    if held is not None:
        slots["when"] = held
    if meaning.people:
        slots["interviewers"] = [{"name": proper_name(p.name),
                                  **({"title": p.title} if p.title else {})}
                                 for p in meaning.people]
    if meaning.decision_day is not None and held is not None \
            and meaning.decision_day >= datetime.fromisoformat(held).date():
        slots["decision_date"] = meaning.decision_day.isoformat()
        slots["decision_assumed"] = False
    slots.setdefault("round", "first")
    runner.start(turn, "debrief", slots)


def start_new_debrief(runner: Runner, turn: Turn, company: str) -> None:
    """"Yes, record Umbrella": the quick debrief of a company we didn't know."""
    company = company_name(company[:200])
    slots: dict[str, Any] = {QUICK: True, "round": "first"}
    if company:
        slots["company"] = company
    runner.start(turn, "debrief", slots)


def _held(turn: Turn, meaning: Meaning) -> str | None:
    """The interview's moment in the debrief's own form, if the sentence gave one it accepts."""
    from bot.conversation.flows.debrief import _when

    if meaning.at is not None:
        candidates = [meaning.at.strftime("%Y-%m-%d %H:%M")]
    elif meaning.day is not None:
        candidates = ["now"] if meaning.day == turn.local_now.date() else [
            meaning.day.isoformat()]
    elif any(w in meaning.text.casefold() for w in ("just had", "just finished", "just now",
                                                    "just came out", "just got out")):
        candidates = ["now"]
    else:
        return None
    for said in candidates:
        with contextlib.suppress(ParseError, ValueError):
            return _when(said, turn)
    return None


