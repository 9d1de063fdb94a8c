"""A fake Telegram Bot API: a real HTTP server on 127.0.0.1 that the real python-telegram-bot
talks to, plus the means for a test to play the user and to read everything the bot sent.

    with FakeTelegram() as fake:
        app = (ApplicationBuilder().token(TOKEN)
               .base_url(fake.base_url).base_file_url(fake.base_file_url).build())
        # or: os.environ["TELEGRAM_API_URL"] = fake.api_url  (the adapter appends "/bot")
        fake.user_sends_command(42, "/start")
        fake.wait_for_messages(42, 1)
        fake.user_presses_button(42, "Yes")

The server runs its own asyncio loop (aiohttp.web) in a daemon thread, so it serves a bot
running in the test's thread, in another thread or in another process alike. Everything
public is thread-safe; the blocking ``wait_for*`` helpers have ``*_async`` twins for tests
that run the bot's event loop themselves (blocking that loop would starve the bot).

Wire format, as python-telegram-bot 22 speaks it: ``POST {base_url}{token}/{method}``; plain
calls are ``application/x-www-form-urlencoded``, uploads ``multipart/form-data``; every
non-string value (chat_id, reply_markup, allowed_updates…) arrives JSON-encoded inside the
form, strings arrive raw. The fake also takes JSON bodies and GET query strings.

Like Telegram, it refuses what Telegram refuses, so a bug shows up here and not in production:
text over 4096 characters, callback_data over 64 bytes, HTML or MarkdownV2 that does not parse
(``validate_markup=False`` turns that off), an edit that changes nothing, an edit of an unknown
message, a second answer to a callback query, getUpdates while a webhook is set, and two
concurrent getUpdates (the older one gets 409, as from Telegram). Timestamps are
``time.monotonic()`` values.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import itertools
import json
import math
import mimetypes
import random
import re
import socket
import threading
import time
import urllib.error
import urllib.request
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from http import HTTPStatus
from typing import Any, TypeVar

from aiohttp import web

T = TypeVar("T")

DEFAULT_TOKEN = "123456789:AAF4keT0kenForAfterviewTests_0123456789"

SEND_METHODS = frozenset({"sendMessage", "sendDocument", "sendPhoto"})
"""Methods that create a message: they count against the rate limits and fill sent_messages."""

DELIVERY_METHODS = SEND_METHODS | {
    "editMessageText",
    "editMessageCaption",
    "editMessageReplyMarkup",
    "answerCallbackQuery",
}
"""What ``flaky()`` disturbs unless told otherwise: the bot's outgoing traffic, not polling."""

MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_CALLBACK_DATA = 64

UPDATE_TYPES = frozenset(
    {
        "message", "edited_message", "channel_post", "edited_channel_post",
        "business_connection", "business_message", "edited_business_message",
        "deleted_business_messages", "message_reaction", "message_reaction_count",
        "inline_query", "chosen_inline_result", "callback_query", "shipping_query",
        "pre_checkout_query", "purchased_paid_media", "poll", "poll_answer",
        "my_chat_member", "chat_member", "chat_join_request", "chat_boost",
        "removed_chat_boost",
    }
)  # fmt: skip
_NOT_BY_DEFAULT = frozenset({"chat_member", "message_reaction", "message_reaction_count"})

# Parameters that are strings on the wire and must never be JSON-decoded ("123" stays "123").
_STRING_PARAMS = frozenset(
    {
        "text", "caption", "parse_mode", "url", "secret_token", "callback_query_id",
        "inline_message_id", "action", "ip_address", "language_code", "business_connection_id",
        "message_effect_id", "document", "photo", "thumbnail", "name", "description",
        "short_description", "title", "emoji", "sticker", "query_id", "file_id",
    }
)  # fmt: skip

_PATH = re.compile(r"/bot(?P<token>[^/]+)/(?P<method>[A-Za-z_]+)/?")
_SECRET_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,256}")
_BOT_COMMAND = re.compile(r"[a-z0-9_]{1,32}")
_LEADING_COMMAND = re.compile(r"/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,64})?")


class _Registered:
    def __repr__(self) -> str:
        return "<the registered secret>"


REGISTERED_SECRET: Any = _Registered()
"""Default of ``deliver_webhook(secret_token=...)``: the secret the bot gave to setWebhook."""


# --------------------------------------------------------------------------------------------
# What a test reads


@dataclass(frozen=True)
class Call:
    """One request the bot made, successful or not (``status`` is the HTTP status answered)."""

    method: str
    params: dict[str, Any]
    files: dict[str, bytes]
    at: float
    status: int = 200
    description: str = ""
    filenames: dict[str, str] = field(default_factory=dict)
    result: Any = None
    """What was answered as ``result`` (None for a failure)."""

    @property
    def ok(self) -> bool:
        return self.status == 200

    def __str__(self) -> str:
        shown = {k: _shorten(v) for k, v in self.params.items()}
        files = f" files={ {k: len(v) for k, v in self.files.items()} }" if self.files else ""
        error = f" -> {self.status} {self.description}" if not self.ok else ""
        return f"{self.method}({shown}){files}{error}"


@dataclass(frozen=True)
class SentMessage:
    """A message the bot delivered with sendMessage, sendDocument or sendPhoto.

    ``text`` is what the bot sent, markup included (the caption for a document or photo);
    ``plain_text`` is what the user sees once Telegram has parsed the markup.
    """

    method: str
    chat_id: int | str
    message_id: int
    text: str | None
    plain_text: str | None
    parse_mode: str | None
    reply_markup: dict[str, Any] | None
    params: dict[str, Any]
    files: dict[str, bytes]
    filenames: dict[str, str]
    at: float

    @property
    def buttons(self) -> list[dict[str, Any]]:
        """The inline keyboard's buttons, row after row, flattened."""
        return _inline_buttons(self.reply_markup)

    @property
    def button_labels(self) -> list[str]:
        return [str(b.get("text", "")) for b in self.buttons]

    @property
    def callback_data(self) -> list[str]:
        return [b["callback_data"] for b in self.buttons if "callback_data" in b]

    @property
    def upload(self) -> bytes | None:
        """The uploaded document or photo, if the bot uploaded one."""
        field_name = "document" if self.method == "sendDocument" else "photo"
        return _uploaded(field_name, self.params, self.files)

    @property
    def file_name(self) -> str | None:
        field_name = "document" if self.method == "sendDocument" else "photo"
        ref = self.params.get(field_name)
        key = (
            ref[len("attach://") :]
            if isinstance(ref, str) and ref.startswith("attach://")
            else field_name
        )
        return self.filenames.get(key)


@dataclass(frozen=True)
class RateLimitHit:
    """One 429 answer: when, to which request, and how long the bot was told to wait."""

    at: float
    method: str
    chat_id: int | str | None
    retry_after: int
    scope: str  # "global", "chat" or "injected"


# --------------------------------------------------------------------------------------------
# The fake


_Flakiness = tuple[float, random.Random, frozenset[str], tuple[int | str, ...]]


class _ApiError(Exception):
    def __init__(
        self, status: int, description: str, *, retry_after: int | None = None, scope: str = ""
    ) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.retry_after = retry_after
        self.scope = scope


@dataclass
class _Request:
    method: str
    params: dict[str, Any]
    files: dict[str, bytes]
    filenames: dict[str, str]
    at: float
    http: web.Request | None = None

    @property
    def client_gone(self) -> bool:
        transport = self.http.transport if self.http is not None else None
        return transport is None or transport.is_closing()


class FakeTelegram:
    """A fake Telegram Bot API server for one bot. See the module docstring."""

    def __init__(
        self,
        *,
        token: str | None = None,
        bot_username: str = "afterview_test_bot",
        bot_first_name: str = "Afterview",
        rate_limit_per_second: int | None = None,
        per_chat_per_second: int | None = None,
        retry_after: int | None = None,
        hang_seconds: float = 6.0,
        validate_markup: bool = True,
        strict_chats: bool = False,
        update_id_start: int | None = None,
    ) -> None:
        """Configure, don't start yet (``start()`` or ``with``).

        token: when given, requests with any other token get 401; by default all tokens pass.
        rate_limit_per_second / per_chat_per_second: sliding one-second windows over the
            sends (SEND_METHODS) of the whole bot / of each chat; None means unlimited.
        retry_after: the retry_after to answer with a rate-limit 429 (default: the seconds
            until the window has room again, at least 1).
        hang_seconds: how long a "timeout" fault keeps the request hanging; make it longer
            than the client's read timeout (PTB's default is 5 s).
        strict_chats: when True, sending to a chat that never wrote to the bot is
            "Bad Request: chat not found"; by default such a chat is made up.
        """
        self.token = token
        self.bot_username = bot_username
        self.bot_first_name = bot_first_name
        self.rate_limit_per_second = rate_limit_per_second
        self.per_chat_per_second = per_chat_per_second
        self.retry_after = retry_after
        self.hang_seconds = hang_seconds
        self.validate_markup = validate_markup
        self.strict_chats = strict_chats
        self.blocked_chats: set[int | str] = set()
        """Chats whose user blocked the bot: sends to them get 403."""
        self.too_many_requests = 0
        """How many 429 answers were given (rate limits and injected ones)."""

        bot_id = (token or DEFAULT_TOKEN).split(":", 1)[0]
        self.bot_user: dict[str, Any] = {
            "id": int(bot_id) if bot_id.isdigit() else 123456789,
            "is_bot": True,
            "first_name": bot_first_name,
            "username": bot_username,
        }

        self._lock = threading.RLock()
        self._changed = threading.Condition(self._lock)
        self._started_at = time.monotonic()
        self._calls: list[Call] = []
        self._sent: list[SentMessage] = []
        self._rate_limit_hits: list[RateLimitHit] = []
        self._send_times: dict[int | str, list[float]] = {}
        self._global_window: deque[float] = deque()
        self._chat_windows: dict[int | str, deque[float]] = {}
        self._messages: dict[tuple[int | str, int], dict[str, Any]] = {}
        self._next_message_id: dict[int | str, int] = {}
        self._chats: dict[int | str, dict[str, Any]] = {}
        self._pending: list[dict[str, Any]] = []
        self._next_update_id = (
            update_id_start if update_id_start is not None else random.randint(10**7, 9 * 10**8)
        )
        self._callback_ids = itertools.count(random.randint(10**15, 9 * 10**15))
        self._file_ids = itertools.count(1)
        self._open_callbacks: dict[str, dict[str, Any]] = {}
        self._callback_answers: dict[str, dict[str, Any]] = {}
        self._webhook: dict[str, Any] = {}
        self._allowed_updates: list[str] | None = None
        self._commands: dict[str, list[dict[str, Any]]] = {}
        self._faults: dict[str, deque[tuple[int | str, int]]] = {}
        self._flaky: _Flakiness | None = None
        self._webhook_deliveries: list[tuple[int, int]] = []

        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._runner: web.AppRunner | None = None
        self._closing: asyncio.Event | None = None
        self._poll_waiters: set[asyncio.Future[str]] = set()
        self._port = 0
        self._startup_error: BaseException | None = None

        self._handlers: dict[str, Callable[[_Request], Any]] = {
            "getMe": lambda req: dict(self.bot_user, can_join_groups=True,
                                      can_read_all_group_messages=False,
                                      supports_inline_queries=False),
            "logOut": lambda req: True,
            "close": lambda req: True,
            "deleteWebhook": self._delete_webhook,
            "setWebhook": self._set_webhook,
            "getWebhookInfo": self._get_webhook_info,
            "setMyCommands": self._set_my_commands,
            "getMyCommands": self._get_my_commands,
            "deleteMyCommands": self._delete_my_commands,
            "sendMessage": self._send_message,
            "sendDocument": self._send_document,
            "sendPhoto": self._send_photo,
            "sendChatAction": self._send_chat_action,
            "editMessageText": self._edit_message_text,
            "editMessageCaption": self._edit_message_caption,
            "editMessageReplyMarkup": self._edit_message_reply_markup,
            "deleteMessage": self._delete_message,
            "answerCallbackQuery": self._answer_callback_query,
        }  # fmt: skip
        self._canonical = {name.lower(): name for name in [*self._handlers, "getUpdates"]}

    # ---------------------------------------------------------------- lifecycle and addresses

    def start(self) -> FakeTelegram:
        """Bind a free port on 127.0.0.1 and serve from a background thread."""
        if self._thread is not None:
            raise RuntimeError("FakeTelegram is already started")
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind(("127.0.0.1", 0))
        self._port = sock.getsockname()[1]
        ready = threading.Event()
        self._thread = threading.Thread(
            target=self._serve, args=(sock, ready), name=f"fake-telegram:{self._port}", daemon=True
        )
        self._thread.start()
        if not ready.wait(10):
            raise RuntimeError("FakeTelegram did not start within 10 s")
        if self._startup_error is not None:
            self._thread.join(1)
            self._thread = None
            raise RuntimeError("FakeTelegram could not start") from self._startup_error
        return self

    def stop(self) -> None:
        """Answer pending long polls, close the server and join its thread. Idempotent."""
        loop, thread = self._loop, self._thread
        if loop is None or thread is None:
            return
        with contextlib.suppress(Exception):
            asyncio.run_coroutine_threadsafe(self._shutdown(), loop).result(timeout=10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        self._thread = None
        self._loop = None

    def __enter__(self) -> FakeTelegram:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        return self._port

    @property
    def api_url(self) -> str:
        """The server root, e.g. ``http://127.0.0.1:PORT``: the value for TELEGRAM_API_URL."""
        if not self._port:
            raise RuntimeError("FakeTelegram is not started")
        return f"http://127.0.0.1:{self._port}"

    @property
    def base_url(self) -> str:
        """For ``Bot(base_url=...)`` / ``ApplicationBuilder().base_url(...)``; PTB appends the
        token, then ``/method``."""
        return f"{self.api_url}/bot"

    @property
    def base_file_url(self) -> str:
        """For ``base_file_url``; file downloads are not served (404)."""
        return f"{self.api_url}/file/bot"

    # ---------------------------------------------------------------- playing the user

    def make_update(
        self,
        chat_id: int,
        text: str | None = None,
        *,
        callback_data: str | None = None,
        message_id: int | None = None,
        user_id: int | None = None,
        chat_type: str = "private",
        first_name: str = "Jane",
        username: str | None = None,
        force: bool = False,
    ) -> dict[str, Any]:
        """Build (without queueing) the update Telegram would send: a text message, or with
        ``callback_data`` a press on the bot's message ``message_id`` (default: the latest
        bot message in the chat carrying that callback_data).

        A text starting with ``/command`` gets its bot_command entity, as from Telegram. A
        press must match a button the message currently has, unless ``force=True`` (a stale
        or forged press). A text message is stored and takes the chat's next message id.
        """
        with self._lock:
            user = self._user(chat_id, user_id, first_name, username)
            chat = self._remember_chat(chat_id, chat_type, first_name, username)
            if callback_data is not None:
                message = self._message_to_press(chat_id, message_id, callback_data, force)
                query_id = str(next(self._callback_ids))
                query = {
                    "id": query_id,
                    "from": user,
                    "message": copy.deepcopy(message),
                    "chat_instance": str(abs(hash(("chat", chat_id))) % 10**18),
                    "data": callback_data,
                }
                self._open_callbacks[query_id] = query
                update: dict[str, Any] = {"callback_query": query}
            elif text is not None:
                message = {
                    "message_id": self._take_message_id(chat_id),
                    "date": int(time.time()),
                    "chat": dict(chat),
                    "from": user,
                    "text": text,
                }
                command = _LEADING_COMMAND.match(text)
                if command:
                    message["entities"] = [
                        {"type": "bot_command", "offset": 0, "length": len(command.group())}
                    ]
                self._messages[(chat_id, message["message_id"])] = message
                update = {"message": copy.deepcopy(message)}
            else:
                raise TypeError("make_update needs a text or a callback_data")
            update_id = self._next_update_id
            self._next_update_id += 1
            return {"update_id": update_id, **update}

    def queue_update(self, update: dict[str, Any]) -> int:
        """Queue any update (also a malformed one) for getUpdates; returns its update_id.

        An update without ``update_id`` gets the next one; one with an old id is queued as
        is (a redelivery: it reaches a poller whose offset has not confirmed it yet).
        """
        update = copy.deepcopy(update)
        with self._lock:
            if "update_id" not in update:
                update["update_id"] = self._next_update_id
                self._next_update_id += 1
            elif isinstance(update["update_id"], int):
                self._next_update_id = max(self._next_update_id, update["update_id"] + 1)
            index = len(self._pending)
            while index and _update_id(self._pending[index - 1]) > _update_id(update):
                index -= 1
            self._pending.insert(index, update)
        self._wake_pollers("update")
        return int(update["update_id"])

    def user_sends_text(
        self,
        chat_id: int,
        text: str,
        *,
        user_id: int | None = None,
        chat_type: str = "private",
        first_name: str = "Jane",
        username: str | None = None,
    ) -> int:
        """The user writes ``text`` in ``chat_id``; returns the update_id."""
        return self.queue_update(
            self.make_update(
                chat_id, text, user_id=user_id, chat_type=chat_type,
                first_name=first_name, username=username,
            )
        )  # fmt: skip

    def user_sends_command(
        self, chat_id: int, command: str, *, user_id: int | None = None, **kwargs: Any
    ) -> int:
        """The user sends ``/command [args]`` (with the bot_command entity); returns the
        update_id."""
        if not command.startswith("/"):
            command = "/" + command
        return self.user_sends_text(chat_id, command, user_id=user_id, **kwargs)

    def user_presses(
        self,
        chat_id: int,
        message_id: int | None,
        callback_data: str,
        *,
        user_id: int | None = None,
        force: bool = False,
        **kwargs: Any,
    ) -> int:
        """The user presses the button with ``callback_data`` on the bot's message
        ``message_id`` (None: the latest message with such a button); returns the update_id."""
        return self.queue_update(
            self.make_update(
                chat_id, callback_data=callback_data, message_id=message_id,
                user_id=user_id, force=force, **kwargs,
            )
        )  # fmt: skip

    def user_presses_button(
        self, chat_id: int, label: str, *, message_id: int | None = None, **kwargs: Any
    ) -> int:
        """The user presses the button labelled ``label`` on the latest bot message showing
        it (or on ``message_id``); returns the update_id."""
        with self._lock:
            for (chat, mid), message in reversed(self._messages.items()):
                if chat != chat_id or (message_id is not None and mid != message_id):
                    continue
                for button in _inline_buttons(message.get("reply_markup")):
                    if button.get("text") == label and "callback_data" in button:
                        return self.user_presses(chat_id, mid, button["callback_data"], **kwargs)
            raise AssertionError(
                f"no button {label!r} in chat {chat_id}; the chat so far:\n"
                + "\n".join(self.transcript(chat_id))
            )

    # ---------------------------------------------------------------- reading what happened

    def calls(self, method: str | None = None) -> list[Call]:
        """Every request received, failed ones included (see ``Call.status``), in the order
        they were answered (``Call.at`` is when each arrived)."""
        with self._lock:
            return [c for c in self._calls if method is None or c.method == method]

    @property
    def failed_calls(self) -> list[Call]:
        """Requests answered with an error (injected faults, 4xx, 429, unknown methods)."""
        with self._lock:
            return [c for c in self._calls if not c.ok]

    @property
    def unknown_calls(self) -> list[Call]:
        """Requests for methods this fake does not know (answered 404)."""
        with self._lock:
            return [c for c in self._calls if c.status == 404]

    def sent_messages(self, chat_id: int | str | None = None) -> list[SentMessage]:
        """Messages delivered by sendMessage/sendDocument/sendPhoto, in order."""
        with self._lock:
            return [m for m in self._sent if chat_id is None or m.chat_id == chat_id]

    def edits(self, chat_id: int | str | None = None) -> list[Call]:
        """Successful editMessageText/Caption/ReplyMarkup calls, in order."""
        with self._lock:
            return [
                c
                for c in self._calls
                if c.ok
                and c.method.startswith("editMessage")
                and (chat_id is None or _chat_key(c.params.get("chat_id")) == chat_id)
            ]

    def message(self, chat_id: int | str, message_id: int) -> dict[str, Any]:
        """A message as it stands now (after edits), as Telegram would serialize it."""
        with self._lock:
            try:
                return copy.deepcopy(self._messages[(chat_id, message_id)])
            except KeyError:
                raise LookupError(f"no message {message_id} in chat {chat_id}") from None

    def transcript(self, chat_id: int | str) -> list[str]:
        """The chat as it stands now, one line a message: ``Jane: hi`` / ``bot: Hello [Yes]``."""
        with self._lock:
            lines = []
            for (chat, _mid), msg in self._messages.items():
                if chat != chat_id:
                    continue
                who = (
                    "bot" if msg["from"]["id"] == self.bot_user["id"] else msg["from"]["first_name"]
                )
                body = msg.get("text") or msg.get("caption") or ""
                if "document" in msg:
                    body = f"[document {msg['document'].get('file_name')}] {body}"
                labels = "".join(
                    f" [{b.get('text')}]" for b in _inline_buttons(msg.get("reply_markup"))
                )
                lines.append(f"{who}: {body}{labels}")
            return lines

    @property
    def pending_updates(self) -> list[dict[str, Any]]:
        """Updates queued and not yet confirmed by a getUpdates offset."""
        with self._lock:
            return copy.deepcopy(self._pending)

    @property
    def webhook(self) -> dict[str, Any]:
        """What setWebhook registered (url, secret_token, allowed_updates, …); {} if none."""
        with self._lock:
            return dict(self._webhook)

    def commands(self, scope: str = "default", language_code: str = "") -> list[dict[str, Any]]:
        """The commands registered with setMyCommands for a scope type and language."""
        with self._lock:
            return copy.deepcopy(self._commands.get(f"{scope}|{language_code}", []))

    def callback_answers(self) -> dict[str, dict[str, Any]]:
        """answerCallbackQuery params by callback query id."""
        with self._lock:
            return copy.deepcopy(self._callback_answers)

    def unanswered_callbacks(self) -> list[str]:
        """Ids of button presses the bot has not answered (yet)."""
        with self._lock:
            return list(self._open_callbacks)

    @property
    def rate_limit_hits(self) -> list[RateLimitHit]:
        with self._lock:
            return list(self._rate_limit_hits)

    def send_times(self, chat_id: int | str) -> list[float]:
        """When each successful send to ``chat_id`` arrived."""
        with self._lock:
            return list(self._send_times.get(chat_id, []))

    def retry_after_violations(self, tolerance: float = 0.05) -> list[str]:
        """Successful sends to a chat that came before the retry_after of a 429 given for
        that chat had run out: proof that the client did not honour RetryAfter."""
        with self._lock:
            found = []
            for hit in self._rate_limit_hits:
                if hit.chat_id is None:
                    continue
                for t in self._send_times.get(hit.chat_id, []):
                    if hit.at < t < hit.at + hit.retry_after - tolerance:
                        found.append(
                            f"chat {hit.chat_id}: sent {t - hit.at:.3f}s after a 429 "
                            f"({hit.scope}) that asked for {hit.retry_after}s"
                        )
            return found

    @property
    def webhook_deliveries(self) -> list[tuple[int, int]]:
        """(update_id, HTTP status) of every ``deliver_webhook``."""
        with self._lock:
            return list(self._webhook_deliveries)

    def dump(self, last: int = 40) -> str:
        """A readable account of the recent traffic and the chats, for failure messages."""
        with self._lock:
            shown = [c for c in self._calls if not (c.method == "getUpdates" and c.result == [])]
            shown = shown[-last:]
            lines = [f"last {len(shown)} calls (empty polls left out):"]
            lines += [f"  {c.at - self._started_at:7.3f}s {c}" for c in shown]
            lines.append(f"pending updates: {[_update_id(u) for u in self._pending]}")
            for chat_id in {chat for chat, _ in self._messages}:
                lines.append(f"chat {chat_id}:")
                lines += [f"  {line}" for line in self.transcript(chat_id)]
            return "\n".join(lines)

    # ---------------------------------------------------------------- waiting

    def wait_for(self, predicate: Callable[[], T], timeout: float = 5.0, what: str = "") -> T:
        """Block until ``predicate()`` is truthy (re-checked on every request); return its
        value. On timeout raise AssertionError with a dump of the traffic."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                value = predicate()
                if value:
                    return value
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    label = what or getattr(predicate, "__name__", "condition")
                    raise AssertionError(
                        f"FakeTelegram: {label} not met within {timeout}s\n{self.dump()}"
                    )
                self._changed.wait(min(remaining, 0.25))

    def wait_for_messages(
        self, chat_id: int | str, count: int = 1, timeout: float = 5.0
    ) -> list[SentMessage]:
        """Block until ``count`` messages were sent to ``chat_id``; return them all."""
        return self.wait_for(
            lambda: (msgs := self.sent_messages(chat_id)) and len(msgs) >= count and msgs,
            timeout,
            what=f"{count} message(s) to chat {chat_id}",
        )

    def wait_for_call(self, method: str, count: int = 1, timeout: float = 5.0) -> list[Call]:
        """Block until ``method`` was called successfully ``count`` times; return the calls."""
        return self.wait_for(
            lambda: (cs := [c for c in self.calls(method) if c.ok]) and len(cs) >= count and cs,
            timeout,
            what=f"{count} successful {method} call(s)",
        )

    async def wait_for_async(
        self, predicate: Callable[[], T], timeout: float = 5.0, what: str = ""
    ) -> T:
        """``wait_for`` for code running in an event loop (it leaves the loop free)."""
        return await asyncio.to_thread(self.wait_for, predicate, timeout, what)

    async def wait_for_messages_async(
        self, chat_id: int | str, count: int = 1, timeout: float = 5.0
    ) -> list[SentMessage]:
        return await asyncio.to_thread(self.wait_for_messages, chat_id, count, timeout)

    async def wait_for_call_async(
        self, method: str, count: int = 1, timeout: float = 5.0
    ) -> list[Call]:
        return await asyncio.to_thread(self.wait_for_call, method, count, timeout)

    # ---------------------------------------------------------------- faults

    def fail_next(
        self, method: str, status: int | str = 500, count: int = 1, *, retry_after: int = 1
    ) -> None:
        """Answer the next ``count`` calls of ``method`` with a failure instead of serving them.

        status: an HTTP status (500, 502, 429 with ``retry_after``, 403, 400…), "timeout"
        (hang for ``hang_seconds``, deliver nothing), or "late" (deliver, then hang: the bot
        cannot know it was delivered).
        """
        with self._lock:
            queue = self._faults.setdefault(self._canonical.get(method.lower(), method), deque())
            queue.extend([(status, retry_after)] * count)

    def flaky(
        self,
        probability: float,
        seed: int = 0,
        *,
        methods: Iterable[str] = DELIVERY_METHODS,
        kinds: Iterable[int | str] = (429, 500, "timeout"),
    ) -> None:
        """Fail that fraction of calls to ``methods`` at random (reproducibly, from ``seed``)
        with one of ``kinds``; ``flaky(0)`` stops it."""
        with self._lock:
            self._flaky = (
                (probability, random.Random(seed), frozenset(methods), tuple(kinds))
                if probability > 0
                else None
            )

    # ---------------------------------------------------------------- webhook delivery

    def deliver_webhook(
        self,
        update: dict[str, Any] | None = None,
        *,
        secret_token: str | None = REGISTERED_SECRET,
        url: str | None = None,
        timeout: float = 5.0,
    ) -> int:
        """POST an update to the bot's webhook as Telegram does; return the HTTP status.

        update: the update (e.g. from ``make_update``); None takes the oldest pending one,
            which is dropped from the queue when the bot answers 2xx.
        secret_token: sent as X-Telegram-Bot-Api-Secret-Token; by default the one given to
            setWebhook; None sends no header.
        url: default the registered webhook url.
        """
        with self._lock:
            url = url or self._webhook.get("url")
            if not url:
                raise RuntimeError("no webhook registered and no url given")
            if secret_token is REGISTERED_SECRET:
                secret_token = self._webhook.get("secret_token")
            popped = update is None
            if update is None:
                if not self._pending:
                    raise LookupError("no pending update to deliver")
                update = self._pending[0]
        headers = {"Content-Type": "application/json"}
        if secret_token is not None:
            headers["X-Telegram-Bot-Api-Secret-Token"] = secret_token
        request = urllib.request.Request(
            url, data=json.dumps(update).encode(), headers=headers, method="POST"
        )
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        try:
            with opener.open(request, timeout=timeout) as response:
                status = int(response.status)
        except urllib.error.HTTPError as err:
            status = err.code
        with self._changed:
            self._webhook_deliveries.append((_update_id(update), status))
            if popped and 200 <= status < 300:
                with contextlib.suppress(ValueError):
                    self._pending.remove(update)
            self._changed.notify_all()
        return status

    # ================================================================ the server side

    def _serve(self, sock: socket.socket, ready: threading.Event) -> None:
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        try:
            loop.run_until_complete(self._open(sock))
        except BaseException as err:  # noqa: BLE001 - handed to start()
            self._startup_error = err
            ready.set()
            loop.close()
            return
        self._loop = loop
        ready.set()
        try:
            loop.run_forever()
        finally:
            with contextlib.suppress(Exception):
                loop.run_until_complete(loop.shutdown_asyncgens())
            loop.close()

    async def _open(self, sock: socket.socket) -> None:
        self._closing = asyncio.Event()
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/{tail:.*}", self._on_request)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        await web.SockSite(self._runner, sock).start()

    async def _shutdown(self) -> None:
        assert self._closing is not None
        self._closing.set()
        self._resolve_waiters("closing")
        if self._runner is not None:
            await self._runner.cleanup()

    def _wake_pollers(self, reason: str) -> None:
        loop = self._loop
        if loop is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(self._resolve_waiters, reason)

    def _resolve_waiters(self, reason: str) -> None:
        for waiter in list(self._poll_waiters):
            if not waiter.done():
                waiter.set_result(reason)

    async def _sleep(self, seconds: float) -> None:
        assert self._closing is not None
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._closing.wait(), seconds)

    async def _on_request(self, request: web.Request) -> web.Response:
        at = time.monotonic()
        match = _PATH.fullmatch(request.path)
        if match is None:
            req = _Request(request.path, dict(request.query), {}, {}, at)
            return self._answer(req, _ApiError(404, "Not Found"))
        method = self._canonical.get(match["method"].lower(), match["method"])
        try:
            params, files, filenames = await _read_params(request)
        except Exception as err:  # noqa: BLE001 - a malformed body is the client's bug
            return self._answer(
                _Request(method, {}, {}, {}, at), _ApiError(400, f"Bad Request: {err}")
            )
        req = _Request(method, params, files, filenames, at, request)
        if self.token is not None and match["token"] != self.token:
            return self._answer(req, _ApiError(401, "Unauthorized"))
        fault = self._take_fault(method)
        if fault is not None:
            return await self._inject(req, *fault)
        return await self._process(req)

    async def _process(self, req: _Request) -> web.Response:
        try:
            if req.method == "getUpdates":
                result: Any = await self._get_updates(req)
            else:
                handler = self._handlers.get(req.method)
                if handler is None:
                    raise _ApiError(404, f"Not Found: method {req.method}")
                with self._lock:
                    result = handler(req)
        except _ApiError as err:
            return self._answer(req, err)
        return self._answer(req, result=result)

    def _answer(
        self, req: _Request, error: _ApiError | None = None, *, result: Any = None
    ) -> web.Response:
        with self._changed:
            if error is None:
                body: dict[str, Any] = {"ok": True, "result": result}
                self._calls.append(Call(req.method, req.params, req.files, req.at, 200, "",
                                        req.filenames, result))  # fmt: skip
                status = 200
            else:
                status = error.status
                body = {"ok": False, "error_code": status, "description": error.description}
                if error.retry_after is not None:
                    body["parameters"] = {"retry_after": error.retry_after}
                    self.too_many_requests += 1
                    self._rate_limit_hits.append(
                        RateLimitHit(req.at, req.method, _chat_key(req.params.get("chat_id")),
                                     error.retry_after, error.scope or "injected")
                    )  # fmt: skip
                self._calls.append(Call(req.method, req.params, req.files, req.at, status,
                                        error.description, req.filenames))  # fmt: skip
            self._changed.notify_all()
        return web.json_response(body, status=status)

    # ---------------------------------------------------------------- faults, server side

    def _take_fault(self, method: str) -> tuple[int | str, int] | None:
        with self._lock:
            queue = self._faults.get(method)
            if queue:
                return queue.popleft()
            if self._flaky is not None:
                probability, rng, methods, kinds = self._flaky
                if method in methods and rng.random() < probability:
                    return rng.choice(kinds), 1
        return None

    async def _inject(self, req: _Request, kind: int | str, retry_after: int) -> web.Response:
        if kind == "late":
            response = await self._process(req)
            await self._sleep(self.hang_seconds)
            return response
        if kind == "timeout":
            await self._sleep(self.hang_seconds)
            return self._answer(req, _ApiError(504, "Gateway Timeout (injected: the client "
                                                    "should have given up)"))  # fmt: skip
        status = int(kind)
        if status == 429:
            return self._answer(
                req,
                _ApiError(429, f"Too Many Requests: retry after {retry_after}",
                          retry_after=retry_after, scope="injected"),
            )  # fmt: skip
        descriptions = {
            400: "Bad Request: injected failure",
            403: "Forbidden: bot was blocked by the user",
            409: "Conflict: terminated by other getUpdates request",
        }
        try:
            default = HTTPStatus(status).phrase
        except ValueError:
            default = "Injected failure"
        return self._answer(req, _ApiError(status, descriptions.get(status, default)))

    # ---------------------------------------------------------------- getUpdates

    async def _get_updates(self, req: _Request) -> list[dict[str, Any]]:
        params = req.params
        with self._lock:
            if self._webhook.get("url"):
                raise _ApiError(
                    409,
                    "Conflict: can't use getUpdates method while webhook is active; "
                    "use deleteWebhook to delete the webhook first",
                )
            allowed = params.get("allowed_updates")
            if isinstance(allowed, list):
                self._allowed_updates = [str(a) for a in allowed] or None
            self._confirm(int(params.get("offset") or 0))
        limit = max(1, min(100, int(params.get("limit") or 100)))
        timeout = max(0.0, float(params.get("timeout") or 0))
        # A new long poll ends the one before it, as Telegram does.
        self._resolve_waiters("conflict")
        deadline = time.monotonic() + timeout
        while True:
            with self._lock:
                batch = self._deliverable(limit)
            remaining = deadline - time.monotonic()
            if batch or remaining <= 0 or (self._closing is not None and self._closing.is_set()):
                return batch
            waiter: asyncio.Future[str] = asyncio.get_running_loop().create_future()
            self._poll_waiters.add(waiter)
            try:
                done, _ = await asyncio.wait({waiter}, timeout=remaining)
            finally:
                self._poll_waiters.discard(waiter)
            if waiter in done and waiter.result() == "conflict":
                if req.client_gone:  # an abandoned poll (the bot stopped it): nobody to tell
                    return []
                raise _ApiError(
                    409,
                    "Conflict: terminated by other getUpdates request; "
                    "make sure that only one bot instance is running",
                )

    def _confirm(self, offset: int) -> None:
        if offset > 0:
            self._pending = [u for u in self._pending if _update_id(u) >= offset]
        elif offset < 0:
            self._pending = self._pending[offset:]

    def _deliverable(self, limit: int) -> list[dict[str, Any]]:
        allowed = set(self._allowed_updates or UPDATE_TYPES - _NOT_BY_DEFAULT)

        def wanted(update: dict[str, Any]) -> bool:
            kinds = set(update) & UPDATE_TYPES
            return not kinds or bool(kinds & allowed)  # unknown shapes pass through

        self._pending = [u for u in self._pending if wanted(u)]
        return copy.deepcopy(self._pending[:limit])

    # ---------------------------------------------------------------- webhook and commands

    def _delete_webhook(self, req: _Request) -> bool:
        self._webhook = {}
        if req.params.get("drop_pending_updates"):
            self._pending = []
        return True

    def _set_webhook(self, req: _Request) -> bool:
        p = req.params
        url = p.get("url", "")
        secret = p.get("secret_token")
        if secret is not None and not _SECRET_TOKEN.fullmatch(str(secret)):
            raise _ApiError(400, "Bad Request: secret token contains unallowed characters")
        if p.get("drop_pending_updates"):
            self._pending = []
        if not url:
            self._webhook = {}
            return True
        if isinstance(p.get("allowed_updates"), list):
            self._allowed_updates = list(p["allowed_updates"]) or None
        self._webhook = {k: v for k, v in p.items() if k != "drop_pending_updates"}
        return True

    def _get_webhook_info(self, req: _Request) -> dict[str, Any]:
        info: dict[str, Any] = {
            "url": self._webhook.get("url", ""),
            "has_custom_certificate": False,
            "pending_update_count": len(self._pending),
        }
        if self._webhook:
            info["max_connections"] = int(self._webhook.get("max_connections", 40))
            if self._webhook.get("ip_address"):
                info["ip_address"] = self._webhook["ip_address"]
            if self._allowed_updates:
                info["allowed_updates"] = list(self._allowed_updates)
        return info

    @staticmethod
    def _commands_key(p: dict[str, Any]) -> str:
        scope = p.get("scope") or {}
        scope_type = scope.get("type", "default") if isinstance(scope, dict) else "default"
        return f"{scope_type}|{p.get('language_code') or ''}"

    def _set_my_commands(self, req: _Request) -> bool:
        commands = req.params.get("commands")
        if not isinstance(commands, list) or len(commands) > 100:
            raise _ApiError(400, "Bad Request: commands must be a list of at most 100 commands")
        for command in commands:
            if not _BOT_COMMAND.fullmatch(str(command.get("command", ""))):
                raise _ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
            if not 1 <= len(str(command.get("description", ""))) <= 256:
                raise _ApiError(400, "Bad Request: BOT_COMMAND_DESCRIPTION_INVALID")
        self._commands[self._commands_key(req.params)] = copy.deepcopy(commands)
        return True

    def _get_my_commands(self, req: _Request) -> list[dict[str, Any]]:
        return copy.deepcopy(self._commands.get(self._commands_key(req.params), []))

    def _delete_my_commands(self, req: _Request) -> bool:
        self._commands.pop(self._commands_key(req.params), None)
        return True

    # ---------------------------------------------------------------- sending

    def _send_message(self, req: _Request) -> dict[str, Any]:
        chat_id = self._target_chat(req)
        text = req.params.get("text")
        if text is None or str(text) == "":
            raise _ApiError(400, "Bad Request: message text is empty")
        plain = self._parse_markup(str(text), req.params.get("parse_mode"))
        if _utf16_len(plain) > MAX_TEXT:
            raise _ApiError(400, "Bad Request: message is too long")
        if not plain.strip():
            raise _ApiError(400, "Bad Request: message must be non-empty")
        return self._deliver(req, chat_id, {"text": plain}, str(text))

    def _send_document(self, req: _Request) -> dict[str, Any]:
        chat_id = self._target_chat(req)
        content = self._upload(req, "document")
        data = _uploaded("document", req.params, req.files)
        name = self._upload_name(req, "document") or "document"
        content["document"] = {
            "file_id": f"BQACAgDoc{next(self._file_ids)}",
            "file_unique_id": f"AgADdoc{len(self._sent)}",
            "file_name": name,
            "mime_type": mimetypes.guess_type(name)[0] or "application/octet-stream",
            "file_size": len(data or b""),
        }
        return self._deliver(req, chat_id, content, req.params.get("caption"))

    def _send_photo(self, req: _Request) -> dict[str, Any]:
        chat_id = self._target_chat(req)
        content = self._upload(req, "photo")
        file_id = f"AgACAgPhoto{next(self._file_ids)}"
        size = len(_uploaded("photo", req.params, req.files) or b"")
        content["photo"] = [
            {"file_id": f"{file_id}s", "file_unique_id": f"{file_id}us", "width": 90,
             "height": 90, "file_size": size // 10},
            {"file_id": file_id, "file_unique_id": f"{file_id}u", "width": 800,
             "height": 600, "file_size": size},
        ]  # fmt: skip
        return self._deliver(req, chat_id, content, req.params.get("caption"))

    def _upload(self, req: _Request, field_name: str) -> dict[str, Any]:
        ref = req.params.get(field_name)
        if _uploaded(field_name, req.params, req.files) is None and not (
            isinstance(ref, str) and ref and not ref.startswith("attach://")
        ):
            raise _ApiError(400, f"Bad Request: there is no {field_name} in the request")
        content: dict[str, Any] = {}
        caption = req.params.get("caption")
        if caption:
            plain = self._parse_markup(str(caption), req.params.get("parse_mode"))
            if _utf16_len(plain) > MAX_CAPTION:
                raise _ApiError(400, "Bad Request: message caption is too long")
            content["caption"] = plain
        return content

    def _upload_name(self, req: _Request, field_name: str) -> str | None:
        ref = req.params.get(field_name)
        key = ref[len("attach://"):] if isinstance(ref, str) and ref.startswith("attach://") \
            else field_name  # fmt: skip
        return req.filenames.get(key)

    def _target_chat(self, req: _Request) -> int | str:
        chat_id = _chat_key(req.params.get("chat_id"))
        if chat_id is None or chat_id == "":
            raise _ApiError(400, "Bad Request: chat_id is empty")
        if chat_id in self.blocked_chats:
            raise _ApiError(403, "Forbidden: bot was blocked by the user")
        if self.strict_chats and chat_id not in self._chats:
            raise _ApiError(400, "Bad Request: chat not found")
        return chat_id

    def _deliver(
        self, req: _Request, chat_id: int | str, content: dict[str, Any], raw_text: str | None
    ) -> dict[str, Any]:
        markup = req.params.get("reply_markup")
        if isinstance(markup, str):  # a JSON body may carry it as a string
            markup = _json_or_str(markup)
        _check_reply_markup(markup)
        self._check_rate(req, chat_id)
        chat = self._chats.get(chat_id) or self._remember_chat(
            chat_id,
            "private" if isinstance(chat_id, int) and chat_id > 0 else "group",
            "Jane",
            None,
        )
        message = {
            "message_id": self._take_message_id(chat_id),
            "date": int(time.time()),
            "chat": dict(chat),
            "from": dict(self.bot_user),
            **content,
        }
        if _inline_buttons(markup) or (isinstance(markup, dict) and "inline_keyboard" in markup):
            message["reply_markup"] = markup
        self._messages[(chat_id, message["message_id"])] = message
        self._global_window.append(req.at)
        self._chat_windows.setdefault(chat_id, deque()).append(req.at)
        self._send_times.setdefault(chat_id, []).append(req.at)
        self._sent.append(
            SentMessage(
                method=req.method,
                chat_id=chat_id,
                message_id=message["message_id"],
                text=raw_text,
                plain_text=content.get("text", content.get("caption")),
                parse_mode=req.params.get("parse_mode"),
                reply_markup=markup if isinstance(markup, dict) else None,
                params=req.params,
                files=req.files,
                filenames=req.filenames,
                at=req.at,
            )
        )
        return copy.deepcopy(message)

    def _check_rate(self, req: _Request, chat_id: int | str) -> None:
        now = req.at
        for scope, window, limit in (
            ("global", self._global_window, self.rate_limit_per_second),
            ("chat", self._chat_windows.setdefault(chat_id, deque()), self.per_chat_per_second),
        ):
            while window and window[0] <= now - 1.0:
                window.popleft()
            if limit is not None and len(window) >= limit:
                wait = self.retry_after or max(1, math.ceil(window[0] + 1.0 - now))
                raise _ApiError(
                    429, f"Too Many Requests: retry after {wait}", retry_after=wait, scope=scope
                )

    def _send_chat_action(self, req: _Request) -> bool:
        self._target_chat(req)
        if not req.params.get("action"):
            raise _ApiError(400, "Bad Request: wrong parameter action in request")
        return True

    # ---------------------------------------------------------------- editing

    def _message_to_edit(self, req: _Request) -> dict[str, Any] | None:
        if req.params.get("inline_message_id"):
            return None
        chat_id = _chat_key(req.params.get("chat_id"))
        message_id = req.params.get("message_id")
        message = self._messages.get((chat_id, message_id))
        if message is None:
            raise _ApiError(400, "Bad Request: message to edit not found")
        if message["from"]["id"] != self.bot_user["id"]:
            raise _ApiError(400, "Bad Request: message can't be edited")
        return message

    def _apply_edit(
        self, message: dict[str, Any] | None, changes: dict[str, Any], markup: Any
    ) -> dict[str, Any] | bool:
        if isinstance(markup, str):
            markup = _json_or_str(markup)
        _check_reply_markup(markup)
        new_markup = markup if isinstance(markup, dict) and "inline_keyboard" in markup else None
        if new_markup is not None and not new_markup["inline_keyboard"]:
            new_markup = None
        if message is None:  # an inline message: nothing to keep
            return True
        unchanged = all(message.get(k) == v for k, v in changes.items())
        if unchanged and message.get("reply_markup") == new_markup:
            raise _ApiError(
                400,
                "Bad Request: message is not modified: specified new message content and "
                "reply markup are exactly the same as a current content and reply markup "
                "of the message",
            )
        message.update(changes)
        if new_markup is None:
            message.pop("reply_markup", None)
        else:
            message["reply_markup"] = new_markup
        message["edit_date"] = int(time.time())
        return copy.deepcopy(message)

    def _edit_message_text(self, req: _Request) -> dict[str, Any] | bool:
        message = self._message_to_edit(req)
        text = req.params.get("text")
        if not text:
            raise _ApiError(400, "Bad Request: message text is empty")
        plain = self._parse_markup(str(text), req.params.get("parse_mode"))
        if _utf16_len(plain) > MAX_TEXT:
            raise _ApiError(400, "Bad Request: message is too long")
        if message is not None and "text" not in message:
            raise _ApiError(400, "Bad Request: there is no text in the message to edit")
        return self._apply_edit(message, {"text": plain}, req.params.get("reply_markup"))

    def _edit_message_caption(self, req: _Request) -> dict[str, Any] | bool:
        message = self._message_to_edit(req)
        caption = self._parse_markup(
            str(req.params.get("caption") or ""), req.params.get("parse_mode")
        )
        if _utf16_len(caption) > MAX_CAPTION:
            raise _ApiError(400, "Bad Request: message caption is too long")
        if message is not None and "text" in message:
            raise _ApiError(400, "Bad Request: there is no caption in the message to edit")
        return self._apply_edit(message, {"caption": caption}, req.params.get("reply_markup"))

    def _edit_message_reply_markup(self, req: _Request) -> dict[str, Any] | bool:
        message = self._message_to_edit(req)
        return self._apply_edit(message, {}, req.params.get("reply_markup"))

    def _delete_message(self, req: _Request) -> bool:
        key = (_chat_key(req.params.get("chat_id")), req.params.get("message_id"))
        if self._messages.pop(key, None) is None:
            raise _ApiError(400, "Bad Request: message to delete not found")
        return True

    def _answer_callback_query(self, req: _Request) -> bool:
        query_id = str(req.params.get("callback_query_id", ""))
        if self._open_callbacks.pop(query_id, None) is None:
            raise _ApiError(
                400,
                "Bad Request: query is too old and response timeout expired or query ID is invalid",
            )
        if _utf16_len(str(req.params.get("text") or "")) > 200:
            raise _ApiError(400, "Bad Request: MESSAGE_TOO_LONG")
        self._callback_answers[query_id] = dict(req.params)
        return True

    # ---------------------------------------------------------------- helpers (lock held)

    def _parse_markup(self, text: str, parse_mode: Any) -> str:
        if not self.validate_markup or not parse_mode:
            return text
        mode = str(parse_mode).lower()
        try:
            if mode == "html":
                return _parse_html(text)
            if mode == "markdownv2":
                return _parse_markdown_v2(text)
            if mode == "markdown":
                return _parse_markdown(text)
        except ValueError as err:
            raise _ApiError(400, f"Bad Request: can't parse entities: {err}") from None
        raise _ApiError(400, f"Bad Request: unsupported parse_mode {parse_mode}")

    def _take_message_id(self, chat_id: int | str) -> int:
        message_id = self._next_message_id.get(chat_id, 1)
        self._next_message_id[chat_id] = message_id + 1
        return message_id

    def _user(
        self, chat_id: int, user_id: int | None, first_name: str, username: str | None
    ) -> dict[str, Any]:
        if user_id is None:
            user_id = chat_id if chat_id > 0 else 1_000_001
        user: dict[str, Any] = {
            "id": user_id, "is_bot": False, "first_name": first_name, "language_code": "en",
        }  # fmt: skip
        if username:
            user["username"] = username
        return user

    def _remember_chat(
        self, chat_id: int | str, chat_type: str, first_name: str, username: str | None
    ) -> dict[str, Any]:
        chat: dict[str, Any] = {"id": chat_id, "type": chat_type}
        if chat_type == "private":
            chat["first_name"] = first_name
            if username:
                chat["username"] = username
        else:
            chat["title"] = f"Test {chat_type} {chat_id}"
        self._chats[chat_id] = chat
        return chat

    def _message_to_press(
        self, chat_id: int, message_id: int | None, data: str, force: bool
    ) -> dict[str, Any]:
        bot_messages = [
            (mid, msg)
            for (chat, mid), msg in self._messages.items()
            if chat == chat_id and msg["from"]["id"] == self.bot_user["id"]
        ]
        if message_id is None:
            for _mid, msg in reversed(bot_messages):
                if data in _callback_data(msg):
                    return msg
            raise AssertionError(
                f"no bot message in chat {chat_id} has a button with callback_data {data!r}; "
                "the chat so far:\n" + "\n".join(self.transcript(chat_id))
            )
        message = self._messages.get((chat_id, message_id))
        if message is None or message["from"]["id"] != self.bot_user["id"]:
            raise LookupError(
                f"the bot sent no message {message_id} to chat {chat_id} "
                f"(its messages there: {[mid for mid, _ in bot_messages]})"
            )
        if not force and data not in _callback_data(message):
            raise AssertionError(
                f"message {message_id} in chat {chat_id} has no button with callback_data "
                f"{data!r} (it has {_callback_data(message)}); pass force=True for a stale "
                "or forged press"
            )
        return message


# --------------------------------------------------------------------------------------------
# Request parsing


async def _read_params(
    request: web.Request,
) -> tuple[dict[str, Any], dict[str, bytes], dict[str, str]]:
    params: dict[str, Any] = {k: _decode(k, v) for k, v in request.query.items()}
    files: dict[str, bytes] = {}
    filenames: dict[str, str] = {}
    if request.method == "POST" and request.can_read_body:
        if request.content_type == "application/json":
            body = await request.json()
            if not isinstance(body, dict):
                raise ValueError("the JSON body must be an object")
            params.update({k: _decode(k, v) if isinstance(v, str) else v for k, v in body.items()})
        else:
            form = await request.post()
            for key, value in form.items():
                if isinstance(value, web.FileField):
                    files[key] = value.file.read()
                    filenames[key] = value.filename
                else:
                    params[key] = _decode(key, str(value))
    return params, files, filenames


def _decode(key: str, value: str) -> Any:
    if key in _STRING_PARAMS:
        return value
    return _json_or_str(value)


def _json_or_str(value: str) -> Any:
    try:
        return json.loads(value)
    except ValueError:
        return value


def _chat_key(value: Any) -> Any:
    if isinstance(value, str) and re.fullmatch(r"-?\d+", value):
        return int(value)
    return value


def _update_id(update: dict[str, Any]) -> int:
    value = update.get("update_id")
    return value if isinstance(value, int) else 0


def _uploaded(field_name: str, params: dict[str, Any], files: dict[str, bytes]) -> bytes | None:
    ref = params.get(field_name)
    if isinstance(ref, str) and ref.startswith("attach://"):
        return files.get(ref[len("attach://") :])
    return files.get(field_name)


def _inline_buttons(markup: Any) -> list[dict[str, Any]]:
    if not isinstance(markup, dict):
        return []
    rows = markup.get("inline_keyboard") or []
    return [b for row in rows if isinstance(row, list) for b in row if isinstance(b, dict)]


def _callback_data(message: dict[str, Any]) -> list[str]:
    return [b["callback_data"] for b in _inline_buttons(message.get("reply_markup"))
            if "callback_data" in b]  # fmt: skip


_BUTTON_ACTIONS = ("callback_data", "url", "web_app", "login_url", "switch_inline_query",
                   "switch_inline_query_current_chat", "switch_inline_query_chosen_chat",
                   "copy_text", "callback_game", "pay")  # fmt: skip


def _check_reply_markup(markup: Any) -> None:
    if markup is None:
        return
    if not isinstance(markup, dict):
        raise _ApiError(400, "Bad Request: can't parse reply keyboard markup JSON object")
    if "inline_keyboard" not in markup:
        return
    rows = markup["inline_keyboard"]
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise _ApiError(400, "Bad Request: field \"inline_keyboard\" of the InlineKeyboardMarkup "
                             "should be an Array of Arrays")  # fmt: skip
    for button in _inline_buttons(markup):
        if not button.get("text"):
            raise _ApiError(400, "Bad Request: can't parse inline keyboard button: Text must be "
                                 "non-empty")  # fmt: skip
        if not any(action in button for action in _BUTTON_ACTIONS):
            raise _ApiError(400, "Bad Request: text buttons are unallowed in the inline keyboard")
        data = button.get("callback_data")
        if data is not None and not 1 <= len(str(data).encode()) <= MAX_CALLBACK_DATA:
            raise _ApiError(400, "Bad Request: BUTTON_DATA_INVALID")


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _shorten(value: Any, width: int = 60) -> Any:
    if value is None or isinstance(value, int | float):
        return value
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= width else text[: width - 1] + "…"


# --------------------------------------------------------------------------------------------
# Markup parsing: what Telegram accepts, returning the text the user sees


_HTML_TAGS = frozenset({"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "span",
                        "tg-spoiler", "a", "code", "pre", "blockquote", "tg-emoji"})  # fmt: skip


class _TelegramHTML(HTMLParser):
    def __init__(self, source: str) -> None:
        super().__init__(convert_charrefs=True)
        self.source = source
        self.stack: list[str] = []
        self.parts: list[str] = []
        self.line_starts = [0] + [m.end() for m in re.finditer("\n", source)]

    def _offset(self) -> int:
        line, column = self.getpos()
        return len(self.source[: self.line_starts[line - 1] + column].encode())

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in _HTML_TAGS:
            raise ValueError(f'Unsupported start tag "{tag}" at byte offset {self._offset()}')
        self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        raise ValueError(f'Unsupported start tag "{tag}" at byte offset {self._offset()}')

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            raise ValueError(
                f'Can\'t find end tag corresponding to start tag "{self.stack[-1]}"'
                if self.stack
                else f"Unexpected end tag at byte offset {self._offset()}"
            )
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def _parse_html(text: str) -> str:
    bare = re.search(r"<(?![A-Za-z/])", text)
    if bare:
        raise ValueError(
            f'Unsupported start tag "" at byte offset {len(text[: bare.start()].encode())}'
        )
    parser = _TelegramHTML(text)
    parser.feed(text)
    parser.close()
    if parser.stack:
        raise ValueError(f'Can\'t find end tag corresponding to start tag "{parser.stack[-1]}"')
    return "".join(parser.parts)


_MDV2_RESERVED = frozenset("_*[]()~`>#+-=|{}.!")


def _parse_markdown_v2(text: str) -> str:
    """Approximates Telegram's MarkdownV2 rules: every reserved character outside code must
    be escaped unless it is markup, and every entity must be closed."""
    visible: list[str] = []
    open_marks: dict[str, int] = {}
    i, n = 0, len(text)

    def offset(at: int) -> int:
        return len(text[:at].encode())

    while i < n:
        c = text[i]
        if c == "\\":
            if i + 1 >= n:
                raise ValueError(f"Character '\\' is reserved and must be escaped with the "
                                 f"preceding '\\' at byte offset {offset(i)}")  # fmt: skip
            visible.append(text[i + 1])
            i += 2
            continue
        if text.startswith("```", i):
            end = text.find("```", i + 3)
            if end < 0:
                raise ValueError(f"Can't find end of Pre entity at byte offset {offset(i)}")
            body = text[i + 3 : end]
            visible.append(body.split("\n", 1)[1] if "\n" in body else body)
            i = end + 3
            continue
        if c == "`":
            end = text.find("`", i + 1)
            if end < 0:
                raise ValueError(f"Can't find end of Code entity at byte offset {offset(i)}")
            visible.append(text[i + 1 : end].replace("\\`", "`").replace("\\\\", "\\"))
            i = end + 1
            continue
        mark = "__" if text.startswith("__", i) else "||" if text.startswith("||", i) else c
        if mark in ("*", "_", "~", "__", "||"):
            if mark in open_marks:
                del open_marks[mark]
            else:
                open_marks[mark] = i
            i += len(mark)
            continue
        if c == "[":
            open_marks["["] = i
            i += 1
            continue
        if c == "]" and "[" in open_marks:
            del open_marks["["]
            if text.startswith("(", i + 1):
                end = text.find(")", i + 2)
                if end < 0:
                    raise ValueError(f"Can't find end of a url at byte offset {offset(i)}")
                i = end + 1
            else:
                i += 1
            continue
        if c == ">" and (i == 0 or text[i - 1] == "\n"):
            i += 1
            continue
        if c in _MDV2_RESERVED:
            raise ValueError(f"Character '{c}' is reserved and must be escaped with the "
                             f"preceding '\\'")  # fmt: skip
        visible.append(c)
        i += 1
    if open_marks:
        mark, at = min(open_marks.items(), key=lambda kv: kv[1])
        raise ValueError(f"Can't find end of the entity starting at byte offset {offset(at)}")
    return "".join(visible)


def _parse_markdown(text: str) -> str:
    """Legacy Markdown: * _ ` ``` and [..](..) must be closed."""
    visible: list[str] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c == "\\" and i + 1 < n and text[i + 1] in "_*`[":
            visible.append(text[i + 1])
            i += 2
            continue
        closer = "```" if text.startswith("```", i) else c if c in "*_`" else None
        if closer is not None:
            end = text.find(closer, i + len(closer))
            if end < 0:
                raise ValueError(
                    f"Can't find end of the entity starting at byte offset {len(text[:i].encode())}"
                )
            visible.append(text[i + len(closer) : end])
            i = end + len(closer)
            continue
        visible.append(c)
        i += 1
    return "".join(visible)
