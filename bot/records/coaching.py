"""The coaching the seeds ask for at particular moments: feedback on a round before the next one,
what to expect after asking for feedback on a no, how much the user wants this job, a references
nudge when an offer looks likely, and the checklist after accepting."""

from __future__ import annotations

import datetime
import re
from datetime import timedelta

from bot.messages import Button
from bot.turn import Turn
from storage.models import Application, Interview

WANT_EVENT = "want_rated"
REFERENCES_EVENT = "references_nudged"

FEEDBACK_BEFORE_NEXT_ROUND = (
    "Before the next round, ask the recruiter for feedback on the first: what went well and what "
    "they would like to hear more about. It's a normal question — and the answer tells you "
    "exactly what to prepare.")

AFTER_FEEDBACK_REQUEST = (
    "A word of warning: many companies may not give feedback at all — often for legal reasons, "
    "not because of you. If they stay silent, it is not personal; don't wait on it, and keep "
    "your search going.")

WANT_QUESTION = ("One more: how much do you want this job? Reply with a number from 1 (not much) "
                 "to 5 (very much).")
WANT_WINDOW = timedelta(hours=12)  # a bare number this soon after a debrief answers its question


def _is_number(text: str) -> bool:
    """ASCII digits only, at most 9 ("⑤" and "²" are digits to str.isdigit, not to int)."""
    return bool(re.fullmatch(r"[0-9]{1,9}", text))



def want_buttons(app: Application) -> list[Button]:
    return [Button(str(n), f"/want {app.id} {n}") for n in range(1, 6)]


def want_advice(level: int, company: str) -> str:
    """What to do with the answer to "how much do you want this job?"."""
    if level <= 2:
        return (f"Good to know. Decide how serious you are about {company} before an offer "
                "comes: what would make it a yes, and what would make it a no? Deciding now, "
                "calmly, beats deciding under an offer's deadline — and it's fine to keep "
                "going only as a backup or for practice.")
    if level == 3:
        return (f"Mixed feelings about {company} are normal. Write down what would tip it either "
                "way — salary, team, commute — so you're ready if an offer comes.")
    return (f"Then let's give {company} your best: a personal thank-you today, and I'll keep "
            "track of their decision date.")


def next_steps(app: Application, interview: Interview, *, has_people: bool,
               quick: bool) -> list[Button]:
    """The buttons under a saved debrief — and under the answer to its last question, which
    replaces them on platforms where only the newest buttons can be pressed."""
    buttons = [Button("Draft thank-you letters", "/thanks")] if has_people else [
        Button("Add a name", f"/edit add {app.company}")]
    if quick:
        buttons.append(Button("Add details", f"u:details:{interview.id}"))
    buttons.append(Button("See my pipeline", "/status"))
    return buttons


def _details_missing(interview: Interview) -> bool:
    """Recorded the quick way: none of the details the full debrief asks for."""
    return not (interview.format or interview.rating or interview.went_well
                or interview.strengths or interview.missed or interview.to_improve)


def pending_want(turn: Turn) -> Application | None:
    """The application whose debrief just asked "how much do you want this job?" and has no
    answer yet (the latest debrief, saved in the last hours), for a bare "4" to answer."""
    recorded = turn.repo.events(["interview"])
    if not recorded:
        return None
    last = recorded[-1]
    at = last.at if last.at.tzinfo else last.at.replace(tzinfo=turn.now.tzinfo)
    app = turn.repo.application(last.application_id)
    if app is None or turn.now - at > WANT_WINDOW or turn.repo.events([WANT_EVENT], app):
        return None
    return app


def rate_want(turn: Turn, args: str) -> None:
    """`want <application id> <1–5>`: the answer, stored as an event, with the advice."""
    parts = args.split()
    app = turn.repo.application(int(parts[0])) if parts and _is_number(parts[0]) else None
    level = int(parts[1]) if len(parts) > 1 and _is_number(parts[1]) else 0
    if app is None or not 1 <= level <= 5:
        turn.say("Tell me with a number from 1 (not much) to 5 (very much).")
        return
    turn.repo.log(WANT_EVENT, turn.now, app, level=level)
    latest = max(app.interviews, key=lambda i: i.recorded_at, default=None)
    buttons = [] if latest is None else next_steps(
        app, latest, has_people=bool(latest.interviewers), quick=_details_missing(latest))
    turn.say(want_advice(level, app.company), buttons)


def offer_looks_likely(interview: Interview) -> bool:
    """The final round is done: no steps remain, or the round was called final."""
    return interview.steps_remaining == 0 or "final" in (interview.round or "").casefold()


def references_nudge(turn: Turn, app: Application, interview: Interview) -> str:
    """A nudge to alert references when an offer looks likely and none were alerted before;
    "" otherwise (said once per application)."""
    if not offer_looks_likely(interview) or turn.repo.events([REFERENCES_EVENT], app):
        return ""
    turn.repo.log(REFERENCES_EVENT, turn.now, app)
    count = len(turn.repo.references())
    have = (f"You have {count} listed." if count else
            "You haven't listed any yet — “references add” adds one.")
    return (f"An offer from {app.company} looks likely now that the final round is done: alert "
            "your references today — tell them about the role and who may call. "
            f"{have} (References at your current employer only once an offer is in writing.)")


def acceptance_checklist(company: str, start: datetime.date | None) -> str:
    """After accepting: what to do before the first day."""
    when = (f" Your start date is {start:%A} {start.day} {start:%B}: leave a few days' rest "
            "between jobs if you can." if start else
            " Agree a start date that leaves a few days' rest between jobs.")
    return ("✅ Before your first day at " + company + ":\n"
            "1. Get the offer in writing and sign it — the final terms, not a phone call.\n"
            "2. Give notice to your current employer (in person first, then the letter).\n"
            "3. Send your withdrawals to the other employers — drafted above.\n"
            "4. Confirm the start date." + when)
