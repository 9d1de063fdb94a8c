"""News that changes stored facts — a no, an offer, a later round, a new decision date,
thank-yous sent, accepted / declined / withdrew, references asked for: the one-line question
that confirms it, and what a "Yes" stores. Also the snooze and pause requests."""

from __future__ import annotations

import difflib
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Protocol

from sqlalchemy import select

from bot.conversation import nudge_actions
from bot.formatting import short_date
from bot.messages import Button, Reply
from bot.nudges.planner import prefs_for
from bot.nudges.rules import at_nudge_hour, business_day_on_or_after
from bot.turn import Turn
from storage.models import Application, Interviewer, Nudge

if TYPE_CHECKING:
    from bot.conversation.flows.base import Runner


class Engine(Protocol):
    """What news needs of the engine: its flow runner and its commands."""

    runner: Runner

    def command(self, turn: Turn, word: str, args: str) -> None: ...

EVENT_INTENTS = ("rejection", "offer", "later_round", "delay", "thanks_sent", "accepted",
                 "declined", "withdrew", "references")
CLOSING = {"rejection": "rejected", "accepted": "accepted", "declined": "declined",
           "withdrew": "withdrawn"}
ASSUMED_WAIT = timedelta(days=7)


def _day(value: str) -> date | None:
    try:
        return date.fromisoformat(value[:10]) if value else None
    except ValueError:
        return None


def _moment(value: str) -> datetime | None:
    try:
        return datetime.fromisoformat(value) if "T" in value else None
    except ValueError:
        return None


# ---- thank-yous --------------------------------------------------------------------------------

def _people(turn: Turn, app: Application) -> list[Interviewer]:
    latest = turn.repo.latest_interview(app)
    return turn.repo.interviewers(latest) if latest is not None else []


def _match_person(name: str, people: list[Interviewer]) -> Interviewer | None:
    key = " ".join(name.casefold().split())
    by_name = {p.name.casefold(): p for p in people}
    firsts = {p.name.split()[0].casefold(): p for p in people if p.name.split()}
    hit = by_name.get(key) or firsts.get(key)
    if hit is None:
        close = difflib.get_close_matches(key, [*by_name, *firsts], n=1, cutoff=0.8)
        hit = (by_name.get(close[0]) or firsts.get(close[0])) if close else None
    return hit


def person_app(turn: Turn, name: str) -> Application | None:
    """The active application whose latest interviewers include `name` (else says so)."""
    everyone: list[tuple[Interviewer, Application]] = []
    for app in turn.repo.applications(active_only=True):
        everyone += [(p, app) for p in _people(turn, app)]
    hit = _match_person(name, [p for p, _ in everyone])
    if hit is None:
        names = ", ".join(p.name for p, _ in everyone[:6]) or "none recorded yet"
        turn.say(f"I couldn't find {name[:60]} among your interviewers ({names}). Who was it? "
                 "Nothing changed.")
        return None
    return next(app for p, app in everyone if p is hit)


def _thanks_targets(turn: Turn, app: Application, detail: str) -> list[Interviewer] | None:
    people = _people(turn, app)
    if detail and detail != "*":
        hit = _match_person(detail, people)
        if hit is None:
            names = ", ".join(p.name for p in people) or "none recorded"
            turn.say(f"I couldn't find {detail[:60]} among your interviewers at {app.company} "
                     f"({names}). Who was it? Nothing changed.")
            return None
        return [hit]
    pending = [p for p in people if p.thank_you_state != "sent"]
    if not pending:
        turn.say(f"Every thank-you for {app.company} is already marked as sent — well done. "
                 "Nothing changed.")
        return None
    return pending


def _names(people: list[str]) -> str:
    return people[0] if len(people) == 1 else ", ".join(people[:-1]) + " and " + people[-1]


# ---- the confirmation question -------------------------------------------------------------------

def confirm_text(turn: Turn, intent: str, app: Application, detail: str, *,
                 quiet: bool = False) -> str | None:
    """"Record that Acme Corp turned you down?" — or None (after saying why) when there is
    nothing to record."""
    company = app.company
    if intent in CLOSING and not app.is_active:
        if not quiet:
            turn.say(f"{company} is already closed ({app.status}) — nothing to change. "
                     "Type “status” to see your pipeline.")
        return None
    reopen = "" if app.is_active else f" (It's closed as {app.status}; I'll reopen it.)"
    if intent == "rejection":
        return f"Record that {company} turned you down?"
    if intent == "offer":
        salary, _, bonus = detail.partition("|")
        terms = " + ".join(t for t in (salary, f"{bonus} bonus" if bonus else "") if t)
        return f"Record an offer from {company}{f' ({terms})' if terms else ''}?{reopen}"
    if intent == "later_round":
        round_, _, when = detail.partition("|")
        moment, day = _moment(when), _day(when)
        said = (f" on {short_date(moment.astimezone(turn.tz).date())} at "
                f"{moment.astimezone(turn.tz):%H:%M}" if moment else
                f" on {short_date(day)}" if day else
                f" (“{when[1:]}” — I'll ask which day you mean)" if when.startswith("?") else "")
        return f"Record a {round_ or 'next'}-round interview at {company}{said}?{reopen}"
    if intent == "delay":
        day = _day(detail)
        if day is None:
            day = _assumed(turn)
            return (f"Note that {company} needs more time? I'll assume about a week: a decision "
                    f"by {short_date(day)}.{reopen}")
        return f"Note that {company} now expects to decide by {short_date(day)}?{reopen}"
    if intent == "thanks_sent":
        if quiet:
            return f"Mark your thank-yous for {company} as sent?"
        people = _thanks_targets(turn, app, detail)
        if people is None:
            return None
        return (f"Mark your thank-you to {_names([p.name for p in people])} ({company}) as "
                "sent?")
    if intent == "accepted":
        return f"Record that you accepted {company}'s offer? 🎉"
    if intent == "declined":
        return f"Record that you declined {company}'s offer?"
    if intent == "withdrew":
        return f"Record that you withdrew from {company}? Its reminders stop."
    if intent == "references":
        return f"Note that {company} asked for your references?{reopen}"
    return None


def _assumed(turn: Turn) -> date:
    return business_day_on_or_after(turn.local_now.date() + ASSUMED_WAIT)


# ---- what "Yes" stores ---------------------------------------------------------------------------

def store(runner: Runner, turn: Turn, intent: str, app: Application, detail: str) -> None:
    slots = {"application_id": app.id, "company": app.company}
    turn.user.last_application_id = app.id
    if intent in CLOSING and not app.is_active:
        turn.say(f"{app.company} is already closed ({app.status}) — nothing changed.")
        return
    if not app.is_active:  # news from an application closed too early: it's open again
        app.status, app.closed_at = "active", None
        turn.repo.log("reopened", turn.now, app)
        turn.changed(app.id)
    if intent == "rejection":
        runner.start(turn, "rejection", slots)
    elif intent == "offer":
        _offer(runner, turn, slots, detail)
    elif intent == "later_round":
        round_, _, when = detail.partition("|")
        moment, day = _moment(when), _day(when)
        said = (f"{moment.astimezone(turn.tz):%Y-%m-%d %H:%M}" if moment
                else day.isoformat() if day else when[1:] if when.startswith("?") else "")
        runner.start(turn, "second_round", slots, args=said)
    elif intent == "delay":
        _delay(turn, app, _day(detail))
    elif intent == "thanks_sent":
        _thanks(turn, app, detail)
    elif intent in CLOSING:
        _close(turn, app, intent)
    elif intent == "references":
        turn.repo.log("references_requested", turn.now, app)
        turn.changed(app.id)
        turn.say(f"Noted — {app.company} asked for references: a good sign, they're checking "
                 "before an offer. Tell your referees now (the role, what to stress) and thank "
                 "them afterwards.", [Button("My references", "/references")])


def _offer(runner: Runner, turn: Turn, slots: dict[str, object], detail: str) -> None:
    salary, _, bonus = detail.partition("|")
    runner.start(turn, "offer", slots)
    taken = []
    for step, said in (("salary", salary), ("bonus", bonus)):
        if said and turn.state is not None and turn.state.flow == "offer" \
                and turn.state.step == step:
            turn.replies.pop()  # the question the sentence already answered
            runner.answer(turn, said)
            taken.append(f"{'base salary' if step == 'salary' else 'bonus'} {said}")
    if taken and turn.state is not None and turn.state.flow == "offer" and turn.replies:
        turn.replies.insert(len(turn.replies) - 1, Reply(
            f"From your message: {' and '.join(taken)} — “back” changes it."))


def _delay(turn: Turn, app: Application, day: date | None) -> None:
    interview = turn.repo.latest_interview(app)
    assumed = day is None
    day = day or _assumed(turn)
    if interview is None:
        turn.say(f"I have no interview at {app.company} to attach a decision date to — "
                 "“debrief” records one. Nothing changed.")
        return
    interview.decision_expected, interview.decision_assumed = day, assumed
    turn.repo.log("decision_moved", turn.now, app, decision=day.isoformat())
    turn.changed(app.id)
    turn.say(f"Noted — {app.company} now expects to decide by {short_date(day)}. Delays are "
             "common and rarely about you. I won't suggest chasing before then; if you hear "
             "nothing, I'll help you follow up.", [Button("My pipeline", "/status")])


def _thanks(turn: Turn, app: Application, detail: str) -> None:
    people = _thanks_targets(turn, app, detail)
    if people is None:
        return
    for person in people:
        if person.thank_you_state != "sent":
            person.thank_you_state, person.thank_you_sent_at = "sent", turn.now
            turn.repo.log("thanks_sent", turn.now, app, interviewer=person.name)
    turn.changed(app.id)
    pending = [p.name for p in _people(turn, app) if p.thank_you_state != "sent"]
    rest = (f" Still to go at {app.company}: {', '.join(pending)}." if pending
            else f" That's every thank-you for {app.company} — well done.")
    turn.say(f"Marked your thank-you to {_names([p.name for p in people])} ({app.company}) as "
             f"sent.{rest}")


def _close(turn: Turn, app: Application, intent: str) -> None:
    app.status, app.closed_at, app.next_interview_at = CLOSING[intent], turn.now, None
    app.updated_at = turn.now
    turn.repo.log(CLOSING[intent], turn.now, app)
    turn.changed(app.id)
    others = [a.company for a in turn.repo.applications(active_only=True)]
    if intent == "accepted":
        extra = (f" Let the others know kindly and soon: {', '.join(others[:4])}." if others
                 else "")
        turn.say(f"🎉 Congratulations on {app.company}! I've recorded the offer as accepted and "
                 f"stopped its reminders.{extra} Thank everyone who helped you get here.",
                 [Button("My pipeline", "/status")])
    elif intent == "declined":
        turn.say(f"Recorded: you declined {app.company}'s offer. A short, warm note keeps the "
                 "door open — people move and openings come back.",
                 [Button("My pipeline", "/status")])
    else:
        turn.say(f"Recorded: you withdrew from {app.company}; no more reminders about it. "
                 "Withdrawing with a short thank-you is professional, and it's your call.",
                 [Button("My pipeline", "/status")])


# ---- snooze and pause ----------------------------------------------------------------------------

def snooze(engine: Engine, turn: Turn, when: str) -> None:
    """"Remind me tomorrow / later / next week": the last reminder the user saw comes again."""
    nudge = turn.repo.session.scalars(
        select(Nudge).where(Nudge.user_id == turn.user.id, Nudge.sent_at.is_not(None),
                            Nudge.state.in_(("sent", "snoozed")))
        .order_by(Nudge.sent_at.desc(), Nudge.id.desc()).limit(1)).first()
    if nudge is None:
        turn.say("There's no reminder waiting for you right now — nothing to snooze. I'll nudge "
                 "you when something's due.", [Button("My pipeline", "/status")])
        return
    if when == "next_week":
        prefs = prefs_for(turn.user)
        due = at_nudge_hour(turn.local_now.date() + timedelta(days=7), prefs)
        nudge.state, nudge.due_at = "snoozed", due
        local = due.astimezone(prefs.tz)
        turn.say(f"Okay — I'll remind you again {short_date(local.date())} at {local:%H:%M}.")
        return
    nudge_actions.VERBS["tomorrow" if when == "tomorrow" else "later"](engine, turn, nudge)


def stop_reminders(engine: Engine, turn: Turn, app: Application | None) -> None:
    """"Stop reminding me": reminders about one company stop, or all of them pause."""
    if app is None:
        engine.command(turn, "pause", "")
        return
    app.nudges_stopped = True
    turn.changed(app.id)
    turn.say(f"Okay — no more reminders about {app.company}. Your notes stay.",
             [Button("Pause all reminders", "/pause")])
