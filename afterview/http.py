"""The one HTTP server of a process (aiohttp on PORT): `/healthz`, `/metrics`, `/mail/<token>`
(a letter's mail link) and the routes adapters add (the Telegram webhook, Slack's
`/slack/events`)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from aiohttp import web

from bot import metrics
from bot.clock import Clock, SystemClock
from bot.nudges.gauges import read_gauges
from bot.outputs import mail_links
from storage.db import Database

log = logging.getLogger(__name__)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class HttpServer:
    """Adapters register routes before `start()`; stateless, so several can run behind a
    load balancer."""

    def __init__(self, db: Database, port: int, host: str = "0.0.0.0",
                 clock: Clock | None = None) -> None:
        self.db = db
        self.clock = clock or SystemClock()
        self.port = port
        self.host = host
        self.app = web.Application(client_max_size=1024 * 1024)
        self.app.router.add_get("/healthz", self._healthz)
        self.app.router.add_get("/metrics", self._metrics)
        self.app.router.add_get(mail_links.PATH + "{token}", self._mail)
        self._runner: web.AppRunner | None = None
        self._on_started: list[Callable[[], Awaitable[None]]] = []
        self.bound_port: int | None = None

    def add_post(self, path: str, handler: Handler) -> None:
        self.app.router.add_post(path, handler)

    def add_get(self, path: str, handler: Handler) -> None:
        self.app.router.add_get(path, handler)

    def on_started(self, callback: Callable[[], Awaitable[None]]) -> None:
        """Run `callback` once the server listens (e.g. register a webhook that points here)."""
        self._on_started.append(callback)

    async def start(self) -> None:
        self._runner = web.AppRunner(self.app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        server = getattr(site, "_server", None)
        sockets = getattr(server, "sockets", None) or []
        self.bound_port = sockets[0].getsockname()[1] if sockets else self.port
        log.info("http server listening on port %s", self.bound_port)
        for callback in self._on_started:
            await callback()

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _healthz(self, request: web.Request) -> web.Response:
        healthy = await asyncio.to_thread(self.db.healthy)
        return web.json_response({"ok": healthy, "database": "up" if healthy else "down"},
                                 status=200 if healthy else 503)

    async def _metrics(self, request: web.Request) -> web.Response:
        """Prometheus text: this process's counters and histograms, its process metrics, and
        the database gauges read now (left at their last value when the database is away)."""
        try:
            due, paused = await asyncio.to_thread(read_gauges, self.db, datetime.now(UTC))
            metrics.set_database_gauges(due, paused)
        except Exception:  # noqa: BLE001 - /metrics still answers without the database
            log.warning("metrics: could not read the database gauges", exc_info=True)
        return web.Response(body=metrics.prometheus_text().encode("utf-8"),
                            headers={"Content-Type": metrics.CONTENT_TYPE_LATEST})

    async def _mail(self, request: web.Request) -> web.StreamResponse:
        """A letter's mail link: a redirect to its whole mailto (a phone opens the mail app)."""
        token = request.match_info.get("token", "")
        mailto = await asyncio.to_thread(mail_links.resolve, self.db, token, self.clock.now())
        if mailto is None:
            return web.Response(status=404, content_type="text/plain", charset="utf-8",
                                text="This mail link has expired or does not exist. Ask "
                                     "Afterview for the letter again.")
        return web.Response(status=302, headers={"Location": mailto,
                                                 "Cache-Control": "no-store",
                                                 "Referrer-Policy": "no-referrer"})
