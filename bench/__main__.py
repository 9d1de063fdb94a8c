"""Every benchmark with one command: `python -m bench` (add `--quick` for a smoke run).

Prints each benchmark's table as it finishes, then every target on one summary table; with
`--results bench/RESULTS.md` the summary and the machine are appended there, dated.
"""

from __future__ import annotations

import argparse
import time
from datetime import UTC, datetime
from pathlib import Path

from bench import (
    delivery_rate,
    memory,
    scheduler_scale,
    telegram_rate,
    turn_cost,
    understanding,
)
from bench.common import PG_DEFAULT, Row, machine, postgres_reachable, table
from storage.db import Database


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="smaller runs (500 turns, 10× smaller populations)")
    parser.add_argument("--pg", default=PG_DEFAULT,
                        help=f"PostgreSQL server database (default {PG_DEFAULT}); a fresh schema "
                             "is created in it and dropped afterwards")
    parser.add_argument("--no-pg", action="store_true", help="SQLite only")
    parser.add_argument("--results", type=Path, default=None,
                        help="append the summary, dated, to this Markdown file")
    args = parser.parse_args(argv)

    started = time.perf_counter()
    facts = machine()
    print(f"Afterview benchmarks — {datetime.now(UTC):%Y-%m-%d %H:%M} UTC\n{facts}\n", flush=True)
    kinds = ["sqlite"]
    if not args.no_pg:
        if postgres_reachable(args.pg):
            kinds.append(args.pg)
        else:
            print(f"(PostgreSQL at {args.pg} is not reachable: SQLite only)\n")
    databases = [arg for kind in kinds for arg in ("--db", kind)]
    quick = ["--quick"] if args.quick else []

    rows: list[Row] = []
    rows += turn_cost.main([*databases, *quick])
    rows += understanding.main(quick)  # the understanding of one message, and its share of a turn

    memory_rows: list[Row] = []
    users = 10_000 if args.quick else 100_000

    def worker_memory(url: str, db: Database) -> None:
        memory_rows.extend(memory.measure(url, db, users, ticks=3,
                                          due_per_tick=100 if args.quick else 500))
        print(table("Memory of a worker", memory_rows, headers=("", "", "peak RSS")))
        print()

    rows += scheduler_scale.main([*databases, *quick], after=worker_memory)
    rows += memory_rows

    # Through Telegram: SQLite only here (the turn's database cost is turn_cost's subject;
    # `python -m bench.telegram_rate` also runs PostgreSQL), 50 chats × 20 texts, 2 rounds
    rows += telegram_rate.main(["--db", "sqlite", "--messages", "20", *quick])
    # Delivery: 1,000 nudges at 30/s (≈ 35 s; --quick: 300); the worker runs need PostgreSQL
    delivery = ["--pg", kinds[1]] if len(kinds) > 1 else ["--no-workers"]
    rows += delivery_rate.main([*delivery, *quick])

    elapsed = time.perf_counter() - started
    targets = [row for row in rows if row.target is not None]
    summary = table(f"Summary: every target ({elapsed / 60:.1f} min in all)", targets,
                    headers=("", "", "result"))
    print(summary)
    missed = sum(1 for row in targets if row.verdict == "MISS")
    print(f"\n{len(targets) - missed} of {len(targets)} targets met.")
    if args.results is not None:
        with args.results.open("a", encoding="utf-8") as out:
            out.write(f"\n## Run of {datetime.now(UTC):%Y-%m-%d %H:%M} UTC"
                      f"{' (--quick)' if args.quick else ''}\n\n{facts}\n\n```\n{summary}\n```\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
