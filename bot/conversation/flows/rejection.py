"""A "no" (the `rejection` flow, from `outcome`, `followup`, a nudge or "Acme turned me down"):
empathy, the application closed (its nudges stop), a reply that thanks them, asks for feedback
and to be kept in mind, then reflection prompts saved to the lessons journal — and keep going."""

from __future__ import annotations

import dataclasses
from typing import Any

from bot.conversation.drafts import interview_facts, news_contact, pick, sender
from bot.conversation.flows.base import Flow, Jump, Step, text_answer
from bot.conversation.flows.choose import application_step, preselect
from bot.letters import after_rejection
from bot.messages import Button
from bot.parsing import ParseError
from bot.records.coaching import AFTER_FEEDBACK_REQUEST
from bot.turn import Turn

EMPATHY = (
    "I'm sorry — that's disappointing, and it's fine to feel it. It is not personal: an opening "
    "typically gets around 250 applications, 4–6 people are interviewed, and one is hired. "
    "Getting to the interview means you beat most of the field."
)


def describe(slots: dict[str, Any]) -> str:
    company = slots.get("company")
    return f"reflecting on the news from {company}" if company else "reflecting on a no"


def _close(turn: Turn, slots: dict[str, Any]) -> bool:
    """Record the no at once (so no more check-ins go to a company that said no), then show the
    letter. False when there's nothing to close."""
    app = pick(turn, slots.get("application_id"))
    if app is None:
        turn.say("That application isn't there anymore — type “status” to see yours.")
        return False
    slots["company"] = app.company
    if app.is_active:
        app.status, app.closed_at, app.next_interview_at = "rejected", turn.now, None
        app.updated_at = turn.now
        turn.repo.log("rejected", turn.now, app)
        turn.changed(app.id)
    turn.say(f"{EMPATHY}\n\nI've closed {app.company} as “not selected” — no more reminders "
             "about it.")
    interview = turn.repo.latest_interview(app)
    if interview is not None:
        draft = after_rejection(sender(turn), interview_facts(turn, app, interview),
                                news_contact(turn, interview))
        turn.say("A short reply keeps the door open: thank them, ask politely for feedback, and "
                 "ask to be kept in mind. Never burn a bridge — people move, and openings come "
                 "back. Here's a draft:", draft=draft)
        turn.say(AFTER_FEEDBACK_REQUEST)
    return True


def _prepare(turn: Turn, slots: dict[str, Any], args: str) -> bool:
    if not turn.repo.applications(active_only=True) and not slots.get("application_id"):
        turn.say("You have no active applications to close — type “status” to see them.")
        return False
    problem = preselect(turn, slots, args)
    if problem:
        turn.say(problem)
    if slots.get("application_id"):
        return _close(turn, slots)
    return True


def _on_application(turn: Turn, application_id: int) -> None:
    if not _close(turn, turn.slots):
        raise Jump("")


def _reflection(text: str, turn: Turn) -> str:
    value = text_answer(text, turn)
    if len(value) > 1000:
        raise ParseError("A sentence or two is plenty — please keep it under 1000 characters.")
    return value


def _finish(turn: Turn, slots: dict[str, Any]) -> None:
    app = turn.repo.application(slots.get("application_id"))
    if app is None or "company" not in slots:
        return
    saved = 0
    for key, template in (("feedback", "Their feedback: {}"), ("differently", "{}"),
                          ("skill", "Skill to build: {}")):
        text = slots.get(key)
        if text:
            turn.repo.add_lesson(template.format(text), turn.now, app, source="rejection")
            saved += 1
    others = [a.company for a in turn.repo.applications(active_only=True)]
    lines = []
    if saved:
        lines.append("Saved to your lessons journal — I'll show it in your next prep pack, and "
                     "“lessons” shows it any time.")
    else:
        lines.append("No lessons noted — that's okay. If something comes to mind later, "
                     "“lessons” followed by the thought adds it to your journal.")
    if others:
        lines.append(f"Keep going: you still have {len(others)} active application"
                     f"{'s' if len(others) != 1 else ''} ({', '.join(others[:5])}). One new "
                     "application this week keeps the momentum.")
    else:
        lines.append("Keep going: one new application this week keeps the momentum — every "
                     "interview makes the next one easier.")
    turn.say("\n".join(lines), [Button("My lessons", "/lessons"),
                                Button("See my pipeline", "/status"),
                                Button("Record an interview", "/debrief")])


REJECTION = Flow(
    "rejection",
    (
        dataclasses.replace(application_step("Which application said no?"),
                            on_answer=_on_application),
        Step("feedback", "Did they tell you why, or give any feedback? Note it here — or skip.",
             _reflection, optional=True,
             help="Anything they said about the decision. If they didn't say, skip — the letter "
                  "asks them politely."),
        Step("differently", "Looking back, what would you do differently next time? A sentence "
                            "is plenty.", _reflection, optional=True,
             help="e.g. “Prepare numbers for the impact of my projects”."),
        Step("skill", "Which skill would you like to build before your next interview?",
             _reflection, optional=True,
             help="e.g. “SQL window functions”, “presenting to executives”."),
    ),
    _finish,
    describe=describe,
    on_cancel="Okay — we'll leave the reflection for now. The application stays closed; "
              "“lessons” followed by a thought adds it to your journal any time.",
    prepare=_prepare,
)
