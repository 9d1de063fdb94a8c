"""A second (or later) interview is coming: when and which round. Sets the application's next
interview so the prep nudge comes the day before, points to the `prep` pack, and before a
final round asks to line up references."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime, time, timedelta
from typing import Any

from bot.conversation.drafts import day, day_time, pick
from bot.conversation.flows.base import Flow, Step, text_answer
from bot.conversation.flows.choose import application_step, preselect
from bot.messages import Button
from bot.nudges.planner import prefs_for
from bot.nudges.rules import at_nudge_hour, local_at
from bot.parsing import ParseError, is_dont_know, parse_datetime
from bot.records.coaching import FEEDBACK_BEFORE_NEXT_ROUND
from bot.turn import Turn

ROUNDS = ("first", "second", "third", "final")
NOT_SET = {"not set", "not set yet", "not yet", "tbc", "to be confirmed", "no time yet",
           "don't know yet", "dont know", "unknown", "they'll tell me"}
_PROBE = (time(0, 1), time(0, 2))  # two default times: if both come back, no time was said
DATE_ONLY = "date:"
UNKNOWN = "unknown"


def describe(slots: dict[str, Any]) -> str:
    company = slots.get("company")
    return f"noting your next interview at {company}" if company else "noting your next interview"


def _said_not_set(text: str) -> bool:
    return " ".join(text.casefold().replace("’", "'").split()).strip(" .!") in NOT_SET \
        or is_dont_know(text)


def read_when(text: str, turn: Turn) -> str:
    """An ISO date-time in the future, or `date:YYYY-MM-DD` when only the day was said."""
    first = parse_datetime(text, turn.now, turn.tz, prefer="future", default_time=_PROBE[0])
    second = parse_datetime(text, turn.now, turn.tz, prefer="future", default_time=_PROBE[1])
    if first != second:  # no time of day in the answer
        if first.date() < turn.local_now.date():
            raise ParseError(f"{day(first)} has already passed — when is the next interview? "
                             "(e.g. “Tuesday 10am”)")
        return DATE_ONLY + first.date().isoformat()
    if first <= turn.now:
        raise ParseError(f"{day_time(first)} has already passed — when is the next interview? "
                         "(e.g. “Tuesday 10am”, “Dec 5 at 14:00”)")
    if first - turn.now > timedelta(days=366):
        raise ParseError("That's more than a year away — please give the date of the next "
                         "interview.")
    return first.isoformat()


def _when(text: str, turn: Turn) -> str | None:
    if _said_not_set(text):
        return None
    try:
        return read_when(text, turn)
    except ParseError as error:
        if "couldn't read" not in str(error):
            raise
        raise ParseError(f"I couldn't read “{' '.join(text.split())[:40]}” as a day — try "
                         "“Tuesday 10am”, “Dec 5 at 14:00”, “in two weeks” — or “not set "
                         "yet”.") from None


def _the_day(turn: Turn) -> date | None:
    when = turn.slots.get("when")
    return date.fromisoformat(when[len(DATE_ONLY):]) if isinstance(when, str) and \
        when.startswith(DATE_ONLY) else None


def _time(text: str, turn: Turn) -> str:
    """An ISO date-time on the day already given, or "unknown" when the time isn't set yet."""
    the_day = _the_day(turn)
    assert the_day is not None
    if _said_not_set(text):
        return UNKNOWN
    value = text_answer(text, turn)
    if len(value) > 40:
        raise ParseError("Just the time, please — like “10am” or “14:30”.")
    unreadable = ParseError(f"I couldn't read “{value}” as a time — try “10am” or “14:30” (or "
                            "“not set yet”).")
    try:
        moment = parse_datetime(f"{the_day.isoformat()} {value}", turn.now, turn.tz,
                                default_time=_PROBE[0])
    except ParseError:
        raise unreadable from None
    if moment.date() != the_day or moment.time() == _PROBE[0]:
        raise unreadable
    if moment <= turn.now:
        raise ParseError(f"{moment:%H:%M} today has already passed — what time is the "
                         "interview?")
    return moment.isoformat()


def next_interview(turn: Turn, slots: dict[str, Any]) -> tuple[datetime | None, bool]:
    """The moment of the next interview from the answers, and whether its time is unknown."""
    when = slots.get("when")
    if not when:
        return None, False
    if not when.startswith(DATE_ONLY):
        return datetime.fromisoformat(when), False
    chosen = slots.get("time")
    if chosen and chosen != UNKNOWN:
        return datetime.fromisoformat(chosen), False
    moment = local_at(date.fromisoformat(when[len(DATE_ONLY):]), 12, turn.tz)
    return max(moment, turn.now + timedelta(hours=1)), True


def _round(text: str, turn: Turn) -> str:
    value = " ".join(text_answer(text, turn).casefold().split())
    if len(value) > 40 or len(value.split()) > 4:
        raise ParseError("Keep the round short — “second”, “third”, “final” or a name like "
                         "“technical”.")
    value = value.removesuffix(" round").removesuffix(" interview")
    return {"2": "second", "2nd": "second", "3": "third", "3rd": "third", "last": "final",
            "4": "fourth", "4th": "fourth", "1": "first", "1st": "first"}.get(value, value)


def _suggested(turn: Turn) -> str:
    app = turn.repo.application(turn.slots.get("application_id"))
    done = len(turn.repo.interviews(app)) if app else 1
    return ROUNDS[min(max(done, 1), len(ROUNDS) - 1)]


def _round_choices(turn: Turn) -> list[Button]:
    suggested = _suggested(turn)
    order = [suggested, *[r for r in ("second", "third", "final") if r != suggested]]
    return [Button(r.capitalize(), r) for r in order]


# ---- start and finish -------------------------------------------------------------------------

def _prepare(turn: Turn, slots: dict[str, Any], args: str) -> bool:
    if not turn.repo.applications(active_only=True):
        turn.say("I need the first interview before a second one — record it with “debrief”.",
                 [Button("Record an interview", "/debrief")])
        return False
    known = bool(slots.get("application_id"))
    problem = preselect(turn, slots, "" if known else args)
    if problem:
        turn.say(problem)
    app = pick(turn, slots.get("application_id"))
    if app is not None:
        slots["company"] = app.company
    if known and args.strip():  # "second interview with Acme on Tuesday 10am": the day is said
        try:
            slots["when"] = read_when(args, turn)
        except ParseError as error:  # unreadable: the question asks it again
            if error.options:  # "next wednesday" on a Monday: which one, asked as the question
                slots[WHICH_DAY] = [str(error), [list(option) for option in error.options]]
    return True


WHICH_DAY = "_which_day"


def _when_prompt(turn: Turn) -> str:
    which = turn.slots.get(WHICH_DAY)
    if which:
        return str(which[0])
    return (f"🎉 Another round at {turn.slots.get('company', 'them')}! When is it? (e.g. "
            "“Tuesday 10am”, “Dec 5 at 14:00” — or “not set yet”)")


def _when_choices(turn: Turn) -> list[Button]:
    which = turn.slots.get(WHICH_DAY)
    options = [Button(str(label), str(value)) for label, value in which[1]] if which else []
    return [*options, Button("Not set yet", "not set yet")]


def _on_when(turn: Turn, value: Any) -> None:
    turn.slots.pop(WHICH_DAY, None)


def _finish(turn: Turn, slots: dict[str, Any]) -> None:
    app = turn.repo.application(slots.get("application_id"))
    if app is None:
        return
    round_ = slots.get("round") or "second"
    moment, time_unknown = next_interview(turn, slots)
    app.next_round = round_
    app.updated_at = turn.now
    if app.status == "active":
        app.status = "second_round"
    app.next_interview_at = moment
    turn.repo.log("second_round", turn.now, app, round=round_,
                  interview_at=moment.isoformat() if moment else None)
    turn.user.last_application_id = app.id
    turn.changed(app.id)
    lines = [f"📅 A {round_} interview at {app.company} — congratulations, they want to see more "
             "of you!"]
    buttons = [Button("Prep pack", f"/prep {app.company}")]
    if app.next_interview_at is None:
        lines.append("No date yet — when they send it, tell me (“second interview with "
                     f"{app.company} on Tuesday 10am”) and I'll remind you to prepare the day "
                     "before.")
    else:
        local = app.next_interview_at.astimezone(turn.tz)
        shown = f"{day(local)} (time to be confirmed)" if time_unknown else day_time(local)
        lines.append(f"When: {shown}.")
        prefs = prefs_for(turn.user)
        reminder = at_nudge_hour(local.date() - timedelta(days=1), prefs)
        if reminder > turn.now and not turn.user.paused:
            at = day_time(reminder.astimezone(turn.tz))
            lines.append(f"I'll send a prep reminder the day before: {at}.")
        else:
            lines.append("That's soon — open your prep pack now.")
    lines.append("Get ready: your notes from earlier rounds (what went well, what to improve, "
                 "what you missed), new questions to ask, your résumé, fresh stories for people "
                 "you've met — it's all in the prep pack. Afterwards, debrief again.")
    lines.append(FEEDBACK_BEFORE_NEXT_ROUND)
    if round_ == "final":
        count = len(turn.repo.references())
        have = f"You have {count} listed." if count else "You haven't listed any yet."
        lines.append(f"Before a final round, line up your references: ask two or three people "
                     f"first, and tell them about the role. {have} Don't alert references at your "
                     "current employer until an offer is coming.")
        buttons.append(Button("References", "/references"))
    turn.say("\n\n".join(lines), buttons)


def _on_application(turn: Turn, application_id: int) -> None:
    pick(turn, application_id)


SECOND_ROUND = Flow(
    "second_round",
    (
        dataclasses.replace(application_step("Which application is the next interview for?"),
                            on_answer=_on_application),
        Step("when", _when_prompt, _when, choices=_when_choices, on_answer=_on_when,
             ask_if=lambda turn: "when" not in turn.slots,
             help="The day and time of the next interview, like “next Tuesday 2pm”. It must be "
                  "in the future."),
        Step("time", lambda turn: f"What time on {day(_the_day(turn) or turn.local_now)}? "
                                  "(e.g. “10am”, “14:30” — or “not set yet”)",
             _time, choices=(Button("Not set yet", "not set yet"),),
             ask_if=lambda turn: _the_day(turn) is not None,
             help="A time of day like “10am” or “14:30”."),
        Step("round", "Which round will it be?", _round, choices=_round_choices,
             help="Second, third, final — or describe it, e.g. “panel”."),
    ),
    _finish,
    describe=describe,
    on_cancel="Okay — nothing changed. Tell me when you know the date.",
    prepare=_prepare,
    for_open_applications=True,
)
