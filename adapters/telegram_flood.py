"""Telegram's flood limits as python-telegram-bot's rate limiter: about 30 messages a second
per bot and one a second per chat, and the pause Telegram asks for after a 429."""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Coroutine
from datetime import timedelta
from typing import Any

from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter
from telegram.ext import (
    BaseRateLimiter,
)

from bot import metrics

log = logging.getLogger(__name__)


def retry_seconds(error: RetryAfter) -> float:
    value = getattr(error, "_retry_after", None)  # a timedelta in PTB 22, without the warning
    if isinstance(value, timedelta):
        return value.total_seconds()
    raw = error.retry_after
    return raw.total_seconds() if isinstance(raw, timedelta) else float(raw)


#: The pace the workers of one bot share: Telegram's 30 a second, less a margin, as the slots
#: are taken when a send starts and Telegram counts arrivals, which the network's jitter moves.
SHARED_PER_SECOND = 29.0

#: Set (True) by the code that sends nudges: those sends take a slot of the bot's shared pace, so
#: the workers of one bot together stay within Telegram's 30 a second. A user's answer does not:
#: it goes at once, within this process's own limits.
PACED: contextvars.ContextVar[bool] = contextvars.ContextVar("afterview_paced_send", default=False)


# ---- flood limits ------------------------------------------------------------------------------


class _Window:
    """At most `limit` sends in any `period` seconds, counted from when each send *finished*
    (so the server, which counts arrivals, never sees more), in-flight sends included."""

    def __init__(self, limit: int, period: float) -> None:
        self.limit = limit
        self.period = period
        self.finished: deque[float] = deque()
        self.in_flight = 0
        self.paused_until = 0.0

    def wait(self, now: float) -> float:
        if self.paused_until > now:
            return self.paused_until - now
        while self.finished and self.finished[0] <= now - self.period:
            self.finished.popleft()
        if self.in_flight + len(self.finished) < self.limit:
            return 0.0
        if self.finished and self.in_flight < self.limit:
            return self.finished[0] + self.period - now
        return 0.01  # everything is in flight: look again shortly

    def idle(self, now: float) -> bool:
        return (self.in_flight == 0 and self.paused_until <= now
                and (not self.finished or self.finished[-1] <= now - self.period))


SEND_METHODS = frozenset({
    "sendMessage", "sendDocument", "sendPhoto", "sendMediaGroup", "sendAudio", "sendVoice",
    "sendVideo", "sendAnimation", "sendSticker", "sendLocation", "sendContact", "sendPoll",
    "sendDice", "sendVenue", "copyMessage", "copyMessages", "forwardMessage", "forwardMessages",
})


class FloodLimiter(BaseRateLimiter[int]):
    """Telegram's flood limits for every request the bot makes: `per_second` sends and edits per
    bot, one send per `per_chat_interval` in each chat — private chats included, which PTB's
    AIORateLimiter leaves alone — and `group_per_minute` in groups.

    A 429 pauses that chat and the bot for the time Telegram asked, then the request is retried
    (at most `max_retries` times, and only when the wait is at most `max_wait` seconds; otherwise
    the RetryAfter is raised for the caller to reschedule). The state is plain data under a
    thread lock, so one limiter serves the application's loop and a private delivery loop.

    `shared`, when given, is the bot's pace shared with the other processes (a
    `storage.pace.SharedPace`'s `reserve`: the seconds to wait for the next slot); sends made
    with `PACED` set take a slot of it first.
    """

    def __init__(self, per_second: int = 30, per_chat_interval: float = 1.0,
                 group_per_minute: int = 20, max_retries: int = 3, max_wait: float = 60.0,
                 shared: Callable[[], float] | None = None) -> None:
        self.per_second = per_second
        self.per_chat_interval = per_chat_interval
        self.group_per_minute = group_per_minute
        self.max_retries = max_retries
        self.max_wait = max_wait
        self._lock = threading.Lock()
        self._bot = _Window(per_second, 1.0)
        self._chats: dict[int | str, list[_Window]] = {}
        self.retries = 0
        self.shared = shared

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to release."""

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        retries = self.max_retries if rate_limit_args is None else rate_limit_args
        attempt = 0
        while True:
            if self.shared is not None and endpoint in SEND_METHODS and PACED.get():
                wait = await asyncio.to_thread(self.shared)
                if wait > 0:
                    await asyncio.sleep(wait)
            windows = await self._acquire(endpoint, data.get("chat_id"))
            started, outcome = time.perf_counter(), "failed"
            try:
                result = await callback(*args, **kwargs)
                outcome = "ok"
                return result
            except RetryAfter as error:
                outcome = "limited"
                seconds = retry_seconds(error)
                if attempt >= retries or seconds > self.max_wait:
                    raise  # the caller reschedules (the scheduler: DeliveryError(retry_after))
                self._pause(windows, seconds)
                attempt += 1
                self.retries += 1
                log.info("telegram asked to wait %.1f s (%s); retrying", seconds, endpoint)
            except (BadRequest, Forbidden):
                outcome = "refused"
                raise
            except NetworkError:
                raise
            finally:
                metrics.delivery_call("telegram", endpoint, outcome,
                                      time.perf_counter() - started)
                self._release(windows)

    def _windows(self, endpoint: str, chat_id: object) -> list[_Window]:
        if endpoint.startswith("editMessage"):
            return [self._bot]
        if endpoint not in SEND_METHODS or chat_id is None:
            return []
        key: int | str = chat_id if isinstance(chat_id, int | str) else str(chat_id)
        with contextlib.suppress(ValueError, TypeError):
            key = int(key)
        chat = self._chats.get(key)
        if chat is None:
            if len(self._chats) > 2048:
                self._forget_idle()
            chat = [_Window(1, self.per_chat_interval)]
            if not isinstance(key, int) or key < 0:
                chat.append(_Window(self.group_per_minute, 60.0))
            self._chats[key] = chat
        return [self._bot, *chat]

    def _forget_idle(self) -> None:
        now = time.monotonic()
        for key in [k for k, windows in self._chats.items() if all(w.idle(now) for w in windows)]:
            del self._chats[key]

    async def _acquire(self, endpoint: str, chat_id: object) -> list[_Window]:
        while True:
            with self._lock:
                windows = self._windows(endpoint, chat_id)
                now = time.monotonic()
                wait = max((w.wait(now) for w in windows), default=0.0)
                if wait <= 0:
                    for window in windows:
                        window.in_flight += 1
                    return windows
            await asyncio.sleep(wait)

    def _release(self, windows: list[_Window]) -> None:
        with self._lock:
            now = time.monotonic()
            for window in windows:
                window.in_flight -= 1
                window.finished.append(now)

    def _pause(self, windows: list[_Window], seconds: float) -> None:
        with self._lock:
            until = time.monotonic() + seconds + 0.05
            for window in windows:
                window.paused_until = max(window.paused_until, until)


