"""What an adapter is: it starts, stops, and delivers replies to one of its users.

Adapters translate platform events to `bot.messages` and back, nothing more. Delivery is
dispatched on the reply's parts; a part an adapter cannot render is a loud `TypeError`.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import TYPE_CHECKING

from bot.messages import Reply, UserKey
from bot.nudges.scheduler import DeliveryError

if TYPE_CHECKING:
    from afterview.http import HttpServer

__all__ = ["Adapter", "AsyncAdapter", "DeliveryError"]


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


class AsyncAdapter(Adapter):
    """A platform served from the process's asyncio loop (Telegram, Slack).

    `start_async(http)` registers its routes on the shared HTTP server when it has one
    (`http` is None in a worker, which polls instead); `deliver` is called by the scheduler
    from its own thread and must be safe there.
    """

    async def start_async(self, http: HttpServer | None, *, polling: bool) -> None:  # noqa: B027
        """Connect; with `polling`, fetch updates actively (Telegram long polling)."""

    async def stop_async(self) -> None:  # noqa: B027
        """Finish the work in progress and disconnect."""
