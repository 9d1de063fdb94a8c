"""What every benchmark shares: fresh databases (a SQLite file, a PostgreSQL schema), the
statistics, and the result table with each ratio next to its target."""

from __future__ import annotations

import os
import platform
import sqlite3
import statistics
import sys
import tempfile
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text

from storage.db import normalise_url

PG_DEFAULT = os.environ.get("AFTERVIEW_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/test")


# ---- databases ------------------------------------------------------------------------------

@contextmanager
def sqlite_database(folder: str | None = None, name: str = "bench.db") -> Iterator[str]:
    """A URL for a new SQLite file, deleted afterwards (with its -wal and -shm)."""
    with tempfile.TemporaryDirectory(prefix="afterview-bench-", dir=folder) as tmp:
        yield f"sqlite:///{Path(tmp) / name}"


@contextmanager
def postgres_database(base: str = PG_DEFAULT) -> Iterator[str]:
    """A URL whose connections use a new schema in `base`'s database; dropped afterwards."""
    schema = "bench_" + uuid.uuid4().hex[:12]
    admin = create_engine(normalise_url(base))
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    joiner = "&" if "?" in base else "?"
    try:
        yield f"{normalise_url(base)}{joiner}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


@contextmanager
def database(kind: str, pg_base: str = PG_DEFAULT) -> Iterator[str]:
    """`kind` is "sqlite" or a PostgreSQL URL (or "postgresql" for the default one)."""
    if kind == "sqlite":
        with sqlite_database() as url:
            yield url
    else:
        with postgres_database(pg_base if kind == "postgresql" else kind) as url:
            yield url


def label(url_or_kind: str) -> str:
    return "SQLite" if url_or_kind.startswith("sqlite") else "PostgreSQL"


def postgres_reachable(base: str = PG_DEFAULT) -> bool:
    try:
        engine = create_engine(normalise_url(base), connect_args={"connect_timeout": 3})
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        engine.dispose()
        return True
    except Exception:  # noqa: BLE001 - reachable is a yes/no answer
        return False


def usable_databases(chosen: Sequence[str] | None) -> list[str]:
    """The `--db` choices (default: SQLite and the local PostgreSQL), less an unreachable
    PostgreSQL, which is skipped with a note."""
    usable = []
    for kind in chosen or ["sqlite", PG_DEFAULT]:
        if kind != "sqlite" and not postgres_reachable(PG_DEFAULT if kind == "postgresql"
                                                        else kind):
            print(f"(PostgreSQL at {kind} is not reachable: skipped)\n")
            continue
        usable.append(kind)
    return usable


def postgres_version(base: str = PG_DEFAULT) -> str:
    try:
        engine = create_engine(normalise_url(base))
        with engine.connect() as connection:
            version = str(connection.scalar(text("SHOW server_version")))
        engine.dispose()
        return version
    except Exception:  # noqa: BLE001
        return "unreachable"


# ---- figures --------------------------------------------------------------------------------

def percentile(samples: Sequence[float], p: float) -> float:
    """The p-th percentile (0–100), nearest-rank, of the samples."""
    ordered = sorted(samples)
    if not ordered:
        return float("nan")
    rank = max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank]


def median(samples: Sequence[float]) -> float:
    return statistics.median(samples) if samples else float("nan")


@dataclass
class Row:
    """One line of a result table. `target` is a ceiling on `ratio` (or on `value` when the
    target is absolute) — a floor when `at_least` (rates); `info` rows carry no target."""

    what: str
    median_ms: float | None = None
    p99_ms: float | None = None
    ratio: float | None = None
    target: float | None = None
    unit: str = "×"
    note: str = ""
    at_least: bool = False

    @property
    def verdict(self) -> str:
        if self.target is None or self.ratio is None:
            return ""
        met = self.ratio >= self.target if self.at_least else self.ratio <= self.target
        return "PASS" if met else "MISS"


def _fmt(value: float | None, digits: int = 2) -> str:
    if value is None:
        return "—"
    if value >= 1000:
        return f"{value:,.0f}"
    if value >= 100:
        return f"{value:.0f}"
    if value >= 10:
        return f"{value:.1f}"
    return f"{value:.{digits}f}"


def table(title: str, rows: Sequence[Row], *,
          headers: tuple[str, str, str] = ("median ms", "p99 ms", "ratio")) -> str:
    """A fixed-width table: what, median ms, p99 ms, ratio, target, PASS/MISS (and a note);
    `headers` renames the three figure columns for tables that hold other figures."""
    header = ("what", *headers, "target", "", "")
    lines: list[tuple[str, ...]] = [header]
    for row in rows:
        ratio = "—" if row.ratio is None else f"{_fmt(row.ratio)}{row.unit}"
        target = ("—" if row.target is None
                  else f"{'≥' if row.at_least else '≤'} {_fmt(row.target, 1)}{row.unit}")
        lines.append((row.what, _fmt(row.median_ms, 3), _fmt(row.p99_ms, 3), ratio, target,
                      row.verdict, row.note))
    shown = [0, *(i for i in (1, 2, 3) if header[i]), 4, 5, 6]
    lines = [tuple(line[i] for i in shown) for line in lines]
    widths = [max(len(line[i]) for line in lines) for i in range(len(shown))]
    figures = len(shown) - 2  # columns 1 … figures-1 are right-aligned: figures, target
    out = [title, "-" * len(title)]
    for n, line in enumerate(lines):
        cells = [line[0].ljust(widths[0])] + [line[i].rjust(widths[i])
                                              for i in range(1, figures)]
        cells += [line[figures].ljust(widths[figures]), line[figures + 1]]
        out.append("  ".join(cells).rstrip())
        if n == 0:
            out.append("  ".join("-" * w for w in widths[:figures + 1]).rstrip())
    return "\n".join(out)


def machine() -> str:
    """Cores, Python, SQLite and PostgreSQL versions: the facts a figure needs beside it."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:
        cores = os.cpu_count() or 0
    memory = ""
    try:
        with open("/proc/meminfo") as meminfo:
            kib = int(meminfo.readline().split()[1])
        memory = f", {kib / 1024 / 1024:.0f} GiB RAM"
    except OSError:
        pass
    import sqlalchemy

    return (f"{cores} cores{memory}, {platform.machine()}, Python {sys.version.split()[0]}, "
            f"SQLite {sqlite3.sqlite_version}, PostgreSQL {postgres_version()}, "
            f"SQLAlchemy {sqlalchemy.__version__}")


WARM_CHAT = 42  # each worker's warm-up message goes here, not to a user's chat


def telegram_worker(url: str, api_url: str, now: datetime, name: str, *,
                    limiter: Any = None, batch: int = 1000) -> tuple[Any, Any, Any]:
    """A worker process's delivery, built as `afterview worker` builds it, against the fake Bot
    API at `api_url` with the clock fixed at `now`; warmed up (event loop, bot, connection).
    Returns (adapter, scheduler, database): stop the adapter and dispose the database after."""
    from adapters.telegram import TelegramAdapter, telegram_user
    from afterview.runtime import delivery_for, telegram_limiter
    from afterview.settings import Settings
    from bot.clock import FixedClock
    from bot.conversation.buttons import ButtonVault
    from bot.conversation.engine import Engine
    from bot.messages import Reply
    from bot.nudges.scheduler import Scheduler
    from storage.db import Database
    from tests.fakes.telegram_api import DEFAULT_TOKEN

    settings = Settings(_env_file=None,  # type: ignore[call-arg]
                        TELEGRAM_BOT_TOKEN=DEFAULT_TOKEN,  # type: ignore[arg-type]
                        TELEGRAM_API_URL=api_url, DATABASE_URL=url, PORT=0)
    clock = FixedClock(now)
    db = Database(url, upgrade=False)
    adapter = TelegramAdapter(settings, Engine(db, clock), ButtonVault(db, clock),
                              limiter=limiter or telegram_limiter(settings, db))
    adapter.deliver(telegram_user(WARM_CHAT), [Reply("warming up")])
    scheduler = Scheduler(db, delivery_for([adapter]), clock, batch=batch, worker_id=name)
    return adapter, scheduler, db


def spawn_workers(context: Any, target: Any, count: int, folder: str,
                  args: Any, timeout: float) -> tuple[list[Any], list[str], Any]:
    """Start `count` worker processes running `target(*args(n), out, ready, go)`, each writing
    its figures to its own `out` file, and wait until every one is ready. Returns the processes,
    their out files and the `go` event that lets them all start at once."""
    go = context.Event()
    processes, readies, outs = [], [], []
    for n in range(count):
        ready = context.Event()
        out = str(Path(folder) / f"worker-{n}.json")
        process = context.Process(target=target, args=(*args(n), out, ready, go))
        process.start()
        processes.append(process)
        readies.append(ready)
        outs.append(out)
    for ready in readies:
        if not ready.wait(timeout):
            raise RuntimeError("a worker did not start")
    return processes, outs, go
