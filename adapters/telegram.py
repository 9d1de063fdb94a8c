"""Telegram: the whole bot in private chats, on python-telegram-bot's `Application`.

Long polling by default, a webhook on the shared HTTP server when `TELEGRAM_WEBHOOK_URL` is set;
inline keyboards carry opaque vault tokens; drafts are sent so the letter copies in one tap;
nudges are pushed within Telegram's flood limits (30 messages/s per bot, 1/s per chat).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import hashlib
import hmac
import html
import json
import logging
import re
import threading
import time
from collections import OrderedDict, deque
from collections.abc import AsyncIterator, Callable, Coroutine, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

from aiohttp import web
from telegram import (
    Bot,
    BotCommand,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputFile,
    LinkPreviewOptions,
    Message,
    Update,
)
from telegram.constants import ChatType, ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError
from telegram.ext import (
    Application,
    ApplicationBuilder,
    BaseRateLimiter,
    ContextTypes,
    ExtBot,
    TypeHandler,
)

from adapters.base import AsyncAdapter, DeliveryError
from bot.conversation.buttons import ButtonVault
from bot.conversation.engine import Engine
from bot.messages import TOKEN_PREFIX, Attachment, Button, Draft, Incoming, Reply, UserKey

if TYPE_CHECKING:
    from afterview.http import HttpServer
    from afterview.settings import Settings

log = logging.getLogger(__name__)

PLATFORM = "telegram"
WORKSPACE = "private"

MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_CALLBACK_DATA = 64
MAX_MAILTO_LINK = 2048

WEBHOOK_PATH = "/telegram/webhook"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
ALLOWED_UPDATES = ("message", "callback_query")
POLL_TIMEOUT = 10
DELIVER_TIMEOUT = 150.0

PRIVATE_ONLY = "I work in private chats — message me directly"
TEXT_ONLY = ("I can only read text — please type your answer (or “help” to see what I can do).")

MENU: tuple[tuple[str, str], ...] = (
    ("start", "Set up your profile"),
    ("debrief", "Record an interview you just had"),
    ("new", "Same as /debrief"),
    ("status", "Your pipeline and what to do next"),
    ("thanks", "Thank-you letters, one per interviewer"),
    ("followup", "Follow up, or log their answer"),
    ("offer", "Record and weigh an offer"),
    ("outcome", "Record an outcome: offer, no, next round"),
    ("prep", "Prepare for the next round"),
    ("lessons", "Your lessons journal"),
    ("story", "Note a story you told, so you don't repeat it"),
    ("references", "Your references"),
    ("settings", "Name, signature, time zone, hours"),
    ("pause", "Pause all reminders"),
    ("resume", "Turn reminders back on"),
    ("export", "Download everything you told me"),
    ("delete", "Delete all your data"),
    ("help", "What I can do"),
    ("cancel", "Stop what we're doing"),
)
"""The command menu (SPEC §2), registered with setMyCommands."""


def telegram_user(user_id: int | str) -> UserKey:
    """A Telegram user; in a private chat the chat id is the user id, so nothing else is stored."""
    return UserKey(PLATFORM, WORKSPACE, str(user_id))


# ---- rendering: Reply -> Telegram messages (pure) ----------------------------------------------


@dataclass(frozen=True)
class Outgoing:
    """One Telegram message: HTML text (or a file with an HTML caption) and its keyboard rows of
    (label, callback_data)."""

    html: str
    keyboard: tuple[tuple[tuple[str, str], ...], ...] = ()
    attachment: Attachment | None = None

    @property
    def visible(self) -> int:
        """What Telegram counts against its limits: the UTF-16 length of the text as shown."""
        return utf16_len(visible_text(self.html))


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def visible_text(markup: str) -> str:
    """The text of our own HTML as the user sees it (tags dropped, entities decoded)."""
    return html.unescape(re.sub(r"<[^>]*>", "", markup))


def escape(text: str) -> str:
    return html.escape(text, quote=False)


def split_text(text: str, limit: int = MAX_TEXT) -> list[str]:
    """Pieces of at most `limit` UTF-16 units: cut at paragraphs, then lines, then words, then
    anywhere (never inside a character). Blank pieces are dropped: Telegram refuses them."""
    return [piece for piece in _split(text, limit, ("\n\n", "\n", " ")) if piece.strip()]


def _split(text: str, limit: int, separators: tuple[str, ...]) -> list[str]:
    if utf16_len(text) <= limit:
        return [text]
    if not separators:
        return _hard_split(text, limit)
    separator, finer = separators[0], separators[1:]
    pieces: list[str] = []
    current: list[str] = []
    size = 0
    for part in text.split(separator):
        part_size = utf16_len(part)
        if part_size > limit:
            if current:
                pieces.append(separator.join(current))
                current, size = [], 0
            pieces.extend(_split(part, limit, finer))
            continue
        joined = size + (len(separator) if current else 0) + part_size
        if current and joined > limit:
            pieces.append(separator.join(current))
            current, size = [part], part_size
        else:
            current.append(part)
            size = joined
    if current:
        pieces.append(separator.join(current))
    return pieces


def _hard_split(text: str, limit: int) -> list[str]:
    pieces: list[str] = []
    start = size = 0
    for index, char in enumerate(text):
        width = 2 if ord(char) > 0xFFFF else 1
        if size + width > limit:
            pieces.append(text[start:index])
            start, size = index, 0
        size += width
    pieces.append(text[start:])
    return pieces


def keyboard_rows(buttons: Sequence[Button], width: int = 40, most: int = 5) -> list[list[Button]]:
    """Buttons packed into rows that fit a phone screen. Telegram gives the buttons of a row
    equal widths, so a row fits when (buttons × (longest label + padding)) fits the width."""
    rows: list[list[Button]] = []
    row: list[Button] = []
    for button in buttons:
        widest = max([len(b.label) for b in row] + [len(button.label)]) + 4
        if row and (len(row) >= most or (len(row) + 1) * widest > width):
            rows.append(row)
            row = []
        row.append(button)
    if row:
        rows.append(row)
    return rows


def render(replies: Sequence[Reply], tokens: Sequence[str]) -> list[Outgoing]:
    """The messages for a turn's replies; `tokens` are the vault tokens of all their buttons, in
    order. Consecutive plain texts are merged into one message when they fit (fewer pings, and
    fewer sends against the per-chat limit); each reply's keyboard rides on its last message."""
    tokens_left = iter(tokens)
    messages: list[Outgoing] = []
    for reply in replies:
        keyboard = tuple(
            tuple((_label(button.label), _callback_data(next(tokens_left))) for button in row)
            for row in keyboard_rows(reply.buttons)
        )
        parts = _reply_parts(reply)
        if not parts and keyboard:
            parts = [Outgoing("Choose:")]
        if parts and keyboard:
            last = parts[-1]
            parts[-1] = Outgoing(last.html, keyboard, last.attachment)
        messages.extend(parts)
    return _merge(messages)


def _label(label: str) -> str:
    label = " ".join(label.split()) or "…"
    return label if len(label) <= 64 else label[:63] + "…"


def _callback_data(token: str) -> str:
    if not 1 <= len(token.encode()) <= MAX_CALLBACK_DATA:
        raise ValueError(f"callback data must be 1-{MAX_CALLBACK_DATA} bytes, got {len(token)}")
    return token


def _texts(text: str) -> list[Outgoing]:
    return [Outgoing(escape(piece)) for piece in split_text(text.strip())]


def _reply_parts(reply: Reply) -> list[Outgoing]:
    parts = _texts(reply.text)
    if reply.draft is not None:
        parts.extend(render_draft(reply.draft))
    if reply.attachment is not None:
        parts.extend(render_attachment(reply.attachment))
    return parts


def render_draft(draft: Draft) -> list[Outgoing]:
    """A letter: To, Subject and the mail-app link as text, then the body in a <pre> block —
    one tap on it copies the whole letter."""
    lines: list[str] = []
    if draft.to:
        lines.append(f"✉️ <b>To:</b> {escape(draft.to)}")
    lines.append(f"<b>Subject:</b> <code>{escape(draft.subject)}</code>")
    link = _mail_link(draft.mailto)
    if link:
        lines.append(f'<a href="{html.escape(link, quote=True)}">Open it in your mail app</a>')
    for problem in draft.problems:
        lines.append(f"⚠️ {escape(problem)}")
    lines.append("Tap the letter below to copy it:")
    header = Outgoing("\n".join(lines))
    parts = [header] if header.visible <= MAX_TEXT else _texts(visible_text(header.html))
    body = draft.body.strip("\n")
    parts.extend(Outgoing(f"<pre>{escape(piece)}</pre>") for piece in split_text(body))
    return parts


def _mail_link(mailto: str | None) -> str | None:
    if not mailto:
        return None
    if len(mailto) > MAX_MAILTO_LINK:  # too long for a link: address and subject only
        mailto = mailto.split("&body=", 1)[0]
    return mailto if len(mailto) <= MAX_MAILTO_LINK else None


def render_attachment(attachment: Attachment) -> list[Outgoing]:
    """A file with its caption; a caption too long for one goes in a message before it."""
    caption = attachment.caption.strip()
    if utf16_len(caption) <= MAX_CAPTION:
        return [Outgoing(escape(caption), attachment=attachment)]
    return [*_texts(caption), Outgoing("", attachment=attachment)]


def _merge(messages: list[Outgoing]) -> list[Outgoing]:
    merged: list[Outgoing] = []
    for message in messages:
        if merged:
            last = merged[-1]
            if (last.attachment is None and message.attachment is None and not last.keyboard
                    and last.visible + 2 + message.visible <= MAX_TEXT):
                merged[-1] = Outgoing(f"{last.html}\n\n{message.html}", message.keyboard)
                continue
        merged.append(message)
    return merged


_COMMAND = re.compile(r"/([A-Za-z0-9_]{1,32})(?:@[A-Za-z0-9_]{3,64})?(?:\s+(.*))?", re.DOTALL)


def parse_command(text: str) -> tuple[str, str] | None:
    """`/word@botname args` -> ("word", "args"); None when the text is not a command."""
    match = _COMMAND.fullmatch(text.strip())
    if match is None:
        return None
    return match.group(1).lower(), (match.group(2) or "").strip()


def webhook_secret(settings: Settings) -> str:
    """TELEGRAM_WEBHOOK_SECRET, or one derived from the bot token (stable across processes)."""
    configured = settings.telegram_webhook_secret
    if configured is not None and configured.get_secret_value():
        secret = configured.get_secret_value()
        if not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", secret):
            raise ValueError("TELEGRAM_WEBHOOK_SECRET may only contain A-Z, a-z, 0-9, _ and -, "
                             "up to 256 characters")
        return secret
    token = settings.telegram_bot_token.get_secret_value() if settings.telegram_bot_token else ""
    return hmac.new(token.encode(), b"afterview telegram webhook", hashlib.sha256).hexdigest()


def webhook_route(url: str) -> tuple[str, str]:
    """(the URL to register, the path to serve): a bare host gets /telegram/webhook."""
    parts = urlsplit(url)
    if parts.path in ("", "/"):
        return urlunsplit(parts._replace(path=WEBHOOK_PATH)), WEBHOOK_PATH
    return url, parts.path


def storable(text: str | None) -> str | None:
    """Text the database can hold: a lone surrogate (only a forged update has one) becomes "?".
    The core cleans message texts itself; names are stored as they come."""
    return text.encode("utf-8", "replace").decode("utf-8") if text else None


def well_formed(update: Update) -> bool:
    """Whether the update's own, its sender's and its chat's ids are integers, as Telegram's
    always are: anything else was not sent by Telegram, and an id like "4242" (a string) would
    pass for user 4242."""
    try:
        ids = [update.update_id, *(found.id for found in (update.effective_user,
                                                          update.effective_chat) if found)]
    except Exception:  # noqa: BLE001 - a shape PTB cannot even look into
        return False
    return all(type(value) is int for value in ids)


def retry_seconds(error: RetryAfter) -> float:
    value = getattr(error, "_retry_after", None)  # a timedelta in PTB 22, without the warning
    if isinstance(value, timedelta):
        return value.total_seconds()
    raw = error.retry_after
    return raw.total_seconds() if isinstance(raw, timedelta) else float(raw)


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
    """

    def __init__(self, per_second: int = 30, per_chat_interval: float = 1.0,
                 group_per_minute: int = 20, max_retries: int = 3, max_wait: float = 60.0) -> None:
        self.per_second = per_second
        self.per_chat_interval = per_chat_interval
        self.group_per_minute = group_per_minute
        self.max_retries = max_retries
        self.max_wait = max_wait
        self._lock = threading.Lock()
        self._bot = _Window(per_second, 1.0)
        self._chats: dict[int | str, list[_Window]] = {}
        self.retries = 0

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
            windows = await self._acquire(endpoint, data.get("chat_id"))
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as error:
                seconds = retry_seconds(error)
                if attempt >= retries or seconds > self.max_wait:
                    raise  # the caller reschedules (the scheduler: DeliveryError(retry_after))
                self._pause(windows, seconds)
                attempt += 1
                self.retries += 1
                log.info("telegram asked to wait %.1f s (%s); retrying", seconds, endpoint)
            finally:
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


# ---- the adapter -------------------------------------------------------------------------------


@dataclass
class _UserLock:
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    users: int = 0


class _PrivateLoop:
    """A loop of our own in a daemon thread, for deliveries when the application's loop is not
    running (`afterview tick`)."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="telegram-delivery",
                                       daemon=True)
        self.thread.start()

    def close(self, cleanup: Coroutine[Any, Any, None] | None = None) -> None:
        if cleanup is not None:
            with contextlib.suppress(Exception):
                asyncio.run_coroutine_threadsafe(cleanup, self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
        self.loop.close()


TelegramApp = Application[Any, Any, Any, Any, Any, Any]


class TelegramAdapter(AsyncAdapter):
    """Private chats on Telegram: updates -> `Incoming`, replies -> messages with keyboards."""

    platform = PLATFORM
    #: Pauses before sending an answer again after it failed in transit (see `_reply`).
    reply_retry_delays: tuple[float, ...] = (0.25, 0.5, 1.0, 2.0, 4.0)

    def __init__(self, settings: Settings, engine: Engine, vault: ButtonVault, *,
                 limiter: FloodLimiter | None = None) -> None:
        if not settings.telegram_bot_token:
            raise ValueError("TELEGRAM_BOT_TOKEN is not set")
        self.settings = settings
        self.engine = engine
        self.vault = vault
        self.limiter = limiter or FloodLimiter()
        self.token = settings.telegram_bot_token.get_secret_value()
        api = settings.telegram_api_url.rstrip("/")
        self.base_url, self.base_file_url = f"{api}/bot", f"{api}/file/bot"
        self.webhook_url: str | None = None
        self.webhook_path = WEBHOOK_PATH
        self.secret = ""
        if settings.telegram_webhook_url:
            self.webhook_url, self.webhook_path = webhook_route(settings.telegram_webhook_url)
            self.secret = webhook_secret(settings)
        self.application: TelegramApp = (
            ApplicationBuilder()
            .token(self.token)
            .base_url(self.base_url)
            .base_file_url(self.base_file_url)
            .rate_limiter(self.limiter)
            .concurrent_updates(64)
            .job_queue(None)
            .build()
        )
        self.application.add_handler(TypeHandler(Update, self._on_update))
        self.updates_handled = 0
        """How many updates were handled (answered, ignored or found to be repeats)."""
        self._loop: asyncio.AbstractEventLoop | None = None
        self._serving = False
        self._user_locks: dict[int, _UserLock] = {}
        self._seen: OrderedDict[int, None] = OrderedDict()
        self._private: _PrivateLoop | None = None
        self._private_bot: ExtBot[int] | None = None
        self._private_bot_ready: asyncio.Lock | None = None
        self._private_guard = threading.Lock()

    # ---- lifecycle ---------------------------------------------------------------------------

    async def start_async(self, http: HttpServer | None, *, polling: bool) -> None:
        self._close_private_loop()
        app = self.application
        await app.initialize()
        self._loop = asyncio.get_running_loop()
        await self._register_commands(app.bot)
        if self.webhook_url and http is not None:
            http.add_post(self.webhook_path, self._on_webhook)
            http.on_started(self._set_webhook)
            self._serving = True
        elif polling:
            assert app.updater is not None
            await app.start()
            await app.updater.start_polling(poll_interval=0, timeout=POLL_TIMEOUT,
                                            allowed_updates=list(ALLOWED_UPDATES))
            self._serving = True
            log.info("telegram: long polling as @%s", app.bot.username)

    async def _register_commands(self, bot: Bot) -> None:
        try:
            await bot.set_my_commands([BotCommand(word, text) for word, text in MENU])
        except TelegramError:
            log.warning("telegram: could not register the command menu", exc_info=True)

    async def _set_webhook(self) -> None:
        assert self.webhook_url is not None
        await self.application.bot.set_webhook(
            self.webhook_url, secret_token=self.secret, allowed_updates=list(ALLOWED_UPDATES))
        log.info("telegram: webhook registered at %s", self.webhook_url)

    async def stop_async(self) -> None:
        app = self.application
        self._serving = False
        if app.updater is not None and app.updater.running:
            await app.updater.stop()
        if app.running:
            await app.stop()
        await app.shutdown()
        self._loop = None

    def stop(self) -> None:
        self._close_private_loop()

    # ---- inbound -----------------------------------------------------------------------------

    async def _on_webhook(self, request: web.Request) -> web.StreamResponse:
        given = request.headers.get(SECRET_HEADER, "").encode("utf-8", "replace")
        if not self.secret or not hmac.compare_digest(given, self.secret.encode()):
            log.warning("telegram: webhook call without the right secret token refused")
            return web.Response(status=403, text="forbidden")
        if not self._serving:
            return web.Response(status=503, text="starting or stopping")
        try:
            data = json.loads(await request.read())
            update = Update.de_json(data, self.application.bot) if isinstance(data, dict) else None
        except Exception:  # noqa: BLE001 - whatever the body is, it is not an update
            update = None
        if update is None or not well_formed(update):
            return web.Response(status=400, text="not an update")
        # shielded: a dropped connection must not cut a turn in half
        await asyncio.shield(self.application.process_update(update))
        return web.Response(text="ok")

    async def _on_update(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        if not isinstance(update, Update):
            return
        try:
            await self.handle_update(update)
        except Exception:
            log.exception("telegram: update %s failed", update.update_id)
        finally:
            self.updates_handled += 1

    async def handle_update(self, update: Update) -> None:
        """One update: a message or a button press in a private chat goes to the core; anything
        else is answered or ignored here."""
        if not well_formed(update):
            log.warning("telegram: update %r with ids that are not integers ignored",
                        update.update_id)
            return
        if update.callback_query is not None:
            await self._on_press(update, update.callback_query)
            return
        message = update.message  # edited messages, channel posts, member changes: not for us
        if message is None or message.from_user is None or message.from_user.is_bot:
            return
        chat = message.chat
        bot = self.application.bot
        if chat.type != ChatType.PRIVATE:
            if chat.type in (ChatType.GROUP, ChatType.SUPERGROUP) and self._first(update):
                await self._reply(bot, chat.id, [Outgoing(escape(self._private_only()))])
            return
        sender = message.from_user
        user = telegram_user(sender.id)
        if message.text is None:
            if self._first(update):
                await self._reply(bot, sender.id, [Outgoing(escape(TEXT_ONLY))])
            return
        if not self._first(update):
            return
        dedup = f"update:{update.update_id}"
        command = parse_command(message.text)
        if command is not None and command[0] == "start":
            command = ("start", "")  # "/start <payload>" comes from a t.me link, not the user
        name = storable(sender.full_name)
        incoming = (Incoming.command(user, command[0], command[1], name, dedup)
                    if command else Incoming.message(user, message.text, name, dedup))
        async with self._one_at_a_time(sender.id):
            outgoing = await asyncio.to_thread(self._turn, incoming)
            await self._reply(bot, sender.id, outgoing)

    async def _on_press(self, update: Update, query: CallbackQuery) -> None:
        pressed = query.message
        sender = query.from_user
        if pressed is None or pressed.chat.type != ChatType.PRIVATE or query.data is None:
            group = pressed is not None and pressed.chat.type != ChatType.PRIVATE
            await self._answer(query, self._private_only() if group else None)
            return
        if not self._first(update):
            return
        user = telegram_user(sender.id)
        incoming = Incoming.press(user, TOKEN_PREFIX + query.data, storable(sender.full_name),
                                  f"update:{update.update_id}")
        async with self._one_at_a_time(sender.id):
            outgoing = await asyncio.to_thread(self._turn, incoming)
            if not outgoing:
                return  # processed before (a redelivery): already answered and edited
            await self._answer(query, None)
            # only the presser's own chat: a press that claims a message in someone else's
            # chat (forged; Telegram never sends one) must not edit that person's message
            if isinstance(pressed, Message) and pressed.chat.id == sender.id:
                await self._close_keyboard(pressed, query.data)
            await self._reply(self.application.bot, sender.id, outgoing)

    def _turn(self, incoming: Incoming) -> list[Outgoing]:
        """In a worker thread: the core's turn, its buttons' tokens issued in its transaction."""
        answer = self.engine.answer(incoming, tokens=True)
        return self._render_for(incoming.user, answer.replies, answer.tokens)

    def _render_for(self, user: UserKey, replies: Sequence[Reply],
                    tokens: Sequence[str] | None = None) -> list[Outgoing]:
        """The messages for replies; their buttons' tokens from the vault unless given."""
        if tokens is None:
            values = [button.value for reply in replies for button in reply.buttons]
            tokens = self.vault.issue(user, values) if values else []
        return render(replies, tokens)

    async def _answer(self, query: CallbackQuery, text: str | None) -> None:
        try:
            await query.answer(text)
        except TelegramError as error:  # too old, or answered already: nothing to do
            log.info("telegram: could not answer a button press: %s", error)

    async def _close_keyboard(self, message: Message, data: str) -> None:
        """Edit the pressed message so its buttons cannot be pressed twice: "→ label" appended
        when it fits, else the keyboard just disappears."""
        markup = message.reply_markup
        if markup is None or not markup.inline_keyboard:
            return
        label = next((b.text for row in markup.inline_keyboard for b in row
                      if b.callback_data == data), None)
        bot = self.application.bot
        try:
            text = message.text
            if text is not None and label and utf16_len(text) + 4 + utf16_len(label) <= MAX_TEXT:
                await bot.edit_message_text(
                    f"{message.text_html}\n\n→ {escape(label)}", chat_id=message.chat.id,
                    message_id=message.message_id, parse_mode=ParseMode.HTML,
                    link_preview_options=LinkPreviewOptions(is_disabled=True), reply_markup=None)
            else:
                await bot.edit_message_reply_markup(chat_id=message.chat.id,
                                                    message_id=message.message_id,
                                                    reply_markup=None)
        except TelegramError as error:  # too old to edit, edited already…
            log.info("telegram: could not close a keyboard: %s", error)

    def _first(self, update: Update) -> bool:
        """False for an update this process has already seen (the database catches the rest)."""
        if update.update_id in self._seen:
            return False
        self._seen[update.update_id] = None
        while len(self._seen) > 4096:
            self._seen.popitem(last=False)
        return True

    def _private_only(self) -> str:
        username = self.application.bot.username if self.application.bot else None
        return f"{PRIVATE_ONLY}: @{username}" if username else PRIVATE_ONLY

    @contextlib.asynccontextmanager
    async def _one_at_a_time(self, user_id: int) -> AsyncIterator[None]:
        """One turn at a time per user, in the order the updates came."""
        entry = self._user_locks.setdefault(user_id, _UserLock())
        entry.users += 1
        try:
            async with entry.lock:
                yield
        finally:
            entry.users -= 1
            if entry.users == 0:
                self._user_locks.pop(user_id, None)

    # ---- outbound ----------------------------------------------------------------------------

    async def _reply(self, bot: Bot, chat_id: int, messages: Sequence[Outgoing]) -> None:
        """Answer a user: a message that fails in transit (a 5xx, a timeout, a dropped
        connection) is tried again after each of `reply_retry_delays`. The turn is saved before
        its answer goes out and a redelivered update is not run again, so an answer given up on
        here is lost. (A timeout can hide a message that did arrive: then it shows twice.)
        Nudges are not retried here: the scheduler reschedules them without holding a tick."""
        for message in messages:
            for delay in (*self.reply_retry_delays, None):
                try:
                    await self._send(bot, chat_id, message)
                    break
                except BadRequest:  # a NetworkError to PTB, but sending it again cannot help
                    raise
                except NetworkError as error:
                    if delay is None:
                        raise
                    log.info("telegram: an answer failed in transit (%s); again in %.2f s",
                             error.message, delay)
                    await asyncio.sleep(delay)

    async def _send_all(self, bot: Bot, chat_id: int, messages: Sequence[Outgoing]) -> None:
        for message in messages:
            await self._send(bot, chat_id, message)

    async def _send(self, bot: Bot, chat_id: int, message: Outgoing) -> None:
        markup = None
        if message.keyboard:
            markup = InlineKeyboardMarkup(
                [[InlineKeyboardButton(label, callback_data=data) for label, data in row]
                 for row in message.keyboard])
        attachment = message.attachment
        if attachment is None:
            await bot.send_message(chat_id, message.html, parse_mode=ParseMode.HTML,
                                   reply_markup=markup,
                                   link_preview_options=LinkPreviewOptions(is_disabled=True))
            return
        caption = message.html or None
        if attachment.mime_type == "image/png":
            try:
                await bot.send_photo(chat_id, InputFile(attachment.content,
                                                        filename=attachment.filename),
                                     caption=caption, parse_mode=ParseMode.HTML,
                                     reply_markup=markup)
                return
            except BadRequest as error:  # too big or too odd for a photo: send it as a file
                log.info("telegram: chart sent as a file instead (%s)", error.message)
        await bot.send_document(chat_id, InputFile(attachment.content,
                                                   filename=attachment.filename),
                                caption=caption, parse_mode=ParseMode.HTML, reply_markup=markup)

    def deliver(self, user: UserKey, replies: Sequence[Reply]) -> None:
        """Push replies (a nudge) from the scheduler's thread: sent on the application's loop, or
        on a private one when it is not running. Waits out short 429s; a long one becomes
        `DeliveryError(retry_after=…)`, a blocked bot `DeliveryError(permanent=True)`."""
        if user.platform != PLATFORM or not user.user_id.lstrip("-").isdigit():
            raise DeliveryError(f"{user} is not a Telegram user", permanent=True)
        chat_id = int(user.user_id)
        messages = self._render_for(user, replies)
        if not messages:
            return
        try:
            self._run(lambda bot: self._send_all(bot, chat_id, messages))
        except Forbidden as error:
            raise DeliveryError(f"telegram refused: {error.message}", permanent=True) from error
        except RetryAfter as error:
            raise DeliveryError("telegram flood limit",
                                retry_after=retry_seconds(error)) from error
        except BadRequest as error:
            gone = "chat not found" in error.message.lower()
            raise DeliveryError(f"telegram refused: {error.message}", permanent=gone) from error
        except TelegramError as error:
            raise DeliveryError(f"telegram: {error.message}") from error

    def _run(self, work: Callable[[Bot], Coroutine[Any, Any, None]]) -> None:
        loop = self._loop
        future: concurrent.futures.Future[None]
        if loop is not None and loop.is_running():
            try:
                current: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
            except RuntimeError:
                current = None
            if current is loop:
                raise RuntimeError("deliver() blocks; it cannot run on the bot's own loop")
            future = asyncio.run_coroutine_threadsafe(work(self.application.bot), loop)
        else:
            future = asyncio.run_coroutine_threadsafe(self._on_private_bot(work),
                                                      self._private_loop().loop)
        try:
            future.result(timeout=DELIVER_TIMEOUT)
        except concurrent.futures.TimeoutError as error:
            future.cancel()
            raise DeliveryError("telegram did not answer in time") from error

    def _private_loop(self) -> _PrivateLoop:
        with self._private_guard:
            if self._private is None:
                self._private = _PrivateLoop()
            return self._private

    async def _on_private_bot(self, work: Callable[[Bot], Coroutine[Any, Any, None]]) -> None:
        if self._private_bot_ready is None:  # created on the private loop, used only there
            self._private_bot_ready = asyncio.Lock()
        async with self._private_bot_ready:
            if self._private_bot is None:
                bot: ExtBot[int] = ExtBot(self.token, base_url=self.base_url,
                                           base_file_url=self.base_file_url,
                                           rate_limiter=self.limiter)
                await bot.initialize()
                self._private_bot = bot
        await work(self._private_bot)

    def _close_private_loop(self) -> None:
        with self._private_guard:
            private, self._private = self._private, None
            bot, self._private_bot = self._private_bot, None
            self._private_bot_ready = None
        if private is not None:
            private.close(bot.shutdown() if bot is not None else None)
