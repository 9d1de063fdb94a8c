"""Buttons bound to their question.

A button that answers a question carries that question in its value:
`q:<flow>:<step>:<question id>:<value>`. The question id is stored in the flow's slots when the
question is asked; a press whose question is no longer the current one changes nothing (the
question still pending is asked again). Standalone actions keep their plain values because they
check on their own whether they still hold: commands (`/…`), a nudge's buttons (`n:…`, valid for
their letter or application) and the self-contained news buttons (`u:y:`, `u:c:`, `u:details:`,
`u:n`, `u:new:`), which re-read the application they name.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, replace

from bot.messages import Button, Reply
from bot.turn import FlowState

BOUND = "q:"
QUESTION = "_q"  # the slot holding the id of the question now asked
NO_FLOW = "-"  # bound to "no question": issued by a turn that ended its flow
MOVED_ON = "That question has moved on — nothing changed."
STANDALONE = ("/", "n:", "u:y:", "u:c:", "u:details:", "u:new:")
STANDALONE_EXACT = ("u:n",)


@dataclass(frozen=True)
class Bound:
    """A pressed button's question and the answer it gives."""

    flow: str
    step: str
    question: str
    value: str


def is_standalone(value: str) -> bool:
    """A button that is valid by itself, whatever question is open."""
    return value.startswith(STANDALONE) or value in STANDALONE_EXACT


def question_of(state: FlowState | None) -> str:
    """The id of the question now asked (one is made when a flow has none yet)."""
    if state is None:
        return NO_FLOW
    current = state.slots.get(QUESTION)
    if not isinstance(current, str) or not current:
        current = new_question(state)
    return current


def new_question(state: FlowState) -> str:
    """A fresh id: buttons issued for earlier questions stop counting."""
    state.slots[QUESTION] = secrets.token_hex(4)
    return str(state.slots[QUESTION])


@dataclass(frozen=True)
class Asked:
    """Where a flow stood when a turn began: to tell, at its end, whether a new question came."""

    state: FlowState | None
    flow: str
    step: str
    answers: int

    @classmethod
    def of(cls, state: FlowState | None) -> Asked:
        if state is None:
            return cls(None, "", "", 0)
        return cls(state, state.flow, state.step, len(state.history))

    def same_question(self, state: FlowState | None) -> bool:
        return (state is not None and state is self.state and state.flow == self.flow
                and state.step == self.step and len(state.history) == self.answers)


def bind(state: FlowState | None, asked: Asked, replies: list[Reply]) -> list[Reply]:
    """The replies with every answer button bound to the question the turn leaves open; a turn
    that asked a new question (another step, back, a restart, a new flow) gets a new id."""
    if state is not None and not asked.same_question(state):
        new_question(state)
    if not any(not is_standalone(b.value) and not b.value.startswith(BOUND)
               for reply in replies for b in reply.buttons):
        return replies
    flow, step = (state.flow, state.step) if state is not None else (NO_FLOW, NO_FLOW)
    question = question_of(state)
    prefix = f"{BOUND}{flow}:{step}:{question}:"

    def bound(button: Button) -> Button:
        if is_standalone(button.value) or button.value.startswith(BOUND):
            return button
        return replace(button, value=prefix + button.value)

    return [replace(reply, buttons=tuple(map(bound, reply.buttons))) if reply.buttons else reply
            for reply in replies]


def unbind(value: str) -> Bound | None:
    """The question and answer of a bound value; None when it is not one."""
    if not value.startswith(BOUND):
        return None
    parts = value[len(BOUND):].split(":", 3)
    if len(parts) != 4:
        return None
    return Bound(*parts)


def is_current(state: FlowState | None, pressed: Bound) -> bool:
    """Is the pressed button's question the one asked now?"""
    if state is None or pressed.flow == NO_FLOW:
        return False
    return (pressed.flow == state.flow and pressed.step == state.step
            and pressed.question == state.slots.get(QUESTION))


def answer_of(value: str) -> str:
    """The answer a (possibly bound) button value gives — for tests and the console's echo."""
    found = unbind(value)
    return found.value if found is not None else value

