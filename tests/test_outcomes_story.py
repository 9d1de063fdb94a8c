"""The outcomes story, end to end through `afterview chat --json` and `afterview tick`, the way a
job seeker lives it: two interviews on Monday, a personal thank-you to each interviewer, a "no"
from Globex that goes into the lessons journal, a follow-up with Acme that turns into a second
interview — whose prep pack shows what Globex taught her, with a reminder the day before."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from storage.db import Database
from storage.models import Event, Nudge
from tests.outcomes import ACME_DEBRIEF, GLOBEX_DEBRIEF, KATHERINE_POINT, RAHUL_POINT
from tests.story import ONBOARDING_ANSWERS

ROOT = Path(__file__).resolve().parent.parent


def afterview(*args: str, lines: tuple[str, ...] = ()) -> list[dict[str, Any]]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("TELEGRAM_", "SLACK_", "DATABASE_URL"))}
    done = subprocess.run([sys.executable, "-m", "afterview", *args], input="\n".join(lines) + "\n",
                          capture_output=True, text=True, timeout=60, cwd=ROOT, env=env,
                          check=True)
    return [json.loads(line) for line in done.stdout.splitlines() if line.strip()]


def chat(url: str, now: str, *lines: str) -> list[dict[str, Any]]:
    return afterview("chat", "--json", "--db", url, "--now", now, lines=lines)


def texts(messages: list[dict[str, Any]]) -> str:
    return "\n".join(m["text"] for m in messages)


def test_thanks_a_no_a_follow_up_and_a_second_round_with_its_prep(tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'afterview.db'}"

    # Monday 23 November, 11:30 in London: interviews at Acme (11:00) and Globex (9:00)
    monday = chat(url, "2026-11-23T11:30+00:00",
                  "hello", *ONBOARDING_ANSWERS,
                  "/debrief", *ACME_DEBRIEF,
                  "/thanks", "Mark sent", "Mark sent",
                  "/debrief", *GLOBEX_DEBRIEF)
    letters = [m["draft"] for m in monday if "draft" in m]
    assert [letter["body"].splitlines()[0] for letter in letters] == [
        "Dear Katherine,", "Dear Rahul,"]
    katherine, rahul = letters
    assert "your team's move from nightly batch jobs to streaming" in katherine["body"]
    assert KATHERINE_POINT.removeprefix("her ") in katherine["body"]
    assert RAHUL_POINT in rahul["body"] and RAHUL_POINT not in katherine["body"]
    assert katherine["body"] != rahul["body"]
    assert katherine["mailto"].startswith("mailto:k.oneill@acme.example?subject=")
    assert "All your thank-you letters for Acme are sent" in texts(monday)

    # that evening the thank-you reminder is only about Globex: Acme's letters are out
    evening = afterview("tick", "--json", "--db", url, "--now", "2026-11-23T18:00+00:00")
    assert "Tom Baker" in texts(evening)
    assert "Katherine" not in texts(evening) and "Rahul" not in texts(evening)

    # Monday 30 November: Globex says no; Acme's decision date has passed — she follows up
    week_later = chat(url, "2026-11-30T10:00+00:00",
                      "/outcome Globex", "Rejected", "skip",
                      "I'd bring numbers for the impact of my projects", "presenting to executives",
                      "/followup Acme", "I followed up / checked in", "Second interview",
                      "Thursday 10am", "Second",
                      "/lessons", "/prep")
    said = texts(week_later)
    assert "It is not personal" in said
    assert "Logged: you contacted Acme today (Mon 30 Nov)." in said
    assert "I'll send a prep reminder the day before: Wed 2 Dec at 09:00." in said
    assert "• Mon 30 Nov — Globex: I'd bring numbers for the impact of my projects" in said

    database = Database(url)
    with database.session() as session:
        contacts = session.query(Event).filter(Event.kind == "contact").count()
        prep = session.query(Nudge).filter(Nudge.kind == "prep", Nudge.state == "pending").one()
        thank_you_open = session.query(Nudge).filter(
            Nudge.kind == "thank_you", Nudge.state.in_(("pending", "snoozed"))).count()
        assert (contacts, prep.due_at, thank_you_open) == (
            1, datetime(2026, 12, 2, 9, 0, tzinfo=UTC), 0)
    database.dispose()

    # the prep pack for Acme's second round shows what Globex taught her
    pack = week_later[-1]["text"]
    assert "Prep pack — Acme, Data Analyst" in pack
    assert "Your second interview: Thu 3 Dec at 10:00." in pack
    assert "Missed last time: I also led our move to dbt" in pack
    assert "From your lessons journal:" in pack
    assert "Globex: I'd bring numbers for the impact of my projects" in pack
    assert "Globex: Skill to build: presenting to executives" in pack

    # and on Wednesday at 09:00, the day before, the prep nudge comes with the pack's button
    nudge = afterview("tick", "--json", "--db", url, "--now", "2026-12-02T09:00+00:00")
    assert "Your next interview at Acme is tomorrow, Thu 3 Dec at 10:00" in texts(nudge)
    assert {"label": "Prep pack", "value": "/prep Acme"} in nudge[-1]["buttons"]
