"""The property of issue 12: over generated conversations, pressing any earlier-issued button at
any later point never changes data outside that button's own question — on the console engine and
through the Telegram and Slack adapters against their fakes.

A conversation is a random mix of typed messages (commands, answers, "no", "delete", "keep"…)
and presses of buttons issued so far, fresh or old. Whenever the pressed button's question is no
longer the one asked, every stored row of the user — the conversation where they stand included —
must be exactly as before the press."""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from typing import Any

os.environ.setdefault("PTB_TIMEDELTA", "1")  # before telegram is imported

import pytest  # noqa: E402
from hypothesis import HealthCheck, example, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from sqlalchemy import select  # noqa: E402

from adapters.telegram import telegram_user  # noqa: E402
from bot.clock import FixedClock  # noqa: E402
from bot.conversation.questions import MOVED_ON, QUESTION, is_standalone, unbind  # noqa: E402
from bot.messages import Incoming, UserKey  # noqa: E402
from storage.db import Database  # noqa: E402
from storage.models import Base, ButtonToken, ConversationState, User  # noqa: E402
from tests.fakes.slack_api import FakeSlack  # noqa: E402
from tests.fakes.slack_signing import block_action_body  # noqa: E402
from tests.fakes.telegram_api import FakeTelegram  # noqa: E402
from tests.slack_harness import SlackBot, SlackUser, texts  # noqa: E402
from tests.story import ONBOARDING_ANSWERS, make_engine  # noqa: E402
from tests.telegram_harness import MONDAY_1130, running, settings_for, shown  # noqa: E402
from tests.telegram_harness import Seeker as TelegramSeeker  # noqa: E402

pytestmark = pytest.mark.timeout(600)

WORDS = ("references add", "Mary Major", "former manager", "skip", "no", "yes", "delete",
         "keep", "settings", "status", "cancel", "back", "debrief", "Acme", "Data Analyst",
         "lessons", "pause", "resume", "help", "done", "1", "thanks")
# what a stale press may touch: the tokens of the buttons it shows, the update it consumed
HOUSEKEEPING = {"button_tokens", "processed_updates"}

Action = tuple[str, Any]
actions = st.lists(st.one_of(st.tuples(st.just("say"), st.sampled_from(WORDS)),
                             st.tuples(st.just("press"), st.integers(0, 10_000)),
                             st.tuples(st.just("press_old"), st.integers(0, 10_000))),
                   min_size=3, max_size=12)
_ids = itertools.count(1)
# a plain script that leaves old buttons behind and ends at the delete confirmation
PLAIN: list[Action] = [("say", "references add"), ("say", "Mary Major"), ("say", "skip"),
                       ("say", "skip"), ("say", "no"), ("say", "no"), ("say", "delete"),
                       ("press_old", 0), ("press_old", 1), ("press_old", 2)]


def snapshot(db: Database, key: UserKey) -> dict[str, list[tuple[Any, ...]]]:
    """Every row the user owns (conversation included, its timestamp aside)."""
    with db.session() as session:
        user = session.scalars(select(User).where(
            User.platform == key.platform, User.workspace == key.workspace,
            User.external_id == key.user_id)).one_or_none()
        if user is None:
            return {}
        found: dict[str, list[tuple[Any, ...]]] = {}
        for table in Base.metadata.sorted_tables:
            if table.name in HOUSEKEEPING:
                continue
            column = table.c.id if table.name == "users" else table.c.get("user_id")
            if column is None:
                continue
            wanted = [c for c in table.c if not (table.name == "conversation_states"
                                                 and c.name == "updated_at")]
            found[table.name] = sorted(
                (tuple(repr(v) for v in row) for row in
                 session.execute(select(*wanted).where(column == user.id))), key=repr)
        return found


def is_stale(db: Database, key: UserKey, value: str) -> bool:
    """Is this (bound) button's question no longer the one asked?"""
    pressed = unbind(value)
    if pressed is None:
        return False
    with db.session() as session:
        user = session.scalars(select(User).where(
            User.platform == key.platform, User.workspace == key.workspace,
            User.external_id == key.user_id)).one_or_none()
        state = session.get(ConversationState, user.id) if user is not None else None
        return state is None or (state.flow, state.step, (state.slots or {}).get(QUESTION)) != (
            pressed.flow, pressed.step, pressed.question)


def token_value(db: Database, token: str) -> str:
    with db.session() as session:
        return session.scalar(select(ButtonToken.value).where(ButtonToken.token == token)) or ""


class Talk:
    """One generated conversation on one platform: `say`, `press` a button by handle, the
    buttons issued so far (oldest first) and the value each stands for."""

    key: UserKey
    db: Database
    latest: list[Any]
    issued: list[Any]

    def say(self, text: str) -> None:
        raise NotImplementedError

    def press(self, handle: Any) -> str:
        """Press; returns what the user saw in answer."""
        raise NotImplementedError

    def value_of(self, handle: Any) -> str:
        raise NotImplementedError


def play(talk: Talk, script: list[Action]) -> int:
    """Run the script, checking the property at each old press; returns how many were checked."""
    talk.say("hello")
    for answer in ONBOARDING_ANSWERS:
        talk.say(answer)
    checked = 0
    for kind, what in script:
        if kind == "say":
            talk.say(what)
            continue
        pool = talk.latest if kind == "press" else talk.issued[:len(talk.issued)
                                                                 - len(talk.latest)]
        if not pool:
            continue
        handle = pool[what % len(pool)]
        value = talk.value_of(handle)
        stale = not is_standalone(value) and is_stale(talk.db, talk.key, value)
        before = snapshot(talk.db, talk.key) if stale else None
        seen = talk.press(handle)
        if stale and before == {}:  # the user erased everything: an old press brings nothing back
            after = snapshot(talk.db, talk.key)
            assert not any(rows for table, rows in after.items()
                           if table not in ("users", "conversation_states")), after
            checked += 1
        elif stale:
            assert snapshot(talk.db, talk.key) == before, f"a stale {value!r} changed data"
            assert MOVED_ON in seen, seen
            checked += 1
    return checked


# ---- the console engine ----------------------------------------------------------------------

class ConsoleTalk(Talk):
    def __init__(self, url: str) -> None:
        self.engine, _, self.db = make_engine(url, MONDAY_1130)
        self.key = UserKey("console", "local", f"u{next(_ids)}")
        self.latest, self.issued = [], []

    def _turn(self, incoming: Incoming) -> str:
        replies = self.engine.handle(incoming)
        self.latest = [b.value for r in replies for b in r.buttons]
        self.issued.extend(self.latest)
        return "\n".join(r.text for r in replies)

    def say(self, text: str) -> None:
        self._turn(Incoming.message(self.key, text))

    def press(self, handle: Any) -> str:
        return self._turn(Incoming.press(self.key, handle))

    def value_of(self, handle: Any) -> str:
        return str(handle)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(script=actions)
@example(script=[("say", "delete"), ("press", 0), ("press_old", 0)])  # pressed after erasing
def test_console_an_old_button_never_changes_data_outside_its_question(
        tmp_path_factory: pytest.TempPathFactory, script: list[Action]) -> None:
    url = f"sqlite:///{tmp_path_factory.mktemp('prop')}/afterview.db"
    talk = ConsoleTalk(url)
    try:
        play(talk, script)
    finally:
        talk.db.dispose()


def test_console_the_generator_reaches_stale_presses(tmp_path_factory: pytest.TempPathFactory
                                                     ) -> None:
    """The property is not vacuous: a plain script produces checked stale presses."""
    talk = ConsoleTalk(f"sqlite:///{tmp_path_factory.mktemp('prop')}/afterview.db")
    assert play(talk, PLAIN) >= 2
    assert snapshot(talk.db, talk.key)["users"]
    talk.db.dispose()


# ---- Telegram --------------------------------------------------------------------------------

class TelegramTalk(Talk):
    def __init__(self, fake: FakeTelegram, runtime: Any) -> None:
        self.fake, self.db = fake, runtime.db
        self.chat = 5000 + next(_ids)
        self.seeker = TelegramSeeker(fake, runtime, chat_id=self.chat)
        self.key = telegram_user(self.chat)
        self.latest, self.issued = [], []

    def _keep(self, sent: list[Any]) -> str:
        self.latest = [(m.message_id, data) for m in sent for data in m.callback_data]
        self.issued.extend(self.latest)
        return "\n".join(shown(m) for m in sent)

    def say(self, text: str) -> None:
        self._keep(self.seeker.says(text))

    def press(self, handle: Any) -> str:
        message_id, data = handle
        return self._keep(self.seeker.replays(self.fake.make_update(
            self.chat, callback_data=data, message_id=message_id, force=True)))

    def value_of(self, handle: Any) -> str:
        return token_value(self.db, handle[1])


@pytest.fixture(scope="module")
def telegram_runtime(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, Any]]:
    url = f"sqlite:///{tmp_path_factory.mktemp('tg')}/afterview.db"
    with FakeTelegram() as fake, running(settings_for(fake, url), FixedClock(MONDAY_1130)) as rt:
        yield fake, rt


@settings(max_examples=6, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(script=actions)
def test_telegram_an_old_button_never_changes_data_outside_its_question(
        telegram_runtime: tuple[Any, Any], script: list[Action]) -> None:
    fake, runtime = telegram_runtime
    play(TelegramTalk(fake, runtime), script)


def test_telegram_the_generator_reaches_stale_presses(telegram_runtime: tuple[Any, Any]) -> None:
    assert play(TelegramTalk(*telegram_runtime), PLAIN) >= 2


# ---- Slack -----------------------------------------------------------------------------------

class SlackTalk(Talk):
    def __init__(self, bot: SlackBot) -> None:
        self.bot, self.db = bot, bot.db
        self.user = SlackUser(bot, f"UP{next(_ids)}")
        self.key = UserKey("slack", "T1", self.user.user_id)
        self.latest, self.issued = [], []

    def _keep(self, sent: list[dict[str, Any]]) -> str:
        self.latest = [(e["action_id"], e.get("value", "")) for m in sent
                       for b in m.get("blocks") or [] if b.get("type") == "actions"
                       for e in b["elements"] if e.get("type") == "button"]
        self.issued.extend(self.latest)
        return "\n".join(texts(m) for m in sent)

    def say(self, text: str) -> None:
        self._keep(self.user.says(text))

    def press(self, handle: Any) -> str:
        action_id, value = handle
        before = len(self.user.messages())
        status, _ = self.bot.post(block_action_body(
            self.user.user_id, "T1", action_id, value, channel=self.user.channel,
            message_ts="1700000000.000001"))
        assert status == 200
        return self._keep(self.user.reply_after(before))

    def value_of(self, handle: Any) -> str:
        return token_value(self.db, handle[1])


@pytest.fixture(scope="module")
def slack_bot(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SlackBot]:
    url = f"sqlite:///{tmp_path_factory.mktemp('slack')}/afterview.db"
    with FakeSlack() as fake:
        bot = SlackBot(fake, url).start()
        bot.adapter.per_channel_interval = 0.0
        try:
            yield bot
        finally:
            bot.stop()


@settings(max_examples=6, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(script=actions)
def test_slack_an_old_button_never_changes_data_outside_its_question(
        slack_bot: SlackBot, script: list[Action]) -> None:
    play(SlackTalk(slack_bot), script)


def test_slack_the_generator_reaches_stale_presses(slack_bot: SlackBot) -> None:
    assert play(SlackTalk(slack_bot), PLAIN) >= 2


