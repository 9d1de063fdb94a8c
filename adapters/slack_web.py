"""The Slack adapter's Web API side: posting to a user's DM about one message a second per
channel, file uploads, 429s waited out, calls retried in transit, and delivery of nudges from the
scheduler's thread onto an event loop. Slack's errors read as `DeliveryError`s."""

from __future__ import annotations

import asyncio
import functools
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field

from aiohttp import ClientError
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.web.async_slack_response import AsyncSlackResponse

from adapters.base import DeliveryError
from adapters.keyboards import OpenKeyboards, bound_tokens
from adapters.slack_blocks import SlackMessage
from bot.messages import Attachment, Reply, UserKey

log = logging.getLogger("adapters.slack")

PLATFORM = "slack"
DELIVERY_TIMEOUT = 120.0
PERMANENT_ERRORS = frozenset({
    "account_inactive", "channel_not_found", "not_in_channel", "is_archived", "user_not_found",
    "user_disabled", "cannot_dm_bot", "user_is_restricted",
})


@dataclass
class Rendered:
    """One reply, ready for Slack: the messages to post and a file to share."""

    messages: list[SlackMessage] = field(default_factory=list)
    attachment: Attachment | None = None



class SlackWebCalls:
    """Mixed into `SlackAdapter`: every Web API call it makes goes through here. The adapter
    sets `client` and calls `_init_web()`; it renders replies with `_render`."""

    #: Seconds between two messages in one channel (Slack allows about one a second).
    per_channel_interval = 1.0
    #: The longest Retry-After we wait out ourselves; longer ones go back to the scheduler.
    max_retry_wait = 30.0
    max_rate_limit_retries = 3
    #: Pauses before an answer's call is made again after failing in transit (see `_call`).
    reply_retry_delays: tuple[float, ...] = (0.25, 0.5, 1.0, 2.0, 4.0)

    client: AsyncWebClient
    _loop: asyncio.AbstractEventLoop | None

    def _init_web(self) -> None:
        self._loop = None
        self._private: tuple[asyncio.AbstractEventLoop, threading.Thread] | None = None
        self._private_lock = threading.Lock()
        self._dm_channels: dict[UserKey, str] = {}
        self._posted: OrderedDict[tuple[str, str], SlackMessage] = OrderedDict()
        self.keyboards: OpenKeyboards[tuple[str, str]] = OpenKeyboards()
        self._pace_lock = threading.Lock()
        self._next_slot: dict[str, float] = {}

    def _render(self, user: UserKey, replies: Sequence[Reply],
                tokens: Sequence[str] | None = None) -> list[Rendered]:
        raise NotImplementedError

    # ---- posting --------------------------------------------------------------------------

    async def _reply(self, user: UserKey, replies: Sequence[Reply],
                     channel: str | None = None, tokens: Sequence[str] | None = None, *,
                     question: str | None = None, turn: bool = False) -> None:
        """Interactive replies, each call tried again when it fails in transit (the turn is
        saved and a redelivered event is not run again, so an answer given up on is lost);
        what still fails is logged. For a `turn`, the buttons of questions that have ended
        (`question` is the one open now) come off their messages."""
        bound = bound_tokens([b.value for r in replies for b in r.buttons], tokens)
        try:
            if replies:
                rendered = await asyncio.to_thread(self._render, user, replies, tokens)
                await self._post_all(user, rendered, channel, patient=True, carry_on=True,
                                     bound=bound)
            if turn:
                await self._close_ended(user, question)
        except DeliveryError as error:
            log.warning("slack: could not answer a user: %s", error)

    async def _close_ended(self, user: UserKey, question: str | None) -> None:
        for channel, ts in self.keyboards.ended(user, question):
            posted = self._posted.get((channel, ts))
            if posted is None:
                continue
            blocks = [b for b in posted.blocks if b.get("type") != "actions"]
            update = functools.partial(self.client.chat_update, channel=channel, ts=ts,
                                       text=posted.text or "Afterview", blocks=blocks)
            try:
                await self._call(update)
            except DeliveryError as error:
                log.info("slack: could not take an old keyboard off: %s", error)

    async def _post_all(self, user: UserKey, rendered: Sequence[Rendered],
                        channel: str | None = None, *, patient: bool = False,
                        carry_on: bool = False, bound: dict[str, str] | None = None) -> None:
        """Post every message and file. With `carry_on` (a turn's answer) a call that fails —
        a Slack error or any other — is logged and the rest still goes out; without it (a
        nudge) the first failure is raised, for the scheduler to try again."""
        channel = channel or await self._dm(user, patient=patient)
        for part in rendered:
            sends: list[Callable[[], Awaitable[object]]] = [
                functools.partial(self._post_noted, user, channel, message, bound or {},
                                  patient=patient)
                for message in part.messages]
            if part.attachment is not None:
                sends.append(functools.partial(self._upload, channel, part.attachment,
                                               patient=patient))
            for send in sends:
                try:
                    await send()
                except Exception as error:
                    if not carry_on:
                        raise
                    log.warning("slack: one part of an answer failed (%s: %s); the rest "
                                "still goes out", type(error).__name__, error)

    async def _post_noted(self, user: UserKey, channel: str, message: SlackMessage,
                          bound: dict[str, str], *, patient: bool = False) -> str:
        """`_post`, noting a message whose buttons answer a question (to close it later)."""
        ts = await self._post(channel, message, patient=patient)
        questions = {bound[e.get("value", "")] for b in message.blocks
                     if b.get("type") == "actions" for e in b.get("elements", [])
                     if e.get("value", "") in bound}
        if questions and ts:
            self.keyboards.sent(user, (channel, ts), questions.pop())
        return ts

    async def _dm(self, user: UserKey, *, patient: bool = False) -> str:
        """The user's DM channel with the bot (opened once, then cached)."""
        channel = self._dm_channels.get(user)
        if channel is None:
            response = await self._call(lambda: self.client.conversations_open(
                users=user.user_id), patient=patient)
            channel = str(response["channel"]["id"])
            self._dm_channels[user] = channel
        return channel

    async def _post(self, channel: str, message: SlackMessage, *, patient: bool = False) -> str:
        response = await self._call(lambda: self.client.chat_postMessage(
            channel=channel, text=message.text, blocks=message.blocks), pace=channel,
            patient=patient)
        ts = str(response.get("ts", ""))
        self._posted[(str(response.get("channel") or channel), ts)] = message
        while len(self._posted) > 1000:
            self._posted.popitem(last=False)
        return ts

    async def _upload(self, channel: str, attachment: Attachment, *,
                      patient: bool = False) -> None:
        await self._call(lambda: self.client.files_upload_v2(
            channel=channel, file=attachment.content, filename=attachment.filename,
            title=attachment.filename, initial_comment=attachment.caption or None,
            request_file_info=False), pace=channel, patient=patient)

    async def _call(self, call: Callable[[], Awaitable[AsyncSlackResponse]], *,
                    pace: str | None = None, patient: bool = False) -> AsyncSlackResponse:
        """`_call_once`; when `patient`, again after each of `reply_retry_delays` while it
        fails in transit (a 5xx, a timeout, a dropped connection). A timeout can hide a call
        that did arrive: a message then shows twice. Nudges are not patient: the scheduler
        reschedules them without holding up a tick."""
        delays = iter(self.reply_retry_delays if patient else ())
        while True:
            try:
                return await self._call_once(call, pace=pace)
            except DeliveryError as error:
                delay = next(delays, None)
                if delay is None or not in_transit(error):
                    raise
                log.info("slack: a call failed in transit (%s); again in %.2f s", error, delay)
                await asyncio.sleep(delay)

    async def _call_once(self, call: Callable[[], Awaitable[AsyncSlackResponse]], *,
                         pace: str | None = None) -> AsyncSlackResponse:
        """One Web API call: spaced per channel when posting, 429s waited out (up to a point),
        every failure a `DeliveryError` (permanent when retrying cannot help)."""
        for attempt in range(self.max_rate_limit_retries + 1):
            if pace is not None:
                await self._wait_for_slot(pace)
            try:
                response = await call()
            except SlackApiError as error:
                wait = retry_after(error)
                if wait is None:
                    raise delivery_error(error) from error
                if pace is not None:
                    self._hold(pace, wait)
                if wait > self.max_retry_wait or attempt == self.max_rate_limit_retries:
                    raise DeliveryError("Slack asked us to slow down", retry_after=wait) from error
                log.info("slack: rate limited, waiting %.1f s", wait)
                if pace is None:
                    await asyncio.sleep(wait)
            except (ClientError, TimeoutError) as error:
                raise DeliveryError(f"Slack did not answer: {type(error).__name__}") from error
            else:
                if pace is not None:  # the next message in this channel waits from now on
                    self._hold(pace, self.per_channel_interval)
                return response
        raise AssertionError("unreachable")

    async def _wait_for_slot(self, channel: str) -> None:
        with self._pace_lock:
            now = time.monotonic()
            slot = max(now, self._next_slot.get(channel, 0.0))
            self._next_slot[channel] = slot + self.per_channel_interval
        if slot > now:
            await asyncio.sleep(slot - now)

    def _hold(self, channel: str, seconds: float) -> None:
        with self._pace_lock:
            until = time.monotonic() + seconds
            self._next_slot[channel] = max(self._next_slot.get(channel, 0.0), until)

    # ---- nudges (called from the scheduler's thread) ---------------------------------------

    def deliver(self, user: UserKey, replies: Sequence[Reply]) -> None:
        """Post nudges to the user's DM; raises `DeliveryError` when Slack refuses."""
        if user.platform != PLATFORM:
            raise DeliveryError(f"not a Slack user: {user}", permanent=True)
        rendered = self._render(user, replies)
        future = asyncio.run_coroutine_threadsafe(self._post_all(user, rendered),
                                                  self._delivery_loop())
        try:
            future.result(DELIVERY_TIMEOUT)
        except TimeoutError as error:
            future.cancel()
            raise DeliveryError("Slack delivery timed out") from error

    def _delivery_loop(self) -> asyncio.AbstractEventLoop:
        """The adapter's loop when it runs (and we are not on it), else a private one."""
        loop = self._loop
        try:
            current = asyncio.get_running_loop()
        except RuntimeError:
            current = None
        if loop is not None and loop.is_running() and loop is not current:
            return loop
        with self._private_lock:
            if self._private is None:
                private = asyncio.new_event_loop()
                thread = threading.Thread(target=private.run_forever, name="slack-delivery",
                                          daemon=True)
                thread.start()
                self._private = (private, thread)
            return self._private[0]

    def _stop_private_loop(self) -> None:
        with self._private_lock:
            private, self._private = self._private, None
        if private is not None:
            loop, thread = private
            loop.call_soon_threadsafe(loop.stop)
            thread.join(5)
            loop.close()


def retry_after(error: SlackApiError) -> float | None:
    """Seconds Slack asked us to wait (a 429), or None for any other failure."""
    response = error.response
    if getattr(response, "status_code", None) != 429:
        return None
    headers = getattr(response, "headers", None) or {}
    raw = headers.get("Retry-After") or headers.get("retry-after") or "1"
    if isinstance(raw, list):
        raw = raw[0] if raw else "1"
    try:
        return max(float(raw), 0.0)
    except ValueError:
        return 1.0


def in_transit(error: DeliveryError) -> bool:
    """Whether a failure happened on the way (a 5xx, a timeout, a dropped connection), so the
    same call may well succeed in a moment — unlike a refusal or a rate limit."""
    cause = error.__cause__
    if isinstance(cause, ClientError | TimeoutError):
        return True
    status = getattr(getattr(cause, "response", None), "status_code", None)
    return isinstance(cause, SlackApiError) and isinstance(status, int) and status >= 500


def delivery_error(error: SlackApiError) -> DeliveryError:
    """A Slack error as a `DeliveryError`; permanent when the user cannot be reached."""
    code = ""
    response = error.response
    if response is not None and hasattr(response, "get"):
        code = str(response.get("error") or "")
    return DeliveryError(f"Slack refused: {code or error}", permanent=code in PERMANENT_ERRORS)
