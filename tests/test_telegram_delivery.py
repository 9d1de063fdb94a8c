"""Nudges pushed to Telegram by the scheduler: within the flood limits, 429s waited out without
losing or repeating a nudge, a user who blocked the bot paused instead of retried forever."""

from __future__ import annotations

import os
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

os.environ.setdefault("PTB_TIMEDELTA", "1")  # before telegram is imported

import pytest  # noqa: E402
from sqlalchemy import select  # noqa: E402

from adapters.telegram import TelegramAdapter, telegram_user  # noqa: E402
from adapters.telegram_flood import FloodLimiter  # noqa: E402
from afterview.runtime import delivery_for  # noqa: E402
from bot.clock import FixedClock  # noqa: E402
from bot.conversation.buttons import ButtonVault  # noqa: E402
from bot.conversation.engine import Engine  # noqa: E402
from bot.messages import Attachment, Reply  # noqa: E402
from bot.nudges.rules import DIGEST  # noqa: E402
from bot.nudges.scheduler import Scheduler  # noqa: E402
from storage.db import Database  # noqa: E402
from storage.models import Nudge, User  # noqa: E402
from tests.fakes.telegram_api import FakeTelegram  # noqa: E402
from tests.telegram_harness import memory_backed_sqlite, running, settings_for  # noqa: E402

pytestmark = pytest.mark.timeout(60)

NOON = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)  # a Monday, outside anyone's quiet hours


def seed_digests(db: Database, chat_ids: list[int], due: datetime = NOON) -> None:
    """Telegram users with one weekly digest due each (the cheapest nudge to set up)."""
    with db.session() as session:
        for chat_id in chat_ids:
            user = User(platform="telegram", workspace="private", external_id=str(chat_id),
                        display_name=f"User {chat_id}", onboarded=True)
            session.add(user)
            session.flush()
            session.add(Nudge(user_id=user.id, kind=DIGEST, key=f"digest:{due:%Y-%W}",
                              due_at=due - timedelta(minutes=1), state="pending"))


def states(db: Database) -> Counter[str]:
    with db.session() as session:
        return Counter(session.scalars(select(Nudge.state)))


def test_300_nudges_to_300_chats_arrive_once_each_within_the_flood_limits() -> None:
    clock = FixedClock(NOON)
    with FakeTelegram(rate_limit_per_second=30, per_chat_per_second=1) as fake, \
            memory_backed_sqlite() as database_url:
        settings = settings_for(fake, database_url)
        # `afterview run` minus polling: the adapter's loop runs, the scheduler is another thread
        with running(settings, clock, worker=False, per_chat_interval=None) as runtime:
            chats = list(range(900_001, 900_301))
            seed_digests(runtime.db, chats)
            started = time.monotonic()
            report = Scheduler(runtime.db, delivery_for(runtime.adapters), clock).tick()
            elapsed = time.monotonic() - started

            assert report.sent == 300 and report.failed == 0
            assert states(runtime.db) == Counter({"sent": 300})
    sent = fake.sent_messages()
    assert Counter(m.chat_id for m in sent) == Counter({chat: 1 for chat in chats})
    assert all("Your week ahead" in (m.plain_text or "") for m in sent)
    assert fake.too_many_requests <= 3, fake.rate_limit_hits
    assert fake.retry_after_violations() == []
    # 30 in any second: the first 30 go at once, the last 30 no sooner than 9 s later
    assert elapsed >= 9.0


def test_concurrent_senders_share_one_bot_wide_limit(sqlite_url: str) -> None:
    """Deliveries from several threads at once (several scheduler workers, replies to users)
    are paced together: here a 10/s bot limit, so 25 messages take over 2 s and no 429."""
    with FakeTelegram(rate_limit_per_second=10, per_chat_per_second=1) as fake:
        db = Database(sqlite_url)
        adapter = TelegramAdapter(settings_for(fake, sqlite_url), Engine(db), ButtonVault(db),
                                  limiter=FloodLimiter(per_second=10))
        try:
            started = time.monotonic()
            with ThreadPoolExecutor(8) as pool:
                list(pool.map(lambda chat: adapter.deliver(telegram_user(chat), [Reply("Hi")]),
                              range(7001, 7026)))
            elapsed = time.monotonic() - started
        finally:
            adapter.stop()
    assert len(fake.sent_messages()) == 25
    assert fake.too_many_requests == 0, fake.rate_limit_hits
    assert elapsed >= 2.0


def test_one_chat_gets_at_most_one_message_a_second(sqlite_url: str) -> None:
    """PTB's AIORateLimiter leaves private chats alone; ours spaces them too."""
    with FakeTelegram(per_chat_per_second=1) as fake:
        db = Database(sqlite_url)
        adapter = TelegramAdapter(settings_for(fake, sqlite_url), Engine(db), ButtonVault(db))
        try:
            long_text = "\n\n".join(f"Paragraph {i}: " + "x" * 1500 for i in range(6))
            adapter.deliver(telegram_user(4242), [Reply(long_text)])
        finally:
            adapter.stop()
    times = fake.send_times(4242)
    assert len(times) == 3 and fake.too_many_requests == 0
    assert all(later - earlier >= 1.0 for earlier, later in zip(times, times[1:], strict=False))


def test_a_429_is_waited_out_and_the_nudge_sent_once(sqlite_url: str) -> None:
    clock = FixedClock(NOON)
    with FakeTelegram() as fake, \
            running(settings_for(fake, sqlite_url), clock, worker=False) as runtime:
        seed_digests(runtime.db, [4242])
        fake.fail_next("sendMessage", 429, retry_after=1)
        report = Scheduler(runtime.db, delivery_for(runtime.adapters), clock).tick()
    assert report.sent == 1
    assert len(fake.sent_messages(4242)) == 1
    [hit] = fake.rate_limit_hits
    [message] = fake.sent_messages(4242)
    assert message.at - hit.at >= 1.0
    assert states(runtime.db) == Counter({"sent": 1})


def test_a_long_429_reschedules_the_nudge_for_when_telegram_asked(sqlite_url: str) -> None:
    clock = FixedClock(NOON)
    with FakeTelegram() as fake, \
            running(settings_for(fake, sqlite_url), clock, worker=False) as runtime:
        seed_digests(runtime.db, [4242])
        scheduler = Scheduler(runtime.db, delivery_for(runtime.adapters), clock)
        fake.fail_next("sendMessage", 429, retry_after=300)
        assert scheduler.tick().sent == 0
        with runtime.db.session() as session:
            [nudge] = session.scalars(select(Nudge)).all()
            assert nudge.state == "pending"
            assert nudge.due_at.replace(tzinfo=UTC) == NOON + timedelta(seconds=300)
        clock.advance(timedelta(minutes=4))
        assert scheduler.tick().sent == 0  # not before the time Telegram asked for
        clock.advance(timedelta(minutes=1))
        assert scheduler.tick().sent == 1
    assert len(fake.sent_messages(4242)) == 1


def test_a_user_who_blocked_the_bot_is_marked_unreachable_and_not_retried(
        sqlite_url: str) -> None:
    """Through `afterview tick`'s path: no loop running, the adapter sends on its own."""
    clock = FixedClock(NOON)
    with FakeTelegram() as fake:
        db = Database(sqlite_url)
        adapter = TelegramAdapter(settings_for(fake, sqlite_url), Engine(db, clock),
                                  ButtonVault(db, clock))
        try:
            seed_digests(db, [4242, 4343])
            fake.blocked_chats.add(4242)
            scheduler = Scheduler(db, delivery_for([adapter]), clock)
            report = scheduler.tick()
            assert (report.sent, report.failed) == (1, 1)
            for _ in range(3):
                clock.advance(timedelta(days=1))
                scheduler.tick()
        finally:
            adapter.stop()
    with db.session() as session:
        blocked = session.scalar(select(User).where(User.external_id == "4242"))
        assert blocked is not None and blocked.unreachable and blocked.paused
        other = session.scalar(select(User).where(User.external_id == "4343"))
        assert other is not None and not other.unreachable
    attempts = [c for c in fake.calls("sendMessage") if c.params.get("chat_id") == 4242]
    assert [c.status for c in attempts] == [403]
    assert len(fake.sent_messages(4343)) == 1


def test_files_go_as_documents_and_charts_as_photos(sqlite_url: str) -> None:
    with FakeTelegram() as fake:
        db = Database(sqlite_url)
        adapter = TelegramAdapter(settings_for(fake, sqlite_url), Engine(db), ButtonVault(db),
                                  limiter=FloodLimiter(per_chat_interval=0))
        try:
            export = Attachment("afterview-export.json", b'{"applications": []}',
                                "application/json", "Everything you told me")
            chart = Attachment("pipeline.png", b"\x89PNG\r\n\x1a\n" + b"0" * 64, "image/png",
                               "Your pipeline")
            adapter.deliver(telegram_user(4242), [Reply("Here's your export.", attachment=export),
                                                  Reply("", attachment=chart)])
        finally:
            adapter.stop()
    text, document, photo = fake.sent_messages(4242)
    assert text.plain_text == "Here's your export."
    assert document.method == "sendDocument" and document.file_name == "afterview-export.json"
    assert document.upload == b'{"applications": []}'
    assert document.plain_text == "Everything you told me"
    assert photo.method == "sendPhoto" and photo.plain_text == "Your pipeline"
