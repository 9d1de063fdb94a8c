"""Corrections said in plain words, applied at once with an Undo button: "Jane's email is
jane@acme.example", "Acme is actually called Acme Analytics", "Tom Lee is actually Tom Li",
"it's Priya Shaw, not Priya Shah", "the Acme interview was yesterday"."""

from __future__ import annotations

import re

from rapidfuzz import fuzz

from bot.conversation.flows.base import Runner, not_a_button, short_text
from bot.formatting import short_date
from bot.messages import Button
from bot.parsing import ParseError, company_name, parse_datetime, parse_email, parse_phone
from bot.parsing.choices import match_choice
from bot.records import edits
from bot.records.edits import BY_KEY
from bot.turn import Turn
from storage.models import Application, Interviewer

__all__ = ["move_interview", "rename_company", "rename_person", "set_person_fact",
           "understand_edit"]

# ---- plain words: "Jane's email is jane@acme.example", "Acme is actually called Acme Analytics" --

_PERSON_FACT = re.compile(
    r"(?:actually\s+|oh,?\s+and\s+|btw,?\s+)?(?P<who>[^\W\d_][\w .'-]{0,80}?)(?:'s|’s|'|’)\s+"
    r"(?P<what>e-?mail(?:\s+address)?|phone(?:\s+number)?|mobile|number|(?:job\s+)?title)\s+"
    r"(?:is|was|=|:)\s+(?P<value>\S.*?)[.!]?", re.IGNORECASE)
_RENAME = re.compile(
    r"(?P<old>\S.{0,80}?)\s+is\s+(?:actually|really|now|officially)\s+(?:called|named)\s+"
    r"(?P<new>\S.{0,199}?)[.!]?"
    r"|rename\s+(?P<old2>\S.{0,80}?)\s+to\s+(?P<new2>\S.{0,199}?)[.!]?"
    r"|(?:it'?s|it’s|it\s+is)\s+(?P<new3>\S.{0,199}?),?\s+not\s+(?P<old3>\S.{0,80}?)[.!]?",
    re.IGNORECASE)
_NAME = r"[^\W\d_][\w'’.-]*(?:\s+[^\W\d_][\w'’.-]*){0,3}"  # one to four words of a name
_NAME_FIX = re.compile(
    rf"(?P<old>{_NAME})\s+is\s+(?:actually|really)\s+(?:spelled\s+|spelt\s+)?(?P<new>{_NAME})"
    r"[.!]?", re.IGNORECASE)
_WHEN = re.compile(
    r"(?:actually,?\s+)?(?:the\s+|my\s+)?(?:(?P<company>[^\W\d_][\w .&'-]{0,80}?)\s+)?"
    r"interview(?:\s+(?:at|with)\s+(?P<company2>\S.{0,80}?))?\s+was\s+(?:actually\s+|really\s+)?"
    r"(?:on\s+|at\s+)?(?P<when>\S.{0,60}?)[.!]?(?:\s*,?\s+not\s+.{1,60})?",
    re.IGNORECASE)


def understand_edit(runner: Runner, turn: Turn, text: str) -> bool:
    """The engine's free-text hook: two edit sentences, applied at once with an Undo button.
    True when the message was one of them (and answered)."""
    person = _PERSON_FACT.fullmatch(text.strip())
    if person is not None:
        return set_person_fact(turn, person["who"], person["what"], person["value"])
    fix = _NAME_FIX.fullmatch(text.strip())
    if fix is not None and _looks_like_a_correction(fix["old"], fix["new"]) \
            and rename_person(turn, fix["old"], fix["new"]):
        return True  # "Tom Lee is actually Tom Li" ("Acme is really keen" is not a rename)
    rename = _RENAME.fullmatch(text.strip())
    if rename is not None:
        old = rename["old"] or rename["old2"] or rename["old3"]
        new = rename["new"] or rename["new2"] or rename["new3"]
        return rename_person(turn, old, new) or rename_company(turn, old, new)
    when = _WHEN.fullmatch(text.strip())
    if when is not None:
        return move_interview(turn, when["company"] or when["company2"], when["when"])
    return False


def _looks_like_a_correction(old: str, new: str) -> bool:
    """A misspelt name is corrected to a close one ("Tom Lee" → "Tom Li", "Pria" → "Priya");
    "Jane Smith is actually nice" is an opinion, not a new name."""
    a, b = old.casefold().split(), new.casefold().split()
    return a[0] == b[0] or fuzz.ratio(" ".join(a), " ".join(b)) >= 60


def _people(turn: Turn) -> dict[str, tuple[Application, Interviewer]]:
    repo = turn.repo
    return {p.name: (app, p) for app in repo.applications()
            for i in repo.interviews(app) for p in repo.interviewers(i)}


def _find_app(turn: Turn, said: str) -> Application | None:
    """The application a sentence names: exactly or nearly, or by its first word ("Acme" for
    "Acme Corp")."""
    app = turn.repo.find_application(said.strip())
    if app is not None:
        return app
    apps = {a.company: str(a.id) for a in turn.repo.applications()}
    found = match_choice(said, apps | {c.split()[0]: i for c, i in apps.items() if " " in c},
                         cutoff=85)
    return turn.repo.application(int(found)) if found is not None else None


def rename_person(turn: Turn, old: str, new: str) -> bool:
    """"Tom Lee is actually Tom Li", "it's Priya, not Pria": an interviewer's name corrected."""
    people = _people(turn)
    names = {name: name for name in people}
    found = match_choice(old, names, cutoff=85)
    if found is None or match_choice(old, {a.company: a.company
                                           for a in turn.repo.applications()}, cutoff=85):
        return False
    app, row = people[found]
    try:
        name = not_a_button(short_text(200, "a name")(new, turn), "their name")
    except ParseError as error:
        turn.say(f"{error} Nothing changed.")
        return True
    name = " ".join(w[:1].upper() + w[1:] if w.islower() else w for w in name.split())
    said = edits.set_field(turn.repo, app, BY_KEY["name"], row, name, turn.now, turn.tz)
    turn.changed(app.id)
    turn.say(said + " Letters and reminders use the new name.",
             [Button("Undo", "/undo"), Button("Edit something else", "/edit")])
    return True


def move_interview(turn: Turn, company: str | None, when: str) -> bool:
    """"The interview was yesterday", "the Acme interview was on Tuesday at 2pm": the latest
    interview's date corrected (a time kept when only the day is given)."""
    if company:
        app = _find_app(turn, company)
        if app is None:
            return False
        apps = [app]
    else:
        apps = [a for a in turn.repo.applications(active_only=True)
                if turn.repo.latest_interview(a) is not None]
    if not apps:
        return False
    if len(apps) > 1:
        names = " or ".join(a.company for a in apps[:3])
        turn.say(f"Which interview — at {names}? Say it with the company, e.g. “the "
                 f"{apps[0].company} interview was yesterday”. Nothing changed.")
        return True
    app = apps[0]
    interview = turn.repo.latest_interview(app)
    assert interview is not None
    held = interview.starts_at.astimezone(turn.tz)
    try:
        moved = parse_datetime(when, turn.now, turn.tz, prefer="past",
                               default_time=held.timetz().replace(tzinfo=None))
    except ParseError:
        return False  # not a date after all ("the interview was great"): read as news
    if moved > turn.now:
        turn.say(f"{short_date(moved.date())} is still ahead — a recorded interview has "
                 "happened. Nothing changed.")
        return True
    said = edits.set_field(turn.repo, app, BY_KEY["when"], interview, moved.isoformat(),
                           turn.now, turn.tz)
    turn.changed(app.id)
    turn.say(said + " Reminders follow the new date.",
             [Button("Undo", "/undo"), Button("Edit something else", "/edit")])
    return True


def set_person_fact(turn: Turn, who: str, what: str, value: str) -> bool:
    repo = turn.repo
    people = {p.name: (app, p) for app in repo.applications()
              for i in repo.interviews(app) for p in repo.interviewers(i)}
    names = {name: name for name in people} | {name.split()[0]: name for name in people}
    found = match_choice(who, names, cutoff=85)
    if found is None:
        return False
    app, row = people[found]
    kind = what.casefold()
    field = BY_KEY["email" if "mail" in kind else "title" if "title" in kind else "phone"]
    try:
        parsed = {"email": parse_email, "phone": parse_phone}.get(field.kind, str.strip)(value)
    except ParseError as error:
        turn.say(f"{error} Nothing changed.")
        return True
    said = edits.set_field(repo, app, field, row, parsed, turn.now, turn.tz)
    turn.changed(app.id)
    turn.say(said, [Button("Undo", "/undo"), Button("Edit something else", "/edit")])
    return True


def rename_company(turn: Turn, old: str, new: str) -> bool:
    app = _find_app(turn, old)
    if app is None:
        return False
    try:
        name = company_name(short_text(200, "a company name")(new, turn))
    except ParseError as error:
        turn.say(f"{error} Nothing changed.")
        return True
    said = edits.set_field(turn.repo, app, BY_KEY["company"], app, name, turn.now, turn.tz)
    turn.changed(app.id)
    turn.say(said + " Status, letters, the calendar and reminders use the new name.",
             [Button("Undo", "/undo"), Button("My pipeline", "/status")])
    return True
