"""Scheduler at scale: one tick claiming and rendering 10,000 due nudges among 100,000 users,
with 100,000 and with 1,000,000 nudges stored, on SQLite and PostgreSQL; deliveries go to a
no-op collector.

    python -m bench.scheduler_scale                  # both databases, full size
    python -m bench.scheduler_scale --quick          # 10× smaller: a smoke run
    python -m bench.scheduler_scale --db sqlite --budget 0   # send every message too

Targets (the issue's): claiming and rendering the due nudges takes ≤ 2 s; over 1,000,000
stored rows it costs ≤ 1.5× what it costs over 100,000 (cost follows what is due, not what is
stored).

Two databases hold the same users and the same 10,000 due nudges; the second has 900,000 more
rows of history and future. The two ticks run interleaved, one claimed batch at a time, so
both see the same machine load. Every due nudge is claimed and rendered. The ticks also send
each message (to the no-op platform: recording the send and planning the next check-in) until
`--budget` seconds have passed; sending is paced by the platform in production (Telegram: 30
a second), so the whole tick's time is then extrapolated from the messages sent, and the table
says so.
"""

from __future__ import annotations

import argparse
import gc
import shutil
import time
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from typing import Any

from sqlalchemy import event, func, select, text

from bench.common import Row, database, label, median, usable_databases
from bench.common import table as render_table
from bench.dataset import NOW, add_nudges, add_people, due_users
from bot.clock import FixedClock
from bot.messages import Reply, UserKey
from bot.nudges.scheduler import Scheduler, TickReport
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
    """The product's scheduler with stopwatches around its two phases (behaviour unchanged):
    claiming and rendering a batch (`next_batch`), and sending its messages (`_send`: the
    platform call, recording the send, planning what comes next). `one_batch()` is one turn of
    `tick`'s loop, so two ticks can run interleaved; `send=False` claims and renders only."""

    def __init__(self, db: Database, deliver: Collector) -> None:
        super().__init__(db, deliver, FixedClock(NOW), worker_id="bench")
        self.collector = deliver
        self.report = TickReport()
        self.render_seconds = 0.0  # releasing stale claims, then claiming and rendering
        self.batch_seconds: list[float] = []  # claiming and rendering, each batch
        self.send_seconds = 0.0
        self.rendered = 0  # messages rendered
        self.render_statements = 0
        self.send_statements = 0
        self.batches = 0
        self.done = False
        self._count = count_statements(db)

    def start(self) -> None:
        """What `tick` does once before its loop."""
        started = time.perf_counter()
        self.release_stale(NOW)
        self.render_seconds += time.perf_counter() - started

    def one_batch(self, *, send: bool = True) -> None:
        """What `tick` does each time round its loop (without the sends when not `send`)."""
        before = self._count()
        started = time.perf_counter()
        outgoing = self.next_batch(NOW, self.report)
        elapsed = time.perf_counter() - started
        self.render_seconds += elapsed
        self.render_statements += self._count() - before
        if outgoing is None:
            self.done = True
            return
        self.batches += 1
        self.batch_seconds.append(elapsed)
        self.rendered += len(outgoing)
        if not send:
            return
        before = self._count()
        started = time.perf_counter()
        for message in outgoing:
            self._send(message, NOW, self.report)
        self.send_seconds += time.perf_counter() - started
        self.send_statements += self._count() - before


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
    claimed: int
    render_seconds: float  # claiming and rendering every due nudge: the target's figure
    batch_seconds: list[float]
    render_statements: int
    sent: int  # messages sent (all of them, unless the budget ran out)
    rendered: int  # messages rendered
    send_seconds: float
    send_statements: int

    @property
    def render_ms(self) -> float:
        return self.render_seconds / max(self.claimed, 1) * 1000

    @property
    def send_ms(self) -> float:
        return self.send_seconds / max(self.sent, 1) * 1000

    @property
    def cut_short(self) -> bool:
        return self.sent < self.rendered

    @property
    def whole_tick_s(self) -> float:
        """Claiming, rendering and sending everything: the sends measured, or extrapolated from
        the messages sent within the budget."""
        return self.render_seconds + self.send_ms * self.rendered / 1000


def _counts(db: Database) -> tuple[int, int]:
    with db.session() as session:
        stored = int(session.scalar(select(func.count()).select_from(Nudge)) or 0)
        due = int(session.scalar(select(func.count()).select_from(Nudge).where(
            Nudge.state.in_(("pending", "snoozed")), Nudge.due_at <= NOW)) or 0)
    return stored, due


def interleaved_ticks(dbs: Sequence[Database], budget: float) -> list[TickResult]:
    """One tick on each database at NOW, one claimed batch each in turn. Every due nudge is
    claimed and rendered; once `budget` seconds have passed (0: no limit), the rest are no
    longer sent (sending is paced by the platform in production, and its cost per message is
    known by then)."""
    counts = [_counts(db) for db in dbs]
    schedulers = [TimedScheduler(db, Collector()) for db in dbs]
    # what loading and earlier benchmarks of `python -m bench` left in this process must not
    # weigh on the collector during the ticks (a worker process starts without it)
    gc.collect()
    gc.freeze()
    started = time.perf_counter()
    for scheduler in schedulers:
        scheduler.start()
    while not all(s.done for s in schedulers):
        send = not budget or time.perf_counter() - started < budget
        for scheduler in schedulers:
            if not scheduler.done:
                scheduler.one_batch(send=send)
    gc.unfreeze()
    results = []
    for scheduler, (stored, due) in zip(schedulers, counts, strict=True):
        report = scheduler.report
        if report.failed:
            raise RuntimeError(f"{report.failed} nudges failed during the tick")
        if report.claimed != due:
            raise RuntimeError(f"{report.claimed} nudges claimed of {due} due")
        if scheduler.collector.messages != report.messages:
            raise RuntimeError("the collector and the report disagree on messages delivered")
        if scheduler.rendered < report.claimed * 0.9:
            raise RuntimeError(f"only {scheduler.rendered} of {report.claimed} claimed nudges "
                               "made a message: the population does not make deliverable nudges")
        results.append(TickResult(stored, due, report.claimed, scheduler.render_seconds,
                                  scheduler.batch_seconds,
                                  scheduler.render_statements, report.messages,
                                  scheduler.rendered, scheduler.send_seconds,
                                  scheduler.send_statements))
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
        return Row(f"{name}: claim + render {tick.due:,} due, {tick.stored:,} stored",
                   tick.render_ms, tick.render_statements / max(tick.claimed, 1),
                   tick.render_seconds, TICK_TARGET_S, unit=" s",
                   note=f"{len(tick.batch_seconds)} batch(es) of ≤ 1,000, "
                        f"{tick.render_statements} statements in all; a batch: "
                        f"{median(tick.batch_seconds) * 1000:.0f} ms median, "
                        f"{max(tick.batch_seconds) * 1000:.0f} ms slowest")

    def send_row(tick: TickResult) -> Row:
        how = (f"extrapolated from {tick.sent:,} of {tick.rendered:,} messages"
               if tick.cut_short else f"all {tick.sent:,} messages")
        return Row(f"{name}: + send each, {tick.stored:,} stored (no-op platform)",
                   tick.send_ms, tick.send_statements / max(tick.sent, 1), tick.whole_tick_s,
                   None, unit=" s",
                   note=f"the whole tick; {how}: record the send, plan the next check-in")

    return [
        tick_row(small),
        tick_row(large),
        Row(f"{name}: claim + render over {large.stored / 1e6:.1f}M ÷ over "
            f"{small.stored / 1e3:.0f}k stored", large.render_ms, None,
            large.render_seconds / small.render_seconds, RATIO_TARGET,
            note="same users, same due nudges, interleaved"),
        send_row(small),
        send_row(large),
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
