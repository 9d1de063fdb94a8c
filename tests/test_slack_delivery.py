"""Nudges reach Slack users in their DM: paced about one message a second per channel, 429s
waited out, unreachable users reported as permanent failures; Socket Mode only with an app token."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_slack_response import AsyncSlackResponse

from adapters.base import DeliveryError
from adapters.slack import EVENTS_PATH, SlackAdapter
from adapters.slack_web import delivery_error, retry_after
from afterview.http import HttpServer
from bot.clock import FixedClock
from bot.conversation.buttons import ButtonVault
from bot.conversation.engine import Engine
from bot.messages import Attachment, Button, Draft, Reply, UserKey
from storage.db import Database
from tests.fakes import slack_api
from tests.fakes.slack_api import FakeSlack
from tests.slack_harness import MONDAY_1130, settings_for, texts

JANE = UserKey("slack", "T1", "U1")


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    with FakeSlack(per_channel_per_second=1) as server:
        yield server


@pytest.fixture
def database(sqlite_url: str) -> Iterator[Database]:
    db = Database(sqlite_url)
    yield db
    db.dispose()


def make_adapter(fake: FakeSlack, database: Database, **extra: Any) -> SlackAdapter:
    clock = FixedClock(MONDAY_1130)
    return SlackAdapter(settings_for(fake, database.url, **extra), Engine(database, clock),
                        ButtonVault(database, clock))


@pytest.fixture
def adapter(fake: FakeSlack, database: Database) -> Iterator[SlackAdapter]:
    made = make_adapter(fake, database)
    yield made
    made.stop()


def test_a_nudge_goes_to_the_users_dm_with_its_buttons_as_tokens(
        adapter: SlackAdapter, fake: FakeSlack) -> None:
    adapter.deliver(JANE, [Reply("✉️ Send your thank-yous today: Acme <Corp> & co",
                                 (Button("Done — all sent", "n:1:done"),))])

    [posted] = fake.posted_messages("DU1")
    assert "Acme &lt;Corp&gt; &amp; co" in texts(posted)
    [actions] = [b for b in posted["blocks"] if b["type"] == "actions"]
    element = actions["elements"][0]
    assert element["text"]["text"] == "Done — all sent"
    assert element["action_id"].startswith("afterview_btn_")
    assert element["value"] != "n:1:done" and len(element["value"]) <= 24


def test_nudges_to_one_channel_are_spaced_a_second_apart(
        adapter: SlackAdapter, fake: FakeSlack) -> None:
    for n in range(3):
        adapter.deliver(JANE, [Reply(f"nudge {n}")])

    times = fake.accepted_post_times("DU1")
    assert len(times) == 3
    assert all(later - earlier >= 0.99 for earlier, later in zip(times, times[1:], strict=False))
    assert fake.rate_limited == 0


def test_a_429_is_waited_out_for_as_long_as_slack_asks(
        adapter: SlackAdapter, fake: FakeSlack) -> None:
    fake.fail_next("chat.postMessage", 429)

    adapter.deliver(JANE, [Reply("Send your thank-yous today")])

    [refused] = fake.failed_calls
    assert refused.status == 429
    [accepted] = fake.accepted_post_times("DU1")
    assert accepted - refused.at >= 0.99  # the fake said Retry-After: 1


def test_a_long_retry_after_goes_back_to_the_scheduler(
        adapter: SlackAdapter, fake: FakeSlack) -> None:
    adapter.max_retry_wait = 0.5
    fake.fail_next("chat.postMessage", 429)

    with pytest.raises(DeliveryError) as failed:
        adapter.deliver(JANE, [Reply("Send your thank-yous today")])

    assert failed.value.retry_after == 1.0 and not failed.value.permanent
    assert fake.posted_messages() == []


@pytest.mark.parametrize("code", ["account_inactive", "channel_not_found", "not_in_channel",
                                  "is_archived"])
def test_an_unreachable_user_is_a_permanent_failure(
        adapter: SlackAdapter, monkeypatch: pytest.MonkeyPatch, code: str) -> None:
    def refuse(fake: FakeSlack, params: dict[str, Any], now: float) -> dict[str, Any]:
        raise slack_api.SlackApiError(code)

    monkeypatch.setitem(slack_api._METHODS, "chat.postMessage", refuse)
    with pytest.raises(DeliveryError) as failed:
        adapter.deliver(JANE, [Reply("hello")])
    assert failed.value.permanent


def test_a_server_error_is_worth_retrying(adapter: SlackAdapter, fake: FakeSlack) -> None:
    fake.fail_next("chat.postMessage", 503)
    with pytest.raises(DeliveryError) as failed:
        adapter.deliver(JANE, [Reply("hello")])
    assert not failed.value.permanent


def test_slack_errors_are_read_from_the_response() -> None:
    def error(status: int, data: dict[str, Any], headers: dict[str, Any]) -> SlackApiError:
        response = AsyncSlackResponse(client=None, http_verb="POST", api_url="x", req_args={},
                                      data=data, headers=headers, status_code=status)
        return SlackApiError("failed", response)

    assert retry_after(error(429, {"ok": False}, {"Retry-After": "7"})) == 7.0
    assert retry_after(error(200, {"ok": False, "error": "channel_not_found"}, {})) is None
    assert delivery_error(error(200, {"ok": False, "error": "is_archived"}, {})).permanent
    assert not delivery_error(error(200, {"ok": False, "error": "internal_error"}, {})).permanent


def test_a_draft_is_posted_ready_to_copy(adapter: SlackAdapter, fake: FakeSlack) -> None:
    body = "Dear Katherine,\n\nThank you for your time today.\n\nBest regards,\nJane"
    draft = Draft("Thank you — Data Analyst interview", body, "k@acme.example",
                  "mailto:k@acme.example?subject=Thank%20you&body=Dear")
    adapter.deliver(JANE, [Reply("Your letter to Katherine:", draft=draft)])

    [posted] = fake.posted_messages("DU1")
    shown = [b["text"]["text"] for b in posted["blocks"] if b["type"] == "section"]
    assert shown[1] == "*To:* k@acme.example\n*Subject:* Thank you — Data Analyst interview"
    assert shown[2] == f"```\n{body}\n```"
    assert shown[3] == "<mailto:k@acme.example?subject=Thank%20you&amp;body=Dear|Open in mail app>"


def test_a_long_reply_is_split_under_slacks_limits(adapter: SlackAdapter, fake: FakeSlack) -> None:
    long_text = "\n".join(f"Line {n}: " + "x" * 900 for n in range(160))
    adapter.deliver(JANE, [Reply(long_text, (Button("OK", "/status"),))])

    posted = fake.posted_messages("DU1")
    assert len(posted) == 2
    assert all(len(m["blocks"]) <= 50 for m in posted)
    sections = [b["text"]["text"] for m in posted for b in m["blocks"] if b["type"] == "section"]
    assert all(len(s) <= 3000 for s in sections)
    assert "\n".join(sections) == long_text
    assert posted[-1]["blocks"][-1]["type"] == "actions"
    assert fake.rate_limited == 0


def test_an_attachment_is_shared_in_the_dm(adapter: SlackAdapter, fake: FakeSlack) -> None:
    export = Attachment("afterview-export.json", b'{"applications": []}', "application/json",
                        "Everything I know about you.")
    adapter.deliver(JANE, [Reply("Here is your export.", attachment=export)])

    [shared] = fake.uploaded_files()
    assert shared.filename == "afterview-export.json"
    assert shared.content == b'{"applications": []}'
    assert shared.channels == ("DU1",)
    assert "Here is your export." in texts(fake.posted_messages("DU1")[0])


# ---- HTTP or Socket Mode ----------------------------------------------------------------------

class FakeSocketModeHandler:
    made: list[FakeSocketModeHandler] = []

    def __init__(self, app: Any, app_token: str) -> None:
        self.app, self.app_token, self.connected, self.closed = app, app_token, False, False
        FakeSocketModeHandler.made.append(self)

    async def connect_async(self) -> None:
        self.connected = True

    async def close_async(self) -> None:
        self.closed = True


def routes(http: HttpServer) -> set[str]:
    return {r.resource.canonical for r in http.app.router.routes() if r.resource is not None}


def test_http_mode_serves_slack_events_on_the_shared_server(
        fake: FakeSlack, database: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("slack_bolt.adapter.socket_mode.async_handler.AsyncSocketModeHandler",
                        FakeSocketModeHandler)
    FakeSocketModeHandler.made.clear()
    adapter = make_adapter(fake, database)
    http = HttpServer(database, 0)

    async def start_and_stop() -> None:
        await adapter.start_async(http, polling=False)
        await adapter.stop_async()

    asyncio.run(start_and_stop())
    assert EVENTS_PATH in routes(http)
    assert FakeSocketModeHandler.made == []


def test_socket_mode_connects_when_an_app_token_is_set(
        fake: FakeSlack, database: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("slack_bolt.adapter.socket_mode.async_handler.AsyncSocketModeHandler",
                        FakeSocketModeHandler)
    FakeSocketModeHandler.made.clear()
    adapter = make_adapter(fake, database, SLACK_APP_TOKEN="xapp-1-test")
    http = HttpServer(database, 0)

    async def start_and_stop() -> None:
        await adapter.start_async(http, polling=False)
        [handler] = FakeSocketModeHandler.made
        assert handler.connected and handler.app is adapter.app
        assert handler.app_token == "xapp-1-test"
        await adapter.stop_async()
        assert handler.closed

    asyncio.run(start_and_stop())
    assert EVENTS_PATH not in routes(http)
