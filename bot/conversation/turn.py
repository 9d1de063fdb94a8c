"""One turn of a conversation: the user's repository, the time, the flow state and the replies."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from typing import Any

from bot.conversation.state import FlowState
from bot.messages import Button, Draft, Reply
from bot.parsing import ParseError, tz_from_name
from storage.models import User
from storage.repository import Repository


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
            draft: Draft | None = None) -> None:
        self.replies.append(Reply(text, tuple(buttons), draft))

    def changed(self, application_id: int) -> None:
        """Mark an application whose facts changed, so its nudges are planned again."""
        self.facts_changed.add(application_id)
