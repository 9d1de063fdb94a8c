"""Planning: gather an application's facts, ask the rules in `bot.nudges`, and make the stored
nudge rows match — idempotently (each planned nudge has a stable key)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select

from bot.nudges import (
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
from storage.models import Application, Nudge, User
from storage.repository import Repository

CONTACT_EVENT = "contact"
RESET_EVENTS = ("employer_reply", "keep_checking")
IN_FLIGHT = ("pending", "snoozed", "claimed")


def prefs_for(user: User) -> Prefs:
    try:
        tz = tz_from_name(user.timezone or "UTC")
    except ParseError:
        tz = tz_from_name("UTC")
    quiet = None if user.quiet_start is None or user.quiet_end is None else (
        user.quiet_start, user.quiet_end)
    return Prefs(tz=tz, nudge_hour=user.nudge_hour, quiet=quiet, ghost_after=user.ghost_after)


def facts_for(repo: Repository, app: Application, nudges: list[Nudge]) -> ApplicationFacts:
    """The facts the rules need, read from this user's rows only."""
    interviews = repo.interviews(app)
    interview_facts = []
    for interview in interviews:
        people = repo.interviewers(interview)
        interview_facts.append(InterviewFacts(
            interview.id, interview.starts_at, interview.recorded_at,
            thanks_pending=any(p.thank_you_state != "sent" for p in people),
        ))
    latest = interviews[-1] if interviews else None
    events = repo.events(application=app)
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
    for app in apps:
        if app.id not in wanted:
            continue
        existing = by_app.get(app.id, [])
        planned = [] if off else plan_application(facts_for(repo, app, existing), prefs, now)
        _sync(repo, existing, planned, now, "paused" if off else "not needed")
    digest = None if off else plan_digest(any(a.is_active for a in apps), prefs, now)
    digests = [r for r in by_app.get(None, []) if r.kind == "digest"]
    if digest is not None:  # last Monday's digest, snoozed till tomorrow, still comes tomorrow
        digests = [r for r in digests if r.state != "snoozed"]
    _sync(repo, digests, [digest] if digest else [], now, "paused" if off else "not needed")


def _sync(repo: Repository, existing: list[Nudge], planned: list[Planned], now: datetime,
          reason: str) -> None:
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
    for key, plan in desired.items():
        if key in seen:
            continue
        repo.session.add(Nudge(
            user_id=repo.user.id, application_id=plan.application_id,
            interview_id=plan.interview_id, kind=plan.kind, key=key, due_at=plan.due_at,
            state="pending", payload=dict(plan.payload), created_at=now,
        ))
    repo.session.flush()
