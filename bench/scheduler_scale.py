"""Scheduler at scale: one tick claiming and rendering 10,000 due nudges among 100,000 users,
with 100,000 and with 1,000,000 nudges stored, on SQLite and PostgreSQL; deliveries go to a
no-op collector.

    python -m bench.scheduler_scale                  # both databases, full size
    python -m bench.scheduler_scale --quick          # 10× smaller: a smoke run
    python -m bench.scheduler_scale --db sqlite --budget 0   # every tick to its end

Targets: a tick takes ≤ 2 s; a tick over 1,000,000 stored rows costs ≤ 1.5× a tick over
100,000 (cost follows what is due, not what is stored).

Two databases hold the same users and the same 10,000 due nudges; the second has 900,000 more
rows of history and future. The two ticks run interleaved, one claimed batch at a time, so
both see the same machine load. When `--budget` seconds (both ticks together) run out before
the ticks end, each tick's time is extrapolated from the nudges it handled, and the table says
so: the cost of a tick is per claimed batch, so the rate holds for the rest.
"""

from __future__ import annotations

import argparse
import shutil
import time
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import event, func, select, text

from bench.common import Row, database, label, usable_databases
from bench.common import table as render_table
from bench.dataset import NOW, add_nudges, add_people, due_users
from bot.clock import FixedClock
from bot.messages import Reply, UserKey
from bot.scheduler import Outgoing, Scheduler, TickReport
from storage.db import Database
from storage.models import Base, Nudge

TICK_TARGET_S = 2.0
RATIO_TARGET = 1.5


class Collector:
    """The no-op platform: counts what it is handed."""

    def __init__(self) -> None:
        self.messages = 0

    def __call__(self, user: UserKey, replies: Sequence[Reply]) -> None:
        self.messages += len(replies)


class TimedScheduler(Scheduler):
    """The product's scheduler with stopwatches around its phases (behaviour unchanged), and
    `one_batch()`: one turn of `tick`'s loop, so two ticks can run interleaved."""

    def __init__(self, db: Database, deliver: Collector) -> None:
        super().__init__(db, deliver, FixedClock(NOW), worker_id="bench")
        self.collector = deliver
        self.report = TickReport()
        self.seconds = {"release": 0.0, "claim": 0.0, "prepare": 0.0, "send": 0.0}
        self.claims = 0
        self.statements = 0
        self.done = False
        self._count = count_statements(db)

    def start(self) -> None:
        """What `tick` does once before its loop."""
        started = time.perf_counter()
        self.release_stale(NOW)
        self.seconds["release"] += time.perf_counter() - started

    def one_batch(self) -> None:
        """What `tick` does each time round its loop."""
        before = self._count()
        claimed = self.claim(NOW)
        if not claimed:
            self.done = True
        else:
            self.report.claimed += sum(len(ids) for ids in claimed.values())
            self._process(claimed, NOW, self.report)
        self.statements += self._count() - before

    @property
    def total(self) -> float:
        return sum(self.seconds.values())

    def claim(self, now: datetime) -> dict[int, list[int]]:
        started = time.perf_counter()
        try:
            return super().claim(now)
        finally:
            self.seconds["claim"] += time.perf_counter() - started
            self.claims += 1

    def _prepare(self, user_id: int, ids: list[int], now: datetime,
                 report: TickReport) -> Outgoing | None:
        started = time.perf_counter()
        try:
            return super()._prepare(user_id, ids, now, report)
        finally:
            self.seconds["prepare"] += time.perf_counter() - started

    def _send(self, message: Outgoing, now: datetime, report: TickReport) -> None:
        started = time.perf_counter()
        try:
            super()._send(message, now, report)
        finally:
            self.seconds["send"] += time.perf_counter() - started


def count_statements(db: Database) -> Callable[[], int]:
    counter = {"n": 0}

    @event.listens_for(db.engine, "before_cursor_execute")
    def _count(*_args: Any) -> None:
        counter["n"] += 1

    return lambda: counter["n"]


@dataclass
class TickResult:
    stored: int
    due: int
    handled: int
    seconds: float
    claim_ms: float  # per claim
    phases: dict[str, float]
    statements: int

    @property
    def cut_short(self) -> bool:
        return self.handled < self.due

    @property
    def per_nudge_ms(self) -> float:
        return self.seconds / max(self.handled, 1) * 1000

    @property
    def full_tick_s(self) -> float:
        """The whole tick's time: measured, or extrapolated from the nudges handled."""
        return self.seconds if not self.cut_short else self.per_nudge_ms * self.due / 1000


def _counts(db: Database) -> tuple[int, int]:
    with db.session() as session:
        stored = int(session.scalar(select(func.count()).select_from(Nudge)) or 0)
        due = int(session.scalar(select(func.count()).select_from(Nudge).where(
            Nudge.state.in_(("pending", "snoozed")), Nudge.due_at <= NOW)) or 0)
    return stored, due


def interleaved_ticks(dbs: Sequence[Database], budget: float) -> list[TickResult]:
    """One tick on each database at NOW, one claimed batch each in turn, until every tick has
    ended or `budget` seconds passed (0: no limit)."""
    counts = [_counts(db) for db in dbs]
    schedulers = [TimedScheduler(db, Collector()) for db in dbs]
    started = time.perf_counter()
    for scheduler in schedulers:
        scheduler.start()
    while not all(s.done for s in schedulers):
        for scheduler in schedulers:
            if not scheduler.done:
                scheduler.one_batch()
        if budget and time.perf_counter() - started > budget:
            break
    results = []
    for scheduler, (stored, due) in zip(schedulers, counts, strict=True):
        report = scheduler.report
        if report.failed:
            raise RuntimeError(f"{report.failed} nudges failed during the tick")
        if scheduler.collector.messages != report.messages:
            raise RuntimeError("the collector and the report disagree on messages delivered")
        if report.messages < report.claimed * 0.9:
            raise RuntimeError(f"only {report.messages} of {report.claimed} claimed nudges were "
                               "delivered: the population does not make deliverable nudges")
        results.append(TickResult(stored, due, report.claimed, scheduler.total,
                                  scheduler.seconds["claim"] / max(scheduler.claims, 1) * 1000,
                                  dict(scheduler.seconds), scheduler.statements))
    return results


def _copy_postgres(source: Database, target: Database) -> None:
    """Every table of `source`'s schema into `target`'s (same migrations), server-side."""
    with source.engine.connect() as connection:
        schema = connection.scalar(text("SELECT current_schema()"))
    with target.engine.begin() as connection:
        connection.execute(text("SET LOCAL session_replication_role = replica"))
        for table in Base.metadata.sorted_tables:
            connection.execute(text(
                f'INSERT INTO "{table.name}" SELECT * FROM "{schema}"."{table.name}"'))
            if "id" in table.c and table.c.id.autoincrement is not False \
                    and table.c.id.primary_key and str(table.c.id.type) == "INTEGER":
                connection.execute(text(
                    f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                    f'(SELECT coalesce(max(id), 1) FROM "{table.name}"))'))


@dataclass
class ScaleResult:
    db: str
    small: TickResult
    large: TickResult
    load_seconds: float


def run(kind: str, users: int, small: int, large: int, due: int, budget: float,
        after: Callable[[str, Database], None] | None = None) -> ScaleResult:
    """Load two databases that differ only in stored history, then tick them interleaved.
    `after(url, db)` runs on the large one before it is dropped."""
    with ExitStack() as stack:
        small_url = stack.enter_context(database(kind))
        large_url = stack.enter_context(database(kind))
        name = label(small_url)
        started = time.perf_counter()
        print(f"  {name}: loading {users:,} users, {small:,} nudges ({due:,} due) …", flush=True)
        small_db = Database(small_url)
        stack.callback(small_db.dispose)
        add_people(small_db, users)
        add_nudges(small_db, users, due_users(users, due), NOW, 0, small - due)
        if small_db.is_sqlite:
            small_db.dispose()  # the last connection closed: the WAL is folded into the file
            shutil.copyfile(small_url.removeprefix("sqlite:///"),
                            large_url.removeprefix("sqlite:///"))
        large_db = Database(large_url)
        stack.callback(large_db.dispose)
        if large_db.is_postgres:
            _copy_postgres(small_db, large_db)
        print(f"  {name}: … and a copy with {large - small:,} more …", flush=True)
        add_nudges(large_db, users, [], NOW, small - due, large - small)
        loading = time.perf_counter() - started
        print(f"  {name}: loaded in {loading:.0f} s; ticking both, interleaved …", flush=True)
        small_tick, large_tick = interleaved_ticks([small_db, large_db], budget)
        if after is not None:
            after(large_url, large_db)
        return ScaleResult(name, small_tick, large_tick, loading)
    raise AssertionError("unreachable")


def rows_for(result: ScaleResult) -> list[Row]:
    name, small, large = result.db, result.small, result.large

    def tick_row(tick: TickResult) -> Row:
        how = (f"extrapolated: {tick.handled:,} of {tick.due:,} in {tick.seconds:.0f} s"
               if tick.cut_short else f"all {tick.handled:,} in {tick.seconds:.1f} s")
        share = {k: v / tick.seconds for k, v in tick.phases.items()}
        split = (f"claim {share['claim']:.0%} ({tick.claim_ms:.0f} ms each), prepare+render "
                 f"{share['prepare']:.0%}, send+replan {share['send']:.0%}")
        return Row(f"{name}: tick, {tick.stored:,} stored, {tick.due:,} due",
                   tick.per_nudge_ms, tick.statements / max(tick.handled, 1), tick.full_tick_s,
                   TICK_TARGET_S, unit=" s", note=f"{how}; {split}")

    return [
        tick_row(small),
        tick_row(large),
        Row(f"{name}: tick over {large.stored / 1e6:.1f}M ÷ over {small.stored / 1e3:.0f}k "
            "stored", large.per_nudge_ms, None, large.per_nudge_ms / small.per_nudge_ms,
            RATIO_TARGET, note="per due nudge; same users, same due nudges, interleaved"),
    ]


HEADERS = ("ms/nudge", "SQL/nudge", "result")


def main(argv: list[str] | None = None,
         after: Callable[[str, Database], None] | None = None) -> list[Row]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", action="append", default=None,
                        help="sqlite, postgresql or a PostgreSQL URL; repeatable (default: both)")
    parser.add_argument("--quick", action="store_true", help="10× smaller: a smoke run")
    parser.add_argument("--budget", type=float, default=None,
                        help="seconds for both interleaved ticks before they are stopped and "
                             "extrapolated (0: never; default 60, 30 with --quick)")
    args = parser.parse_args(argv)
    scale = 10 if args.quick else 1
    users, small, large, due = (100_000 // scale, 100_000 // scale, 1_000_000 // scale,
                                10_000 // scale)
    budget = args.budget if args.budget is not None else (30 if args.quick else 60)
    rows: list[Row] = []
    for kind in usable_databases(args.db):
        started = time.perf_counter()
        result = run(kind, users, small, large, due, budget,
                     after if kind == "sqlite" else None)
        found = rows_for(result)
        print(render_table(
            f"Scheduler at scale on {result.db}: {users:,} users, {due:,} due "
            f"({time.perf_counter() - started:.0f} s, {result.load_seconds:.0f} s of it loading)",
            found, headers=HEADERS))
        print()
        rows.extend(found)
    return rows


if __name__ == "__main__":
    main()
