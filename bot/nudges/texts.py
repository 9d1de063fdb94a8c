"""What a nudge says: one message per user, several due nudges merged, with their buttons."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo
from typing import Any, NamedTuple

from sqlalchemy.orm import InstrumentedAttribute

from bot.formatting import possessive, short_date
from bot.messages import Button, Reply
from bot.nudges.rules import (
    CHECK_IN,
    DIGEST,
    FOLLOW_UP,
    GHOST_CHECK,
    OFFER_DEADLINE,
    PREP,
    THANK_YOU,
)
from storage.models import (
    ACTIVE_STATUSES,
    Base,
)
from storage.repository import Repository

FOLLOW_UP_RESULTS = (
    ("Still deciding", "still_deciding"), ("Second interview", "second"), ("Offer!", "offer"),
    ("Rejected", "rejected"), ("No answer", "no_answer"),
)


_day = short_date


class UserView(NamedTuple):
    """What nudges read of a user (a plain row: a batch of thousands is read without the ORM)."""

    id: int
    platform: str
    workspace: str
    external_id: str
    display_name: str
    timezone: str
    nudge_hour: int
    quiet_start: int | None
    quiet_end: int | None
    ghost_after: int
    paused: bool
    unreachable: bool
    quiet_start_minute: int
    quiet_end_minute: int
    country: str



class NudgeView(NamedTuple):
    """What a message and the scheduler's checks read of a nudge."""

    id: int
    user_id: int
    application_id: int | None
    interview_id: int | None
    kind: str
    key: str
    due_at: datetime
    payload: dict[str, Any]



class AppView(NamedTuple):
    id: int
    user_id: int
    company: str
    role: str
    status: str
    nudges_stopped: bool

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES



class InterviewView(NamedTuple):
    id: int
    user_id: int
    application_id: int
    starts_at: datetime



class PersonView(NamedTuple):
    interview_id: int
    name: str
    thank_you_state: str



def columns(view: type[tuple[Any, ...]], model: type[Base]) -> list[InstrumentedAttribute[Any]]:
    """The model's columns a view (one of the named tuples above) reads, in its order."""
    return [getattr(model, name) for name in view._fields]  # type: ignore[attr-defined]


@dataclass
class Facts:
    """What messages about one user's nudges read, loaded by the caller in bulk (the scheduler
    reads a whole claimed batch's in a handful of queries): the user, the nudges' applications,
    their interviews (by id, and the latest per application by start) and the interviewers of
    each interview, in order; `tz`, the user's time zone. `repo` serves what is rarer (the
    weekly digest's pipeline)."""

    user: UserView
    tz: tzinfo
    apps: dict[int, AppView] = field(default_factory=dict)
    interviews: dict[int, InterviewView] = field(default_factory=dict)
    latest: dict[int, InterviewView] = field(default_factory=dict)
    people: dict[int, list[PersonView]] = field(default_factory=dict)
    repo: Repository | None = None

    def app(self, application_id: int | None) -> AppView | None:
        app = self.apps.get(application_id) if application_id is not None else None
        return app if app is not None and app.user_id == self.user.id else None


def days_after(moment: datetime, now: datetime, tz: tzinfo) -> int:
    """How many of the user's calendar days `now` is after `moment` (0: the same day)."""
    return (now.astimezone(tz).date() - moment.astimezone(tz).date()).days


def relative_day(day: date, now: datetime, tz: tzinfo) -> str:
    """“today”, “tomorrow”, or “on Fri 11 Dec”, as seen on the day the text is sent."""
    ahead = (day - now.astimezone(tz).date()).days
    return {0: "today", 1: "tomorrow", -1: "yesterday"}.get(ahead, f"on {_day(day)}")


def action(nudge: NudgeView, verb: str) -> str:
    """Button value for a nudge action; checked against the pressing user on arrival."""
    return f"n:{nudge.id}:{verb}"


def part(facts: Facts, nudge: NudgeView, now: datetime) -> tuple[str, list[Button]]:
    """The text and the buttons of one nudge."""
    app = facts.app(nudge.application_id)
    company = app.company if app else ""
    tz = facts.tz
    if nudge.kind == THANK_YOU:
        interview = facts.interviews.get(nudge.interview_id) if nudge.interview_id else None
        if interview is not None and interview.user_id != facts.user.id:
            interview = None
        people = [p.name for p in facts.people.get(interview.id, [])
                  if p.thank_you_state != "sent"] if interview else []
        who = ", ".join(people) or "your interviewers"
        number = int(nudge.payload.get("number", 1))
        late = days_after(interview.starts_at, now, tz) if interview is not None else number - 1
        if late <= 0 and number == 1:
            text = (f"✉️ Send your thank-yous today: {company} — a personal letter to {who}. "
                    "Today, or tomorrow at the latest.")
        elif late == 1 and number == 1:
            text = (f"✉️ Send your thank-yous today: {company} — a personal letter to {who}. "
                    "Today is the last day — the day after the interview is the latest.")
        elif late <= 1:
            text = (f"✉️ Still to send: your thank-you letters to {who} at {company}. "
                    + ("Today is the day" if late == 1 else "Tonight is ideal")
                    + " — two minutes each, and I've drafted them.")
        else:
            text = (f"✉️ Late is better than never: a short thank-you to {who} at {company} "
                    "still makes a good impression.")
        return text, [Button("Draft letters", f"/thanks {company}"),
                      Button("Done — all sent", action(nudge, "done"))]
    if nudge.kind == FOLLOW_UP:
        interview = facts.latest.get(app.id) if app is not None else None
        decision = nudge.payload.get("decision", "")
        held = interview.starts_at.astimezone(tz).date() if interview else None
        name = facts.user.display_name or "[your name]"
        role = app.role if app else ""
        script = (f"“Hello, this is {name}. I interviewed on {_day(held) if held else '…'} for "
                  f"the {role} position. I'm still very interested, and I wanted to ask whether "
                  "a decision has been made?”")
        text = (f"⏰ {company} expected to decide by {_day(date.fromisoformat(decision))}. Time "
                "for a polite follow-up — by email or phone, never unannounced in person.\n"
                f"Say something like: {script}\nWhat did you hear?")
        return text, [Button("Draft the email", f"/followup {company}"),
                      *(Button(label, action(nudge, verb)) for label, verb in FOLLOW_UP_RESULTS)]
    if nudge.kind == CHECK_IN:
        number = int(nudge.payload.get("number", 1))
        text = (f"📅 Weekly check-in with {company} (#{number}): a short, courteous note keeps "
                "you on their radar. Once a week is persistent; more is pesky.")
        return text, [Button("Draft the check-in", f"/followup {company}"),
                      Button("Sent it", action(nudge, "done")),
                      *(Button(label, action(nudge, verb)) for label, verb in FOLLOW_UP_RESULTS)]
    if nudge.kind == GHOST_CHECK:
        unanswered = nudge.payload.get("unanswered", 0)
        text = (f"🤔 {company} hasn't answered {unanswered} check-ins. It may be time to close "
                "this one and put your energy where it's welcome — it's not about you.")
        return text, [Button("Close as no answer", action(nudge, "close")),
                      Button("Keep checking in", action(nudge, "keep"))]
    if nudge.kind == OFFER_DEADLINE:
        deadline = date.fromisoformat(nudge.payload["deadline"])
        when = relative_day(deadline, now, tz)
        when += "" if when.startswith("on ") else f" ({_day(deadline)})"
        text = (f"⏳ Your answer to {possessive(company)} offer is due {when}. Compare "
                "it with your target, negotiate if it's short, then reply in writing.")
        return text, [Button("Open the offer", f"/offer {company}"),
                      Button("Done", action(nudge, "done"))]
    if nudge.kind == PREP:
        at = datetime.fromisoformat(nudge.payload["at"]).astimezone(tz)
        when = relative_day(at.date(), now, tz)
        when += "" if when.startswith("on ") else f", {_day(at.date())}"
        text = (f"📚 Your next interview at {company} is {when} at "
                f"{at:%H:%M}. Review your notes from earlier rounds and your prep pack tonight.")
        return text, [Button("Prep pack", f"/prep {company}"),
                      Button("Done", action(nudge, "done"))]
    if nudge.kind == DIGEST:
        from bot.records.pipeline import rows
        from bot.turn import Turn

        assert facts.repo is not None, "the digest reads the whole pipeline: pass a repository"
        active = [r for r in rows(Turn(facts.repo, now), say_once=True)
                  if r.active and r.next_action]
        lines = [f"• {r.company}: {r.next_action}" for r in active[:8]]
        text = ("🗓 Your week ahead:\n" + "\n".join(lines) +
                "\nKeep the search going: one new application this week keeps your options open.")
        return text, [Button("My pipeline", "/status")]
    raise TypeError(f"no message for nudge kind {nudge.kind!r}")


def render(facts: Facts, nudges: list[NudgeView], now: datetime) -> Reply:
    """One message for everything due now; snooze and stop offered once per message."""
    parts = [part(facts, nudge, now) for nudge in nudges]
    first = nudges[0]
    if len(parts) == 1:
        text, its_own = parts[0]
        extra = [Button("Later today", action(first, "later")),
                 Button("Tomorrow", action(first, "tomorrow"))]
        if first.application_id is not None:
            extra.append(Button("Stop for this application", action(first, "stop")))
        return Reply(text, tuple(its_own + extra))
    text = "A few things for today:\n\n" + "\n\n".join(t for t, _ in parts)
    snooze = Button("Snooze all till tomorrow", action(first, "tomorrow_all"))
    everything: list[Button] = []
    for nudge, (_, own) in zip(nudges, parts, strict=True):
        app = facts.app(nudge.application_id)
        for button in own:
            label = button.label
            if app is not None and button.value.startswith("n:"):
                label = shorten(f"{app.company}: {label}", MAX_LABEL)
            if all(b.value != button.value for b in everything):
                everything.append(Button(label, button.value))
    if len(everything) + 1 <= MAX_BUTTONS and len({b.label for b in everything}) == len(
            everything):
        return Reply(text, (*everything, snooze))
    # one button a thing ("Follow up: Acme" opens it with all its choices); the rest one tap away
    openers = [own[0] if nudge.kind == DIGEST and own else
               Button(merged_label(nudge, facts.app(nudge.application_id),
                                   own[0].label if own else ""), action(nudge, OPEN))
               for nudge, (_, own) in zip(nudges, parts, strict=True)]
    if len(openers) + 1 > MAX_BUTTONS:
        openers = [*openers[:MAX_BUTTONS - 2],
                   Button(f"Show all {len(nudges)}", action(first, SHOW_ALL))]
    return Reply(text, (*openers, snooze))


MAX_BUTTONS = 5  # a merged message's buttons, "Show all" included
MAX_LABEL = 30
SHOW_ALL = "all"
OPEN = "open"
WHAT = {THANK_YOU: "Thank-yous", FOLLOW_UP: "Follow up", CHECK_IN: "Check in",
        GHOST_CHECK: "Close?", OFFER_DEADLINE: "Offer", PREP: "Prep"}


def merged_label(nudge: NudgeView, app: AppView | None, label: str) -> str:
    """What and for whom in at most 30 characters: "Thank-yous: Acme Corp", the company
    shortened at a word boundary when it is long."""
    what = WHAT.get(nudge.kind)
    if app is None or what is None:
        return shorten(label, MAX_LABEL)
    return f"{what}: {shorten(app.company, MAX_LABEL - len(what) - 2)}"


def shorten(text: str, room: int) -> str:
    """`text` in at most `room` characters, cut at a word boundary with "…" when too long."""
    text = " ".join(text.split())
    if len(text) <= room:
        return text
    cut = text[:room - 1]
    if " " in cut and not text[room - 1].isspace():
        cut = cut[:cut.rindex(" ")]
    return cut.rstrip(" ,.-—&") + "…"


def views_of(repo: Repository, nudges: list[Any], tz: tzinfo) -> tuple[Facts, list[NudgeView]]:
    """Facts and views of stored nudges (ORM rows), for showing them again on request."""
    from storage.models import Application, Interview, Interviewer, User

    def view(kind: type[Any], row: Any) -> Any:
        return kind(*(getattr(row, name) for name in kind._fields))

    user: User = repo.user
    facts = Facts(view(UserView, user), tz, repo=repo)
    for nudge in nudges:
        app = repo.get(Application, nudge.application_id) if nudge.application_id else None
        if app is not None:
            facts.apps[app.id] = view(AppView, app)
            latest = max(repo.interviews(app), key=lambda i: (i.starts_at, i.id), default=None)
            if latest is not None:
                facts.latest[app.id] = view(InterviewView, latest)
        interview = repo.get(Interview, nudge.interview_id) if nudge.interview_id else None
        if interview is not None:
            facts.interviews[interview.id] = view(InterviewView, interview)
            people: list[Interviewer] = repo.interviewers(interview)
            facts.people[interview.id] = [view(PersonView, p) for p in people]
    return facts, [view(NudgeView, n) for n in nudges]
