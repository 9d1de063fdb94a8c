"""Slack: direct messages, `/afterview <word>`, Block Kit buttons, the debrief modal, App Home.

Bolt's `AsyncApp` receives everything — over HTTP at `/slack/events` on the shared server, or
over Socket Mode when `SLACK_APP_TOKEN` is set — and checks every request's signature (there is
no switch to turn that off). Each thing a user does becomes an `Incoming` for the engine; the
replies go to the user's DM with the bot. Nudges come through `deliver`, called from the
scheduler's thread, and are posted on the adapter's event loop, about one message a second per
channel, waiting out 429s.
"""

from __future__ import annotations

import asyncio
import logging
import re
import threading
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from dataclasses import replace
from datetime import date
from typing import Any, TypeVar

from aiohttp import ClientError, web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.app.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.response import BoltResponse
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.base import AsyncAdapter, DeliveryError, HttpRoutes, SlackConfig
from adapters.slack_blocks import (
    BUTTON_ACTION_PREFIX,
    DEBRIEF_CALLBACK,
    OPEN_DEBRIEF_ACTION,
    HomeButtons,
    debrief_modal,
    home_view,
    plain_text,
    read_debrief,
    render_reply,
)
from adapters.slack_edit import (
    EDIT_CALLBACK,
    EDIT_WORDS,
    open_edit,
    read_edit,
    slack_edit_save,
)
from adapters.slack_letter import (
    LETTER_CALLBACK,
    LETTER_WORDS,
    edit_button,
    open_letter,
    submitted,
)
from adapters.slack_oauth import Workspaces
from adapters.slack_web import (
    PLATFORM,
    Rendered,
    SlackWebCalls,
)
from bot.conversation.buttons import ButtonVault, issue_tokens, redeem
from bot.conversation.engine import Engine
from bot.messages import TOKEN_PREFIX, Incoming, Reply, UserKey
from bot.nudges.planner import replan
from bot.nudges.workspaces import pause_workspace
from bot.parsing import ParseError, tz_from_name
from bot.records.debrief import fmt_date, save_debrief
from bot.records.pipeline import rows
from bot.turn import Turn
from storage.repository import Repository, first_delivery

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
COMMAND = re.compile(r"^/afterview(?:[-_][\w-]+)?$")  # /afterview, or /afterview-dev while testing
BUTTON_ACTION = re.compile(rf"^{BUTTON_ACTION_PREFIX}\d+$")
DEBRIEF_WORDS = frozenset({"debrief", "new"})
#: Errors after which retrying a delivery to this user cannot help.
PROFILE_TIMEOUT = 1.0
SEEN_EVENTS = 10_000
ASSUMED_TIP = ("You left the decision date empty, so I'll assume a week: {day}. Next time, ask "
               "before you leave: “What are the next steps, and when do you expect to decide?” "
               "It's a normal question.")
ACK_TEXT = "On it — my answer is in our direct message. ✉️"

T = TypeVar("T")


class SlackAdapter(SlackWebCalls, AsyncAdapter):
    """Slack users are keyed `UserKey("slack", team_id, user_id)`: two workspaces never meet."""

    platform = PLATFORM

    def __init__(self, settings: SlackConfig, engine: Engine, vault: ButtonVault) -> None:
        assert settings.slack_signing_secret is not None
        self.settings = settings
        self.engine = engine
        self.vault = vault
        self.workspaces = Workspaces(settings, engine.db.engine, self._pause_workspace) \
            if settings.slack_oauth else None
        token = settings.slack_bot_token if self.workspaces is None else None
        self.client = AsyncWebClient(token=token.get_secret_value() if token else None,
                                     base_url=settings.slack_api_url)
        bolt_log = logging.getLogger("adapters.slack.bolt")
        bolt_log.addFilter(_quiet_token_warning)  # Bolt sees SLACK_BOT_TOKEN in the environment
        self.app = AsyncApp(client=self.client,
                            signing_secret=settings.slack_signing_secret.get_secret_value(),
                            logger=bolt_log, **(self.workspaces.app_options(self.client, bolt_log)
                                                if self.workspaces else {}))
        self._register(self.app)
        self._init_web()
        self._socket: Any = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self._user_locks: dict[UserKey, asyncio.Lock] = {}
        self._seen: OrderedDict[str, None] = OrderedDict()
        self._home_users: set[UserKey] = set()
        self._zones: dict[UserKey, str | None] = {}
        self._home_stale: set[UserKey] = set()
        self._stale_lock = threading.Lock()
        engine.after_turn.append(self._note_changes)

    # ---- lifecycle ------------------------------------------------------------------------

    @property
    def socket_mode(self) -> bool:
        return self.settings.slack_socket_mode

    async def start_async(self, http: HttpRoutes | None, *, polling: bool) -> None:
        self._loop = asyncio.get_running_loop()
        if self.socket_mode:
            from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

            assert self.settings.slack_app_token is not None
            self._socket = AsyncSocketModeHandler(
                self.app, self.settings.slack_app_token.get_secret_value())
            await self._socket.connect_async()
            log.info("slack: connected in Socket Mode")
        elif http is not None:
            http.add_post(EVENTS_PATH, self.handle_http)
            if self.workspaces is not None:
                self.workspaces.add_routes(http, self.app)
            log.info("slack: receiving events at %s", EVENTS_PATH)
        else:
            log.info("slack: no HTTP server in this process — delivering nudges only")

    async def stop_async(self) -> None:
        if self._socket is not None:
            await self._socket.close_async()
            self._socket = None
        if self._tasks:
            await asyncio.wait(set(self._tasks), timeout=10)
        self._loop = None
        self._stop_private_loop()

    def stop(self) -> None:
        self._stop_private_loop()

    async def handle_http(self, request: web.Request) -> web.Response:
        """POST /slack/events: events, slash commands and interactivity, all verified by Bolt.
        A body Bolt cannot even read (not UTF-8, not a JSON object) is a 400, not a 500."""
        try:
            response = await self.app.async_dispatch(await to_bolt_request(request))
        except Exception as error:  # noqa: BLE001 - raised before Bolt's own error handling
            log.warning("slack: refused a request that could not be read (%s)",
                        type(error).__name__)
            return web.Response(status=400, text="bad request")
        return await to_aiohttp_response(response)

    @property
    def busy(self) -> bool:
        """Whether work acknowledged to Slack is still in progress."""
        return bool(self._tasks)

    def _spawn(self, work: Coroutine[Any, Any, Any]) -> None:
        task = asyncio.get_running_loop().create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("slack: work after an ack failed", exc_info=task.exception())

    # ---- listeners ------------------------------------------------------------------------

    def _register(self, app: AsyncApp) -> None:
        app.error(self._on_error)
        app.middleware(self._once_per_event)
        app.command(COMMAND)(self._on_command)
        app.event("message")(self._on_message)
        app.event("app_home_opened")(self._on_home_opened)
        app.action(BUTTON_ACTION)(self._on_button)
        app.action(OPEN_DEBRIEF_ACTION)(self._on_open_debrief)
        app.view(DEBRIEF_CALLBACK)(self._on_debrief_submitted)
        app.view(EDIT_CALLBACK)(self._on_edit_submitted)
        if self.workspaces is not None:
            self.workspaces.register(app)
        app.view(LETTER_CALLBACK)(self._on_letter_submitted)

    async def _on_error(self, error: Exception,
                        response: BoltResponse | None) -> BoltResponse | None:
        """A request Bolt could not dispatch. Our listeners ack first and catch their own
        failures, so what lands here is a body of a shape Slack never sends (Bolt itself trips on
        it, e.g. `"actions": null`) — a 400, not a 500 — or, rarely, Bolt's auth.test failing in
        transit, which Slack retries on a 400 as on a 500."""
        log.warning("slack: refused a request that could not be dispatched (%s: %s)",
                    type(error).__name__, error, exc_info=error)
        return BoltResponse(status=400, body="bad request") if response is not None else None

    async def _once_per_event(self, body: dict[str, Any],
                              next: Callable[[], Awaitable[BoltResponse]]) -> BoltResponse:
        """A redelivered event (X-Slack-Retry-Num, or the same event_id) is acked and dropped
        here; across processes and restarts the engine's dedup key catches it."""
        event_id = body.get("event_id") if body.get("type") == "event_callback" else None
        if isinstance(event_id, str) and event_id:
            if event_id in self._seen:
                return BoltResponse(status=200, body="")
            self._seen[event_id] = None
            while len(self._seen) > SEEN_EVENTS:
                self._seen.popitem(last=False)
        return await next()

    async def _on_command(self, ack: AsyncAck, command: dict[str, Any],
                          context: AsyncBoltContext) -> None:
        user = self._key(context, command.get("team_id"), command.get("user_id"))
        if user is None:
            await ack()
            return
        word, _, args = plain_text(_text(command.get("text"))).strip().partition(" ")
        word = word.casefold() or "help"
        trigger = _stamp(command.get("trigger_id")) or ""
        name = storable(_text(command.get("user_name"))) or None
        if word in EDIT_WORDS:
            await ack()
            self._spawn(open_edit(self, user, trigger, args.strip(), Incoming.command(
                user, word, args.strip(), name, dedup_key=f"command:{trigger}")))
            return
        if word in LETTER_WORDS and not args.strip():
            await ack()
            self._spawn(open_letter(self, user, trigger, Incoming.command(
                user, word, "", name, dedup_key=f"command:{trigger}")))
            return
        if word in DEBRIEF_WORDS:
            await ack()
            self._spawn(self._open_debrief(user, trigger, company=args.strip(),
                                           fallback=Incoming.command(
                                               user, word, args, name,
                                               dedup_key=f"command:{trigger}")))
            return
        await ack(text=ACK_TEXT, response_type="ephemeral")
        incoming = Incoming.command(user, word, args.strip(), name,
                                    dedup_key=f"command:{trigger}" if trigger else None)
        self._spawn(self._turn(user, incoming))

    async def _on_message(self, event: dict[str, Any], body: dict[str, Any],
                          context: AsyncBoltContext) -> None:
        if event.get("channel_type") != "im" or not _from_a_person(event, context.bot_user_id):
            return
        user = self._key(context, body.get("team_id"), event.get("user"))
        if user is None:
            return
        event_id = _stamp(body.get("event_id"))
        incoming = Incoming.message(user, plain_text(_text(event.get("text"))),
                                    dedup_key=f"event:{event_id}" if event_id else None)
        # answered in the DM with this user, not in `event["channel"]`: a forged event could
        # name someone else's DM there
        self._spawn(self._turn(user, incoming))

    async def _on_home_opened(self, event: dict[str, Any], body: dict[str, Any],
                              context: AsyncBoltContext) -> None:
        user = self._key(context, body.get("team_id"), event.get("user"))
        if event.get("tab", "home") != "home" or user is None:
            return
        self._home_users.add(user)
        self._spawn(self._publish_home(user))

    async def _on_button(self, ack: AsyncAck, body: dict[str, Any], action: dict[str, Any],
                         context: AsyncBoltContext) -> None:
        await ack()
        user = self._key(context, _dig(body, "team", "id"), _dig(body, "user", "id"))
        if user is not None:
            self._spawn(self._press(user, body, action))

    async def _on_open_debrief(self, ack: AsyncAck, body: dict[str, Any],
                               context: AsyncBoltContext) -> None:
        await ack()
        user = self._key(context, _dig(body, "team", "id"), _dig(body, "user", "id"))
        if user is None:
            return
        trigger = _stamp(body.get("trigger_id")) or ""
        self._spawn(self._open_debrief(user, trigger, fallback=Incoming.command(
            user, "debrief", dedup_key=f"action:{trigger}")))

    async def _on_debrief_submitted(self, ack: AsyncAck, body: dict[str, Any],
                                    view: dict[str, Any], context: AsyncBoltContext) -> None:
        user = self._key(context, _dig(body, "team", "id"), _dig(body, "user", "id"))
        if user is None:
            await ack()
            return
        values = _dig(view, "state", "values") or {}
        try:
            zone = await self._profile_timezone(user)
            errors, replies = await asyncio.to_thread(self._save_debrief, user, values,
                                                      _stamp(view.get("id")) or "", zone)
        except Exception:
            log.exception("slack: could not save a debrief from the modal")
            await ack(response_action="errors", errors={
                "company": "I couldn't save this just now — please press Save again in a "
                           "moment. Nothing is lost."})
            return
        if errors:
            await ack(response_action="errors", errors=errors)
            return
        await ack()
        if replies:
            self._spawn(self._after_debrief(user, replies))

    async def _on_edit_submitted(self, ack: AsyncAck, body: dict[str, Any],
                                 view: dict[str, Any], context: AsyncBoltContext) -> None:
        user = self._key(context, _dig(body, "team", "id"), _dig(body, "user", "id"))
        if user is None:
            await ack()
            return
        errors, replies = await asyncio.to_thread(
            slack_edit_save, self.engine, user, _text(view.get("private_metadata")),
            read_edit(_dig(view, "state", "values")))
        if errors:
            await ack(response_action="errors", errors=errors)
            return
        await ack()
        self._spawn(self._after_debrief(user, replies))

    async def _on_letter_submitted(self, ack: AsyncAck, body: dict[str, Any],
                                   view: dict[str, Any], context: AsyncBoltContext) -> None:
        await ack()
        user = self._key(context, _dig(body, "team", "id"), _dig(body, "user", "id"))
        incoming = submitted(user, view) if user is not None else None
        if user is not None and incoming is not None:
            self._spawn(self._turn(user, incoming))

    # ---- the work after the ack -----------------------------------------------------------

    def _lock_for(self, user: UserKey) -> asyncio.Lock:
        lock = self._user_locks.get(user)
        if lock is None:
            lock = self._user_locks[user] = asyncio.Lock()
        return lock

    async def _turn(self, user: UserKey, incoming: Incoming, channel: str | None = None) -> None:
        """One engine turn, then its replies in the user's DM (one user's turns in order)."""
        async with self._lock_for(user):
            answer = await asyncio.to_thread(self.engine.answer, incoming, tokens=True)
            await self._reply(user, answer.replies, channel, answer.tokens,
                              question=answer.question, turn=True)
        await self._refresh_home(user)

    async def _press(self, user: UserKey, body: dict[str, Any], action: dict[str, Any]) -> None:
        token = storable(_text(action.get("value"))) or ""
        trigger = _stamp(body.get("trigger_id"))
        stamp = trigger or _stamp(action.get("action_ts"))
        incoming = Incoming.press(user, TOKEN_PREFIX + token,
                                  dedup_key=f"action:{stamp}" if stamp else None)
        container = _dig(body, "container") or {}
        value = await asyncio.to_thread(self._redeemed, user, token)
        letter = edit_button(value)
        if letter is not None and trigger:  # "Edit this letter": the editor, as the command's
            await open_letter(self, user, trigger, incoming, letter)
            return
        async with self._lock_for(user):
            owned = value is not None
            answer = await asyncio.to_thread(self.engine.answer, incoming, tokens=True)
            if owned and container.get("type") == "message":
                self.keyboards.forget(user, (str(container.get("channel_id")),
                                             str(container.get("message_ts"))))
                await self._mark_chosen(user, container, _dig(body, "message") or {}, action)
            await self._reply(user, answer.replies, tokens=answer.tokens,
                              question=answer.question, turn=True)
        await self._refresh_home(user)

    async def _open_debrief(self, user: UserKey, trigger_id: str, *, company: str = "",
                            fallback: Incoming) -> None:
        zone = await self._profile_timezone(user)
        today = await asyncio.to_thread(self._local_today, user, zone)
        try:
            client = await self._client_for(user)
            await self._call(lambda: client.views_open(
                trigger_id=trigger_id, view=debrief_modal(today, company[:200])))
        except DeliveryError as error:
            log.warning("slack: could not open the debrief modal (%s); chatting instead", error)
            await self._turn(user, fallback)

    async def _after_debrief(self, user: UserKey, replies: list[Reply]) -> None:
        async with self._lock_for(user):
            await self._reply(user, replies)
        await self._refresh_home(user, force=True)

    async def _publish_home(self, user: UserKey) -> None:
        view = await asyncio.to_thread(self._home_view, user)
        try:
            client = await self._client_for(user)
            await self._call(lambda: client.views_publish(user_id=user.user_id, view=view))
        except DeliveryError as error:
            log.warning("slack: could not publish App Home: %s", error)

    async def _refresh_home(self, user: UserKey, *, force: bool = False) -> None:
        """Republish the Home tab of a user who opened it, when their pipeline changed."""
        with self._stale_lock:
            stale = user in self._home_stale
            self._home_stale.discard(user)
        if user in self._home_users and (stale or force):
            await self._publish_home(user)

    def _note_changes(self, turn: Turn) -> None:
        """Engine hook (inside a turn): remember whose pipeline changed."""
        if turn.facts_changed and turn.user.platform == PLATFORM:
            with self._stale_lock:
                self._home_stale.add(UserKey(PLATFORM, turn.user.workspace,
                                             turn.user.external_id))

    # ---- database work (run in a thread) ---------------------------------------------------

    def _pause_workspace(self, team_id: str) -> int:
        return pause_workspace(self.engine.db, PLATFORM, team_id)

    def _redeemed(self, user: UserKey, token: str) -> str | None:
        """The value behind this user's button token; None when it is not theirs."""
        with self.engine.db.session() as session:
            repo = Repository.for_key(session, user.platform, user.workspace, user.user_id,
                                      create=False)
            return redeem(repo, token) if repo is not None else None

    def _local_today(self, user: UserKey, zone: str | None) -> date:
        """Today in the time zone the debrief form will be read in."""
        now = self.engine.clock.now()
        with self.engine.db.session() as session:
            repo = Repository.for_key(session, user.platform, user.workspace, user.user_id)
            assert repo is not None
            adopt_timezone(repo, zone)
            return Turn(repo, now).local_now.date()

    def _save_debrief(self, user: UserKey, values: dict[str, Any], view_id: str,
                      zone: str | None = None) -> tuple[dict[str, str], list[Reply]]:
        """Validate the modal and save it in one transaction: (errors, replies).

        `zone` is the time zone of the user's Slack profile; it is adopted only by someone who
        has not set one with Afterview yet, so the form's times mean what they typed.
        """
        now = self.engine.clock.now()
        with self.engine.db.session() as session:
            repo = Repository.for_key(session, user.platform, user.workspace, user.user_id)
            assert repo is not None
            adopt_timezone(repo, zone)
            turn = Turn(repo, now)
            form = read_debrief(values, now, turn.tz)
            if form.errors:
                return form.errors, []
            if view_id and not first_delivery(session, PLATFORM, f"view:{view_id}", now):
                return {}, []
            slots = form.slots
            known = repo.find_application(slots["company"], active_only=True)
            if known is not None:
                slots["application_id"] = known.id
                slots["company"] = known.company
            if slots.get("decision_assumed"):
                turn.say(ASSUMED_TIP.format(day=fmt_date(date.fromisoformat(
                    slots["decision_date"]))))
            save_debrief(turn, slots)
            replan(repo, now, sorted(turn.facts_changed))
            for hook in self.engine.after_turn:
                hook(turn)
            return {}, list(turn.replies)

    def _home_view(self, user: UserKey) -> dict[str, Any]:
        now = self.engine.clock.now()
        with self.engine.db.session() as session:
            repo = Repository.for_key(session, user.platform, user.workspace, user.user_id)
            assert repo is not None
            turn = Turn(repo, now)
            table = rows(turn)
            pending = [r for r in table if r.active and r.pending_thanks]
            values = ["/status", "/thanks", *(f"/thanks {r.company}" for r in pending)]
            tokens = issue_tokens(repo, values, now)
            buttons = HomeButtons(
                status=tokens[0], thanks=tokens[1] if pending else None,
                thanks_per_row={r.application_id: t for r, t in zip(pending, tokens[2:],
                                                                    strict=True)})
            return home_view(table, buttons, turn.local_now.date())

    def _render(self, user: UserKey, replies: Sequence[Reply],
                tokens: Sequence[str] | None = None) -> list[Rendered]:
        """Replies as Slack messages; button values become this user's vault tokens (issued
        now unless the turn issued them)."""
        if tokens is None:
            tokens = self.vault.issue(user, [b.value for reply in replies for b in reply.buttons])
        left = iter(tokens)
        rendered = []
        for reply in replies:
            mine = [next(left) for _ in reply.buttons]
            if reply.attachment is not None and reply.text.strip() == \
                    reply.attachment.caption.strip():  # said once: as the file's comment
                reply = replace(reply, text="")
            rendered.append(Rendered(render_reply(reply, mine), reply.attachment))
        return rendered

    async def _profile_timezone(self, user: UserKey) -> str | None:
        """The time zone in the user's Slack profile (users.info), remembered per user."""
        if user in self._zones:
            return self._zones[user]
        try:  # the form must open (and be answered) within Slack's three seconds
            client = await self._client_for(user)
            response = await asyncio.wait_for(
                client.users_info(user=user.user_id), PROFILE_TIMEOUT)
            zone = (response.get("user") or {}).get("tz")
        except (SlackApiError, ClientError, TimeoutError, DeliveryError) as error:
            log.info("slack: no profile time zone for a user: %s", type(error).__name__)
            return None
        self._zones[user] = zone if isinstance(zone, str) and zone else None
        return self._zones[user]

    # ---- helpers --------------------------------------------------------------------------

    @staticmethod
    def _key(context: AsyncBoltContext, team: Any, user_id: Any) -> UserKey | None:
        """The user a request comes from; None when its ids are not Slack ids (a malformed or
        forged request, answered with a bare ack)."""
        workspace = context.team_id or team or context.enterprise_id or ""
        if not _SLACK_ID.fullmatch(str(user_id)) or not (
                workspace == "" or _SLACK_ID.fullmatch(str(workspace))):
            return None
        return UserKey(PLATFORM, str(workspace), str(user_id))


def _quiet_token_warning(record: logging.LogRecord) -> bool:
    """Bolt warns that the token is unused when the client carries it — which is our design."""
    return "`token` will be unused" not in record.getMessage()


def adopt_timezone(repo: Repository, zone: str | None) -> None:
    """Take the Slack profile's time zone for a user who has not chosen one in Afterview."""
    user = repo.user
    if not zone or user.onboarded or (user.timezone or "UTC") != "UTC":
        return
    try:
        tz_from_name(zone)
    except ParseError:
        return
    user.timezone = zone


def _from_a_person(event: dict[str, Any], bot_user_id: str | None) -> bool:
    """A message a person typed: not the bot's, not an edit, deletion or other subtype."""
    if event.get("bot_id") or event.get("subtype") not in (None, "file_share"):
        return False
    user = event.get("user")
    return bool(user) and user != bot_user_id and bool(_text(event.get("text")).strip())


_SLACK_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
_STAMP = re.compile(r"[!-~]{1,255}")  # printable ASCII: trigger ids, timestamps, event ids


def _text(value: Any) -> str:
    """A string field of a request, or "" when it is missing or not a string."""
    return value if isinstance(value, str) else ""


def _stamp(value: Any) -> str | None:
    """An id Slack generates (event id, trigger id, action timestamp), or None when the value
    cannot be one: these go into dedup keys, which the database must be able to store."""
    return value if isinstance(value, str) and _STAMP.fullmatch(value) else None


def _dig(node: Any, *keys: str) -> Any:
    """`node[k1][k2]…`, or None where a level is missing or not an object."""
    for key in keys:
        node = node.get(key) if isinstance(node, dict) else None
    return node


def storable(text: str) -> str:
    """Text the database can hold: lone surrogates (only a forged request has them) become "?"."""
    return text.encode("utf-8", "replace").decode("utf-8")
