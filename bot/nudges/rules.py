"""The nudge rules: which reminder, when — pure functions of (facts, preferences, now).

Everything is computed in the user's local time and stored as UTC. No rule ever places a
nudge inside quiet hours, and employer-contact nudges (follow-up, check-ins) for one
application are always at least seven days apart, counting every contact the user logged.
"""

from __future__ import annotations

from collections.abc import Container
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any

THANK_YOU = "thank_you"
FOLLOW_UP = "follow_up"
CHECK_IN = "check_in"
GHOST_CHECK = "ghost_check"
OFFER_DEADLINE = "offer_deadline"
PREP = "prep"
DIGEST = "digest"

CONTACT_KINDS = frozenset({FOLLOW_UP, CHECK_IN, GHOST_CHECK})
CONTACT_GAP = timedelta(days=7)
CONTACT_SLACK = timedelta(minutes=30)  # a contact this soon after the nudge hour keeps the day
SAME_EVENING_AT = 18
DEBRIEF_TO_NUDGE = timedelta(hours=1)  # the first reminder never comes sooner after a debrief
INTERVIEW_LENGTH = timedelta(hours=1)
MAX_PER_DAY = 3
# how late a missed nudge may still be delivered after downtime (None: while still relevant)
RELEVANT_FOR: dict[str, timedelta | None] = {
    THANK_YOU: timedelta(days=3), FOLLOW_UP: None, CHECK_IN: None, GHOST_CHECK: None,
    OFFER_DEADLINE: timedelta(days=1), PREP: timedelta(hours=20), DIGEST: timedelta(days=2),
}


@dataclass(frozen=True)
class Prefs:
    """The user's timing preferences."""

    tz: tzinfo
    nudge_hour: int = 9
    quiet: tuple[int, int] | None = (21, 8)
    ghost_after: int = 3
    quiet_minutes: tuple[int, int] = (0, 0)  # past the hours of `quiet`: 22:00-07:30 → (0, 30)
    days_off: Container[date] = field(default=frozenset(), compare=False)  # public holidays


@dataclass(frozen=True)
class InterviewFacts:
    id: int
    starts_at: datetime
    recorded_at: datetime
    thanks_pending: bool


@dataclass(frozen=True)
class ApplicationFacts:
    """What the rules need to know about one application."""

    id: int
    status: str = "active"
    nudges_stopped: bool = False
    interviews: tuple[InterviewFacts, ...] = ()
    decision_expected: date | None = None
    followed_up: bool = False
    last_contact_at: datetime | None = None
    unanswered_check_ins: int = 0
    check_in_epoch: int = 0
    next_interview_at: datetime | None = None
    next_round_number: int | None = None
    offer_deadline: date | None = None


@dataclass(frozen=True)
class Planned:
    """A nudge the rules want to exist."""

    key: str
    kind: str
    due_at: datetime
    application_id: int | None = None
    interview_id: int | None = None
    payload: dict[str, Any] = field(default_factory=dict)

    @property
    def family(self) -> str:
        return family_of(self.key)


def family_of(key: str) -> str:
    """Nudges of one family replace each other (thank-you #1, #2, #3 of one interview)."""
    return key.rsplit(":", 1)[0] if key.count(":") >= 2 else key


# ---- time helpers -------------------------------------------------------------------------------

def in_quiet_hours(moment: datetime, prefs: Prefs) -> bool:
    if prefs.quiet is None:
        return False
    start = prefs.quiet[0] * 60 + prefs.quiet_minutes[0]  # minutes of the day
    end = prefs.quiet[1] * 60 + prefs.quiet_minutes[1]
    local = moment.astimezone(prefs.tz)
    minute = local.hour * 60 + local.minute
    if start == end:
        return False
    return start <= minute or minute < end if start > end else start <= minute < end


def out_of_quiet(moment: datetime, prefs: Prefs) -> datetime:
    """The same moment, or the end of the quiet window it falls in (UTC)."""
    if not in_quiet_hours(moment, prefs):
        return moment.astimezone(UTC)
    assert prefs.quiet is not None
    local = moment.astimezone(prefs.tz)
    end_hour, end_minute = prefs.quiet[1], prefs.quiet_minutes[1]
    early = (local.hour, local.minute) < (end_hour, end_minute)
    day = local.date() if early else local.date() + timedelta(days=1)
    return local_at(day, end_hour, prefs.tz, end_minute)


def local_at(day: date, hour: int, tz: tzinfo, minute: int = 0) -> datetime:
    """Wall-clock `hour` on `day` in `tz`, as UTC (DST gaps resolve forward)."""
    naive = datetime.combine(day, time(hour, minute))
    local = naive.replace(tzinfo=tz)
    round_trip = local.astimezone(UTC).astimezone(tz)
    if round_trip.replace(tzinfo=None) != naive:  # a time skipped by DST: an hour later
        local = (naive + timedelta(hours=1)).replace(tzinfo=tz)
    return local.astimezone(UTC)


def at_nudge_hour(day: date, prefs: Prefs) -> datetime:
    return out_of_quiet(local_at(day, prefs.nudge_hour, prefs.tz), prefs)


def next_business_day(day: date, days_off: Container[date] = frozenset()) -> date:
    """The next weekday that is no public holiday of `days_off`."""
    day += timedelta(days=1)
    while day.weekday() >= 5 or day in days_off:
        day += timedelta(days=1)
    return day


def business_day_on_or_after(day: date, days_off: Container[date] = frozenset()) -> date:
    while day.weekday() >= 5 or day in days_off:
        day += timedelta(days=1)
    return day


def next_monday(after: date) -> date:
    return after + timedelta(days=(7 - after.weekday()) % 7 or 7)


# ---- the rules ----------------------------------------------------------------------------------

def thank_you_times(held: datetime, recorded: datetime, prefs: Prefs) -> list[datetime]:
    """The thank-you reminders: the same evening — 18:00, or an hour after the debrief when
    that is later — if that still falls on the interview's day and outside quiet hours; then
    the next morning (the last day); then one last "late is better than never" the day after.
    When the evening is out of reach, the next morning's reminder is the first."""
    held, recorded = held.astimezone(UTC), recorded.astimezone(UTC)
    ended = min(held + INTERVIEW_LENGTH, max(held, recorded))
    day = ended.astimezone(prefs.tz).date()
    evening = max(local_at(day, SAME_EVENING_AT, prefs.tz), recorded + DEBRIEF_TO_NUDGE)
    last_day = at_nudge_hour(day + timedelta(days=1), prefs)
    late = at_nudge_hour(day + timedelta(days=2), prefs)
    # (a debrief recorded days later leaves past times: the scheduler sends the newest, once)
    if evening.astimezone(prefs.tz).date() == day and not in_quiet_hours(evening, prefs):
        return [evening, last_day, late]
    return [last_day, late]


def contact_ready_day(last_contact: datetime, tz: tzinfo) -> date:
    """The first day the user may contact an employer again: a week after the last contact,
    counted in the user's calendar days (so a clock change never moves it)."""
    return last_contact.astimezone(tz).date() + CONTACT_GAP


def week_after(moment: datetime, tz: tzinfo) -> datetime:
    """A week later on the user's wall clock (09:00 Thursday → 09:00 next Thursday, 167 or 169
    hours across a clock change), as UTC: the one week of the weekly contact rule."""
    return (moment.astimezone(tz) + CONTACT_GAP).astimezone(UTC)


def earliest_contact(app: ApplicationFacts, prefs: Prefs) -> datetime | None:
    """The first moment a new employer-contact nudge may come (seven days after the last)."""
    if app.last_contact_at is None:
        return None
    return week_after(app.last_contact_at, prefs.tz)


def _respect_gap(due: datetime, app: ApplicationFacts, prefs: Prefs) -> datetime:
    floor = earliest_contact(app, prefs)
    if floor is None or due >= floor:
        return due
    day = business_day_on_or_after(floor.astimezone(prefs.tz).date(), prefs.days_off)
    candidate = at_nudge_hour(day, prefs)
    if candidate < floor <= candidate + CONTACT_SLACK and not in_quiet_hours(floor, prefs):
        return floor  # last week's came a little after the hour: a week to the minute, same day
    if candidate < floor:  # never on a weekend: nobody writes to an employer on Saturday
        candidate = at_nudge_hour(next_business_day(day, prefs.days_off), prefs)
    return candidate


def plan_application(app: ApplicationFacts, prefs: Prefs, now: datetime) -> list[Planned]:
    """Every nudge this application should have right now."""
    if app.nudges_stopped or app.status not in ("active", "second_round", "offer"):
        return []
    planned: list[Planned] = []
    for interview in app.interviews:
        if not interview.thanks_pending:
            continue
        times = thank_you_times(interview.starts_at, interview.recorded_at, prefs)
        for number, due in enumerate(times, 1):
            planned.append(Planned(f"{THANK_YOU}:{interview.id}:{number}", THANK_YOU, due,
                                   app.id, interview.id, {"number": number}))
    if app.status == "offer":
        if app.offer_deadline is not None:
            before = app.offer_deadline - timedelta(days=1)
            planned.append(Planned(f"{OFFER_DEADLINE}:{app.id}:{app.offer_deadline}:before",
                                   OFFER_DEADLINE, at_nudge_hour(before, prefs), app.id,
                                   payload={"deadline": app.offer_deadline.isoformat(),
                                            "when": "tomorrow"}))
            planned.append(Planned(f"{OFFER_DEADLINE}:{app.id}:{app.offer_deadline}:day",
                                   OFFER_DEADLINE, at_nudge_hour(app.offer_deadline, prefs),
                                   app.id, payload={"deadline": app.offer_deadline.isoformat(),
                                                    "when": "today"}))
        return planned
    if app.next_interview_at is not None and app.next_interview_at > now:
        day_before = app.next_interview_at.astimezone(prefs.tz).date() - timedelta(days=1)
        planned.append(Planned(f"{PREP}:{app.id}:{app.next_round_number}", PREP,
                               at_nudge_hour(day_before, prefs), app.id,
                               payload={"at": app.next_interview_at.isoformat()}))
        return planned
    if app.decision_expected is None:
        return planned
    if not app.followed_up:
        due = at_nudge_hour(next_business_day(app.decision_expected, prefs.days_off), prefs)
        planned.append(Planned(f"{FOLLOW_UP}:{app.id}:{app.decision_expected}", FOLLOW_UP,
                               _respect_gap(due, app, prefs), app.id,
                               payload={"decision": app.decision_expected.isoformat()}))
        return planned
    anchor = app.last_contact_at or at_nudge_hour(app.decision_expected, prefs)
    local = week_after(anchor, prefs.tz).astimezone(prefs.tz)
    due = at_nudge_hour(business_day_on_or_after(local.date(), prefs.days_off), prefs)
    due = _respect_gap(due, app, prefs)
    if app.unanswered_check_ins >= prefs.ghost_after:
        planned.append(Planned(f"{GHOST_CHECK}:{app.id}:{app.check_in_epoch}", GHOST_CHECK, due,
                               app.id, payload={"unanswered": app.unanswered_check_ins}))
    else:
        number = app.unanswered_check_ins + 1
        planned.append(Planned(f"{CHECK_IN}:{app.id}:{app.check_in_epoch}.{number}", CHECK_IN,
                               due, app.id, payload={"number": number}))
    return planned


def plan_digest(has_active: bool, prefs: Prefs, now: datetime) -> Planned | None:
    """The weekly pipeline digest: next Monday at the nudge hour, while anything is active."""
    if not has_active:
        return None
    today = now.astimezone(prefs.tz).date()
    monday = today if today.weekday() == 0 else next_monday(today)
    due = at_nudge_hour(monday, prefs)
    if due <= now:
        monday = next_monday(today)
        due = at_nudge_hour(monday, prefs)
    return Planned(f"{DIGEST}:{monday.isoformat()}", DIGEST, due)


def still_relevant(kind: str, due_at: datetime, now: datetime) -> bool:
    """A missed nudge is delivered late only while it still helps (no stale bursts)."""
    window = RELEVANT_FOR.get(kind)
    return window is None or now - due_at <= window


def deferred_for_quiet_or_cap(now: datetime, prefs: Prefs, sent_today: int) -> datetime | None:
    """When delivery must wait: the end of quiet hours, or tomorrow once 3 messages went out."""
    if in_quiet_hours(now, prefs):
        return out_of_quiet(now, prefs)
    if sent_today >= MAX_PER_DAY:
        tomorrow = now.astimezone(prefs.tz).date() + timedelta(days=1)
        return at_nudge_hour(tomorrow, prefs)
    return None


def local_day_bounds(now: datetime, prefs: Prefs) -> tuple[datetime, datetime]:
    day = now.astimezone(prefs.tz).date()
    start = local_at(day, 0, prefs.tz)
    return start, local_at(day + timedelta(days=1), 0, prefs.tz)
