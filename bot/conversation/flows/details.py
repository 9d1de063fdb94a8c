"""“Add details” after a quick debrief: the optional questions of the debrief (format, rating,
what went well, strengths, questions asked, steps left, contact for news), every one skippable,
saved onto the interview already recorded."""

from __future__ import annotations

from typing import Any

from bot.conversation.flows.base import Flow, Step, short_text
from bot.conversation.flows.debrief import _format, _rating, _steps
from bot.conversation.notes import note_answer
from bot.messages import Button
from bot.turn import Turn
from storage.models import Interview

FIELDS = ("format", "rating", "went_well", "strengths", "to_improve", "questions", "missed",
          "steps_remaining", "news_contact")


def _describe(slots: dict[str, Any]) -> str:
    return "adding details to your interview"


def _prepare(turn: Turn, slots: dict[str, Any], args: str) -> bool:
    interview = turn.repo.get(Interview, slots.get("interview_id"))
    if interview is None:
        turn.say("That interview isn't there anymore — nothing changed.")
        return False
    app = turn.repo.application(interview.application_id)
    if app is not None:  # the words the notes' spelling check accepts, as in the letters
        slots.update(company=app.company, role=app.role or "", interviewers=[
            {"name": p.name} for p in turn.repo.interviewers(interview)])
    turn.say(f"Let's add the details of your interview at {app.company if app else 'them'}. "
             "Skip anything you like — it all helps your next prep pack.")
    return True


def _finish(turn: Turn, slots: dict[str, Any]) -> None:
    interview = turn.repo.get(Interview, slots.get("interview_id"))
    if interview is None:
        turn.say("That interview isn't there anymore — nothing changed.")
        return
    saved = 0
    for name in FIELDS:
        value = slots.get(name)
        if value not in (None, ""):
            setattr(interview, name, value)
            saved += 1
    turn.repo.log("interview_details", turn.now, turn.repo.application(interview.application_id),
                  interview_id=interview.id, fields=saved)
    turn.say(f"Saved {saved} detail{'s' if saved != 1 else ''} to your interview."
             if saved else "Nothing added — that's fine.",
             [Button("Draft thank-you letters", "/thanks"), Button("See my pipeline", "/status")])


def _optional(name: str, prompt: str, parse: Any = None, **extra: Any) -> Step:
    return Step(name, prompt, parse or short_text(2000, "this answer"), optional=True,
                skip_value=None, **extra)


DETAILS = Flow(
    "details",
    (
        _optional("format", "How was it held?", _format,
                  choices=(Button("Video", "video"), Button("Phone", "phone"),
                           Button("On-site", "on-site"))),
        _optional("rating", "How did it go, from 1 (badly) to 5 (great)?", _rating,
                  choices=tuple(Button(str(n), str(n)) for n in range(1, 6))),
        _optional("went_well", "What went well?", note_answer("went_well", 2000)),
        _optional("strengths", "Your strongest qualification for this role — the one to stress "
                               "in your letters?", note_answer("strengths", 1000)),
        _optional("to_improve", "What would you improve next time?"),
        _optional("questions", "Which questions did they ask, and how did you answer?"),
        _optional("missed", "Anything you missed or wish you had said?",
                  note_answer("missed", 1000)),
        _optional("steps_remaining", "How many steps remain in their process?", _steps,
                  choices=(Button("0 (this was the last)", "0"), Button("1", "1"),
                           Button("2", "2"))),
        _optional("news_contact", "Who should you contact for news? (often HR — a name and "
                                  "email)", short_text(300, "a contact")),
    ),
    _finish,
    describe=_describe,
    on_cancel="Okay — the interview stays as recorded.",
    prepare=_prepare,
)
