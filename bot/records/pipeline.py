"""The pipeline: each application's stage and the next thing to do, for `status` and App Home."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo

from bot.nudges.rules import contact_ready_day
from bot.records import expiry
from bot.turn import Turn
from storage.models import Application, Interview, Interviewer

CONTACT_EVENT = "contact"  # the kind `bot.nudges.planner` counts as a contact the user logged
STAGES = {
    "active": "interviewing", "second_round": "later rounds", "offer": "offer received",
    "accepted": "offer accepted", "declined": "offer declined", "rejected": "not selected",
    "withdrawn": "withdrawn", "ghosted": "no answer — closed", "closed": "closed",
    "archived": "archived",
}


@dataclass(frozen=True)
class PipelineRow:
    application_id: int
    company: str
    role: str
    stage: str
    next_action: str
    due: date | None
    pending_thanks: tuple[str, ...]
    active: bool


def next_action(
    app: Application, interviews: list[Interview], people: list[Interviewer], today: date,
    tz: tzinfo = UTC, last_contact: datetime | None = None,
) -> tuple[str, date | None]:
    """What the user should do next for this application, and by when (pure): a booked round
    and the latest contact the user logged come before the decision date."""
    if not app.is_active:
        return STAGES.get(app.status, app.status), None
    if app.status == "offer":
        return "decide on the offer (see “offer”)", None
    last = interviews[-1] if interviews else None
    pending = [p.name for p in people if last and p.interview_id == last.id
               and p.thank_you_state != "sent"]
    if pending:  # the same day, at the latest the next day
        held = last.starts_at.astimezone(tz).date() if last else today
        return "send thank-you letters to " + ", ".join(pending), held + timedelta(days=1)
    booked = app.next_interview_at.astimezone(tz).date() if app.next_interview_at else None
    if booked is not None and booked >= today:
        return f"prepare for your {app.next_round or 'next'} interview (“prep”)", booked
    if last and last_contact is not None and last_contact >= last.recorded_at:
        ready = contact_ready_day(last_contact, tz)
        if ready > today:
            return "wait for their answer — you were in touch; keep your search going", ready
        return "check in with a short, courteous note (“followup”)", ready
    if last and last.decision_expected:
        if last.decision_expected >= today:
            return "wait for their decision — keep your search going", last.decision_expected
        return "follow up: their decision date has passed", last.decision_expected
    return "keep your search going", None


def rows(turn: Turn, *, say_once: bool = False) -> list[PipelineRow]:
    """Each application's stage and next action. Advice whose moment has passed is said once
    (`say_once`: this is that once — `status` and the digest) and then left out."""
    repo = turn.repo
    result = []
    today = turn.local_now.date()
    for app in repo.applications():
        interviews = repo.interviews(app)
        people = [p for i in interviews for p in repo.interviewers(i)]
        contacts = [e.at for e in repo.events((CONTACT_EVENT,), app)]
        last_contact = max(contacts, default=None)
        action, due = next_action(app, interviews, people, today, turn.tz, last_contact)
        last = interviews[-1] if interviews else None
        pending = tuple(p.name for p in people if last and p.interview_id == last.id
                        and p.thank_you_state != "sent")
        held = last.starts_at.astimezone(turn.tz).date() if last else today
        expired = (expiry.expired_offer(repo, app, today)
                   or expiry.expired_thanks(app, last, list(pending), today, held))
        if expired is not None:
            if expiry.said_before(repo, app, expired):  # said once: silence, or what's next
                action, due = ("", None) if expired.what == "offer" else next_action(
                    app, interviews, [], today, turn.tz, last_contact)
                pending = ()
            else:
                action, due = expired.once, None
                if say_once:
                    expiry.note_said(repo, app, expired, turn.now)
        elif app.status == "offer":
            due = expiry.offer_deadline(repo, app)
        result.append(PipelineRow(app.id, app.company, app.role, STAGES.get(app.status, app.status),
                                  action, due, pending, app.is_active))
    result.sort(key=lambda r: (not r.active, r.due or date.max))
    return result


def status_text(turn: Turn) -> str:
    table = rows(turn, say_once=True)
    if not table:
        return ("Your pipeline is empty. Had an interview? Type “debrief” and we'll record it "
                "together.")
    active = [r for r in table if r.active]
    closed = [r for r in table if not r.active]
    lines = [f"Your pipeline — {len(active)} active application{'s' if len(active) != 1 else ''}:"]
    for r in active:
        due = f" (by {r.due:%a} {r.due.day} {r.due:%b})" if r.due else ""
        lines.append(f"• {r.company} — {r.role or 'role not noted'}: {r.stage}."
                     + (f" Next: {r.next_action}{due}." if r.next_action else ""))
    if closed:
        lines.append("")
        lines.append("Closed: " + "; ".join(f"{r.company} ({r.stage})" for r in closed))
    return "\n".join(lines)
