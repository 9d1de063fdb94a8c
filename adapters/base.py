"""What an adapter is: it starts, stops, and delivers replies to one of its users; and what the
composition root (`afterview`) gives it: its configuration and the process's HTTP routes.

Adapters translate platform events to `bot.messages` and back, nothing more. Delivery is
dispatched on the reply's parts; a part an adapter cannot render is a loud `TypeError`.
Adapters never import `afterview`: they are handed objects that fit the protocols below.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable, Sequence
from typing import Protocol

from aiohttp import web

from bot.messages import Reply, UserKey
from bot.nudges.scheduler import DeliveryError

__all__ = ["Adapter", "AsyncAdapter", "DeliveryError", "HttpRoutes", "Secret", "SlackConfig",
           "TelegramConfig"]

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class Secret(Protocol):
    """A configured secret that never prints (pydantic's `SecretStr` fits)."""

    def get_secret_value(self) -> str: ...


class TelegramConfig(Protocol):
    """What the Telegram adapter reads from the operator's configuration (read-only)."""

    @property
    def telegram_bot_token(self) -> Secret | None: ...

    @property
    def telegram_api_url(self) -> str: ...

    @property
    def telegram_webhook_url(self) -> str | None: ...

    @property
    def telegram_webhook_secret(self) -> Secret | None: ...


class SlackConfig(Protocol):
    """What the Slack adapter reads from the operator's configuration (read-only)."""

    @property
    def slack_bot_token(self) -> Secret | None: ...

    @property
    def slack_signing_secret(self) -> Secret | None: ...

    @property
    def slack_app_token(self) -> Secret | None: ...

    @property
    def slack_api_url(self) -> str: ...

    @property
    def slack_socket_mode(self) -> bool: ...

    @property
    def slack_client_id(self) -> str | None: ...

    @property
    def slack_client_secret(self) -> Secret | None: ...

    @property
    def slack_oauth(self) -> bool: ...


class HttpRoutes(Protocol):
    """The process's one HTTP server, as an adapter sees it: routes to add before it starts, and
    work to run once it listens (e.g. registering a webhook that points at it)."""

    def add_post(self, path: str, handler: Handler) -> None: ...

    def add_get(self, path: str, handler: Handler) -> None: ...

    def on_started(self, callback: Callable[[], Awaitable[None]]) -> None: ...


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

    async def start_async(self, http: HttpRoutes | None, *, polling: bool) -> None:  # noqa: B027
        """Connect; with `polling`, fetch updates actively (Telegram long polling)."""

    async def stop_async(self) -> None:  # noqa: B027
        """Finish the work in progress and disconnect."""
