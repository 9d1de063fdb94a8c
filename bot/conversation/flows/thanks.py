"""Thank-you letters (`thanks`): one personal draft per interviewer of the latest interview —
mark it sent, edit the personal point, go to the next person, or come back later.

Each interviewer's letter goes pending → drafted (once shown) → sent (with the time, and a
"thanks_sent" event); when everyone has theirs, the thank-you nudges stop on their own.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from bot.conversation.drafts import day, interview_facts, person, pick, sender
from bot.conversation.flows.base import Flow, Jump, Step, text_answer
from bot.conversation.flows.choose import application_step, candidates, prepare_application
from bot.conversation.notes import OK, QUESTION, checked_note
from bot.formatting import possessive
from bot.letters import thank_you
from bot.messages import Button, Draft
from bot.parsing import ParseError, parse_email
from bot.records.letters import mark_sent
from bot.turn import Turn
from storage.models import Application, Interview, Interviewer

ACTIONS = {
    "sent": ("sent", "mark sent", "mark as sent", "sent it", "i sent it", "done", "sent!",
             "i've sent it", "ive sent it", "yes"),
    "edit": ("edit", "edit the personal point", "change", "change the point", "point",
             "edit point", "personal point"),
    "email": ("email", "add their email", "add email"),
    "next": ("next", "next person", "other", "someone else", "the other one"),
    "later": ("later", "not now", "stop", "tomorrow", "later today"),
}
CHECKLIST = ("Before you send, read it once more: names spelled exactly as recorded, no "
             "placeholders left, no slang or abbreviations, the right company and role.")


def describe(slots: dict[str, Any]) -> str:
    company = slots.get("company")
    return f"writing your thank-you letters to {company}" if company else \
        "writing your thank-you letters"


# ---- what the flow works on -----------------------------------------------------------------

def _latest(turn: Turn, app: Application) -> tuple[Interview | None, list[Interviewer]]:
    interview = turn.repo.latest_interview(app)
    return interview, turn.repo.interviewers(interview) if interview else []


def _unsent(turn: Turn) -> list[Interviewer]:
    app = turn.repo.application(turn.slots.get("application_id"))
    if app is None:
        return []
    return [p for p in _latest(turn, app)[1] if p.thank_you_state != "sent"]


def _current(turn: Turn) -> Interviewer | None:
    unsent = _unsent(turn)
    if not unsent:
        return None
    wanted = turn.slots.get("person_id")
    for row in unsent:
        if row.id == wanted:
            return row
    turn.slots["person_id"] = unsent[0].id
    return unsent[0]


def _setup(turn: Turn, slots: dict[str, Any]) -> bool:
    """Pick the first interviewer still waiting for a letter; False (and say why) if none."""
    app = pick(turn, slots.get("application_id"))
    if app is None:
        turn.say("That application isn't there anymore — type “status” to see yours.")
        return False
    interview, people = _latest(turn, app)
    if interview is None or not people:
        turn.say(f"I have no interviewers' names for your latest interview at {app.company}. "
                 "If you can find them (the invitation email, LinkedIn), add them with “edit” "
                 "— a personal thank-you still makes a difference.",
                 [Button("Add a name", f"/edit add {app.company}")])
        return False
    unsent = [p for p in people if p.thank_you_state != "sent"]
    if not unsent:
        sent = ", ".join(f"{p.name} ({day(p.thank_you_sent_at.astimezone(turn.tz))})"
                         if p.thank_you_sent_at else p.name for p in people)
        turn.say(f"Every thank-you for {app.company} is already sent: {sent}. Nicely done — "
                 "now keep your search going while they decide.",
                 [Button("See my pipeline", "/status")])
        return False
    slots["company"] = app.company
    slots["person_id"] = unsent[0].id
    held = interview.starts_at.astimezone(turn.tz).date()
    late = (turn.local_now.date() - held).days
    if late <= 0:
        timing = "Send them today — tomorrow at the latest."
    elif late == 1:
        timing = "Today is the day to send them: the day after the interview is the latest."
    else:
        timing = ("It's a little late, but late is better than never — send them today; a "
                  "short, sincere note still makes a good impression.")
    names = ", ".join(p.name for p in unsent)
    turn.say(f"One personal letter per interviewer — they compare notes, so never send the "
             f"same text twice. Still to send for {app.company}: {names}.\n{timing}")
    return True


# ---- the letter step ------------------------------------------------------------------------

def _letter_prompt(turn: Turn) -> str:
    """Shows the current draft (as its own message, easy to copy), then asks what to do."""
    row = _current(turn)
    app = turn.repo.application(turn.slots.get("application_id"))
    if row is None or app is None:
        return "Every letter is sent. Type “done”."
    draft = _draft(turn, row)
    if row.thank_you_state == "pending":
        row.thank_you_state = "drafted"
    unsent = _unsent(turn)
    position = [p.id for p in unsent].index(row.id) + 1
    header = f"✉️ To {row.name}" + (f", {row.title}" if row.title else "") + \
        (f" ({position} of {len(unsent)} still to send)" if len(unsent) > 1 else "")
    turn.say(header, draft=draft)
    lines = []
    if draft.problems:
        count = len(draft.problems)
        lines.append(f"⚠ My proofreading found {count} thing{'s' if count > 1 else ''} to fix "
                     "(marked ⚠ with the letter) — please fix before sending.")
    lines.append(CHECKLIST)
    lines.append("Want to change the wording? “Edit this letter” (under it) takes your own "
                 "version of the whole letter or of one paragraph.")
    if not row.notes:
        lines.append(f"Tip: a specific point from your conversation with {row.name} makes this "
                     "letter theirs — “Edit the personal point” to add one.")
    if not row.email:
        lines.append(f"I don't have {possessive(row.name)} email — find it on the invitation "
                     "or their "
                     "card, or add it here and I'll address the letter to them.")
    else:
        lines.append("Send it as a plain email, no attachment.")
    lines.append("Sent it? Tell me, and I'll stop reminding you about it.")
    return "\n".join(lines)


def _draft(turn: Turn, row: Interviewer) -> Draft:
    app = turn.repo.application(turn.slots.get("application_id"))
    assert app is not None
    interview = turn.repo.latest_interview(app)
    assert interview is not None
    return thank_you(sender(turn), interview_facts(turn, app, interview), person(row))


def _letter_choices(turn: Turn) -> list[Button]:
    row = _current(turn)
    buttons = [Button("Mark sent", "sent"), Button("Edit the personal point", "edit")]
    if row is not None and not row.email:
        buttons.append(Button("Add their email", "email"))
    if len(_unsent(turn)) > 1:
        buttons.append(Button("Next person", "next"))
    buttons.append(Button("Later", "later"))
    return buttons


def _action(text: str, turn: Turn) -> str:
    said = " ".join(text.casefold().split()).strip(" .!")
    for action, words in ACTIONS.items():
        if said in words:
            return action
    row = _current(turn)
    whose = f" for your letter to {row.name}" if row is not None else ""
    raise ParseError(f"I didn't catch that{whose} — choose “Mark sent”, “Edit the personal "
                     "point”, “Next person” or “Later” (“cancel” leaves the letters).")


def _on_action(turn: Turn, action: str) -> None:
    row = _current(turn)
    if row is None:
        raise Jump("")
    if action == "sent":
        row.thank_you_state, row.thank_you_sent_at = "sent", turn.now
        letter = mark_sent(turn.repo, _draft(turn, row), turn.now)
        turn.repo.log("thanks_sent", turn.now, turn.repo.application(row.interview.application_id),
                      interviewer=row.name, interviewer_id=row.id,
                      letter_id=letter.id if letter is not None else None,
                      edited=bool(letter is not None and letter.edited))
        turn.changed(row.interview.application_id)
        local = turn.now.astimezone(turn.tz)
        turn.say(f"✅ Marked your letter to {row.name} as sent ({day(local)}, {local:%H:%M}).")
        rest = _unsent(turn)
        if not rest:
            raise Jump("")
        turn.slots["person_id"] = rest[0].id
        raise Jump("letter")
    if action == "edit":
        raise Jump("point")
    if action == "email":
        raise Jump("email")
    if action == "next":
        unsent = _unsent(turn)
        ids = [p.id for p in unsent]
        if len(ids) == 1:
            turn.say(f"{row.name} is the only one left.")
        else:
            turn.slots["person_id"] = ids[(ids.index(row.id) + 1) % len(ids)]
        raise Jump("letter")
    raise Jump("")  # later


# ---- editing ----------------------------------------------------------------------------------

def _point_prompt(turn: Turn) -> str:
    row = _current(turn)
    name = row.name if row else "them"
    now = f"\nNow it says: “{row.notes}”." if row and row.notes else ""
    return QUESTION.format(name=name) + now


def _point(text: str, turn: Turn) -> str:
    value = text_answer(text, turn)
    if len(value) > 500 and value.casefold() != OK:
        raise ParseError("Keep the point short — one phrase under 500 characters works best "
                         "in a letter.")
    return checked_note(value, turn, _name(turn))


def _on_point(turn: Turn, point: str) -> None:
    row = _current(turn)
    if row is not None and point:
        row.notes = point
        turn.say(f"Updated the point for {row.name}. Here's the new letter:")
    raise Jump("letter")


def _on_email(turn: Turn, email: str) -> None:
    row = _current(turn)
    if row is not None and email:
        row.email = email
        turn.say(f"Saved {possessive(row.name)} email. Here's the letter, addressed to them:")
    raise Jump("letter")


# ---- start and finish -------------------------------------------------------------------------

def _pending_apps(turn: Turn) -> list[Application]:
    pending = []
    for app in candidates(turn):
        interview = turn.repo.latest_interview(app)
        people = turn.repo.interviewers(interview) if interview else []
        if any(p.thank_you_state != "sent" for p in people):
            pending.append(app)
    return pending


def _prepare(turn: Turn, slots: dict[str, Any], args: str) -> bool:
    if not prepare_application(
            turn, slots, args, only=_pending_apps,  # the only one with letters to send
            nothing_yet="No interviews recorded yet. Had one? “debrief” records it, and then "
                        "I'll draft a letter for each interviewer."):
        return False
    if slots.get("application_id"):
        return _setup(turn, slots)
    return True


def _on_application(turn: Turn, application_id: int) -> None:
    if not _setup(turn, turn.slots):
        raise Jump("")


def _finish(turn: Turn, slots: dict[str, Any]) -> None:
    app = turn.repo.application(slots.get("application_id"))
    if app is None or "person_id" not in slots:
        return  # nothing to write about; the reason has been said
    interview, people = _latest(turn, app)
    unsent = [p.name for p in people if p.thank_you_state != "sent"]
    if not unsent:
        turn.say(f"🎉 All your thank-you letters for {app.company} are sent. That's the kind of "
                 "follow-through interviewers remember. No more reminders about them — now keep "
                 "your search going while they decide.", [Button("See my pipeline", "/status")])
        return
    late = (turn.local_now.date() - interview.starts_at.astimezone(turn.tz).date()).days \
        if interview is not None else 0
    when = ("Send them today, or tomorrow at the latest" if late <= 0 else
            "Today is the last day to send them" if late == 1 else
            "Late is better than never — send them today")
    turn.say(f"Okay — still to send for {app.company}: {', '.join(unsent)}. Your drafts stay "
             f"here: type “thanks” any time. {when}; I'll remind you.",
             [Button("Draft letters", f"/thanks {app.company}")])


_APPLICATION = dataclasses.replace(
    application_step("Which interview are the thank-you letters for?"),
    on_answer=_on_application)

THANKS = Flow(
    "thanks",
    (
        _APPLICATION,
        Step("letter", _letter_prompt, _action, choices=_letter_choices, slot="action",
             on_answer=_on_action,
             help="“Mark sent” once you've sent it; “Edit the personal point” to change what "
                  "the letter mentions; “Next person” for the next letter; “Later” to stop for "
                  "now."),
        Step("point", _point_prompt, _point, optional=True, on_answer=_on_point,
             help="A phrase about something you discussed with this person. It goes into "
                  "“I especially enjoyed our conversation about …”."),
        Step("email", lambda turn: f"What's {possessive(_name(turn))} email?",
             lambda text, turn: parse_email(text), optional=True, on_answer=_on_email,
             help="Their work email, e.g. jane.smith@acme.com."),
    ),
    _finish,
    describe=describe,
    on_cancel="Okay, stopped. Letters you marked sent stay sent; the rest wait for you — type "
              "“thanks” any time.",
    prepare=_prepare,
    for_open_applications=True,
)


def _name(turn: Turn) -> str:
    row = _current(turn)
    return row.name if row else "their"
