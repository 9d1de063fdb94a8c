"""Nudges on time: how late a morning's reminders reach people when a whole region's 09:00
arrives at once, delivered through a Telegram that takes 30 messages a second.

    python -m bench.lateness                 # 100,000 users, 20,000 due at once; ≈ 25 min
    python -m bench.lateness --quick         # 10,000 users, 2,000 due; ≈ 3 min
    python -m bench.lateness --pg postgresql://postgres@127.0.0.1:5432/test

**The population.** `bench.dataset`'s people (Telegram users, one application, an interview and
two interviewers each, their thank-yous sent), spread over nine time zones. The due ones live
in five zones that are all UTC+1 on Monday 23 November (Berlin, Paris, Madrid, Rome, Lagos):
their follow-up is due at 09:00 local, 08:00 UTC, the same instant. Everyone else's follow-up is
at their own 09:00: already sent in Kolkata and Tokyo, still to come in London and New York —
rows the scheduler must step over. Each follow-up is one message with nine buttons.

**The morning.** Per measure, a fresh PostgreSQL schema with that population, and the fake Bot
API enforcing Telegram's 30 sends a second (sliding one-second window, 429 with Retry-After
beyond it). One or two worker processes, each built as `afterview worker` builds its
delivery — `Database`, `Engine`, `ButtonVault`, a `TelegramAdapter` with the shipped
`FloodLimiter` (30 a second per worker) on its private loop and the bot's pace shared through
the database (29 a second for all its workers together), the `Scheduler` with the shipped
batch (1,000) — on a clock standing at 08:00 UTC, warm up (one message to a chat of their own),
then wait for the start signal and tick until nothing is due.

**What is measured.** The start signal is 09:00 for everyone due. The n-th message to reach the
fake cannot have gone before n/30 s (the physical floor); its lateness is its arrival at the
fake minus the start signal. Printed: p50, p99 and max lateness, each over the floor at the
same rank (p99: the lateness of the message at rank 0.99·N over 0.99·N/30 s). Target: p99 ≤
1.1× the floor, not a nudge lost (every due chat got exactly one message, every due row `sent`)
nor sent twice.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

os.environ.setdefault("PTB_TIMEDELTA", "1")  # PTB 22: timedeltas, not deprecated ints

from sqlalchemy import func, select  # noqa: E402

from bench import dataset  # noqa: E402
from bench.common import (  # noqa: E402
    PG_DEFAULT,
    WARM_CHAT,
    Row,
    database,
    percentile,
    postgres_reachable,
    spawn_workers,
    telegram_worker,
)
from bench.common import table as render_table  # noqa: E402
from storage.db import Database  # noqa: E402
from storage.models import Application, Event, Interview, Interviewer, Nudge, User  # noqa: E402
from tests.fakes.telegram_api import FakeTelegram  # noqa: E402

LIMIT = 30  # Telegram: sends a second per bot
TARGET = 1.1  # p99 lateness ÷ the floor at that rank
MORNING = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)  # 09:00 in every UTC+1 zone
DUE_ZONES = ("Europe/Berlin", "Europe/Paris", "Europe/Madrid", "Europe/Rome", "Africa/Lagos")
#: the others, and when their own 09:00 falls that Monday (UTC)
OTHER_ZONES = {
    "Europe/London": datetime(2026, 11, 23, 9, 0, tzinfo=UTC),
    "America/New_York": datetime(2026, 11, 23, 14, 0, tzinfo=UTC),
    "Asia/Kolkata": datetime(2026, 11, 23, 3, 30, tzinfo=UTC),
    "Asia/Tokyo": datetime(2026, 11, 23, 0, 0, tzinfo=UTC),
}
FIRST_CHAT = 100_000_001  # bench.dataset: user i is Telegram chat 100,000,000 + i


# ---- the population -------------------------------------------------------------------------

def zone_of(user_id: int, due: set[int]) -> str:
    if user_id in due:
        return DUE_ZONES[user_id % len(DUE_ZONES)]
    others = list(OTHER_ZONES)
    return others[user_id % len(others)]


def _nudges(users: int, due: set[int]) -> Iterator[dict[str, Any]]:
    """One follow-up a user, due at their own 09:00: pending (due now or later) or sent."""
    payload = json.dumps({"decision": dataset.DECISION.isoformat()})
    for user_id in range(1, users + 1):
        zone = zone_of(user_id, due)
        at = MORNING if user_id in due else OTHER_ZONES[zone]
        sent = at < MORNING
        yield dict(user_id=user_id, application_id=user_id, interview_id=None,
                   kind="follow_up", key=dataset.follow_up_key(user_id), due_at=at,
                   state="sent" if sent else "pending", attempts=1 if sent else 0,
                   claimed_at=None, claimed_by=None, sent_at=at if sent else None,
                   last_error=None, payload=payload,
                   created_at=dataset.INTERVIEW_AT + timedelta(hours=1))


def seed(url: str, users: int, due_count: int) -> list[int]:
    """The population; returns the ids of the users due at 09:00 (UTC+1)."""
    due = dataset.due_users(users, due_count)
    wanted = set(due)
    db = Database(url)
    try:
        dataset._insert_all(db, [
            (User.__table__,  # type: ignore[list-item]
             (dict(row, timezone=zone_of(row["id"], wanted)) for row in dataset._users(users))),
            (Application.__table__, dataset._applications(users)),  # type: ignore[list-item]
            (Interview.__table__, dataset._interviews(users)),  # type: ignore[list-item]
            (Interviewer.__table__, dataset._interviewers(users)),  # type: ignore[list-item]
            (Event.__table__, dataset._events(users)),  # type: ignore[list-item]
            (Nudge.__table__, _nudges(users, wanted)),  # type: ignore[list-item]
        ])
        dataset._analyse(db)
    finally:
        db.dispose()
    return due


# ---- one worker process ---------------------------------------------------------------------

def _worker(url: str, api_url: str, name: str, out: str, ready: Any, go: Any) -> None:
    """A worker as `afterview worker` builds its delivery; writes its figures to `out`."""
    adapter, scheduler, db = telegram_worker(url, api_url, MORNING, name)
    ready.set()
    go.wait(300)
    sent = 0
    failed = 0
    while True:
        report = scheduler.tick()
        sent += report.sent
        failed += report.failed
        if not report.claimed:
            break
    adapter.stop()
    db.dispose()
    Path(out).write_text(json.dumps({"sent": sent, "failed": failed}))


# ---- one morning ----------------------------------------------------------------------------

@dataclass
class Morning:
    workers: int
    due: int
    lateness: list[float]  # seconds after 09:00, in arrival order
    lost: int
    duplicated: int
    db_sent: int
    too_many: int
    per_worker: list[int]

    def at(self, p: float) -> tuple[float, float]:
        """(lateness at percentile p, the floor at that rank)."""
        if not self.lateness:
            return float("nan"), float("nan")
        rank = max(1, round(p / 100 * len(self.lateness)))
        return percentile(self.lateness, p), rank / LIMIT

    @property
    def bad(self) -> int:
        return self.lost + self.duplicated + (self.due - self.db_sent)


def morning(pg: str, users: int, due_count: int, workers: int) -> Morning:
    context = multiprocessing.get_context("spawn")
    with database(pg) as url, FakeTelegram(rate_limit_per_second=LIMIT,
                                           per_chat_per_second=1) as fake, \
            tempfile.TemporaryDirectory(prefix="afterview-bench-") as folder:
        due = seed(url, users, due_count)
        processes, outs, go = spawn_workers(
            context, _worker, workers, folder,
            lambda n: (url, fake.api_url, f"morning-{n}"), 180)
        time.sleep(1.1)  # the warm-up messages leave the fake's one-second window
        before = len(fake.sent_messages())
        nine = time.monotonic()  # CLOCK_MONOTONIC: the fake's clock too
        go.set()
        for process in processes:
            process.join(3 * 3600)
            if process.exitcode != 0:
                raise RuntimeError(f"a worker failed (exit code {process.exitcode})")
        figures = [json.loads(Path(out).read_text()) for out in outs]
        arrived = [m for m in fake.sent_messages()[before:] if m.chat_id != WARM_CHAT]
        chats = {FIRST_CHAT - 1 + user for user in due}
        counts = Counter(int(m.chat_id) for m in arrived)
        lost = sum(1 for chat in chats if counts.get(chat, 0) == 0)
        duplicated = sum(max(0, n - 1) for n in counts.values()) + sum(
            n for chat, n in counts.items() if chat not in chats)
        db = Database(url, upgrade=False)
        try:
            with db.session() as session:
                sent = int(session.scalar(select(func.count()).select_from(Nudge).where(
                    Nudge.due_at == MORNING, Nudge.state == "sent")) or 0)
        finally:
            db.dispose()
        return Morning(workers, len(due), sorted(m.at - nine for m in arrived), lost,
                       duplicated, sent, fake.too_many_requests, [f["sent"] for f in figures])


def rows_for(result: Morning) -> list[Row]:
    name = f"PostgreSQL, {result.workers} worker{'s' if result.workers > 1 else ''}"
    rows = []
    for label, p in (("p50", 50.0), ("p99", 99.0), ("max", 100.0)):
        late, floor = result.at(p)
        rows.append(Row(f"{name}: {result.due:,} due at 09:00, {label} lateness", late, floor,
                        late / floor, TARGET if label == "p99" else None,
                        note="vs the floor at that rank (n/30 s)"))
    rows.append(Row(f"{name}: nudges lost or sent twice", None, None, float(result.bad), 0.0,
                    unit="", note=f"{result.lost} lost, {result.duplicated} twice, DB "
                                  f"{result.db_sent:,}/{result.due:,} sent; "
                                  f"{result.too_many} × 429; split "
                                  f"{' + '.join(map(str, result.per_worker))}"))
    return rows


def main(argv: list[str] | None = None) -> list[Row]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pg", default=PG_DEFAULT, help=f"PostgreSQL (default {PG_DEFAULT})")
    parser.add_argument("--users", type=int, default=100_000)
    parser.add_argument("--due", type=int, default=20_000)
    parser.add_argument("--workers", type=int, action="append", default=None,
                        help="worker processes for a measure; repeatable (default: 1 and 2)")
    parser.add_argument("--quick", action="store_true",
                        help="10,000 users, 2,000 due: a smoke run")
    args = parser.parse_args(argv)
    users, due = (10_000, 2_000) if args.quick else (args.users, args.due)
    if not postgres_reachable(args.pg):
        print(f"(PostgreSQL at {args.pg} is not reachable: skipped)\n")
        return []
    rows: list[Row] = []
    for workers in args.workers or [1, 2]:
        started = time.perf_counter()
        print(f"  lateness: {users:,} users, {due:,} due at 09:00, {workers} worker(s) "
              f"(floor {due / LIMIT:.0f} s) …", flush=True)
        result = morning(args.pg, users, due, workers)
        found = rows_for(result)
        print(render_table(f"Nudges on time ({workers} worker(s), "
                           f"{time.perf_counter() - started:.0f} s)", found,
                           headers=("lateness", "floor", "÷ floor")))
        print()
        rows.extend(found)
    return rows


if __name__ == "__main__":
    main()
