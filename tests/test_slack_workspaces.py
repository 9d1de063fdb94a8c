"""Slack in many workspaces: two workspaces install Afterview through the OAuth flow (the real
Bolt flow against the fake Slack's oauth.v2.access), a person in each talks to it and gets their
nudges, each through their own workspace's token; one workspace uninstalls and its people's
reminders stop while the other's go on."""

from __future__ import annotations

import asyncio
import json
import re
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlencode, urlparse

import pytest
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from sqlalchemy import MetaData, func, select

from adapters.slack import SlackAdapter
from afterview.runtime import Runtime
from afterview.settings import Settings
from bot.clock import FixedClock
from storage.models import Nudge, User
from storage.slack_tables import BOTS, INSTALLATIONS, OAUTH_STATES
from tests.fakes.slack_api import FakeSlack
from tests.fakes.slack_signing import dm_message_event, event_body, post_signed
from tests.slack_harness import SECRET, wait_until
from tests.story import Seeker, debrief, onboard

MONDAY_1130 = datetime(2026, 11, 23, 11, 30, tzinfo=UTC)


class MultiWorkspaceBot:
    """`afterview serve` with SLACK_CLIENT_ID / SLACK_CLIENT_SECRET (no SLACK_BOT_TOKEN)."""

    def __init__(self, fake: FakeSlack, db_url: str) -> None:
        self.fake = fake
        self.clock = FixedClock(MONDAY_1130)
        settings = Settings(_env_file=None, **{  # type: ignore[call-arg]
            "SLACK_CLIENT_ID": fake.client_id, "SLACK_CLIENT_SECRET": fake.client_secret,
            "SLACK_SIGNING_SECRET": SECRET, "SLACK_API_URL": fake.api_url,
            "DATABASE_URL": db_url, "PORT": 0})
        assert settings.slack_enabled and settings.slack_oauth
        self.runtime = Runtime(settings, web=True, worker=False, clock=self.clock)
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, daemon=True)

    def start(self) -> MultiWorkspaceBot:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self.runtime.start(), self.loop).result(10)
        return self

    def stop(self) -> None:
        try:
            asyncio.run_coroutine_threadsafe(self.runtime.stop(), self.loop).result(15)
        finally:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self._thread.join(5)
            self.loop.close()

    @property
    def adapter(self) -> SlackAdapter:
        [adapter] = [a for a in self.runtime.adapters if isinstance(a, SlackAdapter)]
        return adapter

    def url(self, path: str) -> str:
        assert self.runtime.http is not None
        return f"http://127.0.0.1:{self.runtime.http.bound_port}{path}"

    def get(self, path: str, cookie: str | None = None) -> tuple[int, str, dict[str, str]]:
        request = urllib.request.Request(self.url(path),
                                         headers={"Cookie": cookie} if cookie else {})
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, response.read().decode(), dict(response.headers)
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode(), dict(error.headers)

    def install(self, team_id: str, name: str) -> tuple[int, str]:
        """An admin of the workspace presses *Add to Slack* and approves: the install page sets
        the state cookie, Slack redirects back with a code and that state."""
        status, page, headers = self.get("/slack/install")
        assert status == 200, page
        authorize = re.search(r'href="(https://slack\.com/oauth/v2/authorize\?[^"]+)"', page)
        assert authorize, page
        query = parse_qs(urlparse(authorize.group(1).replace("&amp;", "&")).query)
        assert set(query["scope"][0].split(",")) >= {"chat:write", "commands", "im:history"}
        state = query["state"][0]
        cookie = headers["Set-Cookie"].split(";")[0]
        code = self.fake.add_workspace(team_id, name)
        status, page, _ = self.get("/slack/oauth_redirect?" + urlencode(
            {"code": code, "state": state}), cookie)
        return status, page

    def post_event(self, event: dict[str, Any], team: str) -> int:
        status, _ = post_signed(self.url("/slack/events"), event_body(event, team), SECRET)
        return status

    def says(self, user: str, team: str, text: str) -> list[dict[str, Any]]:
        before = len(self.fake.posted_messages(f"D{user}"))
        assert self.post_event(dm_message_event(user, text, f"D{user}", team=team), team) == 200
        wait_until(lambda: len(self.fake.posted_messages(f"D{user}")) > before, 5, "a reply")
        wait_until(lambda: not self.adapter.busy, 5, "the adapter to settle")
        return self.fake.posted_messages(f"D{user}")[before:]


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    with FakeSlack() as server:
        yield server


@pytest.fixture
def bot(fake: FakeSlack, any_db_url: str) -> Iterator[MultiWorkspaceBot]:
    running = MultiWorkspaceBot(fake, any_db_url).start()
    try:
        yield running
    finally:
        running.stop()


def tokens_used(fake: FakeSlack, channel: str) -> set[str | None]:
    return {c.token for c in fake.calls("chat.postMessage") if c.params.get("channel") == channel}


def text_of(messages: list[dict[str, Any]]) -> str:
    return "\n".join(json.dumps(m, ensure_ascii=False) for m in messages)


def make_nudges_due(bot: MultiWorkspaceBot, *teams_and_users: tuple[str, str]) -> None:
    """Each person records an interview (straight through the engine, as their DM would) and
    the clock moves to the evening, when the thank-you reminder is due."""
    for team, user in teams_and_users:
        seeker = Seeker(bot.runtime.engine, user, platform="slack", workspace=team)
        onboard(seeker)
        debrief(seeker)
    bot.clock.advance(timedelta(hours=7))


def test_two_workspaces_install_talk_and_get_nudges_each_with_its_own_token(
        bot: MultiWorkspaceBot, fake: FakeSlack) -> None:
    for team, name in (("TACME", "Acme Careers"), ("TUNI", "Uni Alumni")):
        status, page = bot.install(team, name)
        assert status == 200 and "Thank you" in page, page
    acme, uni = fake.bot_token_of("TACME"), fake.bot_token_of("TUNI")
    assert acme and uni and acme != uni
    with bot.runtime.db.session() as session:
        assert {row.team_id: row.bot_token for row in session.execute(
            select(BOTS.c.team_id, BOTS.c.bot_token))} == {"TACME": acme, "TUNI": uni}

    ann = bot.says("UANN", "TACME", "hello")
    ben = bot.says("UBEN", "TUNI", "hello")
    assert "Afterview" in text_of(ann) and "Afterview" in text_of(ben)
    assert tokens_used(fake, "DUANN") == {acme}
    assert tokens_used(fake, "DUBEN") == {uni}

    make_nudges_due(bot, ("TACME", "UANN"), ("TUNI", "UBEN"))
    before = {c: len(fake.posted_messages(c)) for c in ("DUANN", "DUBEN")}
    report = bot.runtime.scheduler.tick()

    assert report.sent >= 2 and report.failed == 0
    for channel, token in (("DUANN", acme), ("DUBEN", uni)):
        nudges = fake.posted_messages(channel)[before[channel]:]
        assert "thank" in text_of(nudges).lower()
        assert tokens_used(fake, channel) == {token}


def test_an_uninstall_forgets_the_token_and_pauses_only_that_workspace(
        bot: MultiWorkspaceBot, fake: FakeSlack) -> None:
    bot.install("TACME", "Acme Careers")
    bot.install("TUNI", "Uni Alumni")
    make_nudges_due(bot, ("TACME", "UANN"), ("TUNI", "UBEN"))
    acme = fake.bot_token_of("TACME")

    fake.revoke_workspace("TACME")
    assert bot.post_event({"type": "app_uninstalled"}, "TACME") == 200
    wait_until(lambda: _paused(bot, "TACME"), 5, "the workspace's users to be paused")

    with bot.runtime.db.session() as session:
        assert session.scalar(select(func.count()).select_from(BOTS)
                              .where(BOTS.c.team_id == "TACME")) == 0
        assert session.scalar(select(func.count()).select_from(INSTALLATIONS)
                              .where(INSTALLATIONS.c.team_id == "TACME")) == 0
        ann = session.scalar(select(User).where(User.external_id == "UANN"))
        assert ann is not None and ann.paused and ann.unreachable and ann.onboarded  # data kept
        waiting = session.scalar(select(func.count()).select_from(Nudge).where(
            Nudge.user_id == ann.id, Nudge.state.in_(("pending", "snoozed"))))
        assert waiting == 0
    assert not _paused(bot, "TUNI")

    sent_before, since = len(fake.posted_messages("DUANN")), time.monotonic()
    report = bot.runtime.scheduler.tick()
    assert report.sent >= 1 and report.failed == 0  # Ben's, through his workspace's token
    assert len(fake.posted_messages("DUANN")) == sent_before
    assert not [c for c in fake.calls() + fake.failed_calls if c.token == acme and c.at > since]

    # a message from the uninstalled workspace is not answered, and nothing is processed
    bot.post_event(dm_message_event("UANN", "status", "DUANN", team="TACME"), "TACME")
    wait_until(lambda: not bot.adapter.busy, 5, "the adapter to settle")
    assert len(fake.posted_messages("DUANN")) == sent_before


def test_a_revoked_bot_token_pauses_the_workspace_too(
        bot: MultiWorkspaceBot, fake: FakeSlack) -> None:
    bot.install("TACME", "Acme Careers")
    bot.says("UANN", "TACME", "hello")

    fake.revoke_workspace("TACME")
    bot.post_event({"type": "tokens_revoked", "tokens": {"oauth": [], "bot": ["UBTACME"]}},
                   "TACME")

    wait_until(lambda: _paused(bot, "TACME"), 5, "the workspace's users to be paused")
    with bot.runtime.db.session() as session:
        assert session.scalar(select(func.count()).select_from(BOTS)) == 0


def test_an_install_with_a_forged_state_stores_no_token(
        bot: MultiWorkspaceBot, fake: FakeSlack) -> None:
    code = fake.add_workspace("TEVIL", "Evil Corp")
    status, _, _ = bot.get("/slack/oauth_redirect?" + urlencode(
        {"code": code, "state": "made-up"}), "slack-app-oauth-state=made-up")

    assert status in (400, 401)
    assert fake.bot_token_of("TEVIL") is None  # the code was never traded
    with bot.runtime.db.session() as session:
        assert session.scalar(select(func.count()).select_from(BOTS)) == 0


def test_our_tables_are_the_ones_slack_sdk_reads_and_writes() -> None:
    """The migration builds the tables from `storage.slack_tables`; slack_sdk's stores query
    tables of their own making — they must be the same, column by column."""
    theirs = MetaData()
    for ours, built in (
            (INSTALLATIONS, SQLAlchemyInstallationStore.build_installations_table(
                theirs, "slack_installations")),
            (BOTS, SQLAlchemyInstallationStore.build_bots_table(theirs, "slack_bots")),
            (OAUTH_STATES, SQLAlchemyOAuthStateStore.build_oauth_states_table(
                theirs, "slack_oauth_states"))):
        assert [(c.name, repr(c.type), c.nullable, c.primary_key) for c in ours.columns] == \
            [(c.name, repr(c.type), c.nullable, c.primary_key) for c in built.columns]
        assert {i.name for i in ours.indexes} == {i.name for i in built.indexes}


def _paused(bot: MultiWorkspaceBot, team: str) -> bool:
    with bot.runtime.db.session() as session:
        flags = list(session.execute(select(User.paused, User.unreachable).where(
            User.platform == "slack", User.workspace == team)))
    return bool(flags) and all(p and u for p, u in flags)
