"""The debrief (`debrief`/`new`): record an interview and each interviewer while it is fresh."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from typing import Any

from bot.conversation.flows.base import (
    NAME_CONFIRMED,
    Flow,
    Jump,
    Step,
    not_a_button,
    short_text,
)
from bot.conversation.flows.debrief_quick import is_quick, quick_aware, quick_names
from bot.conversation.notes import QUESTION, checked_note, note_answer
from bot.formatting import possessive
from bot.letters.holidays import calendar_for
from bot.letters.people import SALUTATIONS
from bot.messages import Button
from bot.nudges.rules import business_day_on_or_after
from bot.parsing import (
    ParseError,
    company_name,
    is_dont_know,
    is_yes,
    parse_date,
    parse_datetime,
    parse_email,
    parse_int,
    parse_phone,
    parse_rating,
)
from bot.parsing.choices import match_choice
from bot.parsing.names import proper_name
from bot.turn import Turn
from storage.models import Application

ROUNDS = ("first", "second", "third", "final")
FORMATS = {"phone": "phone", "video": "video", "on-site": "on-site", "onsite": "on-site",
           "on site": "on-site", "in person": "on-site", "in-person": "on-site"}
DONE_WORDS = {"done", "no", "none", "no more", "that's all", "thats all", "that's it", "finished",
              "nobody else", "no one else", "that is all", "/done"}
ASSUMED_WAIT = timedelta(days=7)


def describe(slots: dict[str, Any]) -> str:
    company = slots.get("company")
    return f"recording your interview at {company}" if company else "recording an interview"


# ---- parsers ------------------------------------------------------------------------------------

def _company(text: str, turn: Turn) -> str:
    return company_name(not_a_button(short_text(200, "a company name")(text, turn),
                                     "the company's name"))


def _when(text: str, turn: Turn) -> str:
    word = text.strip().casefold()
    if word in ("now", "just now", "just finished"):
        return turn.local_now.isoformat()  # local, like parsed times: its date is the user's
    held = parse_datetime(text, turn.now, turn.tz, prefer="past")
    if held - turn.now > timedelta(hours=2):
        raise ParseError(
            f"{_fmt_dt(held)} is still ahead — a debrief is for an interview that happened. "
            "When was it? (e.g. “today 11am”, “yesterday”)"
        )
    if turn.now - held > timedelta(days=365):
        raise ParseError("That's more than a year ago — please give the date of this interview.")
    return held.isoformat()


def _round(text: str, turn: Turn) -> str:
    value = short_text(40, "a round")(text, turn).casefold()
    if len(value.split()) > 4:
        raise ParseError("Keep the round short — “first”, “second”, “final” or a name like "
                         "“technical”.")
    known = {"1": "first", "2": "second", "3": "third", "1st": "first", "2nd": "second",
             "3rd": "third", "last": "final"}
    return known.get(value) or match_choice(value, {r: r for r in ROUNDS}) or value


def _format(text: str, turn: Turn) -> str:
    value = short_text(40, "the format")(text, turn)
    return FORMATS.get(value.casefold()) or match_choice(value, FORMATS) or value


def _interviewer_name(text: str, turn: Turn) -> str:
    if " ".join(text.casefold().split()) in DONE_WORDS:
        return ""
    name = not_a_button(short_text(200, "a name")(text, turn), "their name")
    if is_quick(turn):
        return name  # "jane smith (em), bob lee": the quick path reads a list of people
    said = _NAME_AND_TITLE.fullmatch(name)
    alone = said["name"].strip() if said and (said["title"] or said["title2"]) else name
    if not re.search(r"[^\W\d_]", alone):
        raise ParseError(f"“{alone[:40]}” doesn't look like a name — type their name, or "
                         "“done” if that was everyone.")
    if is_yes(alone) and not text.startswith(NAME_CONFIRMED):
        raise ParseError(f"“{alone[:40]}” reads like an answer, not a name — type their name, "
                         "or “done”.", ((f"Yes, “{alone[:40]}” is right",
                                        f"{NAME_CONFIRMED}{name}"),))
    taken = {p["name"].casefold() for p in turn.slots.get("interviewers", [])}
    if proper_name(alone).casefold() in taken:
        raise ParseError(f"You already added {proper_name(alone)}. Type another name, or "
                         "“done”.")
    return name


def _email(text: str, turn: Turn) -> str:
    return parse_email(text)


def _salutation(text: str, turn: Turn) -> str:
    said = text.strip().rstrip(".").casefold()
    for title in SALUTATIONS:
        if said in (title.casefold(), {"ms": "miss", "mr": "mister", "dr": "doctor",
                                       "prof": "professor"}.get(title.casefold(), "")):
            return title
    if said in ("mrs", "miss"):
        return said.capitalize()
    raise ParseError("Pick a title: Ms, Mr, Mx, Dr or Prof — or “skip”.")


def _phone(text: str, turn: Turn) -> str:
    return parse_phone(text)


def _rating(text: str, turn: Turn) -> int:
    return parse_rating(text)


def _decision(text: str, turn: Turn) -> str | None:
    if is_dont_know(text):
        return None
    decided = parse_date(text, turn.now, turn.tz, prefer="future")
    held = datetime.fromisoformat(turn.slots["when"]).date()
    if decided < held:
        raise ParseError(
            f"{_fmt_date(decided)} is before the interview ({_fmt_date(held)}). "
            "When do they expect to decide? (or “don't know”)"
        )
    return decided.isoformat()


def _steps(text: str, turn: Turn) -> int | None:
    if is_dont_know(text):
        return None
    return parse_int(text, lo=0, hi=20, what="a number of steps (0 if this was the last)")


# ---- hooks --------------------------------------------------------------------------------------

def _on_company(turn: Turn, company: str) -> None:
    app = turn.repo.find_application(company, active_only=True)
    slots = turn.slots
    if app is None:
        slots.pop("application_id", None)
        return
    slots["application_id"] = app.id
    slots["company"] = app.company
    slots["known_role"] = app.role
    done = len(turn.repo.interviews(app))
    slots["suggested_round"] = ROUNDS[min(done, len(ROUNDS) - 1)]


def _on_interviewer_name(turn: Turn, name: str) -> None:
    if name and is_quick(turn):
        quick_names(turn, name)
        return
    if not name:
        turn.slots.pop("current", None)
        raise Jump("rating")
    said = _NAME_AND_TITLE.fullmatch(name)
    title = (said["title"] or said["title2"] or "").strip() if said else ""
    if said and title:  # "katherine o'neill (head of data)": the title step is answered too
        name = said["name"].strip()
    name = proper_name(name)
    turn.slots["current_name"] = name
    turn.slots["current"] = {"name": name, **({"title": title} if title else {})}


_NAME_AND_TITLE = re.compile(r"(?P<name>[^(),]+?)\s*(?:\((?P<title>[^()]{1,100})\)|,\s*(?P<title2>"
                             r"[^(),@]{1,100}))")


def _on_interviewer_notes(turn: Turn, notes: str) -> None:
    slots = turn.slots
    person = dict(slots.pop("current", {}))
    person["notes"] = notes
    slots["interviewers"] = [*slots.get("interviewers", []), person]
    raise Jump("interviewer_name")


def _on_decision(turn: Turn, value: str | None) -> None:
    if value is None:
        held = datetime.fromisoformat(turn.slots["when"]).date()
        assumed = business_day_on_or_after(
            max(held + ASSUMED_WAIT, turn.local_now.date() + timedelta(days=1)),
            calendar_for(turn.user))
        turn.slots["decision_date"] = assumed.isoformat()
        turn.slots["decision_assumed"] = True
        turn.say(
            "No problem. Next time, ask before you leave: “What are the next steps, and when "
            "do you expect to decide?” It's a normal question. "
            f"I'll assume a week: {_fmt_date(assumed)}."
        )
    else:
        turn.slots["decision_assumed"] = False
        turn.say(f"Noted: they expect to decide by {_fmt_date(date.fromisoformat(value))}.")


# ---- prompts ------------------------------------------------------------------------------------

def _company_prompt(turn: Turn) -> str:
    return ("Congratulations on getting through an interview! Let's write it down while it's "
            "fresh — it takes two minutes.\n\nWhich company was it with?")


def _company_choices(turn: Turn) -> list[Button]:
    return [Button(a.company, a.company) for a in turn.repo.applications(active_only=True)[:4]]


def _role_choices(turn: Turn) -> list[Button]:
    known = turn.slots.get("known_role")
    return [Button(known, known)] if known else []


def _round_choices(turn: Turn) -> list[Button]:
    suggested = turn.slots.get("suggested_round", "first")
    order = [suggested, *[r for r in ("first", "second", "final") if r != suggested]]
    return [Button(r.capitalize(), r) for r in order]


def _interviewer_prompt(turn: Turn) -> str:
    people = turn.slots.get("interviewers", [])
    if not people and is_quick(turn):
        return ("Who interviewed you? Their names, separated by commas — spelled as on their "
                "email, e.g. “Jane Smith (Head of Data), Bob Lee”.")
    if not people:
        return ("Who interviewed you? Type one name at a time, spelled exactly as on their "
                "business card or email — names matter in a thank-you letter. "
                "Say “done” when you've listed everyone.")
    listed = ", ".join(p["name"] for p in people)
    return f"Got {listed}. Anyone else? Type the next name, or press Done."


def _current(turn: Turn) -> str:
    return str(turn.slots.get("current", {}).get("name", "them"))


def _fmt_date(day: date) -> str:
    return f"{day:%a} {day.day} {day:%b %Y}"


def _fmt_dt(moment: datetime) -> str:
    return f"{_fmt_date(moment.date())}, {moment:%H:%M}"


# ---- the flow -----------------------------------------------------------------------------------

def _finish(turn: Turn, slots: dict[str, Any]) -> None:
    from bot.records.debrief import save_debrief

    save_debrief(turn, slots)


DEBRIEF = quick_aware(Flow(
    "debrief",
    (
        Step("company", _company_prompt, _company, choices=_company_choices,
             on_answer=_on_company, help="The employer's name, e.g. “Acme Corp”."),
        Step("role", "What's the role?", short_text(200, "a role"), choices=_role_choices,
             help="The job title, e.g. “Senior Data Analyst”."),
        Step("when", "When was the interview? (e.g. “today 11am”, “yesterday 3pm”, “just now”)",
             _when, choices=(Button("Just now", "now"), Button("Today", "today"),
                             Button("Yesterday", "yesterday")),
             help="A day and time, like “today 11am”, “yesterday”, “Dec 5 2pm”."),
        Step("round", "Which round was it?", _round, choices=_round_choices,
             help="First, second, final — or describe it, e.g. “panel”."),
        Step("format", "How was it held?", _format,
             choices=(Button("Video", "video"), Button("Phone", "phone"),
                      Button("On-site", "on-site")),
             help="Phone, video or on-site."),
        Step("interviewer_name", _interviewer_prompt, _interviewer_name,
             choices=lambda turn: [Button("Done", "done")] if turn.slots.get("interviewers")
             else [Button("I don't know their names", "done")],
             on_answer=_on_interviewer_name, slot="current_name",
             help="One person at a time. Their business card, the invitation email or "
                  "LinkedIn has the exact spelling."),
        Step("interviewer_title", lambda t: f"{possessive(_current(t))} job title?",
             short_text(200, "a title"),
             optional=True, slot="current.title", help="e.g. “Head of Data”.",
             ask_if=lambda t: not t.slots.get("current", {}).get("title")),
        Step("interviewer_salutation",
             lambda t: f"How do you address {_current(t)} formally? (Ms, Mr, Mx, Dr, Prof)",
             _salutation, optional=True, slot="current.salutation",
             choices=tuple(Button(s, s) for s in SALUTATIONS),
             ask_if=lambda t: bool(t.user.formal_letters),
             help="The title for “Dear Ms O'Neill,” — skip to greet them by full name."),
        Step("interviewer_email",
             lambda t: f"{possessive(_current(t))} email? (for the thank-you letter)",
             _email, optional=True, slot="current.email",
             help="Their work email, e.g. jane.smith@acme.com."),
        Step("interviewer_phone", lambda t: f"{possessive(_current(t))} phone number?", _phone,
             optional=True, slot="current.phone"),
        Step("interviewer_notes",
             lambda t: QUESTION.format(name=_current(t)),
             lambda text, t: checked_note(text, t, _current(t)), optional=True,
             slot="current_notes",
             on_answer=_on_interviewer_notes),
        Step("rating", "How did it go, from 1 (badly) to 5 (great)?", _rating,
             choices=tuple(Button(str(n), str(n)) for n in range(1, 6)),
             help="Just a number from 1 to 5 — it helps you compare later."),
        Step("went_well", "What went well?", note_answer("went_well", 2000), optional=True),
        Step("strengths", "Your strongest qualification for this role — the one to stress in "
                          "your letters?", note_answer("strengths", 1000), optional=True),
        Step("to_improve", "What would you improve next time?", short_text(2000, "this answer"),
             optional=True),
        Step("questions", "Which questions did they ask, and how did you answer? Anything you'd "
                          "answer differently?", short_text(2000, "this answer"), optional=True),
        Step("missed", "Anything you missed or wish you had said? (Your thank-you letter can "
                       "address it.)", note_answer("missed", 1000), optional=True),
        Step("decision", "When do they expect to decide? (e.g. “next Friday”, “in two weeks”, "
                         "or “don't know”)", _decision,
             choices=(Button("Don't know", "don't know"),), on_answer=_on_decision,
             slot="decision_date", help="A date like “next Friday” or “Dec 5” — or “don't know”."),
        Step("steps_remaining", "How many steps remain in their process? (a number, or "
                                "“don't know”)", _steps, optional=True, skip_value=None,
             choices=(Button("0 (this was the last)", "0"), Button("1", "1"), Button("2", "2"),
                      Button("Don't know", "don't know"))),
        Step("news_contact", "Who should you contact for news? (often HR — a name and email)",
             short_text(300, "a contact"), optional=True,
             choices=lambda turn: [Button(p["name"], p["name"])
                                   for p in turn.slots.get("interviewers", [])[:3]]),
    ),
    _finish,
    describe=describe,
    on_cancel="Cancelled — nothing from this debrief was saved. Start again any time with "
              "“debrief”.",
))


def application_label(app: Application) -> str:
    return f"{app.company} — {app.role}" if app.role else app.company
