"""The job search as a calendar (.ics): interviews, next rounds, decision dates, planned
follow-ups and check-ins, offer reply deadlines — each with a stable UID, so importing a newer
file updates the events instead of duplicating them.

UIDs are a keyed hash of (what, row id) with the user's key: stable for one user across
exports, different between users, and they don't reveal row ids. An interview is numbered
within its application, so the scheduled next round and its later debrief are one event.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from icalendar import Alarm, Calendar, Event
from sqlalchemy import select

from bot.formatting import possessive
from bot.nudges.rules import CHECK_IN, FOLLOW_UP, GHOST_CHECK, INTERVIEW_LENGTH
from storage.models import NUDGE_OPEN_STATES, Application, Interview, Nudge, Offer, User
from storage.repository import Repository

FOLLOW_UP_LENGTH = timedelta(minutes=30)
CONTACT_NUDGES = (FOLLOW_UP, CHECK_IN, GHOST_CHECK)
DECIDED_OFFERS = ("accepted", "declined", "withdrawn")


@dataclass(frozen=True)
class Entry:
    """One calendar event: a timed one (`start` a datetime, with `length`) or an all-day one."""

    uid: str
    summary: str
    description: str
    start: datetime | date
    length: timedelta | None = None
    remind_before: timedelta | None = None
    busy: bool = False


def event_uid(user: User, what: str, row_id: object) -> str:
    """Stable per user and row, unguessable across users, no raw ids."""
    secret = f"{user.platform}:{user.workspace}:{user.external_id}".encode()
    digest = hmac.new(secret, f"{what}-{row_id}".encode(), hashlib.sha256).hexdigest()
    return f"{digest[:32]}@afterview"


def _role(app: Application) -> str:
    return f" — {app.role}" if app.role else ""


def _people(repo: Repository, interview: Interview) -> str:
    people = [f"{p.name} ({p.title})" if p.title else p.name
              for p in repo.interviewers(interview)]
    return ", ".join(people)


def entries(repo: Repository) -> list[Entry]:
    """Every dated thing in the user's search, as calendar entries."""
    user = repo.user
    result: list[Entry] = []
    apps = repo.applications()
    by_id = {app.id: app for app in apps}
    for app in sorted(apps, key=lambda a: a.id):
        interviews = repo.interviews(app)
        for number, interview in enumerate(interviews, 1):
            people = _people(repo, interview)
            with_whom = f" with {people}" if people else ""
            how = f" ({interview.format})" if interview.format else ""
            result.append(Entry(
                event_uid(user, "interview", f"{app.id}-{number}"),
                f"Interview at {app.company}{_role(app)} ({interview.round} round)",
                f"Your {interview.round} round{how}{with_whom}. Afterwards: debrief while it's "
                "fresh (“debrief”) and send each interviewer a personal thank-you the same day, "
                "the next day at the latest.",
                interview.starts_at, INTERVIEW_LENGTH, busy=True,
            ))
        if not app.is_active:
            continue
        if app.next_interview_at is not None:
            round_name = app.next_round or "next"
            result.append(Entry(
                event_uid(user, "interview", f"{app.id}-{len(interviews) + 1}"),
                f"{round_name.capitalize()} round interview at {app.company}{_role(app)}",
                "Prepare the day before (“prep”): review your notes from earlier rounds, bring "
                "new questions, pick behavioural stories you haven't told these interviewers, "
                "and ask how many steps remain and when they'll decide. Show your enthusiasm.",
                app.next_interview_at, INTERVIEW_LENGTH, remind_before=timedelta(days=1),
                busy=True,
            ))
        latest = interviews[-1] if interviews else None
        if latest is not None and latest.decision_expected is not None and app.status != "offer":
            assumed = (" (assumed: a week after the interview — worth asking them about "
                       "their timing)" if latest.decision_assumed else "")
            contact = f" Contact for news: {latest.news_contact}." if latest.news_contact else ""
            result.append(Entry(
                event_uid(user, "decision", app.id),
                f"{app.company} expects to decide{_role(app)}",
                f"{app.company} expected to decide by today{assumed}.{contact} Keep your "
                "search going meanwhile. If you haven't heard by tomorrow, follow up politely "
                "by email or phone — your name, the interview date and the position, and ask "
                "whether a decision was made (“followup” drafts it).",
                latest.decision_expected,
            ))
    covered: set[tuple[int, date]] = set()
    offers = repo.session.scalars(select(Offer).where(Offer.user_id == user.id)
                                  .order_by(Offer.id))
    for offer in offers:
        offered = by_id.get(offer.application_id)
        if (offered is None or offer.reply_deadline is None or offer.status in DECIDED_OFFERS
                or offer.decided_at is not None):
            continue
        covered.add((offered.id, offer.reply_deadline))
        result.append(_offer_entry(user, "offer", offer.id, offered, offer.reply_deadline))
    for app in apps:
        if (app.status == "offer" and app.offer_deadline is not None
                and (app.id, app.offer_deadline) not in covered):
            result.append(_offer_entry(user, "offer-app", app.id, app, app.offer_deadline))
    nudges = repo.session.scalars(select(Nudge).where(
        Nudge.user_id == user.id, Nudge.kind.in_(CONTACT_NUDGES),
        Nudge.state.in_(NUDGE_OPEN_STATES)).order_by(Nudge.id))
    for nudge in nudges:
        nudged = by_id.get(nudge.application_id or 0)
        if nudged is not None and nudged.is_active:
            result.append(_contact_entry(user, nudge, nudged))
    return result


def _offer_entry(user: User, what: str, row_id: int, app: Application, deadline: date) -> Entry:
    return Entry(
        event_uid(user, what, row_id),
        f"Reply to {possessive(app.company)} offer{_role(app)}",
        f"Your answer to {possessive(app.company)} offer is due today. Before replying: get "
        "it in writing, "
        "compare it with your target and any other offers (salary and the rest: commute, "
        "flexibility, benefits), negotiate with legitimate arguments — then accept in writing, "
        "restating the terms, or decline politely (“offer”).",
        deadline, remind_before=timedelta(days=1),
    )


def _contact_entry(user: User, nudge: Nudge, app: Application) -> Entry:
    if nudge.kind == FOLLOW_UP:
        summary = f"Follow up with {app.company}{_role(app)}"
        description = (f"{possessive(app.company)} decision date has passed. Follow up "
                       "politely by email "
                       "or phone: your name, the interview date and the position, and ask "
                       "whether they've made a decision. Afterview drafts the email and a "
                       "phone script (“followup”).")
    elif nudge.kind == CHECK_IN:
        summary = f"Weekly check-in with {app.company}{_role(app)}"
        description = ("Still no decision: a short, friendly check-in — once a week, never more "
                       "often, and never show up unannounced. Keep your search going meanwhile.")
    else:
        summary = f"Still waiting on {app.company}? Consider closing it"
        description = ("Several check-ins went unanswered. Consider closing this application "
                       "as “no answer” and putting your energy into the next one.")
    return Entry(event_uid(user, "nudge", nudge.id), summary, description, nudge.due_at,
                 FOLLOW_UP_LENGTH)


def build_calendar(repo: Repository, now: datetime) -> tuple[bytes, int]:
    """The .ics file's bytes and how many events it holds."""
    calendar = Calendar()
    calendar.add("prodid", "-//Afterview//Job search calendar//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", "Afterview — job search")
    stamp = now.astimezone(UTC)
    found = entries(repo)
    for entry in found:
        calendar.add_component(_event(entry, stamp))
    return calendar.to_ical(), len(found)


def _event(entry: Entry, stamp: datetime) -> Event:
    event = Event()
    event.add("uid", entry.uid)
    event.add("dtstamp", stamp)
    event.add("summary", entry.summary)
    event.add("description", entry.description)
    if isinstance(entry.start, datetime):
        start = entry.start.astimezone(UTC)
        event.add("dtstart", start)
        event.add("dtend", start + (entry.length or FOLLOW_UP_LENGTH))
    else:
        event.add("dtstart", entry.start)
        event.add("dtend", entry.start + timedelta(days=1))
    event.add("transp", "OPAQUE" if entry.busy else "TRANSPARENT")
    event.add("categories", ["Afterview"])
    if entry.remind_before is not None:
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", entry.summary)
        alarm.add("trigger", -entry.remind_before)
        event.add_component(alarm)
    return event
