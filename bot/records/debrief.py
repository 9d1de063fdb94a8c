"""Turning what a flow collected into stored facts: a debrief becomes an application, an
interview and its interviewers, then the celebration, the summary and what happens next."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from bot.formatting import short_date
from bot.messages import Button
from bot.records import coaching
from bot.turn import Turn
from storage.models import Application, Interview

fmt_date = short_date


def names(people: list[str]) -> str:
    if len(people) <= 1:
        return "".join(people)
    return ", ".join(people[:-1]) + " and " + people[-1]


LATER_ROUNDS = ("second", "third", "fourth", "final", "last", "onsite", "on-site", "2", "3")


def is_later_round(round_: str, had_earlier: bool) -> bool:
    """A later round moves the application on; a "phone screen" or "panel" alone doesn't,
    unless there were earlier interviews at this company."""
    words = round_.casefold().replace("-", " ").split()
    return had_earlier or any(w.rstrip("ndrth") in LATER_ROUNDS or w in LATER_ROUNDS
                              for w in words)


def save_debrief(turn: Turn, slots: dict[str, Any]) -> Interview:
    repo, now = turn.repo, turn.now
    app = repo.application(slots.get("application_id"))
    if app is None or not app.is_active:
        app = repo.add_application(slots["company"], slots.get("role", ""), now)
    else:
        app.role = slots.get("role") or app.role
    app.updated_at = now
    app.next_interview_at, app.next_round = None, ""  # the scheduled round has now happened
    if is_later_round(slots.get("round", "first"), bool(repo.interviews(app))) \
            and app.status == "active":
        app.status = "second_round"
    decision = slots.get("decision_date")
    interview = repo.add_interview(
        app,
        round=slots.get("round", "first"),
        format=slots.get("format", ""),
        starts_at=datetime.fromisoformat(slots["when"]),
        recorded_at=now,
        rating=slots.get("rating"),
        went_well=slots.get("went_well", ""),
        strengths=slots.get("strengths", ""),
        to_improve=slots.get("to_improve", ""),
        questions=slots.get("questions", ""),
        missed=slots.get("missed", ""),
        decision_expected=date.fromisoformat(decision) if decision else None,
        decision_assumed=bool(slots.get("decision_assumed")),
        steps_remaining=slots.get("steps_remaining"),
        news_contact=slots.get("news_contact", ""),
    )
    for position, person in enumerate(slots.get("interviewers", [])):
        repo.add_interviewer(
            interview, position, name=person["name"], title=person.get("title", ""),
            email=person.get("email", ""), phone=person.get("phone", ""),
            notes=person.get("notes", ""), salutation=person.get("salutation", "") or "",
        )
    repo.log("interview", now, app, interview_id=interview.id, round=interview.round)
    turn.user.last_application_id = app.id
    turn.changed(app.id)
    _celebrate(turn, app, interview, slots)
    return interview


def _celebrate(turn: Turn, app: Application, interview: Interview, slots: dict[str, Any]) -> None:
    people = [p["name"] for p in slots.get("interviewers", [])]
    held = interview.starts_at.astimezone(turn.tz)
    lines = [
        f"🎉 Well done — your {interview.round} interview at {app.company} is behind you. "
        "Finishing an interview is an achievement in itself; whatever happens next, don't fret.",
        "",
        "Here's what I recorded:",
        f"• {app.company} — {app.role} ({interview.round} round, "
        f"{interview.format or 'format not noted'})",
        f"• {fmt_date(held.date())} at {held:%H:%M}"
        + (f", rated {interview.rating}/5" if interview.rating else ""),
        f"• Interviewers: {names(people) if people else 'none noted'}",
    ]
    if interview.decision_expected:
        assumed = " (assumed)" if interview.decision_assumed else ""
        lines.append(f"• Decision expected: {fmt_date(interview.decision_expected)}{assumed}")
    if interview.steps_remaining is not None:
        lines.append(f"• Steps remaining: {interview.steps_remaining}")
    if interview.news_contact:
        lines.append(f"• Contact for news: {interview.news_contact}")
    lines += ["", "What happens next:"]
    if people:
        late = (turn.local_now.date() - held.date()).days
        when = ("today, or tomorrow at the latest" if late <= 0 else "today — the day after "
                "the interview is the latest" if late == 1 else "today: late is better than never")
        lines.append(f"1. Send a personal thank-you letter to {names(people)} — {when}. I'll "
                     + ("draft one for each of them." if len(people) > 1 else "draft it."))
    else:
        lines.append("1. If you can find your interviewers' names (the invite email, LinkedIn), "
                     "add them with “edit” — a thank-you letter still makes a difference.")
    if interview.decision_expected:
        lines.append(f"2. Until {fmt_date(interview.decision_expected)}: keep your search going "
                     "— a plan B takes the pressure off. If you hear nothing by then, I'll help "
                     "you follow up.")
    # the quick path: the rest of the debrief is offered, never required
    buttons = coaching.next_steps(app, interview, has_people=bool(people),
                                  quick=bool(slots.get("_quick")))
    nudge = coaching.references_nudge(turn, app, interview)
    if nudge:
        lines.append(f"{len([x for x in lines if x[:2] in ('1.', '2.')]) + 1}. {nudge}")
        buttons.append(Button("My references", "/references"))
    lines += ["", coaching.WANT_QUESTION]
    turn.say("\n".join(lines), buttons)
