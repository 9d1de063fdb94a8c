"""A fake Slack Web API: a real aiohttp server on 127.0.0.1 that answers and records every call.

Point the real slack_sdk clients at it with ``WebClient(token, base_url=fake.api_url)`` (our app
reads ``SLACK_API_URL``). It runs in its own thread and event loop, so sync tests, Bolt's worker
threads and other event loops can all talk to it; the recording helpers are thread-safe.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import math
import random
import threading
import time
from collections import deque
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from aiohttp import web

T = TypeVar("T")

#: Parameters slack_sdk (or an app) may send as JSON text inside form data; recorded decoded.
JSON_PARAMS = frozenset({"blocks", "attachments", "view", "files", "metadata", "users_list"})

Fault = int | str  # an HTTP status (500, 503, 429…) or "timeout"


@dataclass(frozen=True)
class Call:
    """One request the fake received: the Web API method, its decoded parameters, when.

    ``at`` is ``time.monotonic()`` (the same clock as :meth:`FakeSlack.accepted_post_times`), so
    spacing between calls can be measured. ``response`` is the JSON the fake answered with.
    """

    method: str
    params: dict[str, Any]
    at: float
    token: str | None = None
    status: int = 200
    response: dict[str, Any] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.status == 200 and bool(self.response.get("ok"))


@dataclass(frozen=True)
class UploadedFile:
    """A file shared through files_upload_v2 (three steps) or the legacy files.upload."""

    file_id: str
    filename: str
    title: str
    content: bytes
    channels: tuple[str, ...] = ()
    initial_comment: str | None = None
    thread_ts: str | None = None


class SlackApiError(Exception):
    """Raised inside a method handler: answered as ``{"ok": false, "error": code}``."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass
class _Upload:
    file_id: str
    filename: str
    length: int
    title: str | None = None
    content: bytes | None = None
    completed: bool = False
    channels: tuple[str, ...] = ()
    initial_comment: str | None = None
    thread_ts: str | None = None


class FakeSlack:
    """A fake Slack Web API on a random free port of 127.0.0.1.

    Example::

        with FakeSlack(per_channel_per_second=1) as fake:
            client = WebClient("xoxb-test", base_url=fake.api_url)
            client.chat_postMessage(channel="DU1", text="hi")
            assert fake.posted_messages("DU1")[0]["text"] == "hi"
    """

    def __init__(
        self,
        *,
        valid_tokens: Collection[str] | None = None,
        per_channel_per_second: float | None = None,
        team_id: str = "T1",
        team: str = "Afterview Test",
        bot_user_id: str = "UBOT",
        bot_id: str = "BBOT",
        app_id: str = "A1",
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self.valid_tokens = set(valid_tokens) if valid_tokens is not None else None
        self.per_channel_per_second = per_channel_per_second
        self.team_id = team_id
        self.team = team
        self.bot_user_id = bot_user_id
        self.bot_id = bot_id
        self.app_id = app_id
        #: How long a "timeout" fault holds the request before answering 504 (or until stop()).
        self.hang_seconds = 30.0
        self._host = host
        self._port = port

        self._cond = threading.Condition(threading.RLock())
        self._calls: list[Call] = []
        self._failed: list[Call] = []
        self._responses: list[Call] = []
        self._server_errors: list[str] = []
        self._rate_limited = 0
        self._post_times: dict[str, list[float]] = {}
        self._windows: dict[str, deque[float]] = {}
        self._home_views: dict[str, dict[str, Any]] = {}
        self._home_view_ids: dict[str, str] = {}
        self._views: dict[str, dict[str, Any]] = {}
        self._opened_views: list[dict[str, Any]] = []
        self._uploads: dict[str, _Upload] = {}
        self._shared_files: list[UploadedFile] = []
        self._messages: dict[tuple[str, str], dict[str, Any]] = {}
        self._users: dict[str, dict[str, Any]] = {}
        self._faults: list[tuple[str | None, Fault, int]] = []
        self._flaky: tuple[float, random.Random, Fault, frozenset[str] | None] | None = None
        self._counter = 0
        self._ts_counter = 0
        #: OAuth (oauth.v2.access): the app's credentials, the codes of pending installs, and
        #: the workspaces installed through them, by bot token.
        self.client_id = "111.222"
        self.client_secret = "fake-client-secret"
        self._codes: dict[str, dict[str, str]] = {}
        self._workspaces: dict[str, dict[str, str]] = {}
        self._revoked: set[str] = set()
        self._generation = 0

        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._runner: web.AppRunner | None = None
        self._stopping: asyncio.Event | None = None
        self._bound_port: int | None = None

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> FakeSlack:
        """Start the server thread; returns once the port is bound."""
        if self._thread is not None:
            return self
        ready = threading.Event()
        failure: list[BaseException] = []

        def run() -> None:
            loop = asyncio.new_event_loop()
            asyncio.set_event_loop(loop)
            self._loop = loop
            try:
                loop.run_until_complete(self._serve())
            except BaseException as exc:  # noqa: BLE001 - handed to the starting thread
                failure.append(exc)
                ready.set()
                loop.close()
                return
            ready.set()
            try:
                loop.run_forever()
            finally:
                loop.close()

        self._thread = threading.Thread(target=run, name="fake-slack", daemon=True)
        self._thread.start()
        if not ready.wait(10):
            raise RuntimeError("the fake Slack API did not start within 10 s")
        if failure:
            self._thread = None
            raise RuntimeError("the fake Slack API could not start") from failure[0]
        return self

    def stop(self) -> None:
        """Stop the server (hanging "timeout" faults are released) and join its thread."""
        loop, thread = self._loop, self._thread
        if loop is None or thread is None:
            return
        future = asyncio.run_coroutine_threadsafe(self._shutdown(), loop)
        try:
            future.result(10)
        finally:
            loop.call_soon_threadsafe(loop.stop)
            thread.join(10)
            self._thread = None
            self._loop = None

    def __enter__(self) -> FakeSlack:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    async def _serve(self) -> None:
        self._stopping = asyncio.Event()
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/api/{method}", self._handle_api)
        app.router.add_post("/upload/{file_id}", self._handle_upload)
        app.router.add_post("/respond/{key}", self._handle_response_url)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self._host, self._port)
        await site.start()
        self._bound_port = int(self._runner.addresses[0][1])

    async def _shutdown(self) -> None:
        if self._stopping is not None:
            self._stopping.set()
        if self._runner is not None:
            await self._runner.cleanup()

    # ------------------------------------------------------------------ addresses

    @property
    def port(self) -> int:
        if self._bound_port is None:
            raise RuntimeError("FakeSlack is not started")
        return self._bound_port

    @property
    def url(self) -> str:
        """The server root, e.g. ``http://127.0.0.1:43121``."""
        return f"http://{self._host}:{self.port}"

    @property
    def api_url(self) -> str:
        """The slack_sdk ``base_url`` (ends with ``/api/``, as Slack's own does)."""
        return f"{self.url}/api/"

    def response_url(self, key: str | None = None) -> str:
        """A ``response_url`` for slash command / action payloads that posts back to the fake."""
        with self._cond:
            key = key or f"r{self._next()}"
        return f"{self.url}/respond/{key}"

    # ------------------------------------------------------------------ configuration

    def add_user(
        self,
        user_id: str,
        *,
        name: str | None = None,
        real_name: str | None = None,
        display_name: str | None = None,
        tz: str = "Europe/Berlin",
        team_id: str | None = None,
        is_bot: bool = False,
    ) -> None:
        """Describe a user for users.info (unknown U…/W… ids get a made-up Berlin user)."""
        with self._cond:
            self._users[user_id] = self._user_record(
                user_id, name, real_name, display_name, tz, team_id, is_bot
            )

    def add_workspace(self, team_id: str, name: str, *, installer: str = "UADMIN") -> str:
        """A workspace whose admin is about to install the app: returns the one-time OAuth
        ``code`` Slack would hand to the redirect URL; oauth.v2.access trades it for a bot token
        of that workspace (``bot_token_of``)."""
        with self._cond:
            code = f"code-{team_id}-{self._next()}"
            token = f"xoxb-{team_id}-{self._next()}"
            self._codes[code] = {"team_id": team_id, "team": name, "token": token,
                                 "installer": installer, "bot_user_id": f"UB{team_id}",
                                 "bot_id": f"BB{team_id}"}
        return code

    def bot_token_of(self, team_id: str) -> str | None:
        """The bot token most recently issued to the workspace (None if never installed)."""
        with self._cond:
            found = [t for t, w in self._workspaces.items() if w["team_id"] == team_id]
        return found[-1] if found else None

    def revoke_workspace(self, team_id: str) -> None:
        """The workspace removed the app: its tokens answer ``token_revoked`` from now on."""
        with self._cond:
            self._revoked |= {t for t, w in self._workspaces.items() if w["team_id"] == team_id}

    def fail_next(self, method: str | None, status: Fault = 500, count: int = 1) -> None:
        """The next ``count`` calls of ``method`` (``None``: any method) fail.

        ``status`` is an HTTP status (429 comes with ``Retry-After: 1``) or ``"timeout"``: the
        request is held for :attr:`hang_seconds` (so the client's own timeout fires) and then
        answered 504.
        """
        _check_fault(status)
        with self._cond:
            self._faults.append((method, status, count))

    def flaky(
        self,
        probability: float,
        seed: int | None = None,
        *,
        status: Fault = 500,
        methods: Collection[str] | None = None,
    ) -> None:
        """Fail each call (of ``methods``, default all) with ``probability``; 0 switches it off."""
        _check_fault(status)
        with self._cond:
            if probability <= 0:
                self._flaky = None
            else:
                chosen = frozenset(methods) if methods is not None else None
                self._flaky = (probability, random.Random(seed), status, chosen)

    def clear(self) -> None:
        """Forget what was recorded (calls, messages, views, files, counters); keep the setup."""
        with self._cond:
            self._calls.clear()
            self._failed.clear()
            self._responses.clear()
            self._server_errors.clear()
            self._rate_limited = 0
            self._post_times.clear()
            self._windows.clear()
            self._home_views.clear()
            self._opened_views.clear()
            self._shared_files.clear()
            self._messages.clear()

    # ------------------------------------------------------------------ what happened

    def calls(self, method: str | None = None) -> list[Call]:
        """Calls the fake answered (``ok`` or a Slack error), oldest first; faults are separate."""
        with self._cond:
            return [c for c in self._calls if method is None or c.method == method]

    @property
    def failed_calls(self) -> list[Call]:
        """Calls answered with an injected fault or a 429 from the per-channel limit."""
        with self._cond:
            return list(self._failed)

    @property
    def rate_limited(self) -> int:
        """How many chat.postMessage calls got 429 from the per-channel limit."""
        with self._cond:
            return self._rate_limited

    @property
    def server_errors(self) -> list[str]:
        """Exceptions raised inside the fake itself (a bug in the fake, not in the app)."""
        with self._cond:
            return list(self._server_errors)

    def posted_messages(self, channel: str | None = None) -> list[dict[str, Any]]:
        """Parameters of accepted chat.postMessage calls in order (``blocks`` decoded).

        ``channel`` matches what the app sent or the channel Slack answered (a user id ``U1`` is
        answered as its DM ``DU1``).
        """
        with self._cond:
            return [
                dict(c.params)
                for c in self._calls
                if c.method == "chat.postMessage"
                and c.ok
                and (channel is None or channel in (c.params.get("channel"), c.response["channel"]))
            ]

    def accepted_post_times(self, channel: str) -> list[float]:
        """``time.monotonic()`` of each accepted chat.postMessage in ``channel`` (as answered)."""
        with self._cond:
            return list(self._post_times.get(channel, []))

    def home_views(self, user_id: str) -> dict[str, Any] | None:
        """The latest App Home view published for ``user_id`` (decoded), or None."""
        with self._cond:
            return self._home_views.get(user_id)

    def opened_views(self) -> list[dict[str, Any]]:
        """Views passed to views.open, in order (decoded)."""
        with self._cond:
            return list(self._opened_views)

    def current_view(self, view_id: str) -> dict[str, Any] | None:
        """A view as the fake holds it after views.open/push/update/publish."""
        with self._cond:
            return self._views.get(view_id)

    def uploaded_files(self) -> list[UploadedFile]:
        """Files shared so far (files_upload_v2 after its completion step, or files.upload)."""
        with self._cond:
            return list(self._shared_files)

    def responses(self, key: str | None = None) -> list[Call]:
        """Bodies posted to :meth:`response_url` URLs (method ``"response_url"``, key in params)."""
        with self._cond:
            return [r for r in self._responses if key is None or r.params.get("_key") == key]

    def wait_for(
        self, predicate: Callable[[], T | None], timeout: float = 5, message: str = ""
    ) -> T:
        """Block until ``predicate()`` is truthy and return its value; AssertionError on timeout."""
        deadline = time.monotonic() + timeout
        while True:
            with self._cond:
                generation = self._generation
            value = predicate()  # outside the lock: the predicate may be slow or block
            if value:
                return value
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(
                    f"timed out after {timeout} s waiting for {message or predicate!r}\n"
                    + self.dump()
                )
            with self._cond:
                if self._generation == generation:
                    self._cond.wait(min(remaining, 0.5))

    def wait_for_calls(self, method: str, count: int = 1, timeout: float = 5) -> list[Call]:
        """Block until ``count`` calls of ``method`` were answered; returns all of them."""
        return self.wait_for(
            lambda: found if len(found := self.calls(method)) >= count else None,
            timeout,
            f"{count} call(s) of {method}",
        )

    def dump(self) -> str:
        """What the fake saw, for assertion messages."""
        with self._cond:
            lines = [f"fake Slack at {self.url if self._bound_port else '(stopped)'} saw:"]
            for label, calls in (
                ("calls", self._calls),
                ("failed", self._failed),
                ("response_url", self._responses),
            ):
                lines.append(f"  {label}: {len(calls)}")
                for c in calls[-40:]:
                    lines.append(
                        f"    {c.method} [{c.status}] {_short(c.params)} -> {_short(c.response)}"
                    )
            for error in self._server_errors:
                lines.append(f"  FAKE ERROR: {error}")
            return "\n".join(lines)

    def _changed(self) -> None:
        """Wake wait_for(); call with the lock held."""
        self._generation += 1
        self._cond.notify_all()

    # ------------------------------------------------------------------ HTTP handlers

    async def _handle_api(self, request: web.Request) -> web.StreamResponse:
        method = request.match_info["method"]
        now = time.monotonic()
        headers = {k: v for k, v in request.headers.items() if k.lower() != "authorization"}
        try:
            params, token = await _read_params(request)
        except ValueError:
            params, token = {}, None
            unreadable = True
        else:
            unreadable = False

        fault = self._take_fault(method)
        if fault is not None:
            return await self._fault(Call(method, params, now, token, 0, {}, headers), fault)

        extra: dict[str, str] = {}
        if unreadable:
            response, status = {"ok": False, "error": "invalid_form_data"}, 200
        else:
            try:
                with self._cond:
                    response, status, extra = self._dispatch(method, params, token, now)
            except Exception as exc:  # noqa: BLE001 - a bug in the fake: say so loudly
                call = Call(
                    method,
                    params,
                    now,
                    token,
                    500,
                    {"ok": False, "error": "fake_internal_error"},
                    headers,
                )
                return self._answer(call, f"{method}: {exc!r}")
        call = Call(method, params, now, token, status, response, headers)
        with self._cond:
            if status == 200:
                self._calls.append(call)
            else:
                self._failed.append(call)
            self._changed()
        return web.json_response(response, status=status, headers=extra)

    def _answer(self, call: Call, error: str) -> web.Response:
        with self._cond:
            self._server_errors.append(error)
            self._failed.append(call)
            self._changed()
        return web.json_response(call.response, status=call.status or 500)

    async def _fault(self, call: Call, fault: Fault) -> web.Response:
        if fault == "timeout":
            assert self._stopping is not None
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), self.hang_seconds)
            status, body, extra = 504, {"ok": False, "error": "timeout"}, {}
        elif fault == 429:
            status, body, extra = 429, {"ok": False, "error": "ratelimited"}, {"Retry-After": "1"}
        else:
            assert isinstance(fault, int)
            status, body, extra = fault, {"ok": False, "error": "fatal_error"}, {}
        recorded = Call(call.method, call.params, call.at, call.token, status, body, call.headers)
        with self._cond:
            self._failed.append(recorded)
            self._changed()
        return web.json_response(body, status=status, headers=extra)

    async def _handle_upload(self, request: web.Request) -> web.Response:
        """The upload URL files.getUploadURLExternal hands out (raw bytes or multipart)."""
        file_id = request.match_info["file_id"]
        if request.content_type.startswith("multipart/"):
            form = await request.post()
            parts = [v for v in form.values() if isinstance(v, web.FileField)]
            data = parts[0].file.read() if parts else b""
        else:
            data = await request.read()
        with self._cond:
            upload = self._uploads.get(file_id)
            if upload is None:
                return web.Response(status=404, text="file_not_found", content_type="text/plain")
            upload.content = data
            self._changed()
        return web.Response(text=f"OK - {len(data)}", content_type="text/plain")

    async def _handle_response_url(self, request: web.Request) -> web.Response:
        """Bolt's ``respond()`` posts JSON here."""
        raw = await request.text()
        try:
            body = json.loads(raw) if raw else {}
        except ValueError:
            body = {"_raw": raw}
        if isinstance(body, dict):
            _decode_json_params(body)
        else:
            body = {"_raw": body}
        body["_key"] = request.match_info["key"]
        with self._cond:
            self._responses.append(Call("response_url", body, time.monotonic(), None, 200, {}))
            self._changed()
        return web.Response(text="ok", content_type="text/html")

    # ------------------------------------------------------------------ faults

    def _take_fault(self, method: str) -> Fault | None:
        with self._cond:
            for i, (wanted, status, count) in enumerate(self._faults):
                if wanted is None or wanted == method:
                    if count <= 1:
                        del self._faults[i]
                    else:
                        self._faults[i] = (wanted, status, count - 1)
                    return status
            if self._flaky is not None:
                probability, rng, status, methods = self._flaky
                if (methods is None or method in methods) and rng.random() < probability:
                    return status
        return None

    # ------------------------------------------------------------------ the Web API

    def _dispatch(
        self, method: str, params: dict[str, Any], token: str | None, now: float
    ) -> tuple[dict[str, Any], int, dict[str, str]]:
        if method == "apps.connections.open":
            return {"ok": False, "error": "socket_mode_not_faked"}, 200, {}
        if method == "oauth.v2.access":
            return self._oauth_v2_access(params), 200, {}
        handler = _METHODS.get(method)
        if handler is None:
            return {"ok": False, "error": "unknown_method"}, 200, {}
        if not token:
            return {"ok": False, "error": "not_authed"}, 200, {}
        if token in self._revoked:
            return {"ok": False, "error": "token_revoked"}, 200, {}
        if not self._token_ok(token):
            return {"ok": False, "error": "invalid_auth"}, 200, {}
        if method == "auth.test" and token in self._workspaces:
            workspace = self._workspaces[token]
            return {"ok": True, "url": "https://example.slack.com/", "team": workspace["team"],
                    "user": "afterview", "team_id": workspace["team_id"],
                    "user_id": workspace["bot_user_id"], "bot_id": workspace["bot_id"],
                    "is_enterprise_install": False}, 200, {}
        if method == "chat.postMessage":
            limited = self._rate_limit(params, now)
            if limited is not None:
                return limited
        try:
            body = handler(self, params, now)
        except SlackApiError as err:
            return {"ok": False, "error": err.code}, 200, {}
        return {"ok": True, **body}, 200, {}

    def _oauth_v2_access(self, params: dict[str, Any]) -> dict[str, Any]:
        """Trade a one-time install code for the workspace's bot token (client credentials
        checked, as Slack does)."""
        if (params.get("client_id"), params.get("client_secret")) != (self.client_id,
                                                                      self.client_secret):
            return {"ok": False, "error": "invalid_client_id"}
        install = self._codes.pop(str(params.get("code") or ""), None)
        if install is None:
            return {"ok": False, "error": "invalid_code"}
        self._workspaces[install["token"]] = install
        return {"ok": True, "app_id": self.app_id, "access_token": install["token"],
                "token_type": "bot", "scope": "chat:write,commands,im:history,im:write",
                "bot_user_id": install["bot_user_id"],
                "team": {"id": install["team_id"], "name": install["team"]},
                "enterprise": None, "is_enterprise_install": False,
                "authed_user": {"id": install["installer"]}}

    def _token_ok(self, token: str) -> bool:
        if self.valid_tokens is None:
            return token.startswith("xoxb-")
        return token in self.valid_tokens

    def _rate_limit(
        self, params: dict[str, Any], now: float
    ) -> tuple[dict[str, Any], int, dict[str, str]] | None:
        limit = self.per_channel_per_second
        channel = params.get("channel")
        if not limit or not isinstance(channel, str) or not channel:
            return None
        channel = self._channel_for(channel)
        window = max(1.0, 1.0 / limit)
        capacity = max(1, math.floor(limit))
        recent = self._windows.setdefault(channel, deque())
        while recent and recent[0] <= now - window:
            recent.popleft()
        if len(recent) < capacity:
            return None
        self._rate_limited += 1
        retry_after = max(1, math.ceil(recent[0] + window - now))
        return {"ok": False, "error": "ratelimited"}, 429, {"Retry-After": str(retry_after)}

    def _next(self) -> int:
        self._counter += 1
        return self._counter

    def _new_ts(self) -> str:
        self._ts_counter += 1
        n = self._ts_counter
        return f"{1_700_000_000 + n // 10_000}.{(n % 10_000) * 100:06d}"

    def _channel_for(self, channel: str) -> str:
        """Posting to a user id lands in the app's DM with that user."""
        if channel[:1] in ("U", "W"):
            return "D" + channel
        return channel

    def _message(self, channel: str, ts: str, params: dict[str, Any]) -> dict[str, Any]:
        message: dict[str, Any] = {
            "type": "message",
            "user": self.bot_user_id,
            "bot_id": self.bot_id,
            "app_id": self.app_id,
            "team": self.team_id,
            "text": params.get("text", ""),
            "ts": ts,
        }
        for key in ("blocks", "attachments", "thread_ts", "metadata"):
            if key in params:
                message[key] = params[key]
        return message

    def _auth_test(self, params: dict[str, Any], now: float) -> dict[str, Any]:
        return {
            "url": "https://afterview-test.slack.com/",
            "team": self.team,
            "user": "afterview",
            "team_id": self.team_id,
            "user_id": self.bot_user_id,
            "bot_id": self.bot_id,
            "is_enterprise_install": False,
        }

    def _conversations_open(self, params: dict[str, Any], now: float) -> dict[str, Any]:
        users = params.get("users")
        if isinstance(users, list):
            users = ",".join(users)
        if not users:
            if params.get("channel"):
                return {"channel": {"id": params["channel"]}, "no_op": True, "already_open": True}
            raise SlackApiError("users_list_not_supplied")
        ids = [u.strip() for u in str(users).split(",") if u.strip()]
        if len(ids) == 1:
            channel = {"id": "D" + ids[0], "is_im": True, "user": ids[0], "created": 1_700_000_000}
        else:
            channel = {"id": "G" + "".join(ids), "is_mpim": True, "created": 1_700_000_000}
        return {"channel": channel, "no_op": False, "already_open": False}

    def _conversations_info(self, params: dict[str, Any], now: float) -> dict[str, Any]:
        channel = params.get("channel")
        if not channel:
            raise SlackApiError("channel_not_found")
        info: dict[str, Any] = {
            "id": channel,
            "is_im": channel.startswith("D"),
            "created": 1_700_000_000,
        }
        if channel.startswith("D"):
            info["user"] = channel[1:]
        else:
            info["name"] = channel.lower()
        return {"channel": info}

    def _chat_post_message(self, params: dict[str, Any], now: float) -> dict[str, Any]:
        channel = params.get("channel")
        if not channel:
            raise SlackApiError("channel_not_found")
        if not (params.get("text") or params.get("blocks") or params.get("attachments")):
            raise SlackApiError("no_text")
        channel = self._channel_for(str(channel))
        ts = self._new_ts()
        message = self._message(channel, ts, params)
        self._messages[(channel, ts)] = message
        self._post_times.setdefault(channel, []).append(now)
        if self.per_channel_per_second:
            self._windows.setdefault(channel, deque()).append(now)
        return {"channel": channel, "ts": ts, "message": message}

    def _chat_update(self, params: dict[str, Any], now: float) -> dict[str, Any]:
        channel, ts = params.get("channel"), params.get("ts")
        if not channel:
            raise SlackApiError("channel_not_found")
        if not ts:
            raise SlackApiError("message_not_found")
        channel = str(channel)
        message = {**self._messages.get((channel, ts), {}), **self._message(channel, ts, params)}
        self._messages[(channel, ts)] = message
        return {"channel": channel, "ts": ts, "text": params.get("text", ""), "message": message}

    def _chat_post_ephemeral(self, params: dict[str, Any], now: float) -> dict[str, Any]:
        if not params.get("channel"):
            raise SlackApiError("channel_not_found")
        if not params.get("user"):
            raise SlackApiError("user_not_in_channel")
        return {"message_ts": self._new_ts()}

    def _view(self, view: Any, view_id: str) -> dict[str, Any]:
        if not isinstance(view, dict) or not view.get("type"):
            raise SlackApiError("invalid_arguments")
        stored = {
            **view,
            "id": view_id,
            "team_id": self.team_id,
            "app_id": self.app_id,
            "bot_id": self.bot_id,
            "state": {"values": {}},
            "hash": f"{self._next()}.hash",
            "root_view_id": view_id,
            "previous_view_id": None,
        }
        self._views[view_id] = stored
        return stored

    def _views_open(self, params: dict[str, Any], now: float) -> dict[str, Any]:
        if not params.get("trigger_id"):
            raise SlackApiError("invalid_arguments")
        view = params.get("view")
        stored = self._view(view, f"V{self._next():08d}")
        self._opened_views.append(view)  # type: ignore[arg-type]
        return {"view": stored}

    def _views_push(self, params: dict[str, Any], now: float) -> dict[str, Any]:
        if not params.get("trigger_id"):
            raise SlackApiError("invalid_arguments")
        return {"view": self._view(params.get("view"), f"V{self._next():08d}")}

    def _views_update(self, params: dict[str, Any], now: float) -> dict[str, Any]:
        view_id = params.get("view_id")
        external_id = params.get("external_id")
        if not view_id and external_id:
            view_id = next(
                (k for k, v in self._views.items() if v.get("external_id") == external_id), None
            )
            if view_id is None:
                raise SlackApiError("not_found")
        if not view_id:
            raise SlackApiError("invalid_arguments")
        previous = self._views.get(view_id)
        if previous is not None and params.get("hash") and params["hash"] != previous["hash"]:
            raise SlackApiError("hash_conflict")
        return {"view": self._view(params.get("view"), str(view_id))}

    def _views_publish(self, params: dict[str, Any], now: float) -> dict[str, Any]:
        user_id = params.get("user_id")
        view = params.get("view")
        if not user_id:
            raise SlackApiError("invalid_arguments")
        if not isinstance(view, dict) or view.get("type") != "home":
            raise SlackApiError("invalid_arguments")
        view_id = self._home_view_ids.setdefault(user_id, f"VH{user_id}")
        stored = self._view(view, view_id)
        self._home_views[user_id] = view
        return {"view": stored}

    def _user_record(
        self,
        user_id: str,
        name: str | None = None,
        real_name: str | None = None,
        display_name: str | None = None,
        tz: str = "Europe/Berlin",
        team_id: str | None = None,
        is_bot: bool = False,
    ) -> dict[str, Any]:
        name = name or user_id.lower()
        real_name = real_name or f"User {user_id}"
        offset = datetime.now(ZoneInfo(tz)).utcoffset()
        return {
            "id": user_id,
            "team_id": team_id or self.team_id,
            "name": name,
            "real_name": real_name,
            "deleted": False,
            "is_bot": is_bot,
            "tz": tz,
            "tz_label": datetime.now(ZoneInfo(tz)).tzname(),
            "tz_offset": int(offset.total_seconds()) if offset else 0,
            "profile": {
                "real_name": real_name,
                "display_name": display_name if display_name is not None else name,
                "email": f"{name}@example.com",
            },
            "updated": int(datetime.now(UTC).timestamp()),
        }

    def _users_info(self, params: dict[str, Any], now: float) -> dict[str, Any]:
        user_id = params.get("user")
        if not user_id:
            raise SlackApiError("user_not_found")
        if user_id in self._users:
            return {"user": self._users[user_id]}
        if user_id == self.bot_user_id:
            return {"user": self._user_record(user_id, "afterview", "Afterview", is_bot=True)}
        if user_id[:1] not in ("U", "W"):
            raise SlackApiError("user_not_found")
        return {"user": self._user_record(user_id)}

    def _file_object(self, upload: _Upload) -> dict[str, Any]:
        return {
            "id": upload.file_id,
            "name": upload.filename,
            "title": upload.title or upload.filename,
            "size": len(upload.content or b""),
            "user": self.bot_user_id,
            "channels": list(upload.channels),
            "created": 1_700_000_000,
        }

    def _files_get_upload_url(self, params: dict[str, Any], now: float) -> dict[str, Any]:
        filename = params.get("filename")
        length = params.get("length")
        if not filename or length in (None, ""):
            raise SlackApiError("invalid_arguments")
        file_id = f"F{self._next():08d}"
        self._uploads[file_id] = _Upload(file_id, str(filename), int(length))
        return {"upload_url": f"{self.url}/upload/{file_id}", "file_id": file_id}

    def _files_complete_upload(self, params: dict[str, Any], now: float) -> dict[str, Any]:
        files = params.get("files")
        if not isinstance(files, list) or not files:
            raise SlackApiError("invalid_arguments")
        channels = _channels(params.get("channel_id"), params.get("channels"))
        uploads: list[_Upload] = []
        for entry in files:
            upload = self._uploads.get(entry.get("id", "")) if isinstance(entry, dict) else None
            if upload is None or upload.content is None:
                raise SlackApiError("file_not_found")
            uploads.append(upload)
        for upload, entry in zip(uploads, files, strict=True):
            upload.title = entry.get("title") or upload.filename
            upload.completed = True
            upload.channels = channels
            upload.initial_comment = params.get("initial_comment")
            upload.thread_ts = params.get("thread_ts")
            self._shared_files.append(_shared(upload))
        return {"files": [self._file_object(u) for u in uploads]}

    def _files_upload(self, params: dict[str, Any], now: float) -> dict[str, Any]:
        part = params.get("file")
        if isinstance(part, dict):
            content, filename = part["content"], params.get("filename") or part["filename"]
        elif params.get("content") is not None:
            content = str(params["content"]).encode()
            filename = params.get("filename") or "Uploaded file"
        else:
            raise SlackApiError("no_file_data")
        upload = _Upload(
            f"F{self._next():08d}",
            str(filename),
            len(content),
            params.get("title"),
            content,
            True,
            _channels(None, params.get("channels")),
            params.get("initial_comment"),
            params.get("thread_ts"),
        )
        self._uploads[upload.file_id] = upload
        self._shared_files.append(_shared(upload))
        return {"file": self._file_object(upload)}


_METHODS: dict[str, Callable[[FakeSlack, dict[str, Any], float], dict[str, Any]]] = {
    "auth.test": FakeSlack._auth_test,
    "conversations.open": FakeSlack._conversations_open,
    "conversations.info": FakeSlack._conversations_info,
    "chat.postMessage": FakeSlack._chat_post_message,
    "chat.update": FakeSlack._chat_update,
    "chat.postEphemeral": FakeSlack._chat_post_ephemeral,
    "views.open": FakeSlack._views_open,
    "views.push": FakeSlack._views_push,
    "views.update": FakeSlack._views_update,
    "views.publish": FakeSlack._views_publish,
    "users.info": FakeSlack._users_info,
    "files.getUploadURLExternal": FakeSlack._files_get_upload_url,
    "files.completeUploadExternal": FakeSlack._files_complete_upload,
    "files.upload": FakeSlack._files_upload,
}


def _check_fault(status: Fault) -> None:
    if status != "timeout" and not (isinstance(status, int) and 400 <= status <= 599):
        raise ValueError(f"a fault is an HTTP error status or 'timeout', not {status!r}")


def _channels(channel_id: Any, channels: Any) -> tuple[str, ...]:
    found: list[str] = [channel_id] if channel_id else []
    if isinstance(channels, str):
        found += [c.strip() for c in channels.split(",") if c.strip()]
    elif isinstance(channels, list):
        found += [str(c) for c in channels]
    return tuple(found)


def _shared(upload: _Upload) -> UploadedFile:
    return UploadedFile(
        upload.file_id,
        upload.filename,
        upload.title or upload.filename,
        upload.content or b"",
        upload.channels,
        upload.initial_comment,
        upload.thread_ts,
    )


def _decode_json_params(params: dict[str, Any]) -> None:
    for key in JSON_PARAMS & params.keys():
        value = params[key]
        if isinstance(value, str) and value[:1] in ("[", "{"):
            with contextlib.suppress(ValueError):
                params[key] = json.loads(value)


async def _read_params(request: web.Request) -> tuple[dict[str, Any], str | None]:
    """Query string + JSON, form or multipart body; token from ``Authorization`` or ``token``."""
    params: dict[str, Any] = dict(request.query)
    if request.can_read_body:
        if request.content_type == "application/json":
            raw = await request.text()
            if raw:
                body = json.loads(raw)
                if not isinstance(body, dict):
                    raise ValueError("a JSON body must be an object")
                params.update(body)
        elif request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
            form = await request.post()
            for key, value in form.items():
                if isinstance(value, web.FileField):
                    params[key] = {
                        "filename": value.filename,
                        "content_type": value.content_type,
                        "content": value.file.read(),
                    }
                else:
                    params[key] = value
    _decode_json_params(params)
    token = params.pop("token", None)
    auth = request.headers.get("Authorization", "")
    if auth.startswith("Bearer "):
        token = auth[len("Bearer ") :].strip()
    elif auth.startswith("Basic "):  # oauth.v2.access: the app's client id and secret
        with contextlib.suppress(ValueError):
            pair = base64.b64decode(auth[len("Basic ") :].strip()).decode()
            params.setdefault("client_id", pair.partition(":")[0])
            params.setdefault("client_secret", pair.partition(":")[2])
    return params, token


def _short(value: Any, limit: int = 300) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def iter_texts(messages: list[dict[str, Any]]) -> Iterator[str]:
    """Every text in posted messages: ``text`` and all ``text`` fields inside their blocks."""

    def walk(node: Any) -> Iterator[str]:
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "text" and isinstance(value, str):
                    yield value
                else:
                    yield from walk(value)
        elif isinstance(node, list):
            for item in node:
                yield from walk(item)

    for message in messages:
        yield from walk(message)
