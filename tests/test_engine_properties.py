"""Properties of the engine under anything a job seeker (or a forged client) can send: random
text, every command word and garbage ones, forged button values, unicode of every kind, in any
order and at any time. The engine never fails and always answers; recorded interviews are never
lost; answers given in a debrief survive any junk short of `back` or `cancel`."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.conversation.commands import COMMANDS
from bot.conversation.engine import OOPS, TRY_AGAIN, Engine, _clean
from bot.conversation.flows.base import BACK_WORDS, CANCEL_WORDS
from bot.messages import Incoming, Reply, UserKey
from storage.db import Database
from storage.repository import Repository
from tests.story import Seeker, debrief, make_engine, onboard

MONDAY_1130 = datetime(2026, 11, 23, 11, 30, tzinfo=UTC)
PROPERTY = settings(max_examples=25, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture,
                                           HealthCheck.too_slow])

# ---- what a user can send ------------------------------------------------------------------------

ODD_TEXT = [
    "", " ", "\n\n", "\t", "🎉", "👩🏽‍💻", "🤷", "🇬🇧", "שלום עולם", "مرحبا بالعالم",
    "\u202eevil.exe", "\u200b", "\ufeff", "\x00", "\x1b[31mred", "\ud83d", "\udfff\ud800",
    "e\u0301", "Ｆｕｌｌｗｉｄｔｈ", "𝕬𝖈𝖒𝖊", "?", "??", "x" * 4097,
    "y" * 2100, "%s%n{0}{{}}", "<script>alert(1)</script>",
    "'; DROP TABLE users; --", "NaN", "-1", "0", "1e9", "٣", "⑤", "²", "null", "None", "\\",
    "Robert'); --", "a\nb\nc", "ok 👍", "👍", "✅",
]
FLOW_WORDS = ["back", "skip", "cancel", "help", "done", "don't know", "yes", "no", "continue",
              "undo", "quit", "Skip", "BACK", "/back", "/skip", "/done"]
PLAUSIBLE = [
    "hello", "Jane Doe", "jane@example.com", "London", "UTC+2", "9", "22-7", "none", "Name",
    "Time zone", "Check-ins", "Acme", "acme", "Globex", "Data Analyst", "today 11am",
    "yesterday", "just now", "now", "next Friday", "in two weeks", "Dec 5", "tomorrow", "first",
    "second", "video", "on-site", "Jane Smith", "Bob Stone", "bob@acme.com", "+44 7700 900123",
    "1", "2", "3", "4", "5", "chart", "they said no", "I got an offer", "sent the thank-yous",
]
GARBAGE_WORDS = ["", "nonsense", "DEBRIEF", "Status", "status@afterview_bot", "🙂", "start now",
                 "/", "//", "help me", "x" * 80, "\x00", "\ud800"]
FORGED_BUTTONS = [
    "n:999:done", "n:0:done", "n:1:explode", "n:abc:done", "n::", "n:", "n:1", "n:1:2:3",
    "n:99999999999999999999:done", "flow:continue", "flow:restart", "flow:", "flow:zzz",
    "flow:drop:", "flow:drop:xyz", "flow:drop:debrief", "flow:drop:/status", "/nonsense", "/",
    "", "cancel", "skip", "done", "back", "~forged", "~", "~" + "a" * 30, "/debrief Acme",
    "/status chart", "/start", "/settings", "/thanks", "1", "9", "21-8", "don't know", "video",
    "\x00", "🎉",
]
NUDGE_VERBS = ["done", "later", "tomorrow", "tomorrow_all", "stop", "unstop", "close", "keep",
               "still_deciding", "no_answer", "second", "offer", "rejected", "bogus"]

any_char_text = st.text(st.characters(exclude_categories=()), max_size=40)
texts = st.one_of(st.sampled_from(ODD_TEXT + FLOW_WORDS + PLAUSIBLE), any_char_text)
command_words = st.sampled_from(sorted(COMMANDS) + GARBAGE_WORDS)
button_values = st.one_of(
    st.sampled_from(FORGED_BUTTONS),
    st.builds(lambda i, verb: f"n:{i}:{verb}", st.integers(1000, 10**30),
              st.sampled_from(NUDGE_VERBS)),
    st.builds(lambda word: f"flow:drop:{word}", command_words),
    any_char_text,
)


@dataclass(frozen=True)
class Act:
    """One thing the user does: says text, runs a command, presses a button, or goes away."""

    kind: str
    text: str = ""
    args: str = ""
    hours: float = 0

    def __repr__(self) -> str:  # short, readable falsifying examples
        detail = self.hours if self.kind == "wait" else (self.text[:60], self.args[:30])
        return f"{self.kind}{detail!r}"


acts = st.one_of(
    st.builds(Act, st.just("say"), texts),
    st.builds(Act, st.just("say"), st.builds(lambda w, a: f"/{w} {a}".rstrip(), command_words,
                                             texts)),
    st.builds(Act, st.just("run"), command_words, st.one_of(st.just(""), texts)),
    st.builds(Act, st.just("press"), button_values),
    st.builds(Act, st.just("wait"), hours=st.sampled_from([0.5, 7, 30, 24 * 3, 24 * 40])),
)


def send(engine: Engine, clock: Any, key: UserKey, act: Act) -> list[Reply] | None:
    if act.kind == "wait":
        clock.advance(timedelta(hours=act.hours))
        return None
    if act.kind == "say":
        incoming = Incoming.message(key, act.text)
    elif act.kind == "run":
        incoming = Incoming.command(key, act.text, act.args)
    else:
        incoming = Incoming.press(key, act.text)
    return engine.handle(incoming)


def folded(text: str) -> str:
    return " ".join(_clean(text).strip().casefold().split())


def undoes_answers(act: Act) -> bool:
    """Acts that may legitimately forget debrief answers: back, cancel, start over."""
    if act.kind == "wait":
        return False
    word = folded(act.text)
    if act.kind == "run":
        return word.split(" ")[0].lstrip("/") == "cancel"
    if act.kind == "press" and (word in ("cancel", "flow:restart") or word in BACK_WORDS
                                or word.startswith("/cancel")):
        return True
    if act.kind == "press" and act.text.startswith("flow:drop:"):  # "Start over", "Drop it"…
        return act.text[len("flow:drop:"):].casefold() in COMMANDS  # …but not a forged one
    first = word.split(" ")[0] if word else ""
    return word in BACK_WORDS or word in CANCEL_WORDS or first in ("/cancel", "/quit")


def mentions_delete(act: Act) -> bool:
    return "delete" in folded(act.text) or "delete" in folded(act.args)


# ---- one migrated database with a few users in known states, copied for every example -----------

NEWCOMER = UserKey("console", "local", "newcomer")
ONBOARDED = UserKey("console", "local", "onboarded")
MID_DEBRIEF = UserKey("console", "local", "mid")
DEBRIEFED = UserKey("console", "local", "debriefed")


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "afterview.db"
    engine, _clock, database = make_engine(f"sqlite:///{path}", MONDAY_1130)
    onboard(Seeker(engine, user_id=ONBOARDED.user_id))
    mid = Seeker(engine, user_id=MID_DEBRIEF.user_id)
    onboard(mid)
    mid.runs("debrief")
    mid.answers("Acme", "Data Analyst", "today 11am", "first", "video", "Jane Smith",
                "Head of Data", "jane.smith@acme.com", "skip", "talked about pipelines")
    assert "Got Jane Smith. Anyone else?" in mid.last
    done = Seeker(engine, user_id=DEBRIEFED.user_id)
    onboard(done)
    debrief(done, company="Acme", people=("Jane Smith", "Bob Stone"))
    assert "Well done" in done.text
    database.dispose()
    return path


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("examples")


@dataclass
class World:
    engine: Engine
    clock: Any
    database: Database
    path: Path

    def close(self) -> None:
        self.database.dispose()
        for suffix in ("", "-wal", "-shm"):
            Path(f"{self.path}{suffix}").unlink(missing_ok=True)


class Worlds:
    """A fresh copy of the template database for each hypothesis example."""

    def __init__(self, template: Path, workdir: Path) -> None:
        self.template, self.workdir, self.count = template, workdir, 0

    def fresh(self) -> World:
        self.count += 1
        path = self.workdir / f"example-{self.count}.db"
        shutil.copyfile(self.template, path)
        engine, clock, database = make_engine(f"sqlite:///{path}", MONDAY_1130)
        return World(engine, clock, database, path)


@pytest.fixture(scope="module")
def worlds(template: Path, workdir: Path) -> Iterator[Worlds]:
    yield Worlds(template, workdir)


def conversation(database: Database, key: UserKey) -> tuple[str, dict[str, Any]] | None:
    with database.session() as session:
        repo = Repository.for_key(session, key.platform, key.workspace, key.user_id,
                                  create=False)
        if repo is None:
            return None
        row = repo.conversation()
        return None if row is None else (row.flow, dict(row.slots))


INTERVIEW_ANSWERS = ("round", "format", "starts_at", "recorded_at", "rating", "went_well",
                     "strengths", "to_improve", "questions", "missed", "decision_assumed",
                     "steps_remaining", "news_contact")
INTERVIEWER_ANSWERS = ("name", "title", "phone", "position")


def recorded_answers(database: Database, key: UserKey) -> dict[str, Any]:
    """What a debrief stored that no later conversation may change (letters' notes, emails and
    thank-you states may be updated on request in `thanks`, so they are not compared)."""
    with database.session() as session:
        repo = Repository.for_key(session, key.platform, key.workspace, key.user_id,
                                  create=False)
        assert repo is not None, f"the user {key} has vanished"
        result = {}
        for interview in repo.interviews():
            app = repo.application(interview.application_id)
            result[interview.id] = {
                "company": app.company if app else None,
                **{f: getattr(interview, f) for f in INTERVIEW_ANSWERS},
                "people": [{f: getattr(p, f) for f in INTERVIEWER_ANSWERS}
                           for p in repo.interviewers(interview)],
            }
        return result


# ---- the properties ------------------------------------------------------------------------------

@PROPERTY
@given(start=st.sampled_from([NEWCOMER, ONBOARDED, MID_DEBRIEF, DEBRIEFED]),
       script=st.lists(acts, min_size=1, max_size=20))
def test_the_engine_never_fails_and_always_answers(worlds: Worlds, start: UserKey,
                                                  script: list[Act]) -> None:
    world = worlds.fresh()
    try:
        for act in script:
            replies = send(world.engine, world.clock, start, act)
            if replies is None:
                continue
            assert replies, f"no reply to {act!r}"
            assert all(isinstance(r, Reply) and isinstance(r.text, str) for r in replies)
            assert any(r.text.strip() for r in replies), f"only empty replies to {act!r}"
            failures = [r.text for r in replies if r.text in (OOPS, TRY_AGAIN)]
            assert not failures, f"the engine failed on {act!r}"
    finally:
        world.close()


@PROPERTY
@given(script=st.lists(acts.filter(lambda act: not mentions_delete(act)), min_size=1,
                       max_size=20))
def test_a_recorded_interview_is_never_lost_or_changed(worlds: Worlds, script: list[Act]) -> None:
    world = worlds.fresh()
    try:
        before = recorded_answers(world.database, DEBRIEFED)
        assert len(before) == 1
        for act in script:
            send(world.engine, world.clock, DEBRIEFED, act)
        after = recorded_answers(world.database, DEBRIEFED)

        assert {k: after.get(k) for k in before} == before  # later debriefs may add more
    finally:
        world.close()


@PROPERTY
@given(script=st.lists(acts.filter(lambda act: not undoes_answers(act)), min_size=1,
                       max_size=15))
def test_debrief_answers_survive_junk_that_is_not_back_or_cancel(worlds: Worlds,
                                                                script: list[Act]) -> None:
    world = worlds.fresh()
    try:
        start = conversation(world.database, MID_DEBRIEF)
        assert start is not None and start[0] == "debrief"
        answered = {k: start[1][k] for k in ("company", "role", "when", "round", "format")}
        first_person = start[1]["interviewers"][0]
        for act in script:
            send(world.engine, world.clock, MID_DEBRIEF, act)
            now = conversation(world.database, MID_DEBRIEF)
            if now is not None and now[0] == "debrief":
                slots = now[1]
                assert {k: slots.get(k) for k in answered} == answered, f"after {act!r}"
                assert slots["interviewers"][0] == first_person, f"after {act!r}"
            else:  # the debrief may only have ended by being saved
                saved = recorded_answers(world.database, MID_DEBRIEF)
                assert any(i["company"] == "Acme" and i["round"] == "first"
                           and i["people"][0]["name"] == "Jane Smith"
                           for i in saved.values()), f"debrief lost after {act!r}"
                return
    finally:
        world.close()


# ---- what the properties found (fixed since) -----------------------------------------------------

def test_a_forged_nudge_button_with_a_huge_id_is_refused_politely(worlds: Worlds) -> None:
    world = worlds.fresh()
    try:
        replies = world.engine.handle(Incoming.press(DEBRIEFED, "n:99999999999999999999:done"))
    finally:
        world.close()

    assert replies[0].text != OOPS
