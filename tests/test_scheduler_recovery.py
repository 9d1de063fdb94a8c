"""Crashes and downtime: a worker that dies between claiming a nudge and sending it loses
nothing, and a bot that was down for days catches up once — only with what still helps, in one
message, never as a burst of stale reminders.

Jane lives in London (UTC in November), nudges at 9, quiet from 21 to 8. 23 Nov 2026 is a
Monday.
"""

from __future__ import annotations

import multiprocessing
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from bot.clock import FixedClock
from bot.messages import Reply, UserKey
from bot.nudges.scheduler import Scheduler
from storage.db import Database
from storage.models import Nudge, User
from tests.nudging import Inbox, run_until
from tests.story import Seeker, make_engine

MONDAY_1130 = datetime(2026, 11, 23, 11, 30, tzinfo=UTC)
MONDAY_1800 = datetime(2026, 11, 23, 18, 0, tzinfo=UTC)


def day(d: int, hour: int, minute: int = 0) -> datetime:
    """A moment in November 2026, or early December for d > 30."""
    month, d = (12, d - 30) if d > 30 else (11, d)
    return datetime(2026, month, d, hour, minute, tzinfo=UTC)


def jane_after_an_interview(url: str, decision: str = "in three weeks"):  # type: ignore[no-untyped-def]
    """Jane has just debriefed her 11:00 interview at Acme (two interviewers)."""
    engine, clock, db = make_engine(url, MONDAY_1130)
    jane = Seeker(engine)
    jane.says("hello")
    jane.answers("Jane Doe", "jane@example.com · +44 7700 900123", "London", "9", "21-8")
    jane.runs("debrief")
    jane.answers("Acme", "Data Analyst", "today 11:00", "first", "video",
                 "Katherine O'Neill", "skip", "skip", "skip", "streaming",
                 "Rahul Mehta", "skip", "skip", "skip", "mentoring", "done",
                 "4", "skip", "skip", "skip", "skip", "skip", decision, "skip", "skip")
    assert "What happens next" in jane.text, jane.text
    return jane, clock, db


def worker(db: Database, clock: FixedClock, name: str) -> tuple[Scheduler, Inbox]:
    inbox = Inbox(clock)
    return Scheduler(db, inbox, clock, worker_id=name), inbox


def thank_yous(inbox: Inbox) -> list[str]:
    return [m.reply.text for m in inbox.messages if "✉️" in m.reply.text]


# ---- a worker dies between claim and send --------------------------------------------------------

def test_a_nudge_claimed_by_a_worker_that_died_is_sent_once_by_another_after_the_timeout(
        sqlite_url):
    jane, clock, db = jane_after_an_interview(sqlite_url)
    clock.set(MONDAY_1800)
    doomed, doomed_inbox = worker(db, clock, "doomed")
    assert doomed.claim(clock.now())  # …and dies before it could send anything
    survivor, inbox = worker(db, clock, "survivor")
    clock.set(day(23, 18, 3))
    survivor.tick()
    assert inbox.messages == []  # still claimed: the other worker might only be slow
    clock.set(day(23, 18, 6))  # past the 5-minute claim timeout
    survivor.tick()
    run_until(survivor, clock, day(23, 20))
    assert len(inbox.messages) == 1 and doomed_inbox.messages == []
    assert "Katherine O'Neill" in inbox.messages[0].reply.text


def test_a_worker_that_comes_back_after_its_claim_was_taken_over_sends_nothing_twice(sqlite_url):
    jane, clock, db = jane_after_an_interview(sqlite_url)
    clock.set(MONDAY_1800)
    slow, slow_inbox = worker(db, clock, "slow")
    slow.claim(clock.now())
    survivor, inbox = worker(db, clock, "survivor")
    clock.set(day(23, 18, 6))
    survivor.tick()
    clock.set(day(23, 18, 7))
    slow.tick()  # the slow one wakes up: its claim is gone, nothing is due
    assert len(inbox.messages) == 1 and slow_inbox.messages == []


def test_one_users_unreadable_nudge_holds_back_only_that_users_message(sqlite_url):
    """A batch is prepared in one transaction; when something in it cannot be rendered (here a
    nudge kind this version does not know), the batch is prepared again user by user: everyone
    else's message goes out, the bad nudge waits for later, and nothing is lost."""
    jane, clock, db = jane_after_an_interview(sqlite_url)
    sam = Seeker(jane.engine, "sam")
    sam.says("hello")
    sam.answers("Sam Lee", "sam@example.com", "London", "9", "21-8")
    sam.runs("debrief")
    sam.answers("Initech", "Engineer", "today 10:00", "first", "video", "Bill Lumbergh",
                *["skip"] * 4, "done", "4", *["skip"] * 5, "in three weeks", "skip", "skip")
    assert "What happens next" in sam.text, sam.text
    with db.session() as session:
        sams = session.scalars(select(Nudge).join(User, User.id == Nudge.user_id).where(
            Nudge.kind == "thank_you", User.external_id == "sam")).all()
        assert sams
        for row in sams:
            row.kind = "from_a_newer_version"
    clock.set(MONDAY_1800)
    scheduler, inbox = worker(db, clock, "w")
    report = scheduler.tick()
    assert [m.user.user_id for m in inbox.messages] == ["jane"]
    assert "Katherine O'Neill" in inbox.messages[0].reply.text
    assert report.failed == 1 and report.sent == 1
    with db.session() as session:
        held = session.scalars(select(Nudge).where(Nudge.kind == "from_a_newer_version",
                                                   Nudge.last_error == "prepare failed")).all()
        assert len(held) == 1 and held[0].state == "pending"
        assert held[0].due_at == MONDAY_1800 + timedelta(minutes=5)
        held[0].kind = "thank_you"  # the newer version is deployed: it goes out
    clock.set(MONDAY_1800 + timedelta(minutes=5))
    scheduler.tick()
    assert [m.user.user_id for m in inbox.messages] == ["jane", "sam"]
    assert "Bill Lumbergh" in inbox.messages[1].reply.text


def test_a_batch_too_slow_for_its_claim_gives_the_rest_back_and_claims_it_afresh(sqlite_url):
    """On a slow platform a worker stops sending a batch before its claim could be taken for
    abandoned, gives the rest back and claims it again: each message goes out once."""
    jane, clock, db = jane_after_an_interview(sqlite_url)
    for name in ("sam", "ann", "bob"):
        seeker = Seeker(jane.engine, name)
        seeker.says("hello")
        seeker.answers(name.title(), f"{name}@example.com", "London", "9", "21-8")
        seeker.runs("debrief")
        seeker.answers("Initech", "Engineer", "today 10:00", "first", "video", "Bill Lumbergh",
                       *["skip"] * 4, "done", "4", *["skip"] * 5, "in three weeks", "skip",
                       "skip")
    clock.set(MONDAY_1800)
    inbox = Inbox(clock)
    claims: list[int] = []

    def slow(user: UserKey, replies: Sequence[Reply]) -> None:
        time.sleep(0.12)  # past half the claim timeout after one message
        inbox(user, replies)

    class Counting(Scheduler):
        def _claim(self, session, now):  # type: ignore[no-untyped-def]
            rows = super()._claim(session, now)
            claims.append(len(rows))
            return rows

    Counting(db, slow, clock, worker_id="slow", claim_timeout=timedelta(seconds=0.2)).tick()
    assert sorted(m.user.user_id for m in inbox.messages) == ["ann", "bob", "jane", "sam"]
    assert claims == [4, 3, 2, 1, 0]
    with db.session() as session:
        rows = session.scalars(select(Nudge).where(Nudge.state == "sent")).all()
        assert len(rows) == 4 and {row.attempts for row in rows} == {1}


def _blocked_worker(url: str, marker: str) -> None:
    """A worker process that claims the 18:00 nudge and hangs while delivering it."""
    def deliver(user: UserKey, replies: Sequence[Reply]) -> None:
        Path(marker).write_text("delivering")
        time.sleep(600)

    Scheduler(Database(url, upgrade=False), deliver, FixedClock(MONDAY_1800),
              worker_id="blocked").tick()


def test_a_worker_process_killed_while_delivering_loses_no_nudge(sqlite_url, tmp_path):
    jane, clock, db = jane_after_an_interview(sqlite_url)
    marker = tmp_path / "delivering"
    process = multiprocessing.get_context("spawn").Process(
        target=_blocked_worker, args=(sqlite_url, str(marker)))
    process.start()
    for _ in range(600):
        if marker.exists() or not process.is_alive():
            break
        time.sleep(0.05)
    assert marker.exists(), "the worker never got to deliver"
    process.kill()  # SIGKILL: no cleanup, no release of its claim
    process.join(10)
    with db.session() as session:
        assert session.scalars(select(Nudge.state).where(Nudge.key.like("thank_you:%:1"))).one() \
            == "claimed"
    clock.set(day(23, 18, 6))
    survivor, inbox = worker(db, clock, "survivor")
    run_until(survivor, clock, day(23, 20))
    assert len(inbox.messages) == 1
    assert "Send your thank-yous today" in inbox.messages[0].reply.text


# ---- the bot was down for days ---------------------------------------------------------------

def test_after_three_days_down_the_missed_thank_you_reminders_come_once_late_is_better_than_never(
        sqlite_url):
    jane, clock, db = jane_after_an_interview(sqlite_url)
    # down from Monday 11:30 to Thursday 08:30: Mon 18:00, Tue 09:00 and Wed 09:00 all missed
    clock.set(day(26, 8, 30))
    scheduler, inbox = worker(db, clock, "back")
    scheduler.tick()
    assert thank_yous(inbox) == [inbox.messages[0].reply.text]
    assert "Late is better than never" in inbox.messages[0].reply.text
    run_until(scheduler, clock, day(33, 12), timedelta(hours=3))
    assert len(thank_yous(inbox)) == 1


def test_a_thank_you_reminder_two_weeks_late_is_dropped(sqlite_url):
    jane, clock, db = jane_after_an_interview(sqlite_url)
    clock.set(day(37, 10))  # back two weeks later
    scheduler, inbox = worker(db, clock, "back")
    run_until(scheduler, clock, day(38, 12), timedelta(hours=3))
    assert thank_yous(inbox) == []


def test_a_follow_up_three_days_late_is_still_sent_once(sqlite_url):
    jane, clock, db = jane_after_an_interview(sqlite_url, decision="Friday")
    scheduler, inbox = worker(db, clock, "worker")
    run_until(scheduler, clock, day(23, 18, 30))
    jane.press_value(inbox.button("Done — all sent"))
    run_until(scheduler, clock, day(29, 12))
    before = len(inbox.messages)
    clock.set(day(33, 9, 30))  # down from Sunday; the follow-up was due Monday 09:00
    scheduler.tick()
    run_until(scheduler, clock, day(37, 12), timedelta(hours=3))
    follow_ups = [m for m in inbox.messages[before:] if "expected to decide" in m.reply.text]
    assert [m.at for m in follow_ups] == [day(33, 9, 30)]


def test_after_three_days_down_everything_still_relevant_comes_in_one_message(sqlite_url):
    jane, clock, db = jane_after_an_interview(sqlite_url, decision="Wednesday")
    clock.set(day(26, 12))  # thank-yous missed since Monday, the follow-up since 09:00 today
    scheduler, inbox = worker(db, clock, "back")
    scheduler.tick()
    scheduler.tick()
    assert len(inbox.messages) == 1
    text = inbox.messages[0].reply.text
    assert "Late is better than never" in text and "expected to decide" in text
    assert text.count("✉️") == 1  # one thank-you reminder, not three


def test_a_digest_a_week_late_is_dropped_and_next_mondays_comes_as_usual(sqlite_url):
    jane, clock, db = jane_after_an_interview(sqlite_url)
    scheduler, inbox = worker(db, clock, "worker")
    run_until(scheduler, clock, day(23, 18, 30))
    jane.press_value(inbox.button("Stop for this application"))  # only the digest is left
    run_until(scheduler, clock, day(29, 12))
    clock.set(day(37, 10))  # down all week: Monday 30's digest is a week old
    run_until(scheduler, clock, day(44, 12), timedelta(hours=3))
    digests = [m.at for m in inbox.messages if "week ahead" in m.reply.text]
    assert digests == [day(44, 9)]


def test_a_bot_back_in_the_middle_of_the_night_waits_for_the_morning(sqlite_url):
    jane, clock, db = jane_after_an_interview(sqlite_url, decision="Wednesday")
    clock.set(day(26, 23, 30))  # back at 23:30, inside Jane's quiet hours
    scheduler, inbox = worker(db, clock, "back")
    run_until(scheduler, clock, day(27, 12))
    assert [m.at for m in inbox.messages] == [day(27, 8)]
