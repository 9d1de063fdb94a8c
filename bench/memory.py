"""Memory: the peak RSS of a worker process serving 100,000 users — a fresh interpreter that
imports what `afterview worker` imports (the runtime, both platform adapters), opens the
database and ticks the scheduler a few times, delivering to a no-op collector.

    python -m bench.memory                 # loads its own SQLite file: 100,000 users
    python -m bench.memory --quick         # 10× smaller
    python -m bench.memory --url sqlite:////path/to/populated.db   # an existing population

Target: peak RSS (getrusage ru_maxrss) ≤ 200 MB.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import resource
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

from sqlalchemy import update

from bench.common import Row, database
from bench.common import table as render_table
from bench.dataset import NOW, add_nudges, add_people, due_users
from storage.db import Database
from storage.models import Nudge

TARGET_MB = 200.0
ROOT = Path(__file__).resolve().parent.parent


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def _status_mb(field: str) -> float:
    """A figure from /proc/self/status (VmHWM: this address space's peak RSS; VmRSS: now)."""
    try:
        with open(f"/proc/{os.getpid()}/status") as status:
            for line in status:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def worker(url: str, ticks: int) -> dict[str, float]:
    """The child: import like a worker, then tick once an hour after NOW, `ticks` times."""
    started = time.perf_counter()
    import afterview.runtime  # noqa: F401 - the worker's imports are part of its footprint
    from bench.scheduler_scale import Collector
    from bot.clock import FixedClock
    from bot.nudges.scheduler import Scheduler

    for optional in ("adapters.telegram", "adapters.slack"):  # a worker with platforms on
        with contextlib.suppress(ImportError):
            __import__(optional)
    figures: dict[str, float] = {"imports_mb": _rss_mb()}
    db = Database(url, upgrade=True)
    clock = FixedClock(NOW)
    collector = Collector()
    scheduler = Scheduler(db, collector, clock, worker_id="bench-memory")
    sent = 0
    for hour in range(1, ticks + 1):
        clock.set(NOW + timedelta(hours=hour))
        sent += scheduler.tick().sent
        figures[f"tick{hour}_mb"] = _rss_mb()
    db.dispose()
    figures.update(peak_mb=_rss_mb(), hwm_mb=_status_mb("VmHWM"),
                   current_mb=_status_mb("VmRSS"), sent=sent, delivered=collector.messages,
                   seconds=time.perf_counter() - started)
    return figures


def prepare(db: Database, users: int, ticks: int, due_per_tick: int) -> None:
    """Nothing left due at NOW; then `due_per_tick` follow-ups due in each of the next hours,
    for users no earlier set touched."""
    with db.session() as session:
        session.execute(update(Nudge).where(Nudge.state.in_(("pending", "snoozed", "claimed")),
                                            Nudge.due_at <= NOW)
                        .values(state="cancelled", last_error="bench: before the worker")
                        .execution_options(synchronize_session=False))
    for hour in range(1, ticks + 1):
        add_nudges(db, users, due_users(users, due_per_tick, offset=1 + hour),
                   NOW + timedelta(hours=hour), 0, 0)


def measure(url: str, db: Database, users: int, ticks: int = 3,
            due_per_tick: int = 1000) -> list[Row]:
    """Run the worker child on a populated database; the rows of the result table."""
    prepare(db, users, ticks, due_per_tick)
    print(f"  memory: worker ticking {ticks}× over {users:,} users, {due_per_tick:,} due a "
          "tick …", flush=True)
    # Linux carries ru_maxrss over execve: a child exec'd straight from this (large) process
    # would report our peak. A shell that forks the worker gives it a clean count.
    child = subprocess.run(
        ["sh", "-c", '"$@"; exit $?', "sh",
         sys.executable, "-m", "bench.memory", "--worker", url, "--ticks", str(ticks)],
        cwd=ROOT, capture_output=True, text=True, check=False)
    if child.returncode != 0:
        raise RuntimeError(f"the worker failed:\n{child.stderr[-3000:]}")
    figures = json.loads(child.stdout.strip().splitlines()[-1])
    if figures["sent"] < ticks * due_per_tick * 0.9:
        raise RuntimeError(f"the worker sent only {figures['sent']} nudges")
    rows = [Row(f"worker after imports ({users:,} users)", None, None, figures["imports_mb"],
                None, unit=" MB", note="ru_maxrss before the database is opened")]
    for hour in range(1, ticks + 1):
        rows.append(Row(f"worker after tick {hour}", None, None, figures[f"tick{hour}_mb"],
                        None, unit=" MB"))
    rows.append(Row(f"worker peak RSS, {users:,} users", None, None, figures["peak_mb"],
                    TARGET_MB, unit=" MB",
                    note=f"VmHWM {figures['hwm_mb']:.0f} MB, VmRSS at the end "
                         f"{figures['current_mb']:.0f} MB; {int(figures['sent']):,} nudges sent "
                         f"in {figures['seconds']:.0f} s"))
    return rows


def main(argv: list[str] | None = None) -> list[Row]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="an already populated database (else a SQLite file is "
                                      "loaded here)")
    parser.add_argument("--users", type=int, default=None,
                        help="users in the population (with --url: how many it holds)")
    parser.add_argument("--nudges", type=int, default=None,
                        help="stored nudges to load (default 1,000,000)")
    parser.add_argument("--ticks", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="10× smaller")
    parser.add_argument("--worker", metavar="URL", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        print(json.dumps(worker(args.worker, args.ticks)))
        return []
    scale = 10 if args.quick else 1
    users = args.users or 100_000 // scale
    nudges = args.nudges or 1_000_000 // scale
    due = 1000 // scale
    if args.url:
        db = Database(args.url)
        try:
            rows = measure(args.url, db, users, args.ticks, due)
        finally:
            db.dispose()
    else:
        with database("sqlite") as url:
            db = Database(url)
            try:
                print(f"  memory: loading {users:,} users and {nudges:,} nudges …", flush=True)
                add_people(db, users)
                add_nudges(db, users, [], NOW, 0, nudges)
                rows = measure(url, db, users, args.ticks, due)
            finally:
                db.dispose()
    print(render_table("Memory of a worker", rows, headers=("", "", "peak RSS")))
    print()
    return rows


if __name__ == "__main__":
    main()
