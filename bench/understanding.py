"""Understanding cost: `bot.understanding.matcher.understand` over every line of the labelled
table (tests/data/understanding_table.yaml), and a whole text turn (`Engine.handle`) on a SQLite
file with the same lines, measured in the same run.

    python -m bench.understanding            # 20 rounds of the table
    python -m bench.understanding --quick    # 3 rounds

Targets: the median message is understood in at most 1 ms, and understanding is at most 10% of
the median whole turn that carries it.
"""

from __future__ import annotations

import argparse
import gc
import time
from datetime import UTC, datetime

from bench.common import Row, median, percentile, sqlite_database
from bench.common import table as render_table
from bot.understanding.matcher import phrasings, understand
from bot.understanding.meaning import COMMAND, FLOW, REQUEST
from tests.story import Seeker, debrief, make_engine, onboard
from tests.understanding_table import Table, load

TARGET_MS = 1.0
TARGET_SHARE = 10.0
NOW = datetime(2026, 12, 7, 15, tzinfo=UTC)


def _texts(table: Table) -> list[str]:
    return [row["t"] for row in table.messages] + [row["t"] for row in table.negatives]


def measure_understanding(table: Table, rounds: int) -> list[float]:
    texts = _texts(table)
    phrasings()  # read the data file once, as a running bot has
    for text in texts:  # warm: first uses of dateparser, regex caches
        understand(text, table.known, table.now, UTC)
    samples = []
    gc.disable()
    try:
        for _ in range(rounds):
            for text in texts:
                started = time.perf_counter()
                understand(text, table.known, table.now, UTC)
                samples.append(time.perf_counter() - started)
    finally:
        gc.enable()
    return samples


def _harmless(table: Table) -> list[str]:
    """Lines whose turn changes nothing and starts nothing (confirmations, answers), so every
    timed turn meets the same stored state."""
    keep = []
    for text in _texts(table):
        meaning = understand(text, table.known, table.now, UTC)
        if meaning.kind not in (FLOW, COMMAND, REQUEST) and len(text) <= 4000:
            keep.append(text)
    return keep


def measure_turns(table: Table, rounds: int) -> list[float]:
    with sqlite_database() as url:
        engine, _, database = make_engine(url, NOW)
        jane = Seeker(engine)
        onboard(jane)
        for company in ("Acme Corp", "Globex", "Hooli Inc.", "Wayne Enterprises"):
            debrief(jane, company, when="today 9am")
        texts = _harmless(table)
        for text in texts[:50]:
            jane.says(text)
        samples = []
        for _ in range(rounds):
            for text in texts:
                started = time.perf_counter()
                replies = jane.says(text)
                samples.append(time.perf_counter() - started)
                if not replies or "went wrong" in replies[0].text:
                    raise RuntimeError(f"the turn {text!r} failed")
        database.dispose()
    return samples


def main(argv: list[str] | None = None) -> list[Row]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20, help="rounds of the table")
    parser.add_argument("--quick", action="store_true", help="3 rounds: a smoke run")
    args = parser.parse_args(argv)
    rounds = 3 if args.quick else args.rounds
    table = load()
    understood = [s * 1000 for s in measure_understanding(table, rounds)]
    turns = [s * 1000 for s in measure_turns(table, max(1, rounds // 4))]
    share = 100 * median(understood) / median(turns)
    rows = [
        Row("understanding one message", median(understood), percentile(understood, 99),
            median(understood), TARGET_MS, unit=" ms",
            note=f"{len(understood)} messages ({len(_texts(table))} lines × {rounds})"),
        Row("a whole text turn (SQLite)", median(turns), percentile(turns, 99),
            note=f"{len(turns)} turns"),
        Row("understanding ÷ whole turn", ratio=share, target=TARGET_SHARE, unit="%",
            note="medians"),
    ]
    print(render_table("Understanding cost", rows))
    print()
    return rows


if __name__ == "__main__":
    main()
