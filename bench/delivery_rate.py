"""Delivery at the platform limit: 1,000 nudges to 1,000 Telegram chats through the fake Bot API
enforcing Telegram's 30 sends a second; then two worker processes on PostgreSQL against one,
without a limit.

    python -m bench.delivery_rate                    # 1,000 nudges; SQLite, then PostgreSQL
    python -m bench.delivery_rate --quick            # 300 nudges: a smoke run
    python -m bench.delivery_rate --db postgresql --pg postgresql://postgres@127.0.0.1:5432/test

Targets: at the limit, the achieved rate ≥ 95% of it (nudges over the whole tick, claim to
last mark-sent), not a nudge lost or sent twice; two workers ≥ 1.6× one worker's rate, each
nudge delivered exactly once.

**At the limit.** `bench.dataset`'s people (Telegram users, one application, interview and two
interviewers each) and one follow-up due for each. The product's `Runtime` (worker: long
polling and the scheduler) runs on a loop in a thread against `FakeTelegram(rate_limit_per_
second=30, per_chat_per_second=1)`, with its own `FloodLimiter` as shipped (30/s per bot,
1/s per chat); its clock starts before anything is due, so the start-up tick finds nothing,
then moves to NOW and `runtime.scheduler.tick()` (batch 1,000, as shipped) delivers — over the
application's running loop, as in `afterview worker`. Each follow-up is one message with
nine buttons (their tokens are written to the vault as it is sent).

**Two workers.** Per measure, a fresh PostgreSQL schema holding the same shape (N users, N
due follow-ups). Each worker is a process building what `afterview tick` builds — `Database`,
`Engine`, `ButtonVault`, a `TelegramAdapter` delivering on its private loop — with the bot's
limiter lifted (the fake has none), warms its connection with one message to a chat of its
own, waits for the start signal, and runs `Scheduler(…, batch=50).tick()` until nothing is
due (batch 50 so the due nudges split evenly between two workers; the shipped 1,000 would
give one worker all of them). One worker alone first, then two; the rate is the nudges sent
over the time from the first worker's start to the last one's end.

Lost or duplicated: every chat must have received exactly one message at the fake, and every
due nudge must be `sent` in the database.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

os.environ.setdefault("PTB_TIMEDELTA", "1")  # PTB 22: timedeltas, not deprecated ints

from sqlalchemy import func, select  # noqa: E402

from bench.common import (  # noqa: E402
    PG_DEFAULT,
    WARM_CHAT,
    Row,
    database,
    label,
    postgres_reachable,
    spawn_workers,
    telegram_worker,
)
from bench.common import table as render_table  # noqa: E402
from bench.dataset import NOW, add_nudges, add_people, due_users  # noqa: E402
from bot.clock import FixedClock  # noqa: E402
from storage.db import Database  # noqa: E402
from storage.models import Nudge  # noqa: E402
from tests.fakes.telegram_api import FakeTelegram  # noqa: E402

LIMIT = 30  # Telegram: sends a second per bot
RATE_TARGET = 95.0  # % of the limit
SPEEDUP_TARGET = 1.6
FIRST_CHAT = 100_000_001  # bench.dataset: user i is Telegram chat 100,000,000 + i
WORKER_BATCH = 50


def seed(url: str, nudges: int) -> None:
    """`nudges` Telegram users, one follow-up due for each (over the hour before NOW)."""
    db = Database(url)
    try:
        add_people(db, nudges)
        add_nudges(db, nudges, due_users(nudges, nudges), NOW, 0, 0)
    finally:
        db.dispose()


@dataclass
class Check:
    """What reached the chats and what the database says."""

    chats: int
    lost: int  # chats without a message
    duplicated: int  # messages beyond the first in a chat
    db_sent: int
    db_other: dict[str, int]

    @property
    def bad(self) -> int:
        return self.lost + self.duplicated + (self.chats - self.db_sent)

    def __str__(self) -> str:
        other = ", ".join(f"{n} {state}" for state, n in self.db_other.items())
        return (f"{self.chats - self.lost:,}/{self.chats:,} chats got a message, "
                f"{self.duplicated} extra; DB {self.db_sent:,} sent"
                + (f", {other}" if other else ""))


def check(fake: FakeTelegram, url: str, nudges: int) -> Check:
    chats = range(FIRST_CHAT, FIRST_CHAT + nudges)
    counts = Counter(m.chat_id for m in fake.sent_messages() if m.chat_id != WARM_CHAT)
    lost = sum(1 for chat in chats if counts.get(chat, 0) == 0)
    duplicated = sum(max(0, n - 1) for n in counts.values())
    duplicated += sum(n for chat, n in counts.items() if chat not in chats)  # nobody's chat
    db = Database(url, upgrade=False)
    try:
        with db.session() as session:
            states = dict(session.execute(
                select(Nudge.state, func.count()).where(Nudge.kind == "follow_up",
                                                        Nudge.due_at <= NOW)
                .group_by(Nudge.state)).all())
    finally:
        db.dispose()
    sent = int(states.pop("sent", 0))
    return Check(nudges, lost, duplicated, sent, {k: int(v) for k, v in states.items()})


# ---- at the platform limit ------------------------------------------------------------------

@dataclass
class LimitResult:
    db: str
    nudges: int
    tick_seconds: float
    send_span: float  # first send to last send, at the fake
    messages: int
    too_many: int  # 429s the fake answered
    check: Check

    @property
    def rate(self) -> float:
        return self.check.db_sent / self.tick_seconds


def at_the_limit(kind: str, nudges: int) -> LimitResult:
    from tests.telegram_harness import running, settings_for

    with database(kind) as url, FakeTelegram(rate_limit_per_second=LIMIT,
                                             per_chat_per_second=1) as fake:
        name = label(url)
        seed(url, nudges)
        clock = FixedClock(NOW - timedelta(hours=2))  # nothing due yet: the start-up tick idles
        with running(settings_for(fake, url), clock, worker=True,
                     per_chat_interval=None) as runtime:
            time.sleep(1.0)  # the start-up tick (APScheduler runs it at once) has found nothing
            clock.set(NOW)
            before = len(fake.sent_messages())
            started = time.monotonic()
            report = runtime.scheduler.tick()
            elapsed = time.monotonic() - started
            sent = fake.sent_messages()[before:]
        if report.sent != nudges:
            print(f"  (the tick reported {report})")
        times = [m.at for m in sent]
        return LimitResult(name, nudges, elapsed, max(times) - min(times) if times else 0.0,
                           len(sent), fake.too_many_requests, check(fake, url, nudges))


# ---- one worker, two workers ----------------------------------------------------------------

def _worker(url: str, api_url: str, name: str, out: str, ready: Any, go: Any) -> None:
    """One worker process, as `afterview tick` builds one; writes its figures to `out`."""
    from adapters.telegram_flood import FloodLimiter

    adapter, scheduler, db = telegram_worker(url, api_url, NOW, name,
                                             limiter=FloodLimiter(per_second=100_000),
                                             batch=WORKER_BATCH)
    ready.set()
    go.wait(120)
    started = time.monotonic()
    sent = 0
    while True:
        report = scheduler.tick()
        sent += report.sent
        if not report.claimed:
            break
    ended = time.monotonic()  # CLOCK_MONOTONIC: one clock for every process on the machine
    adapter.stop()
    db.dispose()
    Path(out).write_text(json.dumps({"started": started, "ended": ended, "sent": sent}))


@dataclass
class WorkersResult:
    workers: int
    nudges: int
    seconds: float
    per_worker: list[int]
    check: Check

    @property
    def rate(self) -> float:
        return self.check.db_sent / self.seconds


def with_workers(pg: str, nudges: int, workers: int) -> WorkersResult:
    context = multiprocessing.get_context("spawn")
    with database(pg) as url, FakeTelegram() as fake, \
            tempfile.TemporaryDirectory(prefix="afterview-bench-") as folder:
        seed(url, nudges)
        processes, outs, go = spawn_workers(
            context, _worker, workers, folder,
            lambda n: (url, fake.api_url, f"bench-{n}"), 120)
        go.set()
        for process in processes:
            process.join(600)
            if process.exitcode != 0:
                raise RuntimeError(f"a worker failed (exit code {process.exitcode})")
        figures = [json.loads(Path(out).read_text()) for out in outs]
        seconds = max(f["ended"] for f in figures) - min(f["started"] for f in figures)
        return WorkersResult(workers, nudges, seconds, [f["sent"] for f in figures],
                             check(fake, url, nudges))


# ---- the tables -----------------------------------------------------------------------------

def limit_rows(result: LimitResult) -> list[Row]:
    name = f"{result.db}, fake at {LIMIT}/s"
    return [
        Row(f"{name}: {result.nudges:,} nudges → {result.nudges:,} chats", result.rate,
            None, 100 * result.rate / LIMIT, RATE_TARGET, unit="%", at_least=True,
            note=f"tick {result.tick_seconds:.1f} s; sends at the fake "
                 f"{(result.messages - 1) / result.send_span:.1f}/s first to last; "
                 f"{result.too_many} × 429"),
        Row(f"{name}: nudges lost or sent twice", None, None, float(result.check.bad), 0.0,
            unit="", note=str(result.check)),
    ]


def worker_rows(one: WorkersResult, two: WorkersResult) -> list[Row]:
    name = "PostgreSQL, no limit"
    return [
        Row(f"{name}: 1 worker, {one.nudges:,} nudges", one.rate, None, None, None,
            note=f"{one.seconds:.1f} s; {one.check}"),
        Row(f"{name}: 2 workers ÷ 1 worker", two.rate, None, two.rate / one.rate,
            SPEEDUP_TARGET, at_least=True,
            note=f"{two.seconds:.1f} s; split {' + '.join(map(str, two.per_worker))}"),
        Row(f"{name}: 2 workers, nudges lost or sent twice", None, None,
            float(two.check.bad + one.check.bad), 0.0, unit="",
            note=str(two.check)),
    ]


def main(argv: list[str] | None = None) -> list[Row]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", action="append", default=None,
                        help="where the at-the-limit run keeps its data: sqlite, postgresql or "
                             "a PostgreSQL URL; repeatable (default: sqlite)")
    parser.add_argument("--pg", default=PG_DEFAULT,
                        help=f"PostgreSQL for the two-worker run (default {PG_DEFAULT})")
    parser.add_argument("--nudges", type=int, default=1000)
    parser.add_argument("--worker-nudges", type=int, default=None,
                        help="nudges for the worker runs (default: --nudges)")
    parser.add_argument("--no-workers", action="store_true", help="skip the worker runs")
    parser.add_argument("--quick", action="store_true", help="300 nudges: a smoke run")
    args = parser.parse_args(argv)
    nudges = 300 if args.quick else args.nudges
    worker_nudges = args.worker_nudges or nudges
    rows: list[Row] = []
    for kind in args.db or ["sqlite"]:
        if kind != "sqlite" and not postgres_reachable(args.pg if kind == "postgresql"
                                                        else kind):
            print(f"(PostgreSQL at {kind} is not reachable: skipped)\n")
            continue
        started = time.perf_counter()
        print(f"  delivery: {nudges:,} nudges at {LIMIT}/s on {label(kind)} "
              f"(≈ {nudges / LIMIT:.0f} s) …", flush=True)
        result = at_the_limit(args.pg if kind == "postgresql" else kind, nudges)
        found = limit_rows(result)
        print(render_table(f"Delivery at the platform limit ({result.db}, "
                           f"{time.perf_counter() - started:.0f} s)", found,
                           headers=("nudges/s", "", "÷ limit")))
        print()
        rows.extend(found)
    if not args.no_workers:
        if not postgres_reachable(args.pg):
            print(f"(PostgreSQL at {args.pg} is not reachable: the worker runs are skipped)\n")
            return rows
        started = time.perf_counter()
        print(f"  delivery: {worker_nudges:,} nudges by 1 worker, then by 2 …", flush=True)
        one = with_workers(args.pg, worker_nudges, 1)
        two = with_workers(args.pg, worker_nudges, 2)
        found = worker_rows(one, two)
        print(render_table(f"Delivery by worker processes (PostgreSQL, "
                           f"{time.perf_counter() - started:.0f} s)", found,
                           headers=("nudges/s", "", "ratio")))
        print()
        rows.extend(found)
    return rows


if __name__ == "__main__":
    main()
