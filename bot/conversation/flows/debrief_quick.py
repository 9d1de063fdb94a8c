"""The quick path of a debrief started from one sentence ("Interview at Acme for Data Engineer
today 11am with Jane Smith (EM) and Bob Lee, they decide next Friday"): only company, role,
when, interviewers and decision date are asked — and only those the sentence left out — then
one tap confirms; the rest of the debrief is offered afterwards as "add details"."""

from __future__ import annotations

import dataclasses
import re
from datetime import date, datetime
from typing import Any

from bot.conversation.flows.base import Flow, Step
from bot.formatting import short_date
from bot.messages import Button
from bot.parsing import ParseError, is_no, is_yes
from bot.parsing.names import proper_name
from bot.turn import Turn

QUICK = "_quick"
# the quick path's questions and the slot each one fills
ASKED = {"company": "company", "role": "role", "when": "when",
         "interviewer_name": "interviewers", "decision": "decision_date"}


def is_quick(turn: Turn) -> bool:
    return bool(turn.state is not None and turn.state.slots.get(QUICK))


def quick_aware(flow: Flow) -> Flow:
    """The same flow; in quick mode, a step is asked only when it is on the quick path and the
    sentence did not answer it, and a last step shows what was understood."""
    steps = [dataclasses.replace(step, ask_if=_asker(step)) for step in flow.steps]
    steps.append(Step("quick_confirm", summary, _yes_no, slot="quick_ok",
                      choices=(Button("Save", "yes"), Button("Cancel", "cancel")),
                      ask_if=is_quick, help="“yes” saves it, “back” changes the last answer, "
                                            "“cancel” drops it."))
    return dataclasses.replace(flow, steps=tuple(steps), _index={})


def _asker(step: Step):  # type: ignore[no-untyped-def]
    original = step.ask_if
    slot = ASKED.get(step.name)

    def ask(turn: Turn) -> bool:
        if original is not None and not original(turn):
            return False
        if not is_quick(turn):
            return True
        return slot is not None and not turn.slots.get(slot) and (
            step.name != "decision" or "decision_date" not in turn.slots)

    return ask


def _yes_no(text: str, turn: Turn) -> bool:
    if is_yes(text) or text.strip().casefold() in ("save", "save it"):
        return True
    if is_no(text):
        raise ParseError("Okay — say “back” to change the last answer, or “cancel” to drop it.")
    raise ParseError("Save it? “yes”, “back” to change the last answer, or “cancel”.")


def quick_names(turn: Turn, said: str) -> None:
    """In quick mode one answer may name everyone: "Jane Smith (EM), Bob Lee"."""
    people = list(turn.slots.get("interviewers", []))
    taken = {p["name"].casefold() for p in people}
    for part in re.split(r"\s*(?:,|;|\band\b|&)\s*", said):
        found = re.match(r"^(?P<name>[^()]+?)\s*(?:\((?P<title>[^)]*)\))?$", part.strip())
        if found is None or found.group("name").casefold() in taken:
            continue
        person = {"name": proper_name(found.group("name").strip())}
        if found.group("title"):
            person["title"] = found.group("title").strip()
        people.append(person)
        taken.add(person["name"].casefold())
    turn.slots["interviewers"] = people


def summary(turn: Turn) -> str:
    slots = turn.slots
    return "Here's what I understood:\n" + describe_quick(slots, turn) + "\nSave it?"


def describe_quick(slots: dict[str, Any], turn: Turn) -> str:
    lines = [f"• {slots.get('company', '?')} — {slots.get('role') or 'role not noted'}"
             f" ({slots.get('round') or 'first'} round)"]
    if slots.get("when"):
        held = datetime.fromisoformat(slots["when"]).astimezone(turn.tz)
        lines.append(f"• {short_date(held.date())} at {held:%H:%M}")
    people = [p["name"] + (f" ({p['title']})" if p.get("title") else "")
              for p in slots.get("interviewers", [])]
    lines.append(f"• Interviewers: {', '.join(people) if people else 'none noted'}")
    if slots.get("decision_date"):
        assumed = " (assumed)" if slots.get("decision_assumed") else ""
        lines.append(f"• Decision expected: "
                     f"{short_date(date.fromisoformat(slots['decision_date']))}{assumed}")
    return "\n".join(lines)
