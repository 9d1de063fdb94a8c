"""Webhook mode (`afterview serve` with TELEGRAM_WEBHOOK_URL): Telegram posts updates to the
shared HTTP server; only requests carrying the registered secret are processed, each once."""

from __future__ import annotations

import json
import os
import socket
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

os.environ.setdefault("PTB_TIMEDELTA", "1")  # before telegram is imported

import pytest  # noqa: E402
from sqlalchemy import func, select  # noqa: E402

from adapters.telegram import ALLOWED_UPDATES, WEBHOOK_PATH, webhook_route  # noqa: E402
from afterview.runtime import Runtime  # noqa: E402
from bot.clock import FixedClock  # noqa: E402
from storage.models import ProcessedUpdate, User  # noqa: E402
from tests.fakes.telegram_api import FakeTelegram  # noqa: E402
from tests.telegram_harness import JANE, MONDAY_1130, running, settings_for  # noqa: E402

pytestmark = pytest.mark.timeout(60)

SECRET = "s3cret-Token_for_the-webhook"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[FakeTelegram, Runtime, str]]:
    """`afterview serve`: the HTTP server with the webhook route, no polling, no scheduler.
    Shared by the module's tests (each plays its own chat)."""
    port = free_port()
    url = f"http://127.0.0.1:{port}{WEBHOOK_PATH}"
    database = f"sqlite:///{tmp_path_factory.mktemp('webhook') / 'afterview.db'}"
    with FakeTelegram() as fake:
        settings = settings_for(fake, database, PORT=port, TELEGRAM_WEBHOOK_URL=url,
                                TELEGRAM_WEBHOOK_SECRET=SECRET)
        with running(settings, FixedClock(MONDAY_1130), web=True, worker=False) as runtime:
            yield fake, runtime, url


def post(url: str, body: bytes, headers: dict[str, str]) -> int:
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(request, timeout=5) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return error.code


def processed(runtime: Runtime) -> int:
    with runtime.db.session() as session:
        return int(session.scalar(select(func.count()).select_from(ProcessedUpdate)) or 0)


def known(runtime: Runtime, user_id: int) -> bool:
    with runtime.db.session() as session:
        return session.scalar(select(User).where(User.external_id == str(user_id))) is not None


def test_the_webhook_is_registered_with_the_secret_and_nothing_polls(
        served: tuple[FakeTelegram, Runtime, str]) -> None:
    fake, _, url = served
    assert fake.webhook["url"] == url
    assert fake.webhook["secret_token"] == SECRET
    assert fake.webhook["allowed_updates"] == list(ALLOWED_UPDATES)
    assert fake.calls("getUpdates") == []
    spec_words = {"start", "debrief", "new", "status", "thanks", "followup", "offer", "outcome",
                  "prep", "lessons", "settings", "pause", "resume", "export", "delete", "help",
                  "cancel"}
    assert spec_words <= {c["command"] for c in fake.commands()}


def test_an_update_with_the_secret_is_processed_once_and_a_replay_is_ignored(
        served: tuple[FakeTelegram, Runtime, str]) -> None:
    fake, runtime, _ = served
    before = processed(runtime)
    update = fake.make_update(JANE, "hello")
    assert fake.deliver_webhook(update) == 200
    [welcome] = fake.sent_messages(JANE)
    assert "What name should I use" in (welcome.plain_text or "")

    assert fake.deliver_webhook(update) == 200  # Telegram retries: answered, not processed
    assert len(fake.sent_messages(JANE)) == 1
    assert processed(runtime) == before + 1

    name = fake.make_update(JANE, "Jane Doe")
    assert fake.deliver_webhook(name) == 200
    assert "contact line" in (fake.sent_messages(JANE)[-1].plain_text or "")


@pytest.mark.parametrize("secret", [None, "", "wrong", SECRET + "x", SECRET[:-1]])
def test_a_call_without_the_right_secret_gets_403_and_changes_nothing(
        served: tuple[FakeTelegram, Runtime, str], secret: str | None) -> None:
    fake, runtime, _ = served
    mallory, before = 6666, processed(runtime)
    assert fake.deliver_webhook(fake.make_update(mallory, "hello"), secret_token=secret) == 403
    assert fake.sent_messages(mallory) == []
    assert processed(runtime) == before
    assert not known(runtime, mallory)


def test_garbage_with_the_secret_is_a_400(served: tuple[FakeTelegram, Runtime, str]) -> None:
    fake, _, url = served
    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET, "Content-Type": "application/json"}
    sent = len(fake.sent_messages())
    assert post(url, b"{not json", headers) == 400
    assert post(url, b"[1, 2]", headers) == 400
    assert len(fake.sent_messages()) == sent


def edited(update_id: int, user_id: int) -> dict[str, Any]:
    return {"update_id": update_id, "edited_message": {
        "message_id": 1, "date": 1, "edit_date": 2, "text": "edited",
        "chat": {"id": user_id, "type": "private", "first_name": "Bob"},
        "from": {"id": user_id, "is_bot": False, "first_name": "Bob"}}}


def test_edited_messages_channel_posts_and_groups_are_not_routed_to_the_core(
        served: tuple[FakeTelegram, Runtime, str]) -> None:
    fake, runtime, _ = served
    bob, before, sent = 7777, processed(runtime), len(fake.sent_messages())
    assert fake.deliver_webhook(edited(10**9 + 7, bob)) == 200
    channel = {"update_id": 10**9 + 8, "channel_post": {
        "message_id": 3, "date": 1, "text": "news", "chat": {"id": -1007, "type": "channel"}}}
    assert fake.deliver_webhook(channel) == 200
    assert len(fake.sent_messages()) == sent

    group = fake.make_update(-100555, "/start@afterview_test_bot", chat_type="group",
                             user_id=bob)
    assert fake.deliver_webhook(group) == 200
    assert fake.deliver_webhook(group) == 200  # a retry: still one answer
    [answer] = fake.sent_messages(-100555)
    assert (answer.plain_text or "").startswith("I work in private chats — message me directly")
    assert "@afterview_test_bot" in (answer.plain_text or "")
    assert processed(runtime) == before
    assert not known(runtime, bob)


def test_without_a_configured_secret_one_is_derived_from_the_token(sqlite_url: str) -> None:
    port = free_port()
    with FakeTelegram() as fake:
        settings = settings_for(fake, sqlite_url, PORT=port,
                                TELEGRAM_WEBHOOK_URL=f"http://127.0.0.1:{port}")
        with running(settings, FixedClock(MONDAY_1130), web=True, worker=False):
            registered = fake.webhook
            assert registered["url"] == f"http://127.0.0.1:{port}{WEBHOOK_PATH}"
            assert len(registered["secret_token"]) == 64
            assert fake.deliver_webhook(fake.make_update(JANE, "hello")) == 200
            assert fake.deliver_webhook(fake.make_update(JANE, "hi"), secret_token=None) == 403
            assert len(fake.sent_messages(JANE)) == 1


def test_the_webhook_route_comes_from_the_url() -> None:
    assert webhook_route("https://bot.example.com") == (
        "https://bot.example.com/telegram/webhook", "/telegram/webhook")
    assert webhook_route("https://bot.example.com/hooks/tg-5f2a") == (
        "https://bot.example.com/hooks/tg-5f2a", "/hooks/tg-5f2a")


def test_healthz_is_served_beside_the_webhook(served: tuple[FakeTelegram, Runtime, str]) -> None:
    _, runtime, _ = served
    assert runtime.http is not None
    url = f"http://127.0.0.1:{runtime.http.bound_port}/healthz"
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(url, timeout=5) as response:
        assert json.loads(response.read())["ok"] is True
