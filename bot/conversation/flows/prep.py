"""The second-round prep pack (`prep`) and the stories told (`story`).

`prep` renders, without questions, a pack built from the earlier rounds of one application:
what went well, what to improve, points to weave in, the questions they asked, new questions
to ask, the stories already told to each interviewer (so none is repeated to the same person),
the lessons journal, and the checklist — résumé, behavioural stories, steps and timeframe,
passion. `story` records which story was told to whom.
"""

from __future__ import annotations

import dataclasses
import difflib
from typing import Any

from bot.conversation.drafts import day, day_time, more_or_done, pick
from bot.conversation.flows.base import Flow, Jump, Step, text_answer
from bot.conversation.flows.choose import (
    application_step,
    candidates,
    prepare_application,
    preselect,
)
from bot.conversation.flows.lessons import lesson_line
from bot.messages import Button
from bot.parsing import ParseError
from bot.turn import Turn
from storage.models import Application, Interview, Story

LONG = 300
LESSONS_SHOWN = 5
QUESTIONS_TO_ASK = (
    "What would success look like in this role after six months?",
    "What is the biggest challenge the team is facing right now?",
    "How does the team work day to day, and with whom outside it?",
    "What do you enjoy most about working here?",
)
STEPS_QUESTION = "What are the next steps — how many remain, and when do you expect to decide?"
WHOLE_PANEL = ("everyone", "all", "the panel", "whole panel", "the whole panel", "all of them",
               "both", "everybody")


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= LONG else text[: LONG - 1].rstrip() + "…"


def _round_title(interview: Interview, turn: Turn) -> str:
    when = interview.starts_at.astimezone(turn.tz)
    round_ = (interview.round or "first").capitalize()
    extras = [day(when)]
    if interview.format:
        extras.append(interview.format)
    if interview.rating:
        extras.append(f"rated {interview.rating}/5")
    return f"{round_} round ({', '.join(extras)})"


def _stories_by_person(stories: list[Story]) -> dict[str, list[str]]:
    told: dict[str, list[str]] = {}
    for story in stories:
        who = story.interviewer_name or "the whole panel"
        titles = told.setdefault(who, [])
        if story.title not in titles:
            titles.append(story.title)
    return told


def prep_pack(turn: Turn, app: Application) -> str:
    """The pack as one message (short enough for every platform)."""
    repo = turn.repo
    interviews = repo.interviews(app)
    lines = [f"📚 Prep pack — {app.company}" + (f", {app.role}" if app.role else "")]
    if app.next_interview_at is not None and app.next_interview_at > turn.now:
        local = app.next_interview_at.astimezone(turn.tz)
        round_ = f"{app.next_round} interview" if app.next_round else "next interview"
        lines.append(f"Your {round_}: {day_time(local)}.")
    else:
        lines.append("No date noted for the next interview — tell me with “outcome” when you "
                     "have one, and I'll remind you the day before.")

    if interviews:
        lines += ["", "From your earlier rounds:"]
    for interview in interviews:
        people = [p.name for p in repo.interviewers(interview)]
        lines.append(f"▸ {_round_title(interview, turn)}"
                     + (f" with {', '.join(people)}" if people else ""))
        if interview.went_well:
            lines.append(f"  ✓ Went well: {_short(interview.went_well)} — do it again.")
        if interview.strengths:
            lines.append(f"  ★ Your strongest point: {_short(interview.strengths)} — weave it in "
                         "with a fresh example.")
        if interview.to_improve:
            lines.append(f"  ↑ To improve: {_short(interview.to_improve)}")
        if interview.missed:
            lines.append(f"  ➜ Missed last time: {_short(interview.missed)} — find a moment to "
                         "say it this time.")
        if interview.questions:
            lines.append(f"  ? They asked: {_short(interview.questions)} — what would you answer "
                         "differently now? Expect follow-ups on the same themes.")
        for person in repo.interviewers(interview):
            if person.notes:
                lines.append(f"  • With {person.name}: {_short(person.notes)}")

    told = _stories_by_person(repo.stories(app))
    lines += ["", "Stories you've already told (tell each person a new one):"]
    if told:
        lines += [f"• {who}: {'; '.join(titles)}" for who, titles in told.items()]
    else:
        lines.append("• None recorded — “story” notes which story you told to whom, so you "
                     "never repeat one to the same interviewer.")

    lessons = repo.lessons()
    if lessons:
        lines += ["", "From your lessons journal:"]
        lines += [lesson_line(turn, lesson) for lesson in lessons[:LESSONS_SHOWN]]

    latest = interviews[-1] if interviews else None
    steps_known = latest is not None and latest.steps_remaining is not None
    lines += ["", "Questions to ask them:"]
    lines += [f"• {q}" for q in QUESTIONS_TO_ASK]
    lines.append(f"• {STEPS_QUESTION}" + ("" if steps_known else " (you don't know yet — ask)"))

    lines += ["", "The night before:",
              "• Re-read your résumé and the job ad — they'll have both in front of them.",
              "• Prepare three or four behavioural stories (situation, task, action, result); "
              "new people get your best ones, people you've met get fresh ones.",
              "• Show passion: say why this team and this company, and that you want the job.",
              "• Afterwards, debrief again while it's fresh."]
    return "\n".join(lines)


# ---- prep -------------------------------------------------------------------------------------

def _upcoming(turn: Turn) -> list[Application]:
    return [a for a in candidates(turn) if a.next_interview_at is not None
            and a.next_interview_at > turn.now]


def _prepare(turn: Turn, slots: dict[str, Any], args: str) -> bool:
    return prepare_application(
        turn, slots, args, only=_upcoming,  # the one interview coming up
        nothing_yet="No active applications to prepare for. Had an interview? “debrief” "
                    "records it; when a second round comes, I'll build your prep pack from it.")


def _finish(turn: Turn, slots: dict[str, Any]) -> None:
    app = pick(turn, slots.get("application_id"))
    if app is None:
        turn.say("That application isn't there anymore — type “status” to see yours.")
        return
    turn.say(prep_pack(turn, app), [Button("Record a story I told", f"/story {app.company}"),
                                    Button("References", "/references"),
                                    Button("My lessons", "/lessons")])


PREP = Flow(
    "prep",
    (application_step("Which interview are you preparing for?"),),
    _finish,
    describe=lambda slots: "choosing an interview to prepare for",
    on_cancel="Okay.",
    prepare=_prepare,
    for_open_applications=True,
)


# ---- story ------------------------------------------------------------------------------------

def _people(turn: Turn) -> list[str]:
    """Everyone met at this application, the latest round first, each name once."""
    app = turn.repo.application(turn.slots.get("application_id"))
    if app is None:
        return []
    names: list[str] = []
    for interview in reversed(turn.repo.interviews(app)):
        for person in turn.repo.interviewers(interview):
            if person.name not in names:
                names.append(person.name)
    return names


def _story_setup(turn: Turn, slots: dict[str, Any]) -> bool:
    app = pick(turn, slots.get("application_id"))
    if app is None or not turn.repo.interviews(app):
        turn.say("I have no interview recorded there — “debrief” records one first.")
        return False
    slots["company"] = app.company
    return True


def _story_prepare(turn: Turn, slots: dict[str, Any], args: str) -> bool:
    if not turn.repo.applications(active_only=True):
        turn.say("No active applications yet — “debrief” records an interview first.")
        return False
    problem = preselect(turn, slots, args)
    if problem:
        turn.say(problem)
    if slots.get("application_id"):
        return _story_setup(turn, slots)
    return True


def _on_story_application(turn: Turn, application_id: int) -> None:
    if not _story_setup(turn, turn.slots):
        raise Jump("")


def _person(text: str, turn: Turn) -> str:
    said = " ".join(text_answer(text, turn).split())
    folded = said.casefold()
    if folded in WHOLE_PANEL:
        return ""
    names = _people(turn)
    by_key = {n.casefold(): n for n in names}
    by_key.update({n.split()[0].casefold(): n for n in names if n.split()})
    if folded in by_key:
        return by_key[folded]
    close = difflib.get_close_matches(folded, list(by_key), n=1, cutoff=0.8)
    if close:
        return by_key[close[0]]
    listed = ", ".join(names) or "nobody recorded"
    raise ParseError(f"I don't have “{said[:60]}” among the people you met ({listed}). Pick one, "
                     "or say “everyone”.")


def _title(text: str, turn: Turn) -> str:
    title = text_answer(text, turn)
    if len(title) > 200:
        raise ParseError("A short title is enough — e.g. “the dashboard rescue” (under 200 "
                         "characters).")
    return title


def _on_title(turn: Turn, title: str) -> None:
    app = turn.repo.application(turn.slots.get("application_id"))
    if app is None:
        raise Jump("")
    who = turn.slots.get("person", "")
    interviews = turn.repo.interviews(app)
    where = interviews[-1]
    for interview in reversed(interviews):
        if who and any(p.name == who for p in turn.repo.interviewers(interview)):
            where = interview
            break
    earlier = [s for s in turn.repo.stories(app)
               if s.title.casefold() == title.casefold() and s.interviewer_name in (who, "")]
    if earlier:
        turn.say(f"You've told “{title}” to {who or 'the panel'} before — for them, pick a "
                 "different story next time.")
    else:
        turn.repo.add_story(where, who, title, turn.now)
        turn.slots["saved"] = int(turn.slots.get("saved", 0)) + 1
        turn.say(f"Noted: “{title}” told to {who or 'the whole panel'}. Your prep pack will "
                 "remind you not to repeat it to them.")


def _on_more(turn: Turn, more: bool) -> None:
    if more:
        raise Jump("person")


STORY = Flow(
    "story",
    (
        dataclasses.replace(application_step("Which application was the story told at?"),
                            on_answer=_on_story_application),
        Step("person", "Whom did you tell it to?", _person,
             choices=lambda turn: [*(Button(n, n) for n in _people(turn)[:6]),
                                   Button("The whole panel", "everyone")],
             help="The interviewer's name, or “everyone” for a panel."),
        Step("title", "Give the story a short title, e.g. “the dashboard rescue” or “the missed "
                      "deadline”.", _title, on_answer=_on_title,
             help="A few words you'll recognise — the prep pack lists them per interviewer."),
        Step("more", "Another story?", more_or_done,
             choices=(Button("Yes", "yes"), Button("Done", "no")), on_answer=_on_more),
    ),
    lambda turn, slots: turn.say("Stories saved — “prep” shows them per interviewer.")
    if slots.get("saved") else None,
    describe=lambda slots: "noting the stories you told",
    on_cancel="Okay — stories you noted before stay saved.",
    prepare=_story_prepare,
)
