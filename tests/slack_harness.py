"""The real Slack app for end-to-end tests: `afterview serve`'s Runtime on its own thread and event
loop, its HTTP port receiving requests signed with the real algorithm, talking to a FakeSlack."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

from adapters.slack import SlackAdapter
from afterview.runtime import Runtime
from afterview.settings import Settings
from bot.clock import FixedClock
from tests.fakes.slack_api import FakeSlack
from tests.fakes.slack_signing import (
    block_action_body,
    dm_message_event,
    event_body,
    post_signed,
    slash_command_body,
)

TOKEN = "xoxb-afterview-test"
SECRET = "signing-secret-for-afterview-tests"
MONDAY_1130 = datetime(2026, 11, 23, 11, 30, tzinfo=UTC)

T = TypeVar("T")


def settings_for(fake: FakeSlack, db_url: str, **extra: Any) -> Settings:
    values = {"SLACK_BOT_TOKEN": TOKEN, "SLACK_SIGNING_SECRET": SECRET,
              "SLACK_API_URL": fake.api_url, "DATABASE_URL": db_url, "PORT": 0, **extra}
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


def wait_until(predicate: Callable[[], T], timeout: float = 5.0, what: str = "") -> T:
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what or predicate}")
        time.sleep(0.005)


class SlackBot:
    """`Runtime(web=True, worker=False)` with Slack enabled, served on a free port."""

    def __init__(self, fake: FakeSlack, db_url: str, clock: FixedClock | None = None) -> None:
        self.fake = fake
        self.clock = clock or FixedClock(MONDAY_1130)
        self.runtime = Runtime(settings_for(fake, db_url), web=True, worker=False,
                               clock=self.clock)
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, name="slack-app",
                                        daemon=True)

    def start(self) -> SlackBot:
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
        found = [a for a in self.runtime.adapters if isinstance(a, SlackAdapter)]
        assert found, "Slack should be enabled by SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET"
        return found[0]

    @property
    def url(self) -> str:
        assert self.runtime.http is not None and self.runtime.http.bound_port
        return f"http://127.0.0.1:{self.runtime.http.bound_port}/slack/events"

    @property
    def db(self):  # type: ignore[no-untyped-def]
        return self.runtime.db

    def post(self, body: str, *, secret: str = SECRET, **options: Any) -> tuple[int, str]:
        return post_signed(self.url, body, secret, **options)

    def settle(self, timeout: float = 5.0) -> None:
        """Wait until the work acknowledged to Slack has finished."""
        wait_until(lambda: not self.adapter.busy, timeout, "the adapter to finish its work")


class SlackUser:
    """One person in a workspace, talking to the bot in its DM (`D` + user id at the fake)."""

    def __init__(self, bot: SlackBot, user_id: str = "U1", team: str = "T1") -> None:
        self.bot = bot
        self.user_id = user_id
        self.team = team
        self.channel = f"D{user_id}"

    def messages(self) -> list[dict[str, Any]]:
        return self.bot.fake.posted_messages(self.channel)

    def reply_after(self, before: int, timeout: float = 5.0) -> list[dict[str, Any]]:
        """The messages posted in the DM after the first `before`, once the bot is done."""
        wait_until(lambda: len(self.messages()) > before, timeout, "a reply in the DM")
        self.bot.settle(timeout)
        return self.messages()[before:]

    def says(self, text: str, *, event_id: str | None = None) -> list[dict[str, Any]]:
        before = len(self.messages())
        status, _ = self.bot.post(event_body(
            dm_message_event(self.user_id, text, self.channel, team=self.team), self.team,
            event_id))
        assert status == 200
        return self.reply_after(before)

    def answers(self, *texts: str) -> list[dict[str, Any]]:
        replies: list[dict[str, Any]] = []
        for text in texts:
            replies = self.says(text)
        return replies

    def runs(self, text: str, **options: Any) -> tuple[int, str, float]:
        """A slash command: (status, ack body, seconds until the ack came back)."""
        started = time.monotonic()
        status, body = self.bot.post(slash_command_body(
            "/afterview", text, self.user_id, self.team, **options))
        return status, body, time.monotonic() - started

    def presses(self, label: str, message: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        """Press the button labelled `label` on a posted message (default: the latest with it)."""
        found = message or next(m for m in reversed(self.messages())
                                if label in button_labels(m))
        element = find_button(found, label)
        ts = self._ts_of(found)
        before = len(self.messages())
        status, _ = self.bot.post(block_action_body(
            self.user_id, self.team, element["action_id"], element.get("value", ""),
            channel=self.channel, message_ts=ts))
        assert status == 200
        return self.reply_after(before)

    def _ts_of(self, message: dict[str, Any]) -> str:
        for call in self.bot.fake.calls("chat.postMessage"):
            if call.params is not None and call.params.get("blocks") == message.get("blocks") \
                    and call.params.get("text") == message.get("text"):
                return str(call.response["ts"])
        raise AssertionError("that message was never posted")


def button_labels(message: dict[str, Any]) -> list[str]:
    return [e["text"]["text"] for b in message.get("blocks") or [] if b.get("type") == "actions"
            for e in b["elements"]]


def find_button(message_or_view: dict[str, Any], label: str) -> dict[str, Any]:
    for block in message_or_view.get("blocks") or []:
        elements = list(block.get("elements") or [])
        if block.get("accessory"):
            elements.append(block["accessory"])
        for element in elements:
            if element.get("type") == "button" and element["text"]["text"] == label:
                return dict(element)
    raise AssertionError(f"no button {label!r}")


def texts(message: dict[str, Any]) -> str:
    """All the text of a posted message or a view, blocks included."""
    from tests.fakes.slack_api import iter_texts

    return "\n".join(iter_texts([message]))
