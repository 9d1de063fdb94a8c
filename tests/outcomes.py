"""Shared scenes for the outcome tests: Jane Doe in London interviews at Acme (two interviewers)
and at Globex (one), on Monday 23 November 2026; helpers read what was stored."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bot.conversation.engine import Engine
from bot.messages import Draft
from storage.models import Event, Nudge
from storage.repository import Repository
from tests.story import Seeker, make_engine, onboard

MONDAY_1130 = datetime(2026, 11, 23, 11, 30, tzinfo=UTC)  # London = UTC in November

KATHERINE_POINT = "her team's move from nightly batch jobs to streaming"
RAHUL_POINT = "mentoring juniors through code review"

ACME_DEBRIEF = (
    "Acme", "Data Analyst", "today 11:00", "first", "video",
    "Katherine O'Neill", "Head of Data", "k.oneill@acme.example", "skip", KATHERINE_POINT,
    "Rahul Mehta", "Engineering Manager", "skip", "skip", RAHUL_POINT,
    "done", "4", "the SQL exercise", "five years of SQL and Python analytics",
    "explaining my dashboard project more briefly",
    "a conflict with a stakeholder — I rambled; I'd use the budget story instead",
    "I also led our move to dbt", "Friday", "2", "Priya Shah, priya.shah@acme.example",
)
GLOBEX_DEBRIEF = (
    "Globex", "Product Analyst", "today 9am", "first", "phone",
    "Tom Baker", "Hiring Manager", "tom.baker@globex.example", "skip",
    "their new pricing experiments", "done", "3", "skip", "skip", "skip", "skip", "skip",
    "Wednesday", "skip", "skip",
)


class Scene:
    """The bot, its clock and database, and Jane (onboarded) talking to it."""

    def __init__(self, url: str, at: datetime = MONDAY_1130, *, onboarded: bool = False) -> None:
        self.engine: Engine
        self.engine, self.clock, self.db = make_engine(url, at)
        self.jane = Seeker(self.engine)
        if not onboarded:
            onboard(self.jane)

    @classmethod
    def template(cls, folder: Path, build: Callable[[Scene], None]) -> Path:
        """Play the opening scenes once into a SQLite file that tests copy (fast and isolated)."""
        path = folder / "template.db"
        scene = cls(f"sqlite:///{path}")
        build(scene)
        scene.db.dispose()
        return path

    @classmethod
    def copy(cls, template: Path, folder: Path, at: datetime = MONDAY_1130) -> Scene:
        for source in template.parent.glob(template.name + "*"):  # the file, and any WAL left
            shutil.copyfile(source, folder / source.name.replace(template.stem, "afterview"))
        return cls(f"sqlite:///{folder / 'afterview.db'}", at, onboarded=True)

    def debrief(self, answers: tuple[str, ...] = ACME_DEBRIEF) -> None:
        self.jane.runs("debrief")
        self.jane.answers(*answers)
        assert "Well done" in self.jane.text, self.jane.text

    # ---- reading what was stored -----------------------------------------------------------

    def _repo(self, session: Any) -> Repository:
        key = self.jane.key
        repo = Repository.for_key(session, key.platform, key.workspace, key.user_id, create=False)
        assert repo is not None
        return repo

    def read(self, fn: Any) -> Any:
        """Run `fn(repo)` in a fresh session and return plain data from it."""
        with self.db.session() as session:
            return fn(self._repo(session))

    def app(self, company: str) -> dict[str, Any]:
        def get(repo: Repository) -> dict[str, Any]:
            app = repo.find_application(company)
            assert app is not None, company
            return plain(app)
        return self.read(get)

    def interviewers(self, company: str) -> list[dict[str, Any]]:
        def get(repo: Repository) -> list[dict[str, Any]]:
            app = repo.find_application(company)
            assert app is not None
            latest = repo.latest_interview(app)
            assert latest is not None
            return [plain(p) for p in repo.interviewers(latest)]
        return self.read(get)

    def events(self, company: str, kind: str) -> list[dict[str, Any]]:
        def get(repo: Repository) -> list[dict[str, Any]]:
            app = repo.find_application(company)
            return [{"at": e.at, "data": dict(e.data)} for e in repo.events([kind], app)]
        return self.read(get)

    def nudges(self, company: str, kind: str, states: tuple[str, ...] = ("pending", "snoozed")
               ) -> list[dict[str, Any]]:
        def get(repo: Repository) -> list[dict[str, Any]]:
            app = repo.find_application(company)
            assert app is not None
            rows = repo.session.query(Nudge).filter(
                Nudge.user_id == repo.user.id, Nudge.application_id == app.id,
                Nudge.kind == kind, Nudge.state.in_(states)).order_by(Nudge.due_at).all()
            return [{"due_at": n.due_at, "state": n.state, "key": n.key} for n in rows]
        return self.read(get)

    def lessons(self) -> list[dict[str, Any]]:
        def get(repo: Repository) -> list[dict[str, Any]]:
            return [plain(lesson) for lesson in repo.lessons()]
        return self.read(get)

    def all_events(self, kind: str) -> int:
        def get(repo: Repository) -> int:
            return repo.session.query(Event).filter(Event.user_id == repo.user.id,
                                                    Event.kind == kind).count()
        return self.read(get)

    def conversation(self) -> str | None:
        def get(repo: Repository) -> str | None:
            state = repo.conversation()
            return state.flow if state else None
        return self.read(get)


def plain(row: Any) -> dict[str, Any]:
    """A stored row as a dict of its columns, readable after the session closes."""
    return {column.name: getattr(row, column.name) for column in row.__table__.columns}


def drafts(seeker: Seeker) -> list[Draft]:
    return [r.draft for r in seeker.replies if r.draft is not None]
