"""One turn of a conversation — the user's repository, the time, where they stand in a flow and the
replies being built — the working context every room of the core is handed."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, tzinfo
from typing import Any

from bot.messages import Button, Draft, Reply
from bot.parsing import ParseError, tz_from_name
from storage.models import User
from storage.repository import Repository

STALE_AFTER = timedelta(hours=6)

DraftHook = Callable[["Turn", Draft], tuple[Draft, list[Button]]]
DRAFT_HOOKS: list[DraftHook] = []
"""Called for every draft a turn shows (bot.records.letters keeps them for editing)."""


@dataclass
class FlowState:
    """Where a user stands in a flow; what the engine stores after every step."""

    flow: str
    step: str
    slots: dict[str, Any] = field(default_factory=dict)
    history: list[dict[str, Any]] = field(default_factory=list)
    updated_at: datetime | None = None

    def is_stale(self, now: datetime) -> bool:
        return self.updated_at is not None and now - self.updated_at > STALE_AFTER


@dataclass
class Turn:
    """Everything a step, a command or a rule may use while answering one incoming message."""

    repo: Repository
    now: datetime
    state: FlowState | None = None
    replies: list[Reply] = field(default_factory=list)
    facts_changed: set[int] = field(default_factory=set)

    @property
    def user(self) -> User:
        return self.repo.user

    @property
    def slots(self) -> dict[str, Any]:
        assert self.state is not None, "slots exist only inside a flow"
        return self.state.slots

    @property
    def tz(self) -> tzinfo:
        try:
            return tz_from_name(self.user.timezone or "UTC")
        except ParseError:
            return tz_from_name("UTC")

    @property
    def local_now(self) -> datetime:
        return self.now.astimezone(self.tz)

    def say(self, text: str, buttons: tuple[Button, ...] | list[Button] = (),
            draft: Draft | None = None, *, multiline: bool = False) -> None:
        if draft is not None and not draft.edited and draft.facts:
            for hook in DRAFT_HOOKS:  # every letter shown is kept; the user's version wins
                draft, more = hook(self, draft)
                buttons = (*buttons, *more)
        self.replies.append(Reply(text, tuple(buttons), draft, multiline=multiline))

    def changed(self, application_id: int) -> None:
        """Mark an application whose facts changed, so its nudges are planned again."""
        self.facts_changed.add(application_id)
