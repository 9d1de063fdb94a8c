"""`edit`: walk to any stored fact with buttons (application, interview, interviewer, next
steps, offer terms) and correct it; delete, merge or archive a record; `undo` the last change."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bot.conversation.flows.base import Flow, Jump, Step, not_a_button
from bot.formatting import short_date
from bot.messages import Button
from bot.parsing import (
    ParseError,
)
from bot.parsing.choices import match_choice
from bot.records import changes, edits
from bot.records.edits import BY_KEY, FIELDS, PARTS
from bot.turn import Turn
from storage.models import Application, Interview, Interviewer

PAGE = 4  # choices a message, with "More…" as the fifth when there are more
MORE = "more"
CLEAR = "clear"
ACTIONS = {"archive": "Archive it (went quiet)", "merge": "Merge with a duplicate",
           "delete_app": "Delete this application", "delete_interview": "Delete this interview",
           "delete_person": "Delete this person"}
ADD_PERSON = "add"
Options = Callable[[Turn], list[tuple[str, str]]]


# ---- where we are ------------------------------------------------------------------------------

def _app(turn: Turn) -> Application:
    app = turn.repo.application(turn.slots.get("application_id"))
    if app is None:
        raise ParseError("That application isn't there anymore — type “status” to see yours.")
    return app


def _people(turn: Turn, app: Application) -> list[tuple[Interview, Interviewer]]:
    return [(i, p) for i in turn.repo.interviews(app) for p in turn.repo.interviewers(i)]


def _interview_label(turn: Turn, interview: Interview) -> str:
    held = interview.starts_at.astimezone(turn.tz).date()
    return f"{interview.round.capitalize()}, {short_date(held)}"


# ---- the options of each question, as (label, value) ------------------------------------------

def _apps(turn: Turn) -> list[tuple[str, str]]:
    return [(f"{a.company}" + (f" — {a.role}" if a.role else ""), str(a.id))
            for a in turn.repo.applications()]


def _parts(turn: Turn) -> list[tuple[str, str]]:
    app = _app(turn)
    found = [(PARTS["app"], "app")]
    if turn.repo.interviews(app):
        found += [(PARTS["interview"], "interview"), (PARTS["person"], "person"),
                  (PARTS["next"], "next")]
    if turn.repo.offer_for(app, open_only=False) is not None:
        found.append((PARTS["offer"], "offer"))
    found.append(("Archive, merge or delete", "manage"))
    return found


def _records(turn: Turn) -> list[tuple[str, str]]:
    app = _app(turn)
    if turn.slots.get("part") == "interview":
        return [(_interview_label(turn, i), str(i.id)) for i in turn.repo.interviews(app)]
    people = [(p.name, str(p.id)) for _, p in _people(turn, app)]
    return [*people, ("Add a name", ADD_PERSON)]


def _fields(turn: Turn) -> list[tuple[str, str]]:
    part = turn.slots.get("part")
    if part == "manage":
        others = len(turn.repo.applications()) > 1
        return [(ACTIONS["archive"], "archive"), *([(ACTIONS["merge"], "merge")] if others
                                                    else []),
                (ACTIONS["delete_app"], "delete_app")]
    found = [(f.label, f.key) for f in FIELDS if f.part == part]
    if part == "interview":
        found.append((ACTIONS["delete_interview"], "delete_interview"))
    if part == "person":
        found.append((ACTIONS["delete_person"], "delete_person"))
    return found


def _others(turn: Turn) -> list[tuple[str, str]]:
    here = turn.slots.get("application_id")
    return [(label, value) for label, value in _apps(turn) if value != str(here)]


# ---- a paged choice: at most five buttons, "More…" pages on -----------------------------------

def _page(name: str, options: Options) -> Callable[[Turn], list[Button]]:
    def buttons(turn: Turn) -> list[Button]:
        found = options(turn)
        if len(found) <= PAGE + 1:
            return [Button(label, value) for label, value in found]
        start = (turn.slots.get(f"_page_{name}", 0) * PAGE) % len(found)
        shown = found[start:start + PAGE]
        return [*(Button(label, value) for label, value in shown), Button("More…", MORE)]
    return buttons


def _pick(name: str, options: Options, what: str) -> Callable[[str, Turn], str]:
    def parse(text: str, turn: Turn) -> str:
        found = options(turn)
        if text.strip().casefold() in (MORE, "more…", "more...", "next"):
            return MORE
        values = {value for _, value in found}
        if text in values:
            return text
        chosen = match_choice(text, {label: value for label, value in found})
        if chosen is None:
            raise ParseError(f"I couldn't tell which {what} you mean — please press a button "
                             "or type its name.")
        return chosen
    return parse


def _turn_page(name: str) -> Callable[[Turn, str], None]:
    def on_answer(turn: Turn, value: str) -> None:
        if value == MORE:
            turn.slots[f"_page_{name}"] = turn.slots.get(f"_page_{name}", 0) + 1
            turn.slots.pop(name, None)  # not an answer: the same question, next page
            raise Jump(name)
        turn.slots.pop(f"_page_{name}", None)
    return on_answer


def _choice_step(name: str, prompt: Callable[[Turn], str], options: Options, what: str,
                 ask_if: Callable[[Turn], bool] | None = None,
                 then: Callable[[Turn, str], None] | None = None) -> Step:
    pager = _turn_page(name)

    def on_answer(turn: Turn, value: str) -> None:
        pager(turn, value)
        if then is not None:
            then(turn, value)
    return Step(name, prompt, _pick(name, options, what), choices=_page(name, options),
                ask_if=ask_if, on_answer=on_answer,
                help=f"Press the {what}, or type its name; “More…” shows the rest.")


# ---- hooks --------------------------------------------------------------------------------------

def _on_app(turn: Turn, value: str) -> None:
    if value != MORE:
        turn.slots["application_id"] = int(value)


def _on_part(turn: Turn, value: str) -> None:
    if value == MORE:
        return
    app = _app(turn)
    if value == "interview":
        interviews = turn.repo.interviews(app)
        if len(interviews) == 1:
            turn.slots["record"] = str(interviews[0].id)
            raise Jump("field")
    if value == "person" and not _people(turn, app):
        turn.slots["record"] = ADD_PERSON
        turn.slots["field"] = "name"
        raise Jump("value")


def _on_record(turn: Turn, value: str) -> None:
    if value == ADD_PERSON:
        turn.slots["field"] = "name"
        raise Jump("value")


def _on_field(turn: Turn, value: str) -> None:
    if value in ("archive",):
        raise Jump("")
    if value in ("delete_app", "delete_interview", "delete_person"):
        raise Jump("confirm")


def _value_field(turn: Turn) -> edits.Field:
    return BY_KEY[turn.slots["field"]]


def _row(turn: Turn) -> Any:
    field = _value_field(turn)
    if turn.slots.get("record") == ADD_PERSON:
        return None
    record = turn.slots.get("record")
    row = edits.record_for(turn.repo, _app(turn), field, int(record) if record else None)
    if row is None:
        raise ParseError("That record isn't there anymore — nothing changed. Type “edit” to "
                         "start again.")
    return row


# ---- prompts ------------------------------------------------------------------------------------

def _which_app(turn: Turn) -> str:
    return "Which application do you want to change?"


def _what_part(turn: Turn) -> str:
    return f"What would you like to change at {_app(turn).company}?"


def _which_record(turn: Turn) -> str:
    return ("Which interview?" if turn.slots.get("part") == "interview"
            else "Whose details? (or add a name you learned later)")


def _which_field(turn: Turn) -> str:
    if turn.slots.get("part") == "manage":
        return (f"What should happen to {_app(turn).company}? Archive keeps it out of your "
                "pipeline and reminders (undo brings it back).")
    return "Which detail?"


def _ask_value(turn: Turn) -> str:
    field = _value_field(turn)
    row = _row(turn)
    if row is None:
        return (f"What's the name of the person you met at {_app(turn).company}? (Exactly as "
                "they spell it.)")
    now = edits.shown(field, getattr(row, field.attr), turn.tz)
    hint = {"date": " (e.g. “Dec 18”, “next Friday”, or “don't know”)",
            "datetime": " (e.g. “Tue 2pm”, “Dec 9 10:30”)", "money": " (e.g. “85k”)"}
    clear = "" if field.required else " “clear” removes it."
    return f"{field.label} is now: {now}. What should it be?{hint.get(field.kind, '')}{clear}"


def _value_buttons(turn: Turn) -> list[Button]:
    field = _value_field(turn)
    buttons = [Button(label, value) for label, value in field.options]
    if not field.required and turn.slots.get("record") != ADD_PERSON:
        buttons.append(Button("Clear it", CLEAR))
    return buttons[:5]


def _confirm_prompt(turn: Turn) -> str:
    app = _app(turn)
    action = turn.slots.get("field")
    if action == "merge":
        other = turn.repo.application(int(turn.slots.get("other", 0)))
        name = other.company if other else "the other one"
        return (f"Merge {name} into {app.company}? Its interviews, letters and contacts move "
                f"to {app.company} and the duplicate goes. Type “merge” or press the button.")
    if action == "delete_interview":
        interview = turn.repo.get(Interview, int(turn.slots.get("record", 0)))
        what = f"the interview of {_interview_label(turn, interview)}" if interview else "it"
        return (f"Delete {what} at {app.company}, with its interviewers and notes? “undo” can "
                "bring it back. Type “delete” or press the button.")
    if action == "delete_person":
        person = turn.repo.get(Interviewer, int(turn.slots.get("record", 0)))
        return (f"Delete {person.name if person else 'this person'} from {app.company}? Type "
                "“delete” or press the button.")
    return (f"Delete the application at {app.company} with every interview, letter and "
            "reminder? “undo” can bring it back. Type “delete” or press the button.")


def _confirm_buttons(turn: Turn) -> list[Button]:
    word = "merge" if turn.slots.get("field") == "merge" else "delete"
    return [Button(f"Yes, {word}", f"confirm:{word}"), Button("No, keep it", "confirm:keep")]


# ---- parsers ------------------------------------------------------------------------------------

def _value(text: str, turn: Turn) -> Any:
    field = _value_field(turn)
    if text.strip() == "":
        raise ParseError("Please type the new value (or “cancel”).")
    value = edits.parse_value(field, text, turn.now, turn.tz)
    if field.key in ("company", "name") and isinstance(value, str):
        return not_a_button(value, "the " + field.label.lower())
    return value


def _confirm(text: str, turn: Turn) -> bool:
    word = " ".join(text.casefold().replace("“", "").replace("”", "").split()).strip(" .!")
    wanted = "merge" if turn.slots.get("field") == "merge" else "delete"
    return word in (f"confirm:{wanted}", wanted, f"yes, {wanted}", f"yes {wanted}")


# ---- finish -------------------------------------------------------------------------------------

def _finish(turn: Turn, slots: dict[str, Any]) -> None:
    repo = turn.repo
    app = repo.application(slots.get("application_id"))
    if app is None:
        turn.say("That application isn't there anymore — nothing changed.")
        return
    action = slots.get("field")
    undo = [Button("Undo", "/undo"), Button("Edit something else", "/edit")]
    if action in ("merge", "delete_app", "delete_interview", "delete_person") and not slots.get(
            "confirm"):
        turn.say("Okay — I kept it. Nothing changed.")
        return
    if action == "archive":
        edits.archive(repo, app, turn.now)
        turn.changed(app.id)
        turn.say(f"Archived {app.company}: it's out of your pipeline and no reminders will come "
                 "for it.", undo)
        return
    if action == "merge":
        other = repo.application(int(slots.get("other", 0)))
        if other is None or other.id == app.id:
            turn.say("That application isn't there anymore — nothing changed.")
            return
        name = other.company
        moved = edits.merge(repo, app, other, turn.now)
        turn.changed(app.id)
        turn.say(f"Merged {name} into {app.company}: {moved} interview"
                 f"{'s' if moved != 1 else ''} moved over with their letters and contacts, and "
                 "its reminders are planned once, here.", undo)
        return
    if action == "delete_app":
        company = app.company
        edits.delete_application(repo, app, turn.now)
        turn.say(f"Deleted the application at {company}.", undo)
        return
    if action == "delete_interview":
        interview = repo.get(Interview, int(slots.get("record", 0)))
        if interview is not None and interview.application_id == app.id:
            edits.delete_interview(repo, app, interview, turn.now)
            turn.changed(app.id)
            turn.say(f"Deleted that interview at {app.company}.", undo)
        return
    if action == "delete_person":
        person = repo.get(Interviewer, int(slots.get("record", 0)))
        if person is not None:
            name = person.name
            edits.delete_person(repo, person, turn.now)
            turn.changed(app.id)
            turn.say(f"Deleted {name} from {app.company}.", undo)
        return
    field = BY_KEY[str(action)]
    if slots.get("record") == ADD_PERSON:
        interview = repo.latest_interview(app)
        if interview is None:
            turn.say(f"There's no interview at {app.company} yet — “debrief” records one.")
            return
        person = edits.add_person(repo, interview, slots["value"], turn.now)
        turn.changed(app.id)
        turn.say(f"Added {person.name} to your {interview.round} interview at {app.company}. "
                 "Their thank-you letter is on your list.",
                 [Button("Draft the thank-you", f"/thanks {app.company}"),
                  Button("Add their email", f"/edit {app.company}"), Button("Undo", "/undo")])
        return
    row = edits.record_for(repo, app, field, int(slots["record"]) if slots.get("record")
                           else None)
    if row is None:
        turn.say("That record isn't there anymore — nothing changed.")
        return
    said = edits.set_field(repo, app, field, row, slots.get("value"), turn.now, turn.tz)
    turn.changed(app.id)
    turn.say(said + " Your reminders follow the new facts.", undo)


def _prepare(turn: Turn, slots: dict[str, Any], args: str) -> bool:
    apps = turn.repo.applications()
    if not apps:
        turn.say("Nothing to edit yet — “debrief” records your first interview.",
                 [Button("Record an interview", "/debrief")])
        return False
    words = args.strip()
    if words.casefold().startswith(ADD_PERSON + " ") or words.casefold() == ADD_PERSON:
        slots.update(part="person", record=ADD_PERSON, field="name")  # "Add a name" buttons
        words = words[len(ADD_PERSON):].strip()
    if len(apps) == 1:
        slots["application_id"] = apps[0].id
    elif words:
        app = turn.repo.find_application(words)
        if app is not None:
            slots["application_id"] = app.id
    return True


def describe(slots: dict[str, Any]) -> str:
    return "editing your records"


EDIT = Flow(
    "edit",
    (
        _choice_step("app", _which_app, _apps, "application",
                     ask_if=lambda turn: "application_id" not in turn.slots, then=_on_app),
        _choice_step("part", _what_part, _parts, "part", then=_on_part,
                     ask_if=lambda turn: "field" not in turn.slots),
        _choice_step("record", _which_record, _records, "one",
                     ask_if=lambda turn: turn.slots.get("part") in ("interview", "person")
                     and "field" not in turn.slots, then=_on_record),
        _choice_step("field", _which_field, _fields, "detail", then=_on_field,
                     ask_if=lambda turn: "field" not in turn.slots),
        _choice_step("other", lambda turn: f"Which one is the duplicate of {_app(turn).company}?",
                     _others, "application",
                     ask_if=lambda turn: turn.slots.get("field") == "merge",
                     then=lambda turn, value: _jump_confirm(value)),
        Step("value", _ask_value, _value, choices=_value_buttons,
             help="Type the new value; “back” picks another detail, “cancel” changes nothing."),
        Step("confirm", _confirm_prompt, _confirm, choices=_confirm_buttons,
             ask_if=lambda turn: turn.slots.get("field") in (
                 "merge", "delete_app", "delete_interview", "delete_person"),
             help="Type the word in quotes to go ahead; anything else keeps it."),
    ),
    _finish,
    describe=describe,
    prepare=_prepare,
    on_cancel="Okay — nothing changed.",
)


def _jump_confirm(value: str) -> None:
    if value != MORE:
        raise Jump("confirm")


def undo_command(turn: Turn, args: str) -> None:
    """`undo`: revert the user's last change to their records."""
    change = changes.undo_last(turn.repo)
    if change is None:
        turn.say("There's nothing to undo — you haven't changed any records.")
        return
    for app in turn.repo.applications():
        turn.changed(app.id)
    turn.say(f"Undone: {change.summary}. Everything is back as it was.",
             [Button("My pipeline", "/status"), Button("Edit something", "/edit")])


__all__ = ["EDIT", "undo_command"]
