"""The terminal chat as a job seeker scripts it: the real `afterview chat` console script in a
subprocess, one message a line in, one JSON object a line out; a second process on the same
database sees the same interviews; buttons pressed by label, number or value; EOF ends cleanly."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from adapters.console import ConsoleAdapter, console_user, read_input
from bot.messages import Button, Kind
from storage.db import Database
from storage.repository import Repository
from tests.story import make_engine

NOW = "2026-11-23T11:30:00+00:00"  # a Monday
REPO_ROOT = Path(__file__).resolve().parent.parent

ONBOARDING = ["hello", "Jane Doe", "jane.doe@example.com · +44 7700 900123", "London", "9",
              "21-8"]
DEBRIEF = [
    "debrief", "Acme Corp", "Data Analyst", "today 11am", "first", "video",
    "Priya Raman", "Head of Data", "priya.raman@acme.example", "skip", "the dbt migration",
    "Tom O'Neil", "skip", "skip", "skip", "cycling to work",
    "done", "4", "the SQL exercise", "ten years of analytics", "skip", "skip", "skip",
    "next Friday", "2", "skip",
]


@dataclass
class Chat:
    """What one `afterview chat` process did: exit code, stderr and the messages it printed."""

    returncode: int
    stderr: str
    stdout: str

    @property
    def messages(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.stdout.splitlines() if line.strip()]

    @property
    def last(self) -> str:
        return str(self.messages[-1]["text"])


def chat(url: str, lines: list[str], *, json_mode: bool = True, user: str = "me") -> Chat:
    command = [sys.executable, "-m", "afterview", "chat", "--db", url, "--now", NOW,
               "--user", user]
    if json_mode:
        command.append("--json")
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    done = subprocess.run(command, input="".join(f"{line}\n" for line in lines),
                          capture_output=True, text=True, timeout=60, cwd=REPO_ROOT, env=env)
    return Chat(done.returncode, done.stderr, done.stdout)


def stored(url: str, user: str = "me") -> dict[str, Any]:
    database = Database(url)
    try:
        with database.session() as session:
            repo = Repository.for_key(session, "console", "local", user, create=False)
            assert repo is not None
            interviews = repo.interviews()
            state = repo.conversation()
            return {
                "user": repo.user,
                "applications": repo.applications(),
                "interviews": interviews,
                "people": [p for i in interviews for p in repo.interviewers(i)],
                "step": state.step if state else None,
            }
    finally:
        database.dispose()


# ---- the scripted acceptance session -------------------------------------------------------------

@dataclass
class Scripted:
    url: str
    first: Chat
    second: Chat


@pytest.fixture(scope="module")
def scripted(tmp_path_factory: pytest.TempPathFactory) -> Scripted:
    url = f"sqlite:///{tmp_path_factory.mktemp('scripted') / 'afterview.db'}"
    first = chat(url, [*ONBOARDING, *DEBRIEF, "status"])
    second = chat(url, ["status"])
    return Scripted(url, first, second)


def test_a_scripted_session_ends_at_eof_with_exit_code_0_and_no_errors(
    scripted: Scripted,
) -> None:
    assert scripted.first.returncode == 0
    assert scripted.first.stderr == ""


def test_every_line_printed_is_a_json_message_with_text_and_buttons(scripted: Scripted) -> None:
    for message in scripted.first.messages:
        assert set(message) == {"text", "buttons"}
        assert isinstance(message["text"], str) and message["text"]
        for button in message["buttons"]:
            assert set(button) == {"label", "value"}
            assert isinstance(button["label"], str) and isinstance(button["value"], str)


def test_the_scripted_session_onboards_jane(scripted: Scripted) -> None:
    texts = [m["text"] for m in scripted.first.messages]

    assert any(t.startswith("All set, Jane!") for t in texts)
    assert stored(scripted.url)["user"].onboarded


def test_the_scripted_debrief_records_two_interviewers_and_next_friday(scripted: Scripted) -> None:
    facts = stored(scripted.url)

    (interview,) = facts["interviews"]
    assert interview.decision_expected == date(2026, 11, 27)
    assert [p.name for p in facts["people"]] == ["Priya Raman", "Tom O'Neil"]


def test_the_scripted_debrief_ends_with_the_summary(scripted: Scripted) -> None:
    summary = scripted.first.messages[-2]["text"]

    assert summary.startswith("🎉 Well done — your first interview at Acme Corp")
    assert "• Interviewers: Priya Raman and Tom O'Neil" in summary
    assert "• Decision expected: Fri 27 Nov" in summary


def test_status_shows_the_application_and_its_next_step(scripted: Scripted) -> None:
    assert "Your pipeline — 1 active application:" in scripted.first.last
    assert ("• Acme Corp — Data Analyst: interviewing. Next: send thank-you letters to "
            "Priya Raman, Tom O'Neil (by Tue 24 Nov).") in scripted.first.last


def test_a_second_chat_process_on_the_same_database_sees_the_same_pipeline(
    scripted: Scripted,
) -> None:
    assert scripted.second.returncode == 0
    assert scripted.second.last == scripted.first.last


def test_another_user_on_the_same_database_sees_an_empty_pipeline(scripted: Scripted) -> None:
    engine, _clock, database = make_engine(scripted.url, datetime(2026, 11, 23, 11, 30,
                                                                  tzinfo=UTC))
    out = io.StringIO()
    try:
        ConsoleAdapter(engine, json_mode=True, out=out).chat(console_user("bob"),
                                                             io.StringIO("/status\n"))
    finally:
        database.dispose()

    assert json.loads(out.getvalue())["text"].startswith("Your pipeline is empty.")


# ---- buttons by label, number and value ----------------------------------------------------------

PRESSES = [
    "hello", "Jane Doe", "Skip", "London",
    "10:00",                 # nudge hour: by label
    "2",                     # quiet hours: by number → 22:00–07:00
    "Record an interview",   # by label → /debrief
    "Acme Corp", "Data Analyst",
    "Yesterday",             # by label → "yesterday"
    "second",                # by value
    "3",                     # format: by number → On-site
    "Priya Raman", "skip", "skip", "skip", "skip",
    "DONE",                  # by label, any case
    "5",                     # rating: the label "5", not the fifth button
    "skip", "skip", "skip", "skip", "skip",
    "Don't know",            # by label
    "1",                     # steps: the label "1"
    "1",                     # contact for news: first button, Priya Raman
    "See my pipeline",
]


@pytest.fixture(scope="module")
def pressed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Chat, dict[str, Any]]:
    """The same console adapter in process (a subprocess costs a second of imports)."""
    url = f"sqlite:///{tmp_path_factory.mktemp('pressed') / 'afterview.db'}"
    engine, _clock, database = make_engine(url, datetime(2026, 11, 23, 11, 30, tzinfo=UTC))
    out = io.StringIO()
    try:
        ConsoleAdapter(engine, json_mode=True, out=out).chat(
            console_user("me"), io.StringIO("".join(f"{line}\n" for line in PRESSES)))
    finally:
        database.dispose()
    return Chat(0, "", out.getvalue()), stored(url)


def test_a_button_is_pressed_by_its_label(pressed: tuple[Chat, dict[str, Any]]) -> None:
    _, facts = pressed

    assert facts["user"].nudge_hour == 10
    assert facts["interviews"][0].decision_assumed is True


def test_a_button_is_pressed_by_its_number(pressed: tuple[Chat, dict[str, Any]]) -> None:
    _, facts = pressed

    assert (facts["user"].quiet_start, facts["user"].quiet_end) == (22, 7)
    assert facts["interviews"][0].format == "on-site"
    assert facts["interviews"][0].news_contact == "Priya Raman"


def test_a_button_is_pressed_by_its_value(pressed: tuple[Chat, dict[str, Any]]) -> None:
    _, facts = pressed

    assert facts["interviews"][0].round == "second"


def test_digits_that_are_labels_mean_the_label_not_the_position(
    pressed: tuple[Chat, dict[str, Any]],
) -> None:
    _, facts = pressed

    assert facts["interviews"][0].rating == 5
    assert facts["interviews"][0].steps_remaining == 1


def test_a_button_that_runs_a_command_works_from_the_terminal(
    pressed: tuple[Chat, dict[str, Any]],
) -> None:
    done, _ = pressed

    assert done.returncode == 0, done.stderr
    assert done.last.startswith("Your pipeline — 1 active application:")


# ---- EOF, restarts and the plain-text mode -------------------------------------------------------

def test_eof_in_the_middle_of_a_debrief_ends_cleanly_and_the_next_process_continues(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'afterview.db'}"
    first = chat(url, [*ONBOARDING, "debrief", "Acme Corp", "Data Analyst"])
    assert (first.returncode, first.stderr) == (0, "")
    assert "When was the interview?" in first.last

    second = chat(url, DEBRIEF[3:])

    assert second.returncode == 0, second.stderr
    assert second.messages[0]["text"] == "Which round was it?"
    assert "• Acme Corp — Data Analyst (first round, video)" in second.last
    assert stored(url)["step"] is None


def test_without_json_buttons_are_numbered_choices_and_goodbye_is_said(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'afterview.db'}"
    done = chat(url, ["hello", "Jane Doe", "skip", "London"], json_mode=False)

    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("Afterview — type “help” for commands, Ctrl-D to leave.")
    assert ("At what hour should morning reminders arrive? (default 09:00)\n"
            "  1. 08:00\n  2. 09:00\n  3. 10:00\n  4. Skip\n") in done.stdout
    assert done.stdout.rstrip().endswith("Bye — good luck! Your notes are saved.")
    assert "{" not in done.stdout


# ---- how a typed line is read (in process) -------------------------------------------------------

ME = console_user("me")
HOURS = (Button("08:00", "8"), Button("09:00", "9"), Button("10:00", "10"), Button("Skip", "skip"))
RATING = tuple(Button(str(n), str(n)) for n in range(1, 6))


WORDS = (Button("Add “kubeflow” to my words", "/letter 3 fix fa1"),)  # a label with quotes


@pytest.mark.parametrize(("typed", "buttons", "kind", "text"), [
    ("09:00", HOURS, Kind.BUTTON, "9"),
    ("skip", HOURS, Kind.BUTTON, "skip"),
    ("SKIP\n", HOURS, Kind.BUTTON, "skip"),
    ("3", HOURS, Kind.BUTTON, "10"),
    ("10", HOURS, Kind.BUTTON, "10"),
    ("7", HOURS, Kind.TEXT, "7"),
    ("0", HOURS, Kind.TEXT, "0"),
    ("4", RATING, Kind.BUTTON, "4"),
    ("/status", HOURS, Kind.COMMAND, "status"),
    ("/debrief Acme Corp", (), Kind.COMMAND, "debrief Acme Corp"),
    ("today 3pm", HOURS, Kind.TEXT, "today 3pm"),
    ("2", (), Kind.TEXT, "2"),
    ('add "kubeflow" to my words', WORDS, Kind.BUTTON, "/letter 3 fix fa1"),
    ("Add kubeflow to my words", WORDS, Kind.BUTTON, "/letter 3 fix fa1"),
    ("add kubeflow", WORDS, Kind.TEXT, "add kubeflow"),
])
def test_a_typed_line_becomes_a_press_a_command_or_text(typed: str, buttons: tuple[Button, ...],
                                                      kind: Kind, text: str) -> None:
    incoming = read_input(typed, buttons, ME)

    assert (incoming.kind, incoming.text) == (kind, text)


@pytest.fixture
def console(sqlite_url: str) -> Iterator[tuple[ConsoleAdapter, io.StringIO]]:
    engine, _clock, database = make_engine(sqlite_url, datetime(2026, 11, 23, 11, 30,
                                                                tzinfo=UTC))
    out = io.StringIO()
    yield ConsoleAdapter(engine, json_mode=True, out=out), out
    database.dispose()


def test_blank_lines_are_ignored(console: tuple[ConsoleAdapter, io.StringIO]) -> None:
    adapter, out = console
    adapter.chat(ME, io.StringIO("\n   \nhello\n\n"))

    messages = [json.loads(line) for line in out.getvalue().splitlines()]
    assert len(messages) == 2  # the greeting and the first question, once
    assert messages[1]["text"].startswith("What name should I use")


def test_an_empty_input_prints_nothing_and_ends(
    console: tuple[ConsoleAdapter, io.StringIO],
) -> None:
    adapter, out = console
    adapter.chat(ME, io.StringIO(""))

    assert out.getvalue() == ""
