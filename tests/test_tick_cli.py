"""`afterview tick` as an operator runs it: one scheduler pass at `--now`, against the database
of a scripted `afterview chat --json` session; console users' nudges come out as JSON lines.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

SESSION = [
    "hello", "Jane Doe", "jane@example.com · +44 7700 900123", "London", "9", "21-8",
    "debrief", "Acme", "Data Analyst", "today 11:00", "first", "video",
    "Katherine O'Neill", "Head of Data", "k.oneill@acme.example", "skip", "streaming",
    "Rahul Mehta", "skip", "skip", "skip", "mentoring", "done",
    "4", "skip", "skip", "skip", "skip", "skip", "Friday", "skip", "skip",
]


def afterview(*args: str, stdin: str = "", home: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("TELEGRAM_", "SLACK_", "DATABASE_URL"))}
    env["HOME"] = str(home)
    return subprocess.run([sys.executable, "-m", "afterview", *args], input=stdin, env=env,
                          capture_output=True, text=True, timeout=60)


@pytest.fixture(scope="module")
def janes_chat(tmp_path_factory) -> Path:  # type: ignore[no-untyped-def]
    """Jane's chat on Monday 23 November 2026 at 11:30 London time: an 11:00 interview."""
    folder = tmp_path_factory.mktemp("chat")
    chat = afterview("chat", "--json", "--user", "jane", "--db", f"sqlite:///{folder}/chat.db",
                     "--now", "2026-11-23T11:30:00+00:00", stdin="\n".join(SESSION) + "\n",
                     home=folder)
    assert chat.returncode == 0, chat.stderr
    said = [json.loads(line)["text"] for line in chat.stdout.splitlines()]
    assert any("What happens next" in text for text in said), said[-3:]
    return folder / "chat.db"


@pytest.fixture
def janes_database(janes_chat, tmp_path) -> str:  # type: ignore[no-untyped-def]
    """A copy of the database Jane's chat left behind, for one test to tick."""
    shutil.copyfile(janes_chat, tmp_path / "afterview.db")
    return f"sqlite:///{tmp_path / 'afterview.db'}"


def tick(url: str, now: str, home: Path) -> list[dict]:  # type: ignore[type-arg]
    run = afterview("tick", "--json", "--db", url, "--now", now, home=home)
    assert run.returncode == 0, run.stderr
    return [json.loads(line) for line in run.stdout.splitlines()]


def test_a_tick_at_6pm_prints_janes_thank_you_nudge_as_one_json_line(janes_database, tmp_path):
    [nudge] = tick(janes_database, "2026-11-23T18:00:00+00:00", tmp_path)
    assert nudge["user"] == "jane"
    assert "Katherine O'Neill" in nudge["text"] and "Rahul Mehta" in nudge["text"]
    labels = [b["label"] for b in nudge["buttons"]]
    assert labels == ["Draft letters", "Done — all sent", "Later today", "Tomorrow",
                      "Stop for this application"]
    assert all(b["value"] for b in nudge["buttons"])


def test_a_tick_before_anything_is_due_prints_nothing(janes_database, tmp_path):
    assert tick(janes_database, "2026-11-23T17:59:00+00:00", tmp_path) == []


def test_a_second_tick_at_the_same_moment_does_not_send_the_nudge_again(janes_database, tmp_path):
    assert len(tick(janes_database, "2026-11-23T18:00:00+00:00", tmp_path)) == 1
    assert tick(janes_database, "2026-11-23T18:05:00+00:00", tmp_path) == []


def test_a_tick_on_the_monday_after_the_decision_date_prints_the_follow_up(janes_database,
                                                                          tmp_path):
    # nobody ticked all week: the thank-you reminders are stale by Monday, the follow-up is not
    printed = tick(janes_database, "2026-11-30T09:00:00+00:00", tmp_path)
    assert len(printed) == 1
    assert "expected to decide by Fri 27 Nov" in printed[0]["text"]
    assert "Send your thank-yous" not in printed[0]["text"]
    # merged with the week ahead: at most five buttons, each saying what and for whom
    assert [b["label"] for b in printed[0]["buttons"]] == [
        "Follow up: Acme", "My pipeline", "Snooze all till tomorrow"]


def test_a_bad_now_gets_a_clear_error_and_no_tick(sqlite_url, tmp_path):
    run = afterview("tick", "--db", sqlite_url, "--now", "next tuesday-ish", home=tmp_path)
    assert run.returncode != 0
    assert "--now" in run.stderr and "next tuesday-ish" in run.stderr
    assert "2026-11-23T11:00+01:00" in run.stderr  # an example of what it takes
    assert "Traceback" not in run.stderr and run.stdout == ""
