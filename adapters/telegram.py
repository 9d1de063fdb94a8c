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
import json
import logging
import re
import threading
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable, Coroutine, Sequence
from dataclasses import dataclass, field
from typing import Any
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
    ContextTypes,
    ExtBot,
    TypeHandler,
)

from adapters.base import AsyncAdapter, DeliveryError, HttpRoutes, TelegramConfig
from adapters.keyboards import OpenKeyboards, bound_tokens
from adapters.telegram_flood import PACED, FloodLimiter, retry_seconds
from adapters.telegram_letters import letter_reply
from adapters.telegram_render import MAX_TEXT, Outgoing, escape, render, utf16_len
from bot.conversation.buttons import ButtonVault
from bot.conversation.engine import Engine
from bot.messages import TOKEN_PREFIX, Incoming, Reply, UserKey

log = logging.getLogger(__name__)

PLATFORM = "telegram"
WORKSPACE = "private"


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


_COMMAND = re.compile(r"/([A-Za-z0-9_]{1,32})(?:@[A-Za-z0-9_]{3,64})?(?:\s+(.*))?", re.DOTALL)


class _Turned(list[Outgoing]):
    """A turn's messages, with the tokens of its question buttons (token -> question id) and the
    question left open."""

    def __init__(self, messages: Sequence[Outgoing], bound: dict[str, str],
                 question: str | None) -> None:
        super().__init__(messages)
        self.bound = bound
        self.question = question


def parse_command(text: str) -> tuple[str, str] | None:
    """`/word@botname args` -> ("word", "args"); None when the text is not a command."""
    match = _COMMAND.fullmatch(text.strip())
    if match is None:
        return None
    return match.group(1).lower(), (match.group(2) or "").strip()


def webhook_secret(settings: TelegramConfig) -> str:
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

    def __init__(self, settings: TelegramConfig, engine: Engine, vault: ButtonVault, *,
                 limiter: FloodLimiter | None = None) -> None:
        if not settings.telegram_bot_token:
            raise ValueError("TELEGRAM_BOT_TOKEN is not set")
        self.settings = settings
        self.engine = engine
        self.vault = vault
        self.keyboards: OpenKeyboards[int] = OpenKeyboards()
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

    async def start_async(self, http: HttpRoutes | None, *, polling: bool) -> None:
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
        replied = message.reply_to_message
        edit = (letter_reply(user, replied.text, message.text, name, dedup)
                if command is None and replied is not None and replied.from_user is not None
                and replied.from_user.is_bot else None)
        incoming = edit or (Incoming.command(user, command[0], command[1], name, dedup)
                            if command else Incoming.message(user, message.text, name, dedup))
        async with self._one_at_a_time(sender.id):
            outgoing = await asyncio.to_thread(self._turn, incoming)
            await self._reply(bot, sender.id, outgoing)
            await self._close_ended(bot, sender.id, outgoing)

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
                self.keyboards.forget(sender.id, pressed.message_id)
                await self._close_keyboard(pressed, query.data)
            await self._reply(self.application.bot, sender.id, outgoing)
            await self._close_ended(self.application.bot, sender.id, outgoing)

    def _turn(self, incoming: Incoming) -> _Turned:
        """In a worker thread: the core's turn, its buttons' tokens issued in its transaction."""
        answer = self.engine.answer(incoming, tokens=True)
        values = [b.value for reply in answer.replies for b in reply.buttons]
        return _Turned(self._render_for(incoming.user, answer.replies, answer.tokens),
                       bound_tokens(values, answer.tokens), answer.question)

    async def _close_ended(self, bot: Bot, chat_id: int, turned: _Turned) -> None:
        """After a turn: buttons of earlier questions come off their messages."""
        for message_id in self.keyboards.ended(chat_id, turned.question):
            try:
                await bot.edit_message_reply_markup(chat_id=chat_id, message_id=message_id,
                                                    reply_markup=None)
            except TelegramError as error:  # too old to edit, gone, edited already…
                log.info("telegram: could not take an old keyboard off: %s", error)

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
        bound = messages.bound if isinstance(messages, _Turned) else {}
        for message in messages:
            for delay in (*self.reply_retry_delays, None):
                try:
                    sent = await self._send(bot, chat_id, message)
                    questions = {bound[data] for row in message.keyboard for _, data in row
                                 if data in bound}
                    if sent is not None and questions:
                        self.keyboards.sent(chat_id, sent, questions.pop())
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

    async def _send_paced(self, bot: Bot, chat_id: int, messages: Sequence[Outgoing]) -> None:
        """A nudge: its sends take slots of the bot's pace shared by the workers (the task
        that runs this has a context of its own, so only these sends are paced)."""
        PACED.set(True)
        await self._send_all(bot, chat_id, messages)

    async def _send(self, bot: Bot, chat_id: int, message: Outgoing) -> int | None:
        """Send one message; its id."""
        markup = None
        if message.keyboard:
            markup = InlineKeyboardMarkup(
                [[InlineKeyboardButton(label, callback_data=data) for label, data in row]
                 for row in message.keyboard])
        attachment = message.attachment
        if attachment is None:
            sent = await bot.send_message(chat_id, message.html, parse_mode=ParseMode.HTML,
                                          reply_markup=markup,
                                          link_preview_options=LinkPreviewOptions(
                                              is_disabled=True))
            return sent.message_id
        caption = message.html or None
        if attachment.mime_type == "image/png":
            try:
                photo = await bot.send_photo(chat_id, InputFile(attachment.content,
                                                                filename=attachment.filename),
                                             caption=caption, parse_mode=ParseMode.HTML,
                                             reply_markup=markup)
                return photo.message_id
            except BadRequest as error:  # too big or too odd for a photo: send it as a file
                log.info("telegram: chart sent as a file instead (%s)", error.message)
        document = await bot.send_document(chat_id, InputFile(attachment.content,
                                                              filename=attachment.filename),
                                           caption=caption, parse_mode=ParseMode.HTML,
                                           reply_markup=markup)
        return document.message_id

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
            self._run(lambda bot: self._send_paced(bot, chat_id, messages))
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
