"""Hostile input through every adapter's inbound path, over real HTTP: random and malformed
Telegram updates posted to the webhook (with the right secret), and signed Slack events, slash
commands, button presses and modal submissions, full of odd shapes, oversized and invalid
unicode, forged buttons and other people's ids.

Whatever arrives, the server answers (2xx or 4xx, never 5xx or a dropped connection), keeps
serving (/healthz), never changes a bystander's data (Jane, seeded with a profile and a debrief
before the storm, compared row by row), and where a person can be told something — a button
that has expired or isn't theirs — they get a clear message, never an apology for an internal
error.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import itertools
import json
import os
import socket
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

os.environ.setdefault("PTB_TIMEDELTA", "1")  # before telegram is imported

import pytest  # noqa: E402
from hypothesis import HealthCheck, event, example, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from sqlalchemy import select  # noqa: E402

from adapters.slack_blocks import (  # noqa: E402
    BUTTON_ACTION_PREFIX,
    DEBRIEF_CALLBACK,
    OPEN_DEBRIEF_ACTION,
)
from adapters.telegram import WEBHOOK_PATH  # noqa: E402
from afterview.runtime import Runtime  # noqa: E402
from bot import metrics  # noqa: E402
from bot.clock import FixedClock  # noqa: E402
from bot.messages import Button, Reply, UserKey  # noqa: E402
from storage.db import Database  # noqa: E402
from storage.models import Base, ButtonToken, User  # noqa: E402
from tests.fakes.slack_api import FakeSlack, iter_texts  # noqa: E402
from tests.fakes.slack_signing import (  # noqa: E402
    DEFAULT_RESPONSE_URL,
    block_action_body,
    new_event_id,
    new_trigger_id,
    new_ts,
    slash_command_body,
    view_submission_body,
)
from tests.fakes.telegram_api import FakeTelegram  # noqa: E402
from tests.slack_harness import SECRET as SLACK_SECRET  # noqa: E402
from tests.slack_harness import SlackBot  # noqa: E402
from tests.story import Seeker, debrief, onboard  # noqa: E402
from tests.telegram_harness import (  # noqa: E402
    MONDAY_1130,
    memory_backed_sqlite,
    running,
    settings_for,
)

pytestmark = pytest.mark.timeout(120)

FUZZ = settings(max_examples=60, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
SECRET = "hostile-input-webhook-secret"
APOLOGY = "something went wrong"
NOT_YOURS = "expired or isn't yours"

# ---- what a hostile or broken client can put in a string ----------------------------------------

ODD = ["\udc80", "\ud800", "\udfff\ud800", "\u202e", "\u200b", "\u200d", "\ufeff", "\x00", "\x1b",
       "👩‍👩‍👧‍👦", "🇬🇧", "مرحبا", "שלום", "e\u0301", "𝕬𝖈𝖒𝖊", "<b>", "</pre>", "&amp;", "<@U1>",
       "<mailto:a@b.c|x>", "/start", "/delete", "/debrief", "cancel", "\n\n", " ", "%s{0}"]
TEXTS = st.one_of(
    st.text(max_size=60),
    st.lists(st.one_of(st.sampled_from(ODD), st.text(max_size=8)), max_size=8).map("".join),
    st.builds(lambda n, unit: unit * n, st.integers(1000, 12_000),
              st.sampled_from(["x", "é", "👍", "\u200b", "\udc80 ", "ab\n"])),
)
SAID = st.one_of(st.sampled_from(["hello", "/start", "/status", "/debrief Acme", "help", "Jane Doe",
                                  "cancel", "I got an offer", "/delete"]), TEXTS)
"""What a message says: mostly something the bot acts on, else anything at all."""
SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-2**64, 2**64),
                    st.floats(allow_nan=False), st.text(max_size=12), st.sampled_from(ODD))
JSON = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=4)
                    | st.dictionaries(st.text(max_size=8), inner, max_size=4), max_leaves=10)


def encode(value: Any) -> bytes:
    """JSON as a client would send it; lone surrogates become `\\udc80` escapes."""
    return json.dumps(value).encode()


def damaged(draw: st.DrawFn, value: dict[str, Any], paths: list[tuple[str, ...]]) -> None:
    """Half the time, drop or retype one to three of `paths` in `value` (in place)."""
    for _ in range(draw(st.sampled_from([0, 0, 0, 1, 2, 3]))):
        path = draw(st.sampled_from(paths))
        parent: Any = value
        for key in path[:-1]:
            parent = parent.get(key) if isinstance(parent, dict) else None
        if not isinstance(parent, dict):
            continue
        if draw(st.booleans()):
            parent.pop(path[-1], None)
        else:
            parent[path[-1]] = draw(JSON)


# ---- the bystander's rows -----------------------------------------------------------------

def snapshot(db: Database, key: UserKey) -> str:
    """Every row of one user, in every table, as text: equal means byte-for-byte unchanged."""
    with db.session() as session:
        user = session.scalars(select(User).where(
            User.platform == key.platform, User.workspace == key.workspace,
            User.external_id == key.user_id)).one()
        lines = []
        for table in Base.metadata.sorted_tables:
            column = table.c.id if table.name == "users" else table.c.get("user_id")
            if column is None:
                continue
            order = list(table.primary_key.columns)
            for row in session.execute(select(table).where(column == user.id).order_by(*order)):
                lines.append(f"{table.name}: {tuple(row)!r}")
    return "\n".join(lines)


def tokens_of(db: Database, key: UserKey) -> list[str]:
    with db.session() as session:
        return list(session.scalars(select(ButtonToken.token).join(User).where(
            User.platform == key.platform, User.workspace == key.workspace,
            User.external_id == key.user_id)))


def seed(runtime: Runtime, key: UserKey) -> None:
    """Jane: her profile and one debrief, as she typed them."""
    jane = Seeker(runtime.engine, key.user_id, platform=key.platform, workspace=key.workspace)
    onboard(jane)
    debrief(jane)


def turns() -> int:
    """Conversation turns the engine has run in this process."""
    return metrics.value("afterview_turns_total")


def get(url: str) -> int:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(url, timeout=10) as response:
        return int(response.status)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# =========================================================================== Telegram

VICTIM = 4242
VICTIM_KEY = UserKey("telegram", "private", str(VICTIM))
ATTACKERS = st.integers(1, 2**40).filter(lambda n: n != VICTIM)
ODD_IDS = st.one_of(ATTACKERS, st.integers(-2**70, 2**70), st.just(str(VICTIM)),
                    st.just(float(VICTIM)), st.booleans(), st.text(max_size=6), st.none())
_update_ids = itertools.count(700_000_000)


@dataclass
class TelegramWorld:
    fake: FakeTelegram
    runtime: Runtime
    url: str
    jane_before: str
    jane_tokens: list[str]
    jane_message: dict[str, Any]  # a message with buttons in Jane's chat

    def post(self, body: bytes, secret: str | None = SECRET) -> int:
        headers = {"Content-Type": "application/json"}
        if secret is not None:
            headers["X-Telegram-Bot-Api-Secret-Token"] = secret
        request = urllib.request.Request(self.url, data=body, headers=headers, method="POST")
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        try:  # a dropped connection raises here and fails the test
            with opener.open(request, timeout=30) as response:
                return int(response.status)
        except urllib.error.HTTPError as error:
            return error.code

    def texts_since(self, count: int, chat_id: object = None) -> list[str]:
        sent = self.fake.sent_messages()[count:]
        return [m.plain_text or "" for m in sent if chat_id is None or m.chat_id == chat_id]

    def assert_unharmed(self, sent_before: int) -> None:
        assert snapshot(self.runtime.db, VICTIM_KEY) == self.jane_before
        apologies = [t for t in self.texts_since(sent_before) if APOLOGY in t.casefold()]
        assert apologies == []


@pytest.fixture(scope="module")
def telegram() -> Iterator[TelegramWorld]:
    """`afterview serve` with a webhook: every update below runs the whole inbound path."""
    port = free_port()
    url = f"http://127.0.0.1:{port}{WEBHOOK_PATH}"
    with FakeTelegram() as fake, memory_backed_sqlite() as database:
        settings = settings_for(fake, database, PORT=port, TELEGRAM_WEBHOOK_URL=url,
                                TELEGRAM_WEBHOOK_SECRET=SECRET)
        with running(settings, FixedClock(MONDAY_1130), web=True, worker=False) as runtime:
            seed(runtime, VICTIM_KEY)
            [adapter] = runtime.adapters
            adapter.deliver(VICTIM_KEY, [Reply("Your pipeline", (
                Button("My pipeline", "/status"), Button("Thank-yous", "/thanks Acme")))])
            message = fake.message(VICTIM, fake.sent_messages(VICTIM)[-1].message_id)
            yield TelegramWorld(fake, runtime, url, snapshot(runtime.db, VICTIM_KEY),
                                tokens_of(runtime.db, VICTIM_KEY), message)
            assert get(f"http://127.0.0.1:{port}/healthz") == 200


def chat(chat_id: object, kind: str) -> dict[str, Any]:
    if kind == "private":
        return {"id": chat_id, "type": kind, "first_name": "Mallory"}
    return {"id": chat_id, "type": kind, "title": "Somewhere"}


@st.composite
def message_updates(draw: st.DrawFn) -> dict[str, Any]:
    """A message as Telegram sends it — then maybe broken: fields dropped or of the wrong type,
    from odd ids, in groups and channels, with odd text."""
    sender = draw(ATTACKERS if draw(st.sampled_from([True] * 4 + [False])) else ODD_IDS)
    kind = draw(st.sampled_from(["private", "private", "group", "supergroup", "channel", "x"]))
    where = sender if kind == "private" and draw(st.sampled_from([True, True, False])) else draw(
        st.one_of(st.just(VICTIM), ATTACKERS, st.integers(-10**13, -1)))
    message: dict[str, Any] = {
        "message_id": draw(st.integers(1, 10**6)), "date": 1_795_000_000,
        "chat": chat(where, kind),
        "from": {"id": sender, "is_bot": draw(st.sampled_from([False] * 5 + [True])),
                 "first_name": draw(TEXTS), "last_name": draw(st.none() | TEXTS)},
    }
    content = draw(st.sampled_from(["text", "text", "text", "caption", "sticker", "none"]))
    if content in ("text", "caption"):
        message[content] = draw(SAID)
    elif content == "sticker":
        message["sticker"] = {"file_id": "x", "file_unique_id": "y", "type": "regular",
                              "width": 1, "height": 1, "is_animated": False,
                              "is_video": False}
    field = draw(st.sampled_from(["message"] * 5 + ["edited_message", "channel_post",
                                                    "my_chat_member", "business_message"]))
    fresh = st.builds(lambda: next(_update_ids))
    update = {"update_id": draw(fresh if draw(st.sampled_from([True] * 4 + [False]))
                                else SCALARS), field: message}
    damaged(draw, update, [("update_id",), (field,), (field, "chat"), (field, "chat", "id"),
                           (field, "chat", "type"), (field, "from"), (field, "from", "id"),
                           (field, "from", "first_name"), (field, "from", "is_bot"),
                           (field, "text"), (field, "date"), (field, "message_id")])
    return update


def private_text(update_id: int, sender: Any, text: str, chat_id: Any = None) -> dict[str, Any]:
    return {"update_id": update_id, "message": {
        "message_id": 1, "date": 1_795_000_000, "chat": chat(sender if chat_id is None
                                                              else chat_id, "private"),
        "from": {"id": sender, "is_bot": False, "first_name": "Mallory"}, "text": text}}


@given(update=st.one_of(message_updates(), message_updates(), JSON))
@example(update=private_text(990_000_001, [VICTIM], "hi"))  # PTB's bookkeeping needs hashable ids
@example(update=private_text(990_000_002, str(VICTIM), "/delete"))  # "4242" is not Jane
@example(update=private_text(990_000_003, 5151, "/delete", chat_id=VICTIM))  # in "her" chat
@example(update=private_text(990_000_004, True, "/start"))
@FUZZ
def test_whatever_telegram_posts_the_bot_answers_and_jane_is_untouched(
        telegram: TelegramWorld, update: Any) -> None:
    before, turns_before = len(telegram.fake.sent_messages()), turns()
    status = telegram.post(encode(update))
    assert 200 <= status < 500, (status, update)
    event(f"HTTP {status}, {turns() - turns_before} turn(s)")
    telegram.assert_unharmed(before)


@given(body=st.one_of(st.binary(max_size=300), st.text(max_size=300).map(
    lambda s: s.encode("utf-8", "surrogatepass"))))
@FUZZ
def test_bodies_that_are_not_json_are_refused_with_a_400(telegram: TelegramWorld,
                                                         body: bytes) -> None:
    before = len(telegram.fake.sent_messages())
    status = telegram.post(body)
    try:
        json.loads(body)
    except ValueError:
        assert status == 400
    assert 200 <= status < 500
    telegram.assert_unharmed(before)


@given(text=TEXTS, name=TEXTS, sender=ATTACKERS)
@FUZZ
def test_any_text_in_a_private_chat_is_answered_without_an_apology(
        telegram: TelegramWorld, text: str, name: str, sender: int) -> None:
    """Oversized, invalid unicode, RTL, zero-width, emoji: the sender is always answered."""
    before = len(telegram.fake.sent_messages())
    update = {"update_id": next(_update_ids), "message": {
        "message_id": 1, "date": 1_795_000_000, "chat": chat(sender, "private"),
        "from": {"id": sender, "is_bot": False, "first_name": name}, "text": text}}
    assert telegram.post(encode(update)) == 200
    assert telegram.texts_since(before, sender), "the sender got no answer"
    telegram.assert_unharmed(before)


@given(data=st.one_of(st.text(min_size=1, max_size=64).filter(
    lambda s: len(s.encode("utf-8", "surrogatepass")) <= 64), st.sampled_from(ODD)),
    jane_token=st.booleans(), on_janes_message=st.booleans(), sender=ATTACKERS,
    name=TEXTS)
@FUZZ
def test_a_forged_or_stolen_button_gets_a_clear_answer_and_changes_nothing(
        telegram: TelegramWorld, data: str, jane_token: bool, on_janes_message: bool,
        sender: int, name: str) -> None:
    """Someone else presses Jane's buttons (her real tokens, even on her own message), or
    invents callback data: they are told the button isn't theirs; Jane's chat and data stay."""
    if jane_token:
        data = telegram.jane_tokens[len(data) % len(telegram.jane_tokens)]
    message = dict(telegram.jane_message) if on_janes_message else {
        "message_id": 7, "date": 1_795_000_000, "chat": chat(sender, "private"),
        "from": telegram.fake.bot_user, "text": "Choose:",
        "reply_markup": {"inline_keyboard": [[{"text": "Go", "callback_data": data}]]}}
    update = {"update_id": next(_update_ids), "callback_query": {
        "id": str(next(_update_ids)), "chat_instance": "1", "data": data, "message": message,
        "from": {"id": sender, "is_bot": False, "first_name": name}}}
    before, edits = len(telegram.fake.sent_messages()), len(telegram.fake.edits(VICTIM))

    assert telegram.post(encode(update)) == 200

    answers = telegram.texts_since(before, sender)
    assert any(NOT_YOURS in text for text in answers), answers
    assert len(telegram.fake.edits(VICTIM)) == edits
    assert telegram.texts_since(before, VICTIM) == []
    telegram.assert_unharmed(before)


def test_in_a_group_the_bot_points_to_a_private_chat_and_channels_get_nothing(
        telegram: TelegramWorld) -> None:
    fake, before = telegram.fake, len(telegram.fake.sent_messages())
    group = fake.make_update(-100123, "/debrief", user_id=VICTIM, chat_type="supergroup")
    post = fake.make_update(-100456, "hello", chat_type="channel")
    channel = {"update_id": post["update_id"], "channel_post": post["message"]}

    assert telegram.post(encode(group)) == 200
    assert telegram.post(encode(channel)) == 200

    assert [m.chat_id for m in fake.sent_messages()[before:]] == [-100123]
    assert "private chats" in telegram.texts_since(before)[0]
    telegram.assert_unharmed(before)


def test_an_oversized_body_is_refused_and_the_server_keeps_serving(
        telegram: TelegramWorld) -> None:
    before = len(telegram.fake.sent_messages())
    update = {"update_id": next(_update_ids), "message": {
        "message_id": 1, "date": 1_795_000_000, "chat": chat(5151, "private"),
        "from": {"id": 5151, "is_bot": False, "first_name": "M"}, "text": "x" * 3_000_000}}
    assert telegram.post(encode(update)) in (400, 413)
    assert telegram.post(encode(update), secret="wrong") in (403, 413)
    assert telegram.texts_since(before) == []
    port = telegram.runtime.http.bound_port if telegram.runtime.http else None
    assert get(f"http://127.0.0.1:{port}/healthz") == 200
    telegram.assert_unharmed(before)


# =========================================================================== Slack

TEAM = "T1"
JANE_SLACK = "UJANE"
JANE_SLACK_KEY = UserKey("slack", TEAM, JANE_SLACK)
SLACK_ATTACKERS = st.sampled_from(["UMAL", "U1", "U2", "W3", "UBOT", "ULONG" + "X" * 30])
ODD_SLACK_IDS = st.one_of(SLACK_ATTACKERS, SCALARS, st.just(""), st.sampled_from(ODD))
OTHER_TEAMS = st.sampled_from(["T2", "E1", "", "t1", "T1 ", "T\udc80"])


@dataclass
class SlackWorld:
    fake: FakeSlack
    bot: SlackBot
    jane_before: str
    jane_tokens: list[str]
    jane_ts: str  # a message with buttons in Jane's DM

    def post(self, body: str | bytes, **options: Any) -> int:
        status, _ = self.bot.post(body, **options)  # a dropped connection raises
        return status

    def texts_since(self, count: int, channel: str | None = None) -> list[str]:
        posted = self.fake.calls("chat.postMessage")[count:]
        return ["\n".join(iter_texts([c.params])) for c in posted
                if c.ok and (channel is None or c.response.get("channel") == channel)]

    def settle(self, timeout: float = 10.0) -> None:
        """Wait until the app's loop has nothing left to do: Bolt answers Slack as soon as a
        listener acks and runs the rest (and the work it spawns) after the response."""
        async def idle() -> None:
            me = asyncio.current_task()
            deadline = time.monotonic() + timeout
            while any(task is not me and not task.done() for task in asyncio.all_tasks()):
                if time.monotonic() > deadline:
                    raise AssertionError("the Slack app is still busy")
                await asyncio.sleep(0.002)

        asyncio.run_coroutine_threadsafe(idle(), self.bot.loop).result(timeout + 5)

    def assert_unharmed(self, posted_before: int, *, jane_spoke: bool = False) -> None:
        """Jane's rows and her message unchanged, nobody apologised to; and unless the request
        claimed her id (from another workspace — the fake has one DM per user id, whatever the
        workspace), nothing posted in her DM."""
        self.settle()
        assert snapshot(self.bot.db, JANE_SLACK_KEY) == self.jane_before
        apologies = [t for t in self.texts_since(posted_before) if APOLOGY in t.casefold()]
        assert apologies == []
        if not jane_spoke:
            assert self.texts_since(posted_before, "DUJANE") == []
        janes_message_edits = [c for c in self.fake.calls("chat.update")
                               if c.params.get("ts") == self.jane_ts]
        assert janes_message_edits == []


@pytest.fixture(scope="module")
def slack() -> Iterator[SlackWorld]:
    with FakeSlack() as fake, memory_backed_sqlite() as database:
        bot = SlackBot(fake, database).start()
        try:
            bot.adapter.per_channel_interval = 0.0  # the fuzz types faster than a person
            seed(bot.runtime, JANE_SLACK_KEY)
            bot.adapter.deliver(JANE_SLACK_KEY, [Reply("Your pipeline", (
                Button("My pipeline", "/status"), Button("Thank-yous", "/thanks Acme")))])
            ts = str(fake.calls("chat.postMessage")[-1].response["ts"])
            yield SlackWorld(fake, bot, snapshot(bot.db, JANE_SLACK_KEY),
                             tokens_of(bot.db, JANE_SLACK_KEY), ts)
            assert bot.runtime.http is not None
            assert get(f"http://127.0.0.1:{bot.runtime.http.bound_port}/healthz") == 200
        finally:
            bot.stop()


def claims_jane(body: Any) -> bool:
    """Whether Jane's user id appears anywhere in a request (a form body is decoded first)."""
    if isinstance(body, str):
        fields = urllib.parse.parse_qs(body)
        try:
            payload = json.loads(fields.pop("payload", ["null"])[0])
        except ValueError:
            payload = None
        return has_jane(payload) or has_jane(fields)
    return has_jane(body)


def has_jane(node: Any) -> bool:
    if isinstance(node, dict):
        return any(has_jane(value) for value in node.values())
    if isinstance(node, list):
        return any(has_jane(value) for value in node)
    return node == JANE_SLACK


@st.composite
def who(draw: st.DrawFn) -> tuple[Any, Any]:
    """(team, user) of a request that is not Jane's: anyone in her workspace but her, or anyone
    at all — her id included — claiming another workspace."""
    usual = draw(st.sampled_from([True] * 4 + [False]))
    if draw(st.sampled_from([True] * 3 + [False])):
        return TEAM, draw(SLACK_ATTACKERS if usual else ODD_SLACK_IDS)
    return draw(OTHER_TEAMS), draw(st.sampled_from([JANE_SLACK, "UMAL"]) if usual
                                   else ODD_SLACK_IDS)


@st.composite
def event_bodies(draw: st.DrawFn) -> dict[str, Any]:
    team, user = draw(who())
    event: dict[str, Any] = {
        "type": draw(st.sampled_from(["message"] * 4 + ["app_home_opened"] * 2 + [
            "app_mention", "member_joined_channel", "x"])),
        "user": user, "text": draw(SAID), "channel": draw(st.sampled_from(
            [f"D{user}", "DUJANE", "C1", ""])),
        "channel_type": draw(st.sampled_from(["im"] * 4 + ["channel", "app_home", None])),
        "tab": draw(st.sampled_from(["home", "messages", None])), "ts": new_ts(),
    }
    subtype = draw(st.sampled_from([None] * 4 + ["bot_message", "message_changed",
                                                 "file_share", "message_deleted"]))
    if subtype is not None:
        event["subtype"] = subtype
    body = {"token": "unused", "team_id": team, "api_app_id": "A1", "event": event,
            "type": draw(st.sampled_from(["event_callback"] * 4 + ["url_verification",
                                                                   "app_rate_limited", "x"])),
            "event_id": draw(st.one_of(st.builds(new_event_id), st.builds(new_event_id),
                                       SCALARS)),
            "event_time": 1_795_000_000, "challenge": draw(SCALARS)}
    damaged(draw, body, [("team_id",), ("event",), ("type",), ("event_id",), ("event", "type"),
                         ("event", "user"), ("event", "text"), ("event", "channel_type"),
                         ("event", "tab"), ("challenge",)])
    return body


def dm(user: Any, text: Any = "hello", **envelope: Any) -> dict[str, Any]:
    event = {"type": "message", "user": user, "text": text, "channel": f"D{user}",
             "channel_type": "im", "ts": new_ts()}
    return {"token": "unused", "team_id": TEAM, "api_app_id": "A1", "event": event,
            "type": "event_callback", "event_id": new_event_id(), "event_time": 1_795_000_000,
            **envelope}


@given(body=st.one_of(event_bodies(), event_bodies(), JSON), retry=st.none() | st.integers(1, 3))
@example(body=None, retry=None)  # Bolt cannot read it
@example(body=dm("UMAL", event_id="Ev\udc80"), retry=None)  # a dedup key storage cannot hold
@example(body=dm({"id": "UMAL"}), retry=None)  # a user that is no Slack id
@example(body=dm("UMAL", text=5), retry=None)
@example(body=dm("UMAL", event="x"), retry=None)
@FUZZ
def test_whatever_slack_events_say_the_app_answers_and_jane_is_untouched(
        slack: SlackWorld, body: Any, retry: int | None) -> None:
    before, turns_before = len(slack.fake.calls("chat.postMessage")), turns()
    status = slack.post(encode(body), content_type="application/json", retry_num=retry)
    assert 200 <= status < 500, (status, body)
    slack.assert_unharmed(before, jane_spoke=claims_jane(body))
    event(f"HTTP {status}, {turns() - turns_before} turn(s)")


def sign_bytes(body: bytes, secret: str = SLACK_SECRET) -> dict[str, str]:
    """Slack's v0 signature over raw bytes (slack_sdk's signer wants text, and these are not)."""
    stamp = str(int(time.time()))
    digest = hmac.new(secret.encode(), b"v0:" + stamp.encode() + b":" + body, hashlib.sha256)
    return {"X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": f"v0={digest.hexdigest()}"}


@given(text=SAID, user=SLACK_ATTACKERS.filter(lambda u: u != "UBOT"))
@FUZZ
def test_any_dm_text_is_answered_in_the_senders_dm_without_an_apology(
        slack: SlackWorld, text: str, user: str) -> None:
    """Oversized, invalid unicode, RTL, zero-width, emoji, Slack markup: always an answer."""
    before = len(slack.fake.calls("chat.postMessage"))
    event = {"type": "message", "user": user, "text": text, "channel": f"D{user}",
             "channel_type": "im", "ts": new_ts(), "event_ts": new_ts()}
    body = {"token": "unused", "team_id": TEAM, "api_app_id": "A1", "event": event,
            "type": "event_callback", "event_id": new_event_id(), "event_time": 1_795_000_000}
    assert slack.post(encode(body), content_type="application/json") == 200
    slack.assert_unharmed(before)
    if text.strip():
        assert slack.texts_since(before, f"D{user}"), "the sender got no answer"


@given(team=st.one_of(st.just(TEAM), OTHER_TEAMS), user=SLACK_ATTACKERS)
@FUZZ
def test_anyone_opening_the_home_tab_sees_their_own_and_jane_keeps_hers(
        slack: SlackWorld, team: str, user: str) -> None:
    published = len(slack.fake.calls("views.publish"))
    before = len(slack.fake.calls("chat.postMessage"))
    event = {"type": "app_home_opened", "user": user, "channel": f"D{user}", "tab": "home",
             "event_ts": new_ts()}
    body = {"token": "unused", "team_id": team, "api_app_id": "A1", "event": event,
            "type": "event_callback", "event_id": new_event_id(), "event_time": 1_795_000_000}
    assert slack.post(encode(body), content_type="application/json") == 200
    slack.assert_unharmed(before)
    views = slack.fake.calls("views.publish")[published:]
    assert {call.params.get("user_id") for call in views} <= {user}


@given(body=st.one_of(st.binary(max_size=300), st.text(max_size=300).map(
    lambda s: s.encode("utf-8", "surrogatepass")), JSON.map(encode)),
    content_type=st.sampled_from(["application/json", "application/x-www-form-urlencoded",
                                  "text/plain"]))
@FUZZ
def test_signed_garbage_is_refused_without_a_server_error(slack: SlackWorld, body: bytes,
                                                          content_type: str) -> None:
    before = len(slack.fake.calls("chat.postMessage"))
    request = urllib.request.Request(slack.bot.url, data=body, method="POST", headers={
        "Content-Type": content_type, **sign_bytes(body)})
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:  # a dropped connection raises here and fails the test
        with opener.open(request, timeout=30) as response:
            status = int(response.status)
    except urllib.error.HTTPError as error:
        status = error.code
    assert 200 <= status < 500, (status, body)
    slack.assert_unharmed(before)
    event(f"HTTP {status}")


def form(fields: dict[str, Any]) -> str:
    """Form encoding as a broken client might do it: invalid UTF-8 for lone surrogates."""
    return urllib.parse.urlencode({k: v for k, v in fields.items() if v is not None},
                                  errors="surrogatepass")


@st.composite
def slash_commands(draw: st.DrawFn) -> str:
    team, user = draw(who())
    fields: dict[str, Any] = dict(urllib.parse.parse_qsl(slash_command_body(
        draw(st.sampled_from(["/afterview"] * 4 + ["/afterview-dev", "/other"])), "help")))
    fields.update(team_id=team, user_id=user, user_name=draw(TEXTS), text=draw(st.one_of(
        TEXTS, st.sampled_from(["debrief", "new Acme", "status", "delete", "export", ""]),
        st.integers(50_000, 200_000).map(lambda n: "debrief " + "x" * n))),
                  trigger_id=draw(st.one_of(st.builds(new_trigger_id), SCALARS)))
    for key in draw(st.sets(st.sampled_from(sorted(fields)), max_size=draw(
            st.sampled_from([0, 0, 1, 3])))):
        fields[key] = None if draw(st.booleans()) else draw(SCALARS)
    return form(fields)


@given(body=slash_commands())
@example(body=form({"command": "/afterview", "text": "help", "team_id": TEAM}))  # no user_id
@example(body=form({"command": "/afterview", "text": "status", "team_id": TEAM,
                    "user_id": "U1", "trigger_id": "\udc80"}))
@FUZZ
def test_slash_commands_with_odd_text_are_acknowledged_and_never_apologised_for(
        slack: SlackWorld, body: str) -> None:
    before, turns_before = len(slack.fake.calls("chat.postMessage")), turns()
    status = slack.post(body, content_type="application/x-www-form-urlencoded")
    assert 200 <= status < 500, (status, body[:300])
    slack.assert_unharmed(before, jane_spoke=claims_jane(body))
    event(f"HTTP {status}, {turns() - turns_before} turn(s)")


@given(value=st.one_of(st.text(max_size=40), st.sampled_from(ODD)), jane_token=st.booleans(),
       on_janes_message=st.booleans(), user=SLACK_ATTACKERS)
@FUZZ
def test_a_forged_or_stolen_slack_button_gets_a_clear_answer_and_changes_nothing(
        slack: SlackWorld, value: str, jane_token: bool, on_janes_message: bool,
        user: str) -> None:
    if jane_token:
        value = slack.jane_tokens[len(value) % len(slack.jane_tokens)]
    channel, ts = (("DUJANE", slack.jane_ts) if on_janes_message else (f"D{user}", new_ts()))
    body = json.loads(urllib.parse.parse_qs(block_action_body(
        user, TEAM, f"{BUTTON_ACTION_PREFIX}0", value, channel=channel,
        message_ts=ts))["payload"][0])
    before = len(slack.fake.calls("chat.postMessage"))

    status = slack.post(form({"payload": json.dumps(body)}))

    assert status == 200
    slack.settle()
    answers = slack.texts_since(before, f"D{user}")
    assert any(NOT_YOURS in text for text in answers), answers
    slack.assert_unharmed(before)


@st.composite
def interactions(draw: st.DrawFn, stolen: list[str]) -> str:
    """block_actions and view_submission payloads with forged values, `stolen` tokens, wrong
    shapes and missing fields."""
    team, user = draw(who())
    if draw(st.booleans()):
        action = draw(st.sampled_from([f"{BUTTON_ACTION_PREFIX}0"] * 3 + [
            f"{BUTTON_ACTION_PREFIX}99", OPEN_DEBRIEF_ACTION, "other"]))
        value = draw(st.one_of(st.text(max_size=30), st.sampled_from(ODD), SCALARS,
                               st.sampled_from(stolen)))
        in_message = draw(st.booleans())
        payload = json.loads(urllib.parse.parse_qs(block_action_body(
            "U0", TEAM, action, "x", channel="DUJANE" if in_message else None,
            message_ts=new_ts() if in_message else None))["payload"][0])
        payload["actions"][0]["value"] = value
        paths = [("user",), ("user", "id"), ("team",), ("team", "id"), ("actions",),
                 ("trigger_id",), ("container",), ("container", "channel_id"), ("message",),
                 ("view",), ("type",)]
    else:
        values = draw(st.one_of(JSON, st.dictionaries(
            st.sampled_from(["company", "role", "date", "time", "rating", "round", "iv1_name",
                             "decision_date", "steps_remaining"]),
            st.one_of(JSON, st.dictionaries(st.sampled_from(["value", "x"]), st.fixed_dictionaries(
                {"type": st.sampled_from(["plain_text_input", "datepicker", "timepicker",
                                          "static_select", "x"]),
                 "value": SCALARS | TEXTS, "selected_date": SCALARS,
                 "selected_time": SCALARS, "selected_option": JSON}), max_size=2)),
            max_size=9)))
        payload = json.loads(urllib.parse.parse_qs(view_submission_body(
            "U0", TEAM, draw(st.sampled_from([DEBRIEF_CALLBACK, "other"])),
            private_metadata=draw(TEXTS)))["payload"][0])
        payload["view"]["state"] = {"values": values}
        payload["view"]["id"] = draw(st.one_of(st.just("V1"), SCALARS))
        paths = [("user",), ("user", "id"), ("team",), ("view",), ("view", "state"),
                 ("view", "private_metadata"), ("view", "callback_id"), ("view", "id")]
    payload["user"]["id"], payload["team"]["id"] = user, team
    damaged(draw, payload, paths)
    return form({"payload": json.dumps(payload)})


@given(data=st.data())
@FUZZ
def test_forged_interactions_are_answered_without_a_server_error(slack: SlackWorld,
                                                                 data: st.DataObject) -> None:
    body = data.draw(interactions(slack.jane_tokens), label="body")
    before, turns_before = len(slack.fake.calls("chat.postMessage")), turns()
    status = slack.post(body, content_type="application/x-www-form-urlencoded")
    assert 200 <= status < 500, (status, body[:300])
    slack.assert_unharmed(before, jane_spoke=claims_jane(body))
    event(f"HTTP {status}, {turns() - turns_before} turn(s)")


@pytest.mark.parametrize("payload", [
    {"type": "block_actions", "user": {"id": "UMAL"}, "team": {"id": TEAM}, "actions": None},
    {"type": "block_actions", "user": "UMAL", "actions": [
        {"action_id": f"{BUTTON_ACTION_PREFIX}0", "value": "x"}]},
    {"type": "block_actions", "user": {"id": "UMAL"}, "team": {"id": TEAM}, "container": "x",
     "trigger_id": "\udc80", "actions": [{"action_id": f"{BUTTON_ACTION_PREFIX}0",
                                          "value": "\udc80", "action_ts": "\udc80"}]},
    {"type": "view_submission", "user": {"id": "UMAL"}, "team": {"id": TEAM},
     "view": {"callback_id": DEBRIEF_CALLBACK, "id": "\udc80", "state": "x"}},
    {"type": "view_submission", "user": {"id": "UMAL"}, "team": {"id": TEAM},
     "view": {"callback_id": DEBRIEF_CALLBACK, "state": {"values": {
         "company": {"value": {"type": "plain_text_input", "value": "Acme\udc80"}},
         "date": {"value": {"type": "datepicker", "selected_date": 20261123}},
         "rating": {"value": {"type": "static_select", "selected_option": {"value": [5]}}},
         "role": "Analyst"}}}},
], ids=["actions null", "user a string", "surrogates", "state a string", "values odd"])
def test_known_malformed_interactions_get_a_4xx_or_a_clear_answer(
        slack: SlackWorld, payload: dict[str, Any]) -> None:
    before = len(slack.fake.calls("chat.postMessage"))
    status, text = slack.bot.post(form({"payload": json.dumps(payload)}))
    assert 200 <= status < 500, (status, text)
    assert "press Save again" not in text  # a form Slack never sends is not "try again later"
    slack.assert_unharmed(before)


def test_a_request_with_a_bad_signature_is_refused(slack: SlackWorld) -> None:
    before = len(slack.fake.calls("chat.postMessage"))
    body = slash_command_body("/afterview", "delete", JANE_SLACK, TEAM,
                              response_url=DEFAULT_RESPONSE_URL)
    assert slack.post(body, secret="not-the-secret") == 401
    slack.assert_unharmed(before)
