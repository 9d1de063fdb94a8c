"""Where a user stands in a conversation: the flow, its step, the slots filled so far and the
undo log — what the engine stores after every turn."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

STALE_AFTER = timedelta(hours=6)


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
