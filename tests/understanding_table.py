"""The labelled table of messages (tests/data/understanding_table.yaml): load it, ask the
understanding about each line, and say what was wrong — shared by the accuracy test and
bench/understanding.py."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import yaml

from bot.understanding.matcher import understand
from bot.understanding.meaning import EVENT, FLOW, REQUEST, Known, KnownApplication, Meaning

TABLE = Path(__file__).parent / "data" / "understanding_table.yaml"
COMMANDS = ("start", "debrief", "new", "status", "settings", "pause", "resume", "export",
            "delete", "offer", "thanks", "followup", "outcome", "prep", "story", "lessons",
            "references", "help", "cancel")


@dataclass(frozen=True)
class Table:
    now: datetime
    known: Known
    messages: list[dict[str, Any]]
    negatives: list[dict[str, Any]]


def load(path: Path = TABLE) -> Table:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    apps = tuple(KnownApplication(a["id"], a["company"], a.get("role", ""), a.get("active", True))
                 for a in data["applications"])
    return Table(datetime.fromisoformat(data["now"]), Known(apps, COMMANDS), data["messages"],
                 data["negatives"])


def ask(table: Table, text: str) -> Meaning:
    return understand(text, table.known, table.now, UTC)


def _company(table: Table, meaning: Meaning) -> str:
    if meaning.company.one is not None:
        app = table.known.application(meaning.company.one)
        return app.company if app else "?"
    if meaning.company.unknown:
        return f"new:{meaning.company.said}"
    if meaning.company.ambiguous:
        return "several"
    return ""


def _money(text: str) -> str:
    return text.casefold().replace(" ", "").replace(",", "")


def wrong(table: Table, row: dict[str, Any]) -> str:
    """What the understanding got wrong about a labelled row ("" when it's right)."""
    meaning = ask(table, row["t"])
    problems = []
    if meaning.intent != row["i"]:
        problems.append(f"intent {meaning.intent}")
    company = _company(table, meaning)
    if "c" in row and company.casefold() != str(row["c"]).casefold():
        problems.append(f"company {company or '—'}")
    if "d" in row and meaning.day != date.fromisoformat(row["d"]):
        problems.append(f"day {meaning.day}")
    if "s" in row and _money(meaning.salary) != _money(str(row["s"])):
        problems.append(f"salary {meaning.salary or '—'}")
    if "b" in row and _money(meaning.bonus) != _money(str(row["b"])):
        problems.append(f"bonus {meaning.bonus or '—'}")
    return ", ".join(problems)


def changes_something(table: Table, text: str) -> str:
    """For a negative line: the intent when it would change or start anything ("" when not)."""
    meaning = ask(table, text)
    return meaning.intent if meaning.kind in (EVENT, REQUEST, FLOW) else ""
