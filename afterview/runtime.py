"""Process wiring: which adapters are enabled, the HTTP server, the scheduler, and shutdown.

`afterview run` = web + worker in one process; `afterview serve` = the HTTP server only
(webhooks, Slack, health); `afterview worker` = the scheduler and Telegram long polling.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from adapters.base import Adapter, AsyncAdapter
from adapters.console import ConsoleAdapter
from afterview.http import HttpServer
from afterview.settings import Settings
from bot.clock import Clock, SystemClock
from bot.conversation.buttons import ButtonVault
from bot.conversation.engine import Engine
from bot.messages import Reply, UserKey
from bot.nudges.scheduler import Deliver, DeliveryError, Scheduler
from storage.db import Database

if TYPE_CHECKING:
    from adapters.telegram_flood import FloodLimiter

log = logging.getLogger(__name__)


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


def public_url(settings: Settings) -> str | None:
    """PUBLIC_URL, the https address this server is reached at (letters' mail links point
    there); a value that is not an absolute https URL is ignored, loudly."""
    value = (settings.public_url or "").strip().rstrip("/")
    if not value:
        return None
    if not value.startswith("https://") or len(value) <= len("https://"):
        log.warning("PUBLIC_URL %r is not an https URL: letters carry no mail links", value)
        return None
    return value


def telegram_limiter(settings: Settings, db: Database) -> FloodLimiter:
    """Telegram's flood limits for this process. On PostgreSQL — where several workers may
    deliver one bot's nudges — the nudges also take slots of a pace the workers share through
    the database, so together they send the 30 a second Telegram allows, not 30 each."""
    from adapters.telegram_flood import SHARED_PER_SECOND, FloodLimiter
    from storage.pace import SharedPace

    limiter = FloodLimiter()
    if db.is_postgres and settings.telegram_bot_token:
        bot_id = settings.telegram_bot_token.get_secret_value().split(":", 1)[0]
        limiter.shared = SharedPace(db, f"telegram:{bot_id}", SHARED_PER_SECOND).reserve
    return limiter


def build_adapters(settings: Settings, engine: Engine, vault: ButtonVault) -> list[AsyncAdapter]:
    """The platform adapters the settings enable (Telegram, Slack)."""
    adapters: list[AsyncAdapter] = []
    if settings.telegram_enabled:
        from adapters.telegram import TelegramAdapter

        adapters.append(TelegramAdapter(settings, engine, vault,
                                        limiter=telegram_limiter(settings, engine.db)))
    if settings.slack_enabled:
        from adapters.slack import SlackAdapter

        adapters.append(SlackAdapter(settings, engine, vault))
    return adapters


def summary(settings: Settings, *, web: bool, worker: bool, db: Database) -> str:
    """The one-screen startup summary: what is on, what is missing. Never a secret."""
    def mark(on: bool) -> str:
        return "on " if on else "off"

    if settings.telegram_webhook_url:
        tg_mode = "webhook" if web else "sends nudges; the web process takes the webhook"
    else:
        tg_mode = "long polling" if worker else "the worker polls"
    if settings.slack_socket_mode:
        slack_mode = "Socket Mode"
    else:
        slack_mode = "/slack/events" if web else "sends nudges; the web process takes events"
    if settings.slack_oauth:
        slack_mode += ", many workspaces" + (": installs at /slack/install" if web else "")
    lines = [
        "Afterview",
        f"  database   {db.engine.url.render_as_string(hide_password=True)}",
        f"  telegram   {mark(settings.telegram_enabled)}"
        + (f"  ({tg_mode})" if settings.telegram_enabled else "  set TELEGRAM_BOT_TOKEN to enable"),
        f"  slack      {mark(settings.slack_enabled)}"
        + (f"  ({slack_mode})" if settings.slack_enabled
           else "  set SLACK_SIGNING_SECRET and SLACK_BOT_TOKEN (or SLACK_CLIENT_ID and "
                "SLACK_CLIENT_SECRET) to enable"),
        f"  http       {mark(web or settings.metrics_port is not None)}"
        + (f"  (port {settings.port}: /healthz /metrics)" if web
           else f"  (port {settings.metrics_port}: /healthz /metrics)"
           if settings.metrics_port is not None else "  set METRICS_PORT for /metrics"),
        f"  scheduler  {mark(worker)}",
    ]
    return "\n".join(lines)


class Runtime:
    """Everything configured, started and stopped together."""

    def __init__(self, settings: Settings, *, web: bool, worker: bool,
                 clock: Clock | None = None, tick_seconds: int = 60) -> None:
        self.settings = settings
        self.web = web
        self.worker = worker
        self.clock = clock or SystemClock()
        self.db = Database(settings.database_url)
        self.engine = Engine(self.db, self.clock, public_url=public_url(settings))
        self.vault = ButtonVault(self.db, self.clock)
        self.adapters = build_adapters(settings, self.engine, self.vault)
        self.http = HttpServer(self.db, settings.port, clock=self.clock) if web else None
        # a worker alone serves /metrics and /healthz on METRICS_PORT (no adapter routes there)
        self.metrics_http = HttpServer(self.db, settings.metrics_port) \
            if not web and settings.metrics_port is not None else None
        self.scheduler = Scheduler(self.db, delivery_for(self.adapters), self.clock)
        self.tick_seconds = tick_seconds
        self._background: Any = None
        self._stopped = asyncio.Event()

    async def start(self) -> None:
        polling = self.worker and not self.settings.telegram_webhook_url
        for adapter in self.adapters:
            await adapter.start_async(self.http, polling=polling)
        if self.http is not None:
            await self.http.start()
        if self.metrics_http is not None:
            await self.metrics_http.start()
        if self.worker:
            from bot.nudges.scheduler import start_background

            self._background = start_background(self.scheduler, self.tick_seconds)

    async def stop(self) -> None:
        """Graceful: stop claiming, let the send in progress finish, release the rest."""
        self.scheduler.stopping.set()
        if self._background is not None:
            await asyncio.to_thread(self._background.shutdown, True)
        await asyncio.to_thread(self.scheduler.release_mine)
        for adapter in reversed(self.adapters):
            await adapter.stop_async()
        if self.http is not None:
            await self.http.stop()
        if self.metrics_http is not None:
            await self.metrics_http.stop()
        self.db.dispose()

    async def serve_forever(self) -> None:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.add_signal_handler(sig, self._stopped.set)
        await self.start()
        text = summary(self.settings, web=self.web, worker=self.worker, db=self.db)
        if self.settings.log_format == "json":  # every line of output stays JSON
            log.info("started", extra={"summary": text.splitlines()[1:]})
        else:
            print(text, flush=True)
        await self._stopped.wait()
        log.info("shutting down")
        await self.stop()


def run(settings: Settings, *, web: bool, worker: bool) -> int:
    runtime = Runtime(settings, web=web, worker=worker, tick_seconds=settings.tick_seconds)
    asyncio.run(runtime.serve_forever())
    return 0
