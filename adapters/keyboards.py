"""Old keyboards go when their question ends: an adapter notes each message it sent with buttons
bound to a question (the engine's `q:` values), and after every turn takes the buttons off those
whose question is no longer the one asked. (A stale press changes nothing anyway — the engine
refuses it — this only spares the user buttons that no longer work.) Buttons that stand on their
own (a nudge's, a command's) stay."""

from __future__ import annotations

import threading
from collections.abc import Hashable, Sequence
from typing import Generic, TypeVar

from bot.conversation.questions import BOUND, unbind

Ref = TypeVar("Ref", bound=Hashable)  # how a platform names a sent message
KEEP = 20  # messages remembered per user (older ones are left as they are)


def bound_tokens(values: Sequence[str], tokens: Sequence[str] | None) -> dict[str, str]:
    """token -> question id, for the buttons of a turn that answer a question."""
    if not tokens:
        return {}
    found = {}
    for value, token in zip(values, tokens, strict=False):
        pressed = unbind(value) if value.startswith(BOUND) else None
        if pressed is not None:
            found[token] = pressed.question
    return found


class OpenKeyboards(Generic[Ref]):
    """Per user: the sent messages whose buttons answer a question, and which question."""

    def __init__(self) -> None:
        self._open: dict[Hashable, dict[Ref, str]] = {}
        self._lock = threading.Lock()

    def sent(self, user: Hashable, message: Ref, question: str) -> None:
        with self._lock:
            mine = self._open.setdefault(user, {})
            mine[message] = question
            while len(mine) > KEEP:
                mine.pop(next(iter(mine)))

    def forget(self, user: Hashable, message: Ref) -> None:
        with self._lock:
            self._open.get(user, {}).pop(message, None)

    def ended(self, user: Hashable, current: str | None) -> list[Ref]:
        """The messages whose question is not `current` (None: no question is open); they are
        forgotten, for the caller to take their buttons off."""
        with self._lock:
            mine = self._open.get(user, {})
            gone = [ref for ref, question in mine.items() if question != current]
            for ref in gone:
                del mine[ref]
            if not mine:
                self._open.pop(user, None)
            return gone
