"""What the buttons on a nudge do: done, snooze, stop, and the follow-up results.

Values look like `n:<nudge id>:<verb>`. The id is looked up through the pressing user's
repository, so a press on someone else's nudge (or a forged one) changes nothing.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.messages import Button
from bot.nudges.planner import CONTACT_EVENT, prefs_for
from bot.nudges.rules import CONTACT_KINDS, THANK_YOU, at_nudge_hour, out_of_quiet
from bot.turn import Turn
from storage.models import Interview, Nudge

SNOOZE_LATER = timedelta(hours=3)
GONE = "That reminder isn't there anymore — nothing changed. Type “status” to see where you stand."

# verbs that hand over to a flow (filled in by the flows that exist: second_round, offer…)
OUTCOME_FLOWS = {"second": "second_round", "offer": "offer", "rejected": "rejection"}


def press(engine: object, turn: Turn, value: str) -> None:
    parts = value.split(":")
    if len(parts) != 3 or not parts[1].isdigit():
        turn.say(GONE)
        return
    nudge = turn.repo.get(Nudge, int(parts[1]))
    verb = parts[2]
    if nudge is None or nudge.state == "cancelled":
        turn.say(GONE)
        return
    handler = VERBS.get(verb)
    if handler is None:
        turn.say(GONE)
        return
    handler(engine, turn, nudge)


def _done(engine: object, turn: Turn, nudge: Nudge) -> None:
    nudge.state = "done"
    app = turn.repo.application(nudge.application_id)
    if nudge.kind == THANK_YOU:
        interview = turn.repo.get(Interview, nudge.interview_id)
        for person in turn.repo.interviewers(interview) if interview else []:
            if person.thank_you_state != "sent":
                person.thank_you_state, person.thank_you_sent_at = "sent", turn.now
        turn.say("Great — every thank-you marked as sent. That's the kind of follow-through "
                 "interviewers remember.")
    elif nudge.kind in CONTACT_KINDS and app is not None:
        turn.repo.log(CONTACT_EVENT, turn.now, app, via="nudge", result="sent")
        turn.say(f"Noted: you contacted {app.company}. I'll check in again in a week — not "
                 "before.")
    else:
        turn.say("Done. 👍")
    if app is not None:
        turn.changed(app.id)


def _snooze(engine: object, turn: Turn, nudge: Nudge, *, all_in_message: bool = False,
            tomorrow: bool = True) -> None:
    if nudge.state == "done" and not all_in_message:
        turn.say("That one's done already — no need to remind you again. 👍")
        return
    prefs = prefs_for(turn.user)
    if tomorrow:
        due = at_nudge_hour(turn.local_now.date() + timedelta(days=1), prefs)
    else:
        due = out_of_quiet(turn.now + SNOOZE_LATER, prefs)
    rows = [nudge]
    if all_in_message and nudge.sent_at is not None:
        rows = list(turn.repo.session.scalars(select(Nudge).where(
            Nudge.user_id == turn.user.id, Nudge.sent_at == nudge.sent_at)))
    for row in rows:
        if row.state in ("sent", "pending", "snoozed"):  # done and cancelled ones stay closed
            row.state, row.due_at = "snoozed", due
    local = due.astimezone(prefs.tz)
    turn.say(f"Okay — I'll remind you again {local:%a} at {local:%H:%M}.")


def _stop(engine: object, turn: Turn, nudge: Nudge) -> None:
    app = turn.repo.application(nudge.application_id)
    if app is None:
        nudge.state = "done"
        turn.say("Okay, that reminder is off.")
        return
    app.nudges_stopped = True
    turn.changed(app.id)
    turn.say(f"Okay — no more reminders for {app.company}. Your notes stay.",
             [Button("Undo", f"n:{nudge.id}:unstop")])


def _unstop(engine: object, turn: Turn, nudge: Nudge) -> None:
    app = turn.repo.application(nudge.application_id)
    if app is not None:
        app.nudges_stopped = False
        turn.changed(app.id)
        turn.say(f"Reminders for {app.company} are back on.")


def _result(verb: str):  # type: ignore[no-untyped-def]
    def handle(engine: object, turn: Turn, nudge: Nudge) -> None:
        app = turn.repo.application(nudge.application_id)
        if app is None:
            turn.say(GONE)
            return
        nudge.state = "done"
        turn.user.last_application_id = app.id
        if verb in ("still_deciding", "no_answer"):
            turn.repo.log(CONTACT_EVENT, turn.now, app, via="nudge", result=verb)
            if verb == "still_deciding":
                turn.repo.log("employer_reply", turn.now, app, result=verb)
                turn.say(f"Thanks — {app.company} is still deciding. Keep your search going; "
                         "I'll suggest a short check-in in a week, and never more often.")
            else:
                turn.say(f"No answer from {app.company} yet. That's common — I'll remind you "
                         "to check in again in a week. Meanwhile, keep your options open.")
            turn.changed(app.id)
            return
        from bot.conversation.flows.registry import FLOWS

        flow = OUTCOME_FLOWS[verb]
        turn.repo.log(CONTACT_EVENT, turn.now, app, via="nudge", result=verb)
        turn.changed(app.id)
        if flow in FLOWS and hasattr(engine, "runner"):
            engine.runner.start(turn, flow, {"application_id": app.id, "company": app.company})
            return
        turn.say(f"Noted for {app.company}.")
    return handle


def _close(engine: object, turn: Turn, nudge: Nudge) -> None:
    app = turn.repo.application(nudge.application_id)
    nudge.state = "done"
    if app is not None:
        app.status, app.closed_at = "ghosted", turn.now
        turn.changed(app.id)
        turn.say(f"Closed {app.company} as “no answer”. Their silence says nothing about you — "
                 "your energy is better spent on the next opportunity.")


def _keep(engine: object, turn: Turn, nudge: Nudge) -> None:
    app = turn.repo.application(nudge.application_id)
    nudge.state = "done"
    if app is not None:
        turn.repo.log("keep_checking", turn.now, app)
        turn.changed(app.id)
        turn.say(f"Okay — I'll keep suggesting a weekly check-in with {app.company}.")


def _show_all(engine: object, turn: Turn, nudge: Nudge, *, alone: bool = False) -> None:
    """A merged message's nudges (or just this one) one by one, each with its own buttons;
    only those still open."""
    from bot.nudges.texts import render, views_of

    rows = [nudge]
    if nudge.sent_at is not None and not alone:
        rows = list(turn.repo.session.scalars(select(Nudge).where(
            Nudge.user_id == turn.user.id, Nudge.sent_at == nudge.sent_at).order_by(Nudge.id)))
    rows = [row for row in rows if row.state == "sent"]
    if not rows:
        turn.say("Everything in that message is done or rescheduled already. 👍")
        return
    facts, views = views_of(turn.repo, rows, turn.tz)
    for view in views:
        turn.replies.append(render(facts, [view], turn.now))


VERBS = {
    "all": _show_all,
    "open": lambda e, t, n: _show_all(e, t, n, alone=True),
    "done": _done,
    "later": lambda e, t, n: _snooze(e, t, n, tomorrow=False),
    "tomorrow": _snooze,
    "tomorrow_all": lambda e, t, n: _snooze(e, t, n, all_in_message=True),
    "stop": _stop,
    "unstop": _unstop,
    "close": _close,
    "keep": _keep,
    **{verb: _result(verb) for verb in ("still_deciding", "no_answer", "second", "offer",
                                        "rejected")},
}
