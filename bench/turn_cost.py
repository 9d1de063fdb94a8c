"""Turn cost: `Engine.handle` for realistic debrief turns against one SQLAlchemy transaction
that reads and writes one row of the same database, measured interleaved in the same run.

    python -m bench.turn_cost                       # SQLite file and PostgreSQL
    python -m bench.turn_cost --db sqlite --turns 500
    python -m bench.turn_cost --db postgresql://postgres@127.0.0.1:5432/test

Target: the median turn costs at most 3× the baseline transaction. Two baselines are printed:
A, the transaction through the product's own `Database.session()`; B, the same transaction on a
plain pooled engine (see `Baseline`).
"""

from __future__ import annotations

import argparse
import gc
import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine as SAEngine
from sqlalchemy import create_engine, event, select, update

from bench.common import (
    Row,
    database,
    label,
    median,
    percentile,
    usable_databases,
)
from bench.common import table as render_table
from bot.clock import FixedClock
from bot.conversation.engine import OOPS, TRY_AGAIN, Engine
from bot.messages import Incoming, Kind, Reply
from storage.db import Database
from storage.models import ConversationState
from storage.repository import Repository
from tests.story import ONBOARDING_ANSWERS, Seeker

TARGET = 3.0
BLOCK = 100  # turns between two blocks of the plain-engine baseline
MONDAY_1130 = datetime(2026, 11, 23, 11, 30, tzinfo=UTC)
WENT_WELL = ("The SQL exercise went smoothly: I walked them through the dbt migration I led "
             "and they asked good follow-up questions about testing.")
# companies different enough that the fuzzy matcher never takes one for another
COMPANIES = ("Acme", "Globex", "Initech", "Umbrella", "Hooli", "Vandelay", "Soylent", "Wayne")
PEOPLE = (("Priya Raman", "priya.raman@acme.example", "Head of Data"), ("Tom O'Neil", "", ""))


class TimedSeeker(Seeker):
    """A seeker whose every turn is timed, arriving like a platform update (with a dedup key),
    with `before_turn` run first (the interleaved baseline)."""

    ids = itertools.count(1)

    def __init__(self, engine: Engine, user_id: str, before_turn: Callable[[], None]) -> None:
        super().__init__(engine, user_id, platform="telegram", workspace="", display_name="Jane")
        self.before_turn = before_turn
        self.samples: list[float] = []
        self.step_samples: dict[str, list[float]] = {}
        self.recording = True

    def _send(self, incoming: Incoming) -> list[Reply]:
        incoming = Incoming(incoming.user, incoming.kind, incoming.text, incoming.display_name,
                            dedup_key=str(next(self.ids)))
        self.before_turn()
        started = time.perf_counter()
        replies = self.engine.handle(incoming)
        elapsed = time.perf_counter() - started
        if not replies or any(r.text in (OOPS, TRY_AGAIN) for r in replies):
            raise RuntimeError(f"the turn {incoming.text!r} failed: "
                               f"{replies[0].text if replies else 'no reply (a duplicate?)'}")
        if self.recording:
            self.samples.append(elapsed)
            self.step_samples.setdefault(self._step_of(incoming), []).append(elapsed)
        self.replies = replies
        return replies

    def _step_of(self, incoming: Incoming) -> str:
        if incoming.kind is not Kind.TEXT:
            return f"{incoming.kind.value} {incoming.text}"
        previous = self.replies[-1].text.strip() if self.replies else ""
        for name, _, _ in PEOPLE:
            previous = previous.replace(name, "X")
        question = previous.splitlines()[-1] if previous else ""
        return f"“{question[:45]}”" if question else "text"


@dataclass
class Baseline:
    """One transaction reading one row and writing one row of the same database.

    `orm` (baseline A): through the product's `Database.session()`, like a turn (on SQLite:
    NullPool, so a fresh connection and its PRAGMAs each time). `plain_block` (baseline B): a
    plain pooled `create_engine(url)` on the same file or database, run in blocks between the
    turns and disposed after each block — an open pooled connection on a SQLite file would
    otherwise change what the product's own connections cost on close.
    """

    db: Database
    user_id: int
    orm_samples: list[float] = field(default_factory=list)
    plain_samples: list[float] = field(default_factory=list)
    flip: bool = False
    recording: bool = True

    def orm(self) -> None:
        self.flip = not self.flip
        started = time.perf_counter()
        with self.db.session() as session:
            row = session.get(ConversationState, self.user_id)
            assert row is not None
            row.step = "a" if self.flip else "b"
        if self.recording:
            self.orm_samples.append(time.perf_counter() - started)

    def plain_block(self, count: int) -> None:
        plain = _plain_engine(self.db.url)
        state = ConversationState
        try:
            for n in range(count + 1):
                self.flip = not self.flip
                started = time.perf_counter()
                with plain.begin() as connection:
                    connection.execute(
                        select(state.__table__).where(state.user_id == self.user_id)).one()
                    connection.execute(update(state).where(state.user_id == self.user_id)
                                       .values(step="a" if self.flip else "b"))
                if n and self.recording:  # the first one opens the pooled connection
                    self.plain_samples.append(time.perf_counter() - started)
        finally:
            plain.dispose()


def _plain_engine(url: str) -> SAEngine:
    """`create_engine(url)` with its default pool. On SQLite it gets the product's PRAGMAs (WAL,
    synchronous=NORMAL: no fsync a commit) and BEGIN IMMEDIATE, so it differs from the product's
    engine only in keeping its connection open between transactions."""
    plain = create_engine(url)
    if plain.dialect.name == "sqlite":
        @event.listens_for(plain, "connect")
        def _connect(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.isolation_level = None
            for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "foreign_keys=ON",
                           "busy_timeout=30000"):
                dbapi_connection.execute(f"PRAGMA {pragma}")

        @event.listens_for(plain, "begin")
        def _begin(connection: Any) -> None:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
    return plain


def _baseline_for(db: Database) -> Baseline:
    with db.session() as session:
        repo = Repository.for_key(session, "bench", "", "baseline")
        assert repo is not None
        repo.save_conversation("debrief", "a", {"company": "Acme"}, [], MONDAY_1130)
        user_id = repo.user.id
    return Baseline(db, user_id)


def _onboarded(engine: Engine, user_id: str, before: Callable[[], None]) -> TimedSeeker:
    seeker = TimedSeeker(engine, user_id, before)
    seeker.recording = False
    seeker.says("hello")
    seeker.answers(*ONBOARDING_ANSWERS)
    if not seeker.last.startswith("All set"):
        raise RuntimeError(f"onboarding did not finish: {seeker.last[:80]}")
    seeker.recording = True
    return seeker


def _debrief_until_went_well(seeker: TimedSeeker) -> None:
    seeker.runs("debrief")
    seeker.answers("Acme", "Data Analyst", "today 11am", "first", "video", "Priya Raman",
                   "skip", "skip", "skip", "her move from Leeds", "done", "4")
    if seeker.last != "What went well?":
        raise RuntimeError(f"expected the “went well” step, got {seeker.last[:80]!r}")


def _whole_debrief(seeker: TimedSeeker, company: str) -> None:
    """Every step of a debrief with two interviewers (26 turns), ending with the save."""
    seeker.runs("debrief")
    seeker.answers(company, "Data Analyst", "today 11am", "first", "video")
    for name, email, title in PEOPLE:
        seeker.answers(name, title or "skip", email or "skip", "skip",
                       f"talked with {name.split()[0]} about pipelines")
    seeker.answers("done", "4", WENT_WELL, "ten years of analytics", "shorter answers",
                   "why us? — the data platform", "my Tableau certification", "next Friday",
                   "2", "skip")
    if not seeker.last.startswith("🎉 Well done"):
        raise RuntimeError(f"the debrief did not finish: {seeker.last[:80]!r}")


def statements_a_turn(db: Database, seeker: TimedSeeker) -> dict[str, int]:
    """Diagnostics, untimed: the SQL statements SQLAlchemy sends for a “went well” turn and a
    “back” turn, like a platform's (SQLite's BEGIN IMMEDIATE counts; psycopg's BEGIN and
    COMMIT never pass through SQLAlchemy, nor does SQLite's COMMIT)."""
    sent: list[str] = []

    def record(_connection: Any, _cursor: Any, statement: str, *_: Any) -> None:
        sent.append(statement)

    found = {}
    event.listen(db.engine, "before_cursor_execute", record)
    try:
        for what, text in (("went well", WENT_WELL), ("back", "back")):
            before = len(sent)
            seeker.engine.handle(Incoming.message(seeker.key, text, seeker.display_name,
                                                  dedup_key=f"count:{next(seeker.ids)}"))
            found[what] = len(sent) - before
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    return found


@dataclass
class TurnResult:
    db: str
    rows: list[Row]
    slowest_steps: list[tuple[str, float]]
    statements: dict[str, int] = field(default_factory=dict)


def run(kind: str, turns: int = 2000, *, warmup: int = 50) -> TurnResult:
    """Measure on one database (`"sqlite"` or a PostgreSQL URL)."""
    with database(kind) as url:
        db = Database(url)
        try:
            return _measure(db, label(url), turns, warmup)
        finally:
            db.dispose()


def _measure(db: Database, name: str, turns: int, warmup: int) -> TurnResult:
    engine = Engine(db, FixedClock(MONDAY_1130))
    baseline = _baseline_for(db)

    # A: the "went well" step answered with a sentence, then "back" to ask it again
    jane = _onboarded(engine, "jane", baseline.orm)
    _debrief_until_went_well(jane)
    jane.recording = baseline.recording = False
    for _ in range(warmup):
        jane.says(WENT_WELL)
        jane.says("back")
    jane.recording = baseline.recording = True
    went_well: list[float] = []
    back: list[float] = []
    gc.collect()
    for n in range(turns):
        if n % BLOCK == 0:
            baseline.plain_block(BLOCK)
        jane.says(WENT_WELL)
        went_well.append(jane.samples[-1])
        if not jane.last.startswith("Your strongest qualification"):
            raise RuntimeError(f"unexpected reply to “went well”: {jane.last[:80]!r}")
        jane.says("back")
        back.append(jane.samples[-1])
        if jane.last != "What went well?":
            raise RuntimeError(f"unexpected reply to “back”: {jane.last[:80]!r}")

    statements = statements_a_turn(db, jane)
    phase_a = (baseline.orm_samples[:], baseline.plain_samples[:])
    baseline.orm_samples.clear()
    baseline.plain_samples.clear()

    # B: whole debriefs, start to save, by a pool of users with a few applications each
    pool_size = max(1, -(-turns // (26 * len(COMPANIES) // 2)))
    seekers = [_onboarded(engine, f"seeker-{n}", baseline.orm) for n in range(pool_size)]
    whole: list[float] = []
    finish: list[float] = []
    steps: dict[str, list[float]] = {}
    cycle = 0
    while len(whole) < turns:
        baseline.plain_block(26)
        seeker = seekers[cycle % pool_size]
        company = COMPANIES[(cycle // pool_size) % len(COMPANIES)]
        before = len(seeker.samples)
        _whole_debrief(seeker, company)
        whole.extend(seeker.samples[before:])
        finish.append(seeker.samples[-1])
        cycle += 1
    for seeker in seekers:
        for step, samples in seeker.step_samples.items():
            steps.setdefault(step, []).extend(samples)

    phase_b = (baseline.orm_samples, baseline.plain_samples)

    def rows_of(phase: tuple[list[float], list[float]], during: str,
                turns: list[tuple[str, list[float], float | None, str]]) -> list[Row]:
        orm, plain = phase

        def row(what: str, samples: list[float], against: float, target: float | None,
                note: str = "") -> Row:
            ms = [s * 1000 for s in samples]
            return Row(f"{name}: {what}", median(ms), percentile(ms, 99),
                       median(samples) / against, target, note=note)

        found = [row(f"A: 1 read + 1 write, db.session() ({during})", orm, median(orm), None,
                     f"n={len(orm)}"),
                 row(f"B: 1 read + 1 write, plain pooled engine ({during})", plain,
                     median(orm), None, f"n={len(plain)}")]
        for what, samples, target, note in turns:
            found.append(row(f"{what} ÷ A", samples, median(orm), target, note))
            if target is not None:
                found.append(row(f"{what} ÷ B", samples, median(plain), target))
        return found

    rows = rows_of(phase_a, "beside the went-well turns", [
        ("turn “went well” (a sentence)", went_well, TARGET, f"n={len(went_well)}"),
        ("turn “back” to “went well”", back, None, f"n={len(back)}"),
    ]) + rows_of(phase_b, "beside the debriefs", [
        ("every turn of a whole debrief", whole, TARGET, f"n={len(whole)}, {cycle} debriefs"),
        ("the last debrief turn (save + replan)", finish, None, f"n={len(finish)}"),
    ])
    slowest = sorted(((step, median(s) * 1000) for step, s in steps.items() if len(s) >= 10),
                     key=lambda item: -item[1])[:5]
    return TurnResult(name, rows, slowest, statements)


def main(argv: list[str] | None = None) -> list[Row]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", action="append", default=None,
                        help="sqlite, postgresql (the default server) or a PostgreSQL URL; "
                             "repeatable (default: both)")
    parser.add_argument("--turns", type=int, default=2000, help="turns per measure (≥ 2000)")
    parser.add_argument("--quick", action="store_true", help="500 turns: a smoke run")
    args = parser.parse_args(argv)
    turns = 500 if args.quick else args.turns
    rows: list[Row] = []
    for kind in usable_databases(args.db):
        started = time.perf_counter()
        result = run(kind, turns)
        print(render_table(f"Turn cost on {result.db} ({turns} turns a measure, "
                           f"{time.perf_counter() - started:.0f} s)", result.rows))
        print("  slowest debrief steps, median ms: " + "; ".join(
            f"{step} {ms:.2f}" for step, ms in result.slowest_steps))
        print("  SQL statements a turn (untimed): " + "; ".join(
            f"“{what}” {count}" for what, count in result.statements.items()))
        print()
        rows.extend(result.rows)
    return rows


if __name__ == "__main__":
    main()
