"""Helpers for the Telegram tests: the real Runtime (PTB Application and all) in a thread against
the FakeTelegram server, and a job seeker who talks to it through the fake."""

from __future__ import annotations

import asyncio
import os
import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Coroutine, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, TypeVar, cast

os.environ.setdefault("PTB_TIMEDELTA", "1")  # PTB 22: timedeltas, not deprecated ints

from adapters.telegram import TelegramAdapter  # noqa: E402
from afterview.runtime import Runtime  # noqa: E402
from afterview.settings import Settings  # noqa: E402
from bot.clock import FixedClock  # noqa: E402
from tests.fakes.telegram_api import DEFAULT_TOKEN, FakeTelegram, SentMessage  # noqa: E402

T = TypeVar("T")

JANE = 4242
MONDAY_1130 = datetime(2026, 11, 23, 11, 30, tzinfo=UTC)  # London = UTC in November


@contextmanager
def memory_backed_sqlite() -> Iterator[str]:
    """A SQLite file on tmpfs when there is one: for tests about sending, not about disks."""
    base = "/dev/shm" if os.access("/dev/shm", os.W_OK) else None
    folder = tempfile.mkdtemp(prefix="afterview-", dir=base)
    try:
        yield f"sqlite:///{folder}/afterview.db"
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def settings_for(fake: FakeTelegram, database_url: str, **extra: Any) -> Settings:
    """Settings as an operator would set them, pointing at the fake (no .env file read)."""
    values: dict[str, Any] = {
        "TELEGRAM_BOT_TOKEN": DEFAULT_TOKEN,
        "TELEGRAM_API_URL": fake.api_url,
        "DATABASE_URL": database_url,
        "PORT": 0,
        **extra,
    }
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


class LoopThread:
    """An asyncio loop in a thread: the process's main loop, as `afterview run` has it."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="bot-loop", daemon=True)
        self.thread.start()

    def run(self, coroutine: Coroutine[Any, Any, T], timeout: float = 30) -> T:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout)

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
        self.loop.close()


@contextmanager
def running(settings: Settings, clock: FixedClock, *, web: bool = False, worker: bool = True,
            per_chat_interval: float | None = 0.0) -> Iterator[Runtime]:
    """The Runtime started exactly as `afterview run|serve|worker` starts it, on a loop in a
    thread. `per_chat_interval` relaxes the 1 s/chat spacing for fakes that do not enforce it
    (a conversation would otherwise take a second a turn); None keeps the real limit."""
    runtime = Runtime(settings, web=web, worker=worker, clock=clock, tick_seconds=3600)
    if per_chat_interval is not None:
        adapter_of(runtime).limiter.per_chat_interval = per_chat_interval
    with on_a_loop(runtime.start, runtime.stop):
        yield runtime


@contextmanager
def on_a_loop(start: Callable[[], Coroutine[Any, Any, Any]],
              stop: Callable[[], Coroutine[Any, Any, Any]], *,
              stop_timeout: float = 30) -> Iterator[LoopThread]:
    """`start()` awaited on a fresh loop in a thread, `stop()` on leaving, then the loop closed."""
    loop = LoopThread()
    try:
        loop.run(start())
        try:
            yield loop
        finally:
            loop.run(stop(), timeout=stop_timeout)
    finally:
        loop.close()


def adapter_of(runtime: Runtime) -> TelegramAdapter:
    [adapter] = [a for a in runtime.adapters if a.platform == "telegram"]
    return cast(TelegramAdapter, adapter)


def shown(message: SentMessage) -> str:
    """What the user sees of a message (the markup parsed)."""
    return message.plain_text or ""


def wait_until(predicate: Callable[[], object], fake: FakeTelegram, what: str,
               timeout: float = 10.0) -> None:
    """Poll briefly (the fake's own wait_for sleeps up to 0.25 s between looks)."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {timeout}s\n{fake.dump()}")
        time.sleep(0.005)


class Seeker:
    """A job seeker in a private chat with the bot, played through the fake's updates."""

    def __init__(self, fake: FakeTelegram, runtime: Runtime, chat_id: int = JANE,
                 first_name: str = "Jane") -> None:
        self.fake = fake
        self.runtime = runtime
        self.chat_id = chat_id
        self.first_name = first_name

    @property
    def adapter(self) -> TelegramAdapter:
        return adapter_of(self.runtime)

    def _await_turn(self, act: Any) -> list[SentMessage]:
        before = len(self.fake.sent_messages(self.chat_id))
        handled = self.adapter.updates_handled
        act()
        wait_until(lambda: self.adapter.updates_handled > handled, self.fake,
                   "the bot to handle the update")
        return self.fake.sent_messages(self.chat_id)[before:]

    def says(self, text: str) -> list[SentMessage]:
        return self._await_turn(lambda: self.fake.user_sends_text(
            self.chat_id, text, first_name=self.first_name))

    def answers(self, *texts: str) -> list[SentMessage]:
        sent: list[SentMessage] = []
        for text in texts:
            sent = self.says(text)
        return sent

    def presses(self, label: str) -> list[SentMessage]:
        return self._await_turn(lambda: self.fake.user_presses_button(
            self.chat_id, label, first_name=self.first_name))

    def replays(self, update: dict[str, Any]) -> list[SentMessage]:
        return self._await_turn(lambda: self.fake.queue_update(update))

    @property
    def last(self) -> SentMessage:
        return self.fake.sent_messages(self.chat_id)[-1]
