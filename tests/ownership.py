"""A job seeker with a row in every table (for export, import, calendar and delete tests)."""

from __future__ import annotations

import atexit
import shutil
import tempfile
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

from sqlalchemy import func, select

from bot.clock import FixedClock
from bot.conversation.buttons import issue_tokens
from bot.conversation.engine import Engine
from bot.nudges.planner import replan
from bot.outputs import mail_links
from storage.db import Database
from storage.models import Base, Change, Event, Lesson, Offer, Reference, Story
from storage.repository import Repository
from tests.nudging import run_until, scheduler_for
from tests.story import Seeker, debrief, make_engine, onboard

MONDAY_1130 = datetime(2026, 11, 23, 11, 30, tzinfo=UTC)  # London = UTC in November
STORY_END = datetime(2026, 11, 23, 18, 30, tzinfo=UTC)
NEXT_ROUND = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
OFFER_DEADLINE = date(2026, 12, 2)


def full_story(url: str, user_id: str = "jane") -> tuple[Engine, FixedClock, Database, Seeker]:
    """Two debriefs, a thank-you nudge delivered, then a second round at Acme, an offer from
    Globex, a lesson, a reference, a story, a logged contact, a button token, a mail link, and a
    debrief left half-way (the conversation state)."""
    engine, clock, db = make_engine(url, MONDAY_1130)
    seeker = Seeker(engine, user_id)
    onboard(seeker)
    debrief(seeker, "Acme", ("Katherine O'Neill", "Rahul Mehta"), "today 11am", "Friday")
    debrief(seeker, "Globex", ("Ann Lee",), "today 9am", "don't know")
    scheduler, _ = scheduler_for(db, clock)
    run_until(scheduler, clock, STORY_END)
    now = clock.now()
    with db.session() as session:
        repo = Repository.for_key(session, "console", "local", user_id)
        assert repo is not None
        repo.user.target_salary = Decimal("65000.00")
        acme = repo.find_application("Acme")
        globex = repo.find_application("Globex")
        assert acme is not None and globex is not None
        globex.status, globex.offer_deadline = "offer", OFFER_DEADLINE
        session.add(Offer(user_id=repo.user.id, application_id=globex.id,
                          salary=Decimal("70000.50"), currency="GBP", bonus="10%",
                          signing_bonus=Decimal("2500"), vacation_days=28,
                          reply_deadline=OFFER_DEADLINE, start_date=date(2027, 1, 11),
                          received_at=now))
        replan(repo, now, [globex.id])
        first = repo.interviews(acme)[0]
        session.add(Lesson(user_id=repo.user.id, application_id=acme.id,
                           text="Prepare a crisp answer on stakeholder conflicts", created_at=now))
        session.add(Reference(user_id=repo.user.id, name="Dr. Mary Poppins",
                              relation="former manager", email="mary@example.com",
                              created_at=now))
        session.add(Story(user_id=repo.user.id, interview_id=first.id,
                          interviewer_name="Katherine O'Neill", title="The migration rescue",
                          created_at=now))
        session.add(Event(user_id=repo.user.id, application_id=acme.id, kind="contact",
                          at=now, data={"how": "email", "interview_id": first.id}))
        session.add(Change(user_id=repo.user.id, application_id=acme.id, at=now,
                           summary="Acme's role: Analyst → Data Analyst",
                           undo=[{"op": "set", "table": "applications", "id": acme.id,
                                  "values": {"role": "Analyst"}}]))
        # a second round at Acme (not replanned: the prep nudge's planner is not under test)
        acme.status, acme.next_interview_at, acme.next_round = "second_round", NEXT_ROUND, "second"
        issue_tokens(repo, ["/status", "/debrief"], now)
        mail_links.issue(repo, "mailto:k.oneill%40acme.example?subject=Thank%20you", now)
    seeker.runs("thanks", "Acme")  # a letter shown, then edited: the letters table
    seeker.runs("letter", "paragraph 3: I look forward to hearing from you about the next steps.")
    seeker.runs("cancel")
    seeker.runs("debrief")
    seeker.says("Initech")
    return engine, clock, db, seeker


_TEMPLATES: dict[str, Path] = {}


def story_copy(folder: Path, name: str = "story.db", user_id: str = "jane"
               ) -> tuple[Engine, FixedClock, Database, Seeker]:
    """`full_story` on a SQLite file, played once per test process and copied (it takes
    seconds to play; a copy takes milliseconds)."""
    template = _TEMPLATES.get(user_id)
    if template is None:
        base = Path(tempfile.mkdtemp(prefix="afterview-story-"))
        atexit.register(shutil.rmtree, base, True)
        template = base / "story.db"
        _, _, db, _ = full_story(f"sqlite:///{template}", user_id)
        db.dispose()
        _TEMPLATES[user_id] = template
    target = folder / name
    shutil.copyfile(template, target)
    wal = template.with_name(template.name + "-wal")
    if wal.exists():
        shutil.copyfile(wal, target.with_name(target.name + "-wal"))
    engine, clock, db = make_engine(f"sqlite:///{target}", STORY_END)
    return engine, clock, db, Seeker(engine, user_id)


def owned_tables() -> list[str]:
    return [t.name for t in Base.metadata.sorted_tables if "user_id" in t.c]


def rows_of(db: Database, user_pk: int) -> dict[str, int]:
    """How many rows this user id has, table by table (the user row under "users")."""
    counts: dict[str, int] = {}
    with db.session() as session:
        for table in Base.metadata.sorted_tables:
            column = table.c.id if table.name == "users" else table.c.get("user_id")
            if column is None:
                continue
            counts[table.name] = int(session.scalar(
                select(func.count()).select_from(table).where(column == user_pk)) or 0)
    return counts


def user_pk(db: Database, user_id: str) -> int:
    with db.session() as session:
        repo = Repository.for_key(session, "console", "local", user_id, create=False)
        assert repo is not None
        return repo.user.id
