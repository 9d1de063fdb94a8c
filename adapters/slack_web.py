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
from typing import Any

from aiohttp import ClientError
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.web.async_slack_response import AsyncSlackResponse

from adapters.base import DeliveryError
from adapters.keyboards import OpenKeyboards, bound_tokens
from adapters.slack_blocks import SlackMessage, after_choice, pressed_label
from adapters.slack_oauth import TOKEN_ERRORS, Workspaces
from bot import metrics
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
    #: Many workspaces (OAuth): a token per workspace; None with one SLACK_BOT_TOKEN.
    workspaces: Workspaces | None
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

    async def _client_for(self, user: UserKey) -> AsyncWebClient:
        """The Web API client for the user's workspace: its own bot token when installed
        through OAuth, else the one configured."""
        if self.workspaces is None:
            return self.client
        return await self.workspaces.client_for(user.workspace, base=self.client)

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
            client = await self._client_for(user)  # the token of the user's workspace
            update = functools.partial(client.chat_update, channel=channel, ts=ts,
                                       text=posted.text or "Afterview", blocks=blocks)
            try:
                await self._call(update)
            except DeliveryError as error:
                log.info("slack: could not take an old keyboard off: %s", error)

    async def _mark_chosen(self, user: UserKey, container: dict[str, Any],
                           message: dict[str, Any], action: dict[str, Any]) -> None:
        """Replace the pressed message's buttons with the choice made."""
        channel, ts = container.get("channel_id"), container.get("message_ts")
        if not channel or not ts:
            return
        posted = self._posted.get((channel, ts))
        blocks = message.get("blocks") or (posted.blocks if posted else [])
        text = message.get("text") or (posted.text if posted else "")
        label = pressed_label(blocks, action)
        try:
            client = await self._client_for(user)
            await self._call(lambda: client.chat_update(
                channel=channel, ts=ts, text=text or label or "Afterview",
                blocks=after_choice(blocks, label, text)))
        except DeliveryError as error:
            log.warning("slack: could not update the pressed message: %s", error)

    async def _post_all(self, user: UserKey, rendered: Sequence[Rendered],
                        channel: str | None = None, *, patient: bool = False,
                        carry_on: bool = False, bound: dict[str, str] | None = None) -> None:
        """Post every message and file with the token of the user's workspace. With `carry_on`
        (a turn's answer) a call that fails — a Slack error or any other — is logged and the rest
        still goes out; without it (a nudge) the first failure is raised, for the scheduler to
        try again."""
        client = await self._client_for(user)
        try:
            channel = channel or await self._dm(client, user, patient=patient)
            for part in rendered:
                sends: list[Callable[[], Awaitable[object]]] = [
                    functools.partial(self._post_noted, client, user, channel, message,
                                      bound or {}, patient=patient)
                    for message in part.messages]
                if part.attachment is not None:
                    sends.append(functools.partial(self._upload, client, channel,
                                                   part.attachment, patient=patient))
                for send in sends:
                    try:
                        await send()
                    except Exception as error:
                        if not carry_on:
                            raise
                        log.warning("slack: one part of an answer failed (%s: %s); the rest "
                                    "still goes out", type(error).__name__, error)
        except DeliveryError as error:
            if self.workspaces is not None and slack_code(error) in TOKEN_ERRORS:
                self.workspaces.forget(user.workspace)  # read again: uninstalled, or a new one
            raise

    async def _post_noted(self, client: AsyncWebClient, user: UserKey, channel: str,
                          message: SlackMessage, bound: dict[str, str], *,
                          patient: bool = False) -> str:
        """`_post`, noting a message whose buttons answer a question (to close it later)."""
        ts = await self._post(client, channel, message, patient=patient)
        questions = {bound[e.get("value", "")] for b in message.blocks
                     if b.get("type") == "actions" for e in b.get("elements", [])
                     if e.get("value", "") in bound}
        if questions and ts:
            self.keyboards.sent(user, (channel, ts), questions.pop())
        return ts

    async def _dm(self, client: AsyncWebClient, user: UserKey, *, patient: bool = False) -> str:
        """The user's DM channel with the bot (opened once, then cached)."""
        channel = self._dm_channels.get(user)
        if channel is None:
            response = await self._call(lambda: client.conversations_open(
                users=user.user_id), patient=patient)
            channel = str(response["channel"]["id"])
            self._dm_channels[user] = channel
        return channel

    async def _post(self, client: AsyncWebClient, channel: str, message: SlackMessage, *,
                    patient: bool = False) -> str:
        response = await self._call(lambda: client.chat_postMessage(
            channel=channel, text=message.text, blocks=message.blocks), pace=channel,
            patient=patient)
        ts = str(response.get("ts", ""))
        self._posted[(str(response.get("channel") or channel), ts)] = message
        while len(self._posted) > 1000:
            self._posted.popitem(last=False)
        return ts

    async def _upload(self, client: AsyncWebClient, channel: str, attachment: Attachment, *,
                      patient: bool = False) -> None:
        await self._call(lambda: client.files_upload_v2(
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
            started = time.perf_counter()
            try:
                response = await call()
            except SlackApiError as error:
                wait = retry_after(error)
                status = getattr(error.response, "status_code", 200)
                _observe(error.response, "limited" if wait is not None else "failed"
                         if isinstance(status, int) and status >= 500 else "refused", started)
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
                _observe(None, "failed", started)
                raise DeliveryError(f"Slack did not answer: {type(error).__name__}") from error
            else:
                _observe(response, "ok", started)
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


def _observe(response: object, outcome: str, started: float) -> None:
    """One Web API call on the delivery histogram, by its method (from the URL it called)."""
    url = str(getattr(response, "api_url", "") or "")
    method = url.rstrip("/").rsplit("/", 1)[-1] if url else "unknown"
    metrics.delivery_call(PLATFORM, method, outcome, time.perf_counter() - started)


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


def slack_code(error: DeliveryError) -> str:
    """The error code Slack answered with ("invalid_auth"…), or "" for other failures."""
    cause = error.__cause__
    response = getattr(cause, "response", None)
    return str(response.get("error") or "") if isinstance(cause, SlackApiError) \
        and response is not None and hasattr(response, "get") else ""


def delivery_error(error: SlackApiError) -> DeliveryError:
    """A Slack error as a `DeliveryError`; permanent when the user cannot be reached."""
    code = ""
    response = error.response
    if response is not None and hasattr(response, "get"):
        code = str(response.get("error") or "")
    return DeliveryError(f"Slack refused: {code or error}", permanent=code in PERMANENT_ERRORS)
