"""Slack in many workspaces: Bolt's OAuth install flow at `/slack/install` and
`/slack/oauth_redirect`, with slack_sdk's SQLAlchemy installation and state stores in the
product's own database (tables from `storage.slack_tables`), the bot token of each workspace for
every Web API call, and what happens when a workspace removes the app.

Enabled by `SLACK_CLIENT_ID` and `SLACK_CLIENT_SECRET`. The stores are slack_sdk's synchronous
ones on our SQLAlchemy engine (SQLite or PostgreSQL alike), run in a thread so the event loop never
waits on the database.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from typing import Any

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.app.async_app import AsyncApp
from slack_bolt.authorization.async_authorize import AsyncInstallationStoreAuthorize
from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
from slack_sdk.oauth.installation_store import Bot, Installation
from slack_sdk.oauth.installation_store.async_installation_store import AsyncInstallationStore
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.async_state_store import AsyncOAuthStateStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy import Engine

from adapters.base import DeliveryError, HttpRoutes, SlackConfig

log = logging.getLogger("adapters.slack")

INSTALL_PATH = "/slack/install"
REDIRECT_PATH = "/slack/oauth_redirect"
#: The bot scopes of the manifest in the README; an install asks for exactly these.
SCOPES = ("chat:write", "commands", "im:history", "im:write", "files:write", "users:read")
#: How long a process trusts the token it read for a workspace before reading it again (another
#: process may have seen the workspace uninstall the app).
TOKEN_TTL = 60.0
STATE_SECONDS = 600
#: What Slack answers to a call made with a token that no longer works.
TOKEN_ERRORS = frozenset({"invalid_auth", "token_revoked", "account_inactive", "not_authed",
                          "team_access_not_granted"})


class ThreadedInstallationStore(AsyncInstallationStore):
    """slack_sdk's SQLAlchemy installation store, each call in a worker thread."""

    def __init__(self, store: SQLAlchemyInstallationStore) -> None:
        self.store = store

    @property
    def logger(self) -> logging.Logger:
        return self.store.logger

    async def async_save(self, installation: Installation) -> None:
        await asyncio.to_thread(self.store.save, installation)

    async def async_save_bot(self, bot: Bot) -> None:
        await asyncio.to_thread(self.store.save_bot, bot)

    async def async_find_bot(self, *, enterprise_id: str | None, team_id: str | None,
                             is_enterprise_install: bool | None = False) -> Bot | None:
        return await asyncio.to_thread(lambda: self.store.find_bot(
            enterprise_id=enterprise_id, team_id=team_id,
            is_enterprise_install=is_enterprise_install))

    async def async_find_installation(self, *, enterprise_id: str | None, team_id: str | None,
                                      user_id: str | None = None,
                                      is_enterprise_install: bool | None = False
                                      ) -> Installation | None:
        return await asyncio.to_thread(lambda: self.store.find_installation(
            enterprise_id=enterprise_id, team_id=team_id, user_id=user_id,
            is_enterprise_install=is_enterprise_install))

    async def async_delete_bot(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        await asyncio.to_thread(lambda: self.store.delete_bot(
            enterprise_id=enterprise_id, team_id=team_id))

    async def async_delete_installation(self, *, enterprise_id: str | None, team_id: str | None,
                                        user_id: str | None = None) -> None:
        await asyncio.to_thread(lambda: self.store.delete_installation(
            enterprise_id=enterprise_id, team_id=team_id, user_id=user_id))


class ThreadedStateStore(AsyncOAuthStateStore):
    """slack_sdk's SQLAlchemy OAuth state store, each call in a worker thread: the `state` an
    install starts with is good once, for ten minutes, in any of our processes."""

    def __init__(self, store: SQLAlchemyOAuthStateStore) -> None:
        self.store = store

    @property
    def logger(self) -> logging.Logger:
        return self.store.logger

    async def async_issue(self, *args: Any, **kwargs: Any) -> str:
        return await asyncio.to_thread(self.store.issue)

    async def async_consume(self, state: str) -> bool:
        return await asyncio.to_thread(self.store.consume, state)


class Workspaces:
    """The workspaces that installed the app, and a Web API client with each one's bot token.

    `pause(team_id)` is called (in a thread) when a workspace uninstalls the app or revokes its
    bot token: its people's reminders stop; their data stays.
    """

    def __init__(self, settings: SlackConfig, engine: Engine,
                 pause: Callable[[str], int]) -> None:
        assert settings.slack_client_id and settings.slack_client_secret is not None
        self.settings = settings
        self.client_id = settings.slack_client_id
        store_log = logging.getLogger("adapters.slack.oauth")
        self.store = ThreadedInstallationStore(SQLAlchemyInstallationStore(
            self.client_id, engine, logger=store_log))
        self.states = ThreadedStateStore(SQLAlchemyOAuthStateStore(
            STATE_SECONDS, engine, logger=store_log))
        self.pause = pause
        self._clients: dict[str, tuple[float, AsyncWebClient]] = {}

    # ---- the app ----------------------------------------------------------------------------

    def app_options(self, client: AsyncWebClient, logger: logging.Logger) -> dict[str, Any]:
        """What `AsyncApp(...)` takes to run the install flow and authorize each request by the
        workspace's stored token (its auth.test cached)."""
        assert self.settings.slack_client_secret is not None
        settings = AsyncOAuthSettings(
            client_id=self.client_id,
            client_secret=self.settings.slack_client_secret.get_secret_value(),
            scopes=list(SCOPES), install_path=INSTALL_PATH, redirect_uri_path=REDIRECT_PATH,
            installation_store=self.store, installation_store_bot_only=True,
            state_store=self.states, state_expiration_seconds=STATE_SECONDS, logger=logger)
        authorize = AsyncInstallationStoreAuthorize(
            logger=logger, installation_store=self.store, client_id=self.client_id,
            bot_only=True, cache_enabled=True, client=client)
        return {"oauth_settings": settings, "authorize": authorize,
                "installation_store_bot_only": True}

    def register(self, app: AsyncApp) -> None:
        app.event("app_uninstalled")(self._on_uninstalled)
        app.event("tokens_revoked")(self._on_tokens_revoked)

    def add_routes(self, http: HttpRoutes, app: AsyncApp) -> None:
        flow = app.oauth_flow
        assert flow is not None

        async def install(request: web.Request) -> web.Response:
            return await to_aiohttp_response(
                await flow.handle_installation(await to_bolt_request(request)))

        async def redirect(request: web.Request) -> web.Response:
            return await to_aiohttp_response(
                await flow.handle_callback(await to_bolt_request(request)))

        http.add_get(INSTALL_PATH, install)
        http.add_get(REDIRECT_PATH, redirect)
        log.info("slack: installs at %s (many workspaces)", INSTALL_PATH)

    # ---- tokens -----------------------------------------------------------------------------

    async def client_for(self, team_id: str, *, base: AsyncWebClient) -> AsyncWebClient:
        """A client carrying the workspace's bot token; a permanent `DeliveryError` when the
        workspace has not installed the app (or removed it)."""
        cached = self._clients.get(team_id)
        if cached is not None and time.monotonic() - cached[0] < TOKEN_TTL:
            return cached[1]
        bot = await self.store.async_find_bot(enterprise_id=None, team_id=team_id)
        if bot is None or not bot.bot_token:
            self._clients.pop(team_id, None)
            raise DeliveryError(f"Afterview is not installed in Slack workspace {team_id}",
                                permanent=True)
        client = AsyncWebClient(token=bot.bot_token, base_url=base.base_url,
                                timeout=base.timeout, session=base.session)
        self._clients[team_id] = (time.monotonic(), client)
        return client

    def forget(self, team_id: str) -> None:
        """Read the workspace's token again next time (it stopped working)."""
        self._clients.pop(team_id, None)

    # ---- a workspace leaving ------------------------------------------------------------------

    async def _on_uninstalled(self, context: AsyncBoltContext) -> None:
        team = context.team_id
        await self.store.async_delete_all(enterprise_id=context.enterprise_id, team_id=team)
        await self._gone(team, "uninstalled the app")

    async def _on_tokens_revoked(self, event: dict[str, Any], context: AsyncBoltContext) -> None:
        found = event.get("tokens")
        tokens: dict[str, Any] = found if isinstance(found, dict) else {}
        team = context.team_id
        for user_id in tokens.get("oauth") or []:
            await self.store.async_delete_installation(
                enterprise_id=context.enterprise_id, team_id=team, user_id=str(user_id))
        if tokens.get("bot"):
            await self.store.async_delete_all(enterprise_id=context.enterprise_id, team_id=team)
            await self._gone(team, "revoked the bot's token")

    async def _gone(self, team: str | None, what: str) -> None:
        if not team:
            return
        self.forget(team)
        paused = await asyncio.to_thread(self.pause, team)
        log.info("slack: workspace %s %s; reminders paused for %d people, their data kept",
                 team, what, paused)
