"""Planning: gather an application's facts, ask the rules in `bot.nudges.rules`, and make the stored
nudge rows match — idempotently (each planned nudge has a stable key)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import select

from bot.letters.holidays import Holidays, user_country
from bot.nudges.rules import (
    CHECK_IN,
    CONTACT_KINDS,
    FOLLOW_UP,
    ApplicationFacts,
    InterviewFacts,
    Planned,
    Prefs,
    plan_application,
    plan_digest,
)
from bot.parsing import ParseError, tz_from_name
from storage.models import Application, Event, Interview, Interviewer, Nudge, table_of
from storage.repository import Repository, insert_new

CONTACT_EVENT = "contact"
RESET_EVENTS = ("employer_reply", "keep_checking")
IN_FLIGHT = ("pending", "snoozed", "claimed")


class HasPrefs(Protocol):
    """Where a user's nudge settings are read from: the `User` row, or a plain row of it."""

    @property
    def timezone(self) -> str: ...
    @property
    def nudge_hour(self) -> int: ...
    @property
    def quiet_start(self) -> int | None: ...
    @property
    def quiet_end(self) -> int | None: ...
    @property
    def ghost_after(self) -> int: ...


def prefs_for(user: HasPrefs) -> Prefs:
    try:
        tz = tz_from_name(user.timezone or "UTC")
    except ParseError:
        tz = tz_from_name("UTC")
    quiet = None if user.quiet_start is None or user.quiet_end is None else (
        user.quiet_start, user.quiet_end)
    minutes = (getattr(user, "quiet_start_minute", 0) or 0,
               getattr(user, "quiet_end_minute", 0) or 0)  # 22:00-07:30 (issue 16)
    days_off = Holidays(user_country(getattr(user, "country", "") or "", user.timezone or ""))
    return Prefs(tz=tz, nudge_hour=user.nudge_hour, quiet=quiet, ghost_after=user.ghost_after,
                 quiet_minutes=minutes, days_off=days_off)


@dataclass
class Known:
    """A user's interviews, interviewers and employer events, read once per re-plan (three
    queries a user rather than three an application)."""

    interviews: dict[int, list[Interview]] = field(default_factory=dict)
    people: dict[int, list[Interviewer]] = field(default_factory=dict)
    events: dict[int, list[Event]] = field(default_factory=dict)

    @classmethod
    def read(cls, repo: Repository) -> Known:
        known = cls()
        for interview in repo.interviews():
            known.interviews.setdefault(interview.application_id, []).append(interview)
        for person in repo.session.scalars(select(Interviewer).where(
                Interviewer.user_id == repo.user.id).order_by(Interviewer.position)):
            known.people.setdefault(person.interview_id, []).append(person)
        for logged in repo.events((CONTACT_EVENT, *RESET_EVENTS)):
            if logged.application_id is not None:
                known.events.setdefault(logged.application_id, []).append(logged)
        return known


def facts_for(repo: Repository, app: Application, nudges: list[Nudge],
              known: Known | None = None) -> ApplicationFacts:
    """The facts the rules need, read from this user's rows only."""
    known = known or Known.read(repo)
    interviews = known.interviews.get(app.id, [])
    interview_facts = []
    for interview in interviews:
        people = known.people.get(interview.id, [])
        interview_facts.append(InterviewFacts(
            interview.id, interview.starts_at, interview.recorded_at,
            thanks_pending=any(p.thank_you_state != "sent" for p in people),
        ))
    latest = interviews[-1] if interviews else None
    events = known.events.get(app.id, [])
    contacts = [e.at for e in events if e.kind == CONTACT_EVENT]
    sent_contact = [n.sent_at for n in nudges if n.kind in CONTACT_KINDS and n.sent_at]
    resets = [e.at for e in events if e.kind in RESET_EVENTS]
    last_reset = max(resets) if resets else None
    decision = latest.decision_expected if latest else None
    followed_up = False
    if latest is not None and decision is not None:
        followed_up = any(n.kind == FOLLOW_UP and n.state in ("sent", "done") and n.sent_at
                          and n.sent_at >= latest.recorded_at for n in nudges) or any(
            at >= latest.recorded_at and at.date() >= decision for at in contacts)
    # a check-in the user snoozed (or one on its way again) is still the same check-in: counting
    # it would plan the next one and cancel the snoozed reminder the user asked for
    unanswered = sum(1 for n in nudges if n.kind == CHECK_IN and n.sent_at
                     and n.state not in IN_FLIGHT
                     and (last_reset is None or n.sent_at > last_reset)
                     and (latest is None or n.sent_at >= latest.recorded_at))
    last_contact = max([*contacts, *sent_contact], default=None)
    return ApplicationFacts(
        id=app.id, status=app.status, nudges_stopped=app.nudges_stopped,
        interviews=tuple(interview_facts), decision_expected=decision, followed_up=followed_up,
        last_contact_at=last_contact, unanswered_check_ins=unanswered,
        check_in_epoch=len(resets), next_interview_at=app.next_interview_at,
        next_round_number=len(interviews) + 1 if app.next_interview_at else None,
        offer_deadline=app.offer_deadline,
    )


def replan(repo: Repository, now: datetime, application_ids: Iterable[int] | None = None) -> None:
    """Bring the user's stored nudges in line with the rules (all applications when None)."""
    user = repo.user
    prefs = prefs_for(user)
    off = user.paused or user.unreachable
    rows = list(repo.session.scalars(select(Nudge).where(Nudge.user_id == user.id)))
    by_app: dict[int | None, list[Nudge]] = {}
    for row in rows:
        by_app.setdefault(row.application_id, []).append(row)
    apps = repo.applications()
    wanted = set(application_ids) if application_ids is not None else {a.id for a in apps}
    known = Known.read(repo) if not off and wanted else Known()
    new: list[Planned] = []
    for app in apps:
        if app.id not in wanted:
            continue
        existing = by_app.get(app.id, [])
        planned = [] if off else plan_application(facts_for(repo, app, existing, known), prefs,
                                                  now)
        new += _sync(existing, planned, "paused" if off else "not needed")
    digest = None if off else plan_digest(any(a.is_active for a in apps), prefs, now)
    digests = [r for r in by_app.get(None, []) if r.kind == "digest"]
    if digest is not None:  # last Monday's digest, snoozed till tomorrow, still comes tomorrow
        digests = [r for r in digests if r.state != "snoozed"]
    new += _sync(digests, [digest] if digest else [], "paused" if off else "not needed")
    _add(repo, new, now)


def _sync(existing: list[Nudge], planned: list[Planned], reason: str) -> list[Planned]:
    """Update the stored rows to the plan; return the planned nudges that have no row yet."""
    desired = {p.key: p for p in planned}
    seen = set()
    for row in existing:
        plan = desired.get(row.key)
        if plan is None:
            if row.state in ("pending", "snoozed"):
                row.state, row.last_error = "cancelled", reason
            continue
        seen.add(row.key)
        if row.state == "pending" and (row.due_at != plan.due_at or row.payload != plan.payload):
            row.due_at, row.payload = plan.due_at, dict(plan.payload)
        elif row.state == "cancelled" and row.last_error in ("paused", "not needed"):
            row.state, row.due_at, row.last_error = "pending", plan.due_at, None
            row.payload = dict(plan.payload)
    return [plan for key, plan in desired.items() if key not in seen]


def _add(repo: Repository, new: list[Planned], now: datetime) -> None:
    """Insert the planned nudges that have no row yet, in one statement; one planned a moment
    ago by a concurrent re-plan (a worker's) is left as it is (its key is taken)."""
    repo.session.flush()
    insert_new(repo.session, table_of(Nudge), [_row(repo, plan, now) for plan in new])


def _row(repo: Repository, plan: Planned, now: datetime) -> dict[str, Any]:
    return dict(user_id=repo.user.id, application_id=plan.application_id,
                interview_id=plan.interview_id, kind=plan.kind, key=plan.key,
                due_at=plan.due_at, state="pending", payload=dict(plan.payload), created_at=now)
