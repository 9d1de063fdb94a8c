"""The send pace that the workers of one bot share through the database: slots one step apart
whoever takes them, nudges paced and answers not, two workers together within Telegram's limit
where each alone would have been within it and both together were not."""

from __future__ import annotations

import os
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

os.environ.setdefault("PTB_TIMEDELTA", "1")  # before telegram is imported

import pytest  # noqa: E402
from sqlalchemy import select, text  # noqa: E402

from adapters.telegram import TelegramAdapter  # noqa: E402
from adapters.telegram_flood import FloodLimiter  # noqa: E402
from afterview.runtime import delivery_for  # noqa: E402
from bot.clock import FixedClock  # noqa: E402
from bot.conversation.buttons import ButtonVault  # noqa: E402
from bot.conversation.engine import Engine  # noqa: E402
from bot.nudges.scheduler import Scheduler  # noqa: E402
from storage.db import Database  # noqa: E402
from storage.models import SendPace  # noqa: E402
from storage.pace import SharedPace  # noqa: E402
from tests.fakes.telegram_api import FakeTelegram  # noqa: E402
from tests.telegram_harness import Seeker, adapter_of, running, settings_for  # noqa: E402
from tests.test_telegram_delivery import NOON, seed_digests, states  # noqa: E402

pytestmark = pytest.mark.timeout(90)

EPSILON = 1e-6


def gaps(slots: list[float]) -> list[float]:
    ordered = sorted(slots)
    return [later - earlier for earlier, later in zip(ordered, ordered[1:], strict=False)]


def test_slots_are_one_step_apart_and_never_in_the_past(any_db_url: str) -> None:
    db = Database(any_db_url)
    try:
        pace = SharedPace(db, "telegram:1", per_second=20)
        taken = [pace.take() for _ in range(10)]
        slots = [slot for slot, _ in taken]
        assert all(slot >= now - EPSILON for slot, now in taken)
        assert slots == sorted(slots)
        assert all(gap >= 0.05 - EPSILON for gap in gaps(slots))
        # taken faster than the pace, the slots queue up: the tenth is ≈ 0.45 s out
        assert slots[-1] - taken[-1][1] > 0.2
        assert pace.reserved == 10
        # another account has a pace of its own
        other = SharedPace(db, "telegram:2", per_second=20)
        assert other.reserve() == 0.0
        with db.session() as session:
            assert sorted(session.scalars(select(SendPace.key))) == ["telegram:1", "telegram:2"]
    finally:
        db.dispose()


def test_processes_taking_slots_at_once_never_share_one(pg_url: str) -> None:
    """Four connections pools (as four processes would have) taking slots together on
    PostgreSQL: every slot distinct, each a step after the one before."""
    databases = [Database(pg_url, upgrade=n == 0) for n in range(4)]
    start = threading.Barrier(4)

    def take_many(db: Database) -> list[float]:
        pace = SharedPace(db, "telegram:42", per_second=100)
        start.wait()
        return [pace.take()[0] for _ in range(25)]

    try:
        with ThreadPoolExecutor(4) as pool:
            slots = [slot for many in pool.map(take_many, databases) for slot in many]
    finally:
        for db in databases:
            db.dispose()
    assert len(set(slots)) == 100
    assert min(gaps(slots)) >= 0.01 - EPSILON


def test_a_database_away_costs_no_send_and_no_query_per_send(sqlite_url: str) -> None:
    db = Database(sqlite_url)
    pace = SharedPace(db, "telegram:1", per_second=30)
    with db.session() as session:
        session.execute(text("DROP TABLE send_paces"))
    opened = Counter[str]()
    real_session = db.session

    def counted_session():  # type: ignore[no-untyped-def]
        opened["session"] += 1
        return real_session()

    db.session = counted_session  # type: ignore[method-assign]
    try:
        assert pace.reserve() == 0.0  # the error is logged, the send goes on its local limits
        assert [pace.reserve() for _ in range(50)] == [0.0] * 50
        assert opened["session"] == 1  # not asked again until retry_after_failure has passed
        pace.retry_after_failure = 0.0
        assert pace.reserve() == 0.0
        assert opened["session"] == 2
    finally:
        db.dispose()


def test_on_postgresql_nudges_take_slots_and_answers_do_not(pg_url: str) -> None:
    clock = FixedClock(NOON)
    with FakeTelegram() as fake:
        settings = settings_for(fake, pg_url)
        with running(settings, clock) as runtime:
            limiter = adapter_of(runtime).limiter
            assert limiter.shared is not None
            pace = limiter.shared.__self__  # type: ignore[attr-defined]
            assert isinstance(pace, SharedPace) and pace.key == "telegram:123456789"

            Seeker(fake, runtime).says("hello")
            assert pace.reserved == 0  # a user's answer goes at once

            seed_digests(runtime.db, [500_001, 500_002])
            report = Scheduler(runtime.db, delivery_for(runtime.adapters), clock).tick()
            assert report.sent == 2
            assert pace.reserved == 2


def test_on_sqlite_there_is_no_shared_pace(sqlite_url: str) -> None:
    with FakeTelegram() as fake, running(settings_for(fake, sqlite_url), FixedClock(NOON),
                                         worker=False) as runtime:
        assert adapter_of(runtime).limiter.shared is None


def two_workers_deliver(url: str, fake: FakeTelegram, *, shared: bool) -> None:
    """Two workers, each with its own limiter of 10 a second (and, when `shared`, the bot's
    pace of 9 a second through the database), deliver what is due at once."""
    clock = FixedClock(NOON)

    def worker(name: str) -> None:
        db = Database(url, upgrade=False)
        pace = SharedPace(db, "telegram:123456789", per_second=9).reserve if shared else None
        limiter = FloodLimiter(per_second=10, per_chat_interval=0.0, shared=pace)
        adapter = TelegramAdapter(settings_for(fake, url), Engine(db, clock),
                                  ButtonVault(db, clock), limiter=limiter)
        try:
            Scheduler(db, delivery_for([adapter]), clock, batch=5, worker_id=name).tick()
        finally:
            adapter.stop()
            db.dispose()

    with ThreadPoolExecutor(2) as pool:
        list(pool.map(worker, ["worker-1", "worker-2"]))


@pytest.mark.parametrize("shared", [True, False], ids=["shared pace", "each its own"])
def test_two_workers_of_one_bot_stay_within_its_limit_together(pg_url: str, shared: bool) -> None:
    chats = list(range(600_001, 600_041))
    db = Database(pg_url)
    seed_digests(db, chats)
    with FakeTelegram(rate_limit_per_second=10) as fake:
        two_workers_deliver(pg_url, fake, shared=shared)
    assert states(db) == Counter({"sent": 40})
    db.dispose()
    sent = fake.sent_messages()
    assert Counter(m.chat_id for m in sent) == Counter({chat: 1 for chat in chats})
    if shared:
        assert fake.too_many_requests == 0, fake.rate_limit_hits
    else:  # the control: 10 a second each is 20 a second to a bot allowed 10
        assert fake.too_many_requests > 0
