"""News told outside any flow is confirmed before it is stored ("Record that Acme Corp turned you
down? Yes / No"). The one-tap buttons are standalone (they re-check their news when pressed);
this one-step flow lets a typed "yes" or "no" answer the same question. Anything else typed ends
it quietly and is read as a new message (the engine does that for light flows), so it never
holds the user."""

from __future__ import annotations

from typing import Any

from bot.conversation.flows.base import Flow, Runner, Step
from bot.conversation.flows.registry import FLOWS
from bot.messages import Button
from bot.parsing import parse_yes_no
from bot.turn import Turn

NAME = "confirm"
PREFIX = "u:"  # the news buttons' prefix (bot.conversation.news.PREFIX)


def open_confirmation(runner: Runner, turn: Turn, text: str, intent: str, app_id: int,
                      detail: str) -> None:
    """Ask `text` with Yes / No; remembered so a typed answer counts."""
    runner.start(turn, NAME, {"text": text, "intent": intent, "application_id": app_id,
                              "detail": detail})


def _buttons(turn: Turn) -> list[Button]:
    slots = turn.slots
    return [Button("Yes", f"{PREFIX}y:{slots['intent']}:{slots['application_id']}:"
                          f"{slots['detail']}"),
            Button("No", f"{PREFIX}n")]


def _yes_no(text: str, turn: Turn) -> bool:
    return parse_yes_no(text)


def _finish(turn: Turn, slots: dict[str, Any]) -> None:
    from bot.conversation.news_events import store

    app = turn.repo.application(slots.get("application_id"))
    if not slots.get("answer"):
        turn.say("Okay — nothing changed.")
    elif app is None:
        turn.say("That application isn't there anymore — nothing changed.")
    else:
        store(Runner(FLOWS), turn, str(slots["intent"]), app, str(slots.get("detail", "")))


CONFIRM = Flow(
    NAME,
    (Step("answer", lambda turn: str(turn.slots.get("text", "")), _yes_no, choices=_buttons,
          help="“yes” records it, “no” changes nothing."),),
    _finish,
    describe=lambda slots: "confirming your news",
    on_cancel="Okay — nothing changed.",
    light=True,
)
