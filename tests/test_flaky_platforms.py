"""Flaky platforms: the fake Telegram and Slack servers answer 429, 500 or hang past the client's
timeout on 20% of calls, at random (seeded), while the real Runtime sends nudges and answers
people.

What must hold through the storm:

- every nudge is delivered exactly once: a send that failed is rescheduled by the scheduler with
  its backoff (the tests move the clock past it), none is lost, cancelled or sent twice;
- every message a person sends is answered, and its turn runs once. "Eventually" means without
  the person doing anything: the flood limiter waits out short 429s, and an answer that fails in
  transit (a 5xx, a timeout) is sent again by the adapter after a pause, a few times over;
- the Runtime keeps serving: /healthz answers after the storm, and so does the bot.

The storm here is 429s, 500s and timeouts that deliver nothing. A timeout after the platform
did accept a message (the fakes' "late" fault) would make a retried message show twice; it is
left out, so every count below is exact.
"""

from __future__ import annotations

import asyncio
import os
import random
import threading
import time
import urllib.request
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

os.environ.setdefault("PTB_TIMEDELTA", "1")  # before telegram is imported

import pytest  # noqa: E402
from sqlalchemy import func, select  # noqa: E402
from telegram.ext import ApplicationBuilder  # noqa: E402

from bot import metrics  # noqa: E402
from bot.clock import FixedClock  # noqa: E402
from bot.nudges.rules import DIGEST  # noqa: E402
from bot.nudges.scheduler import Scheduler  # noqa: E402
from storage.db import Database  # noqa: E402
from storage.models import Nudge, User  # noqa: E402
from tests.fakes.slack_api import FakeSlack, Fault  # noqa: E402
from tests.fakes.slack_signing import dm_message_event, event_body  # noqa: E402
from tests.fakes.telegram_api import DELIVERY_METHODS, FakeTelegram  # noqa: E402
from tests.slack_harness import SlackBot  # noqa: E402
from tests.story import ONBOARDING_ANSWERS  # noqa: E402
from tests.telegram_harness import (  # noqa: E402
    adapter_of,
    memory_backed_sqlite,
    running,
    settings_for,
)

pytestmark = pytest.mark.timeout(120)

NOON = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)  # a Monday, outside anyone's quiet hours
STORM = 0.2
KINDS: tuple[Fault, ...] = (429, 500, "timeout")
CLIENT_TIMEOUT = 0.75  # seconds the bot's HTTP clients wait for an answer…
HANG = 1.25  # …and the fakes' "timeout" fault holds a request longer than that
RETRY_DELAYS = (0.1, 0.2, 0.4, 0.8, 1.6)  # the adapters' pauses before answering again
TURN = ("hello", *ONBOARDING_ANSWERS)  # a newcomer's first six messages: the onboarding


# ---- helpers ------------------------------------------------------------------------------------

def seed_digests(db: Database, platform: str, workspace: str, ids: list[str]) -> list[int]:
    """One person per id, onboarded, with this week's digest due at noon: the nudge ids."""
    with db.session() as session:
        nudges = []
        for external_id in ids:
            user = User(platform=platform, workspace=workspace, external_id=external_id,
                        display_name=f"User {external_id}", onboarded=True)
            session.add(user)
            session.flush()
            nudge = Nudge(user_id=user.id, kind=DIGEST, key=f"digest:{NOON:%Y-%W}",
                          due_at=NOON, state="pending")
            session.add(nudge)
            nudges.append(nudge)
        session.flush()
        return [nudge.id for nudge in nudges]


def states(db: Database, ids: list[int]) -> Counter[str]:
    with db.session() as session:
        return Counter(session.scalars(select(Nudge.state).where(Nudge.id.in_(ids))))


def tick_until_sent(scheduler: Scheduler, clock: FixedClock, db: Database,
                    ids: list[int]) -> int:
    """Tick, then move the clock to the earliest retry the scheduler set, until nothing of
    `ids` is left to send: how many ticks it took."""
    for ticks in range(1, 41):
        scheduler.tick()
        with db.session() as session:
            waiting = session.scalar(select(func.min(Nudge.due_at)).where(
                Nudge.id.in_(ids), Nudge.state.in_(("pending", "snoozed", "claimed"))))
        if waiting is None:
            return ticks
        clock.set(max(waiting.replace(tzinfo=UTC), clock.now() + timedelta(seconds=1)))
    raise AssertionError(f"still not sent after 40 ticks: {states(db, ids)}")


def attempts(db: Database, ids: list[int]) -> Counter[int]:
    with db.session() as session:
        return Counter(session.scalars(select(Nudge.attempts).where(Nudge.id.in_(ids))))


def onboarded(db: Database, platform: str) -> dict[str, tuple[bool, str | None]]:
    with db.session() as session:
        return {user.external_id: (user.onboarded, user.display_name) for user in
                session.scalars(select(User).where(User.platform == platform))}


def healthz(port: int | None) -> int:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(f"http://127.0.0.1:{port}/healthz", timeout=10) as response:
        return int(response.status)


def turns() -> int:
    return metrics.value("afterview_turns_total")


def wait_until(predicate: Any, what: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {timeout} s")
        time.sleep(0.01)


# ---- Telegram ---------------------------------------------------------------------------------

class QuickToGiveUp(ApplicationBuilder):  # type: ignore[type-arg]
    """The adapter's ApplicationBuilder with the HTTP timeouts of a test, not of production."""

    def build(self):  # type: ignore[no-untyped-def]
        self.connect_timeout(CLIENT_TIMEOUT).read_timeout(CLIENT_TIMEOUT)
        self.write_timeout(CLIENT_TIMEOUT)
        return super().build()


@pytest.fixture
def short_timeouts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("adapters.telegram.ApplicationBuilder", QuickToGiveUp)


def test_forty_telegram_nudges_through_a_storm_arrive_exactly_once(short_timeouts: None) -> None:
    clock = FixedClock(NOON)
    chats = [str(chat) for chat in range(910_001, 910_041)]
    with FakeTelegram(hang_seconds=HANG) as fake, memory_backed_sqlite() as database, \
            running(settings_for(fake, database), clock, web=True, worker=False) as runtime:
        ids = seed_digests(runtime.db, "telegram", "private", chats)
        # one of each for sure, the rest at random; four 429s in a row outlast the flood
        # limiter's own retries, so the scheduler reschedules at Telegram's retry_after
        fake.fail_next("sendMessage", "timeout")
        fake.fail_next("sendMessage", 500)
        fake.fail_next("sendMessage", 429, count=4, retry_after=1)
        fake.flaky(STORM, seed=8, kinds=KINDS)

        ticks = tick_until_sent(runtime.scheduler, clock, runtime.db, ids)

        fake.flaky(0)
        assert runtime.http is not None and healthz(runtime.http.bound_port) == 200
        assert states(runtime.db, ids) == Counter({"sent": 40})
        assert max(attempts(runtime.db, ids)) > 1 and ticks > 1

    delivered = Counter(str(m.chat_id) for m in fake.sent_messages())
    assert delivered == Counter({chat: 1 for chat in chats})
    assert all("Your week ahead" in (m.plain_text or "") for m in fake.sent_messages())
    failed = Counter(c.status for c in fake.failed_calls if c.method == "sendMessage")
    assert failed[429] >= 4 and failed[500] >= 1 and failed[504] >= 1, failed


def test_everyone_who_writes_during_a_telegram_storm_is_answered_once_per_message(
        short_timeouts: None) -> None:
    """Twelve newcomers go through the onboarding at once, six messages each, while sends and
    even getUpdates fail at random. Each message is answered in its chat, each turn runs once
    (all twelve end up onboarded with the answers they gave)."""
    clock = FixedClock(NOON)
    people = list(range(920_001, 920_013))
    with FakeTelegram(hang_seconds=HANG) as fake, memory_backed_sqlite() as database, \
            running(settings_for(fake, database), clock, web=True, worker=True) as runtime:
        adapter = adapter_of(runtime)
        adapter.reply_retry_delays = RETRY_DELAYS
        fake.fail_next("getUpdates", 500)  # polling fails too, surely, and then at random
        fake.fail_next("getUpdates", "timeout")
        fake.flaky(STORM, seed=16, methods=DELIVERY_METHODS | {"getUpdates"}, kinds=KINDS)
        turns_before, handled = turns(), adapter.updates_handled
        for text in TURN:
            seen = {chat: len(fake.sent_messages(chat)) for chat in people}
            for chat in people:
                fake.user_sends_text(chat, text, first_name="Sam")
            handled += len(people)
            wait_until(lambda h=handled: adapter.updates_handled >= h,  # type: ignore[misc]
                       f"the bot to handle every {text!r}")
            unanswered = [chat for chat in people
                          if len(fake.sent_messages(chat)) <= seen[chat]]
            assert unanswered == [], f"{text!r} got no answer in {unanswered}"

        assert turns() - turns_before == len(people) * len(TURN)
        failed = Counter(c.method for c in fake.failed_calls)
        assert failed["sendMessage"] > 0 and failed["getUpdates"] >= 2, failed

        fake.flaky(0)
        assert runtime.http is not None and healthz(runtime.http.bound_port) == 200
        before = len(fake.sent_messages(people[0]))
        fake.user_sends_text(people[0], "/status", first_name="Sam")
        wait_until(lambda: len(fake.sent_messages(people[0])) > before, "an answer after")

        everyone = onboarded(runtime.db, "telegram")
    assert {everyone[str(chat)] for chat in people} == {(True, "Jane Doe")}


# ---- Slack ------------------------------------------------------------------------------------

class StormySlack(FakeSlack):
    """FakeSlack whose storm mixes 429s, 500s and timeouts, as FakeTelegram's flaky() does
    (FakeSlack's own flaky() fails with a single status)."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self._storm: tuple[float, random.Random] | None = None
        self._storm_lock = threading.Lock()

    def storm(self, probability: float, seed: int = 0) -> None:
        with self._storm_lock:
            self._storm = (probability, random.Random(seed)) if probability > 0 else None

    def _take_fault(self, method: str) -> Fault | None:
        fault = super()._take_fault(method)
        with self._storm_lock:
            if fault is None and self._storm is not None:
                probability, rng = self._storm
                if rng.random() < probability:
                    fault = rng.choice(KINDS)
        return fault


@pytest.fixture
def stormy() -> Iterator[tuple[StormySlack, SlackBot]]:
    """`afterview serve` with Slack, its client giving up after CLIENT_TIMEOUT."""
    with StormySlack() as fake, memory_backed_sqlite() as database:
        fake.hang_seconds = HANG
        bot = SlackBot(fake, database, FixedClock(NOON)).start()
        try:
            bot.adapter.client.timeout = CLIENT_TIMEOUT  # read per request by slack_sdk
            bot.adapter.per_channel_interval = 0.05  # one DM each: the pacing is not the point
            bot.adapter.reply_retry_delays = RETRY_DELAYS
            yield fake, bot
        finally:
            bot.stop()


def settle(bot: SlackBot, timeout: float = 30.0) -> None:
    """Until the app's loop has nothing left to do (Bolt answers Slack at the ack and runs the
    rest of a listener, and the work it spawns, after the response)."""
    async def idle() -> None:
        me = asyncio.current_task()
        deadline = time.monotonic() + timeout
        while any(task is not me and not task.done() for task in asyncio.all_tasks()):
            if time.monotonic() > deadline:
                raise AssertionError("the Slack app is still busy")
            await asyncio.sleep(0.005)

    asyncio.run_coroutine_threadsafe(idle(), bot.loop).result(timeout + 5)


def test_forty_slack_nudges_through_a_storm_arrive_exactly_once(
        stormy: tuple[StormySlack, SlackBot]) -> None:
    fake, bot = stormy
    people = [f"UN{n:03d}" for n in range(40)]
    ids = seed_digests(bot.db, "slack", "T1", people)
    fake.fail_next("conversations.open", "timeout")
    fake.fail_next("chat.postMessage", 500)
    fake.fail_next("chat.postMessage", 429, count=4)  # outlasts the adapter's own waiting
    fake.storm(STORM, seed=40)

    ticks = tick_until_sent(bot.runtime.scheduler, bot.clock, bot.db, ids)

    fake.storm(0)
    assert bot.runtime.http is not None and healthz(bot.runtime.http.bound_port) == 200
    delivered = Counter(m["channel"] for m in fake.posted_messages())
    assert delivered == Counter({f"D{person}": 1 for person in people})
    assert all("Your week ahead" in m["text"] for m in fake.posted_messages())
    assert states(bot.db, ids) == Counter({"sent": 40})
    failed = Counter(c.status for c in fake.failed_calls)
    assert failed[429] >= 4 and failed[500] >= 1 and failed[504] >= 1, failed
    assert max(attempts(bot.db, ids)) > 1 and ticks > 1


def test_everyone_who_writes_during_a_slack_storm_is_answered_once_per_message(
        stormy: tuple[StormySlack, SlackBot]) -> None:
    """Twelve newcomers onboard at once in their DMs while every Web API call may fail, and
    Slack delivers a third of the events twice (as it does when an ack is slow): every message
    is answered in the sender's DM, and each turn runs once."""
    fake, bot = stormy
    people = [f"UC{n:03d}" for n in range(12)]
    # Bolt checks the bot token with auth.test on the first request and remembers it; a failure
    # there drops that first event (see the report), so the storm starts after it
    status, _ = bot.post(event_body(dm_message_event("UWARM", "hello"), "T1"))
    assert status == 200
    settle(bot)
    fake.storm(STORM, seed=12)
    turns_before = turns()

    for round_number, text in enumerate(TURN):
        seen = {person: len(fake.posted_messages(f"D{person}")) for person in people}
        for n, person in enumerate(people):
            body = event_body(dm_message_event(person, text), "T1")
            assert bot.post(body)[0] == 200
            if (n + round_number) % 3 == 0:  # Slack's retry of the same event
                assert bot.post(body, retry_num=1)[0] == 200
        settle(bot)
        unanswered = [p for p in people if len(fake.posted_messages(f"D{p}")) <= seen[p]]
        assert unanswered == [], f"{text!r} got no answer in {unanswered}"

    assert turns() - turns_before == len(people) * len(TURN)
    failed = Counter(c.method for c in fake.failed_calls)
    assert failed["chat.postMessage"] > 0, failed

    fake.storm(0)
    assert bot.runtime.http is not None and healthz(bot.runtime.http.bound_port) == 200
    everyone = onboarded(bot.db, "slack")
    assert {everyone[person] for person in people} == {(True, "Jane Doe")}
