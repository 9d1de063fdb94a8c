"""What an adapter is: it starts, stops, and delivers replies to one of its users.

Adapters translate platform events to `bot.messages` and back, nothing more. Delivery is
dispatched on the reply's parts; a part an adapter cannot render is a loud `TypeError`.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence

from bot.messages import Reply, UserKey
from bot.scheduler import DeliveryError

__all__ = ["Adapter", "DeliveryError"]


class Adapter(ABC):
    """One platform. `platform` matches `UserKey.platform` of the users it serves."""

    platform: str = ""

    def start(self) -> None:  # noqa: B027 - optional hook
        """Connect to the platform (start polling, register webhooks…)."""

    def stop(self) -> None:  # noqa: B027 - optional hook
        """Disconnect cleanly."""

    @abstractmethod
    def deliver(self, user: UserKey, replies: Sequence[Reply]) -> None:
        """Send replies to the user; raise `DeliveryError` when the platform refuses."""
