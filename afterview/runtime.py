"""Process wiring: which adapters are enabled, and how the scheduler reaches each user."""

from __future__ import annotations

from collections.abc import Sequence

from adapters.base import Adapter
from adapters.console import ConsoleAdapter
from bot.messages import Reply, UserKey
from bot.scheduler import Deliver, DeliveryError


def delivery_for(adapters: Sequence[Adapter] = (), *, json_mode: bool = False) -> Deliver:
    """A deliver function that routes each user's nudges to the adapter of their platform."""
    by_platform: dict[str, Adapter] = {a.platform: a for a in adapters}
    by_platform.setdefault("console", ConsoleAdapter(json_mode=json_mode))

    def deliver(user: UserKey, replies: Sequence[Reply]) -> None:
        adapter = by_platform.get(user.platform)
        if adapter is None:
            raise DeliveryError(f"no adapter for platform {user.platform!r} is enabled here")
        adapter.deliver(user, replies)

    return deliver
