"""From what the user recorded to the letters' facts: stored rows become `Sender`, `Person` and
`InterviewFacts` for `bot.letters`, plus the few dates and contacts the outcome flows share."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

from bot.letters import InterviewFacts, Person, Sender
from bot.letters.holidays import user_country
from bot.letters.people import parse_contact
from bot.parsing import parse_yes_no
from bot.turn import Turn
from storage.models import Application, Interview, Interviewer

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_PHONE = re.compile(r"\+?\d[\d ().-]{5,}\d")


def day(moment: date | datetime) -> str:
    """ "Tue 1 Dec": how a day is shown in chat."""
    return f"{moment:%a} {moment.day} {moment:%b}"


def day_time(moment: datetime) -> str:
    """ "Tue 1 Dec at 10:00"."""
    return f"{day(moment)} at {moment:%H:%M}"


def sender(turn: Turn, *, missing_name: str = "[your name]") -> Sender:
    """The job seeker who signs; a missing name is left as a placeholder proofreading flags
    (`missing_name`). Their country reads a phone number typed without its country code."""
    user = turn.user
    return Sender(user.display_name or missing_name, user.signature or "",
                  words=tuple(user.words or ()), formal=bool(user.formal_letters),
                  region=user_country(user.country or "", user.timezone or ""))


def person(row: Interviewer) -> Person:
    return Person(row.name, title=row.title, email=row.email, phone=row.phone, notes=row.notes,
                  salutation=row.salutation or "")


def interview_facts(turn: Turn, app: Application, interview: Interview) -> InterviewFacts:
    people = turn.repo.interviewers(interview)
    return InterviewFacts(
        company=app.company,
        role=app.role,
        date=interview.starts_at.astimezone(turn.tz).date(),
        round=interview.round,
        format=interview.format,
        interviewers=tuple(person(p) for p in people),
        went_well=interview.went_well,
        strengths=interview.strengths,
        to_improve=interview.to_improve,
        missed=interview.missed,
        questions=interview.questions,
    )


def news_contact(turn: Turn, interview: Interview) -> Person | None:
    """Whom to write to for news: the contact noted in the debrief (an interviewer's name, or
    "Priya Shah, priya@acme.example"), else the first interviewer with an email, else the first
    interviewer, else nobody ("Hiring Team")."""
    people = turn.repo.interviewers(interview)
    noted = " ".join(interview.news_contact.split())
    if noted:
        for row in people:
            if row.name.casefold() in noted.casefold():
                return person(row)
        contact = parse_contact(noted)  # "Priya Shah, priya@x.example (recruiter)" in parts
        if contact.name:
            return Person(contact.name, title=contact.role, email=contact.email,
                          phone=contact.phone)
        if contact.email:  # "HR, jobs@acme.example": "Dear Hiring Team", the email still goes
            return Person("Hiring Team", email=contact.email)
    with_email = [p for p in people if p.email]
    if with_email:
        return person(with_email[0])
    return person(people[0]) if people else None


def decision_day(turn: Turn, interview: Interview) -> date:
    """When the employer expects to decide; a week after the interview when nobody said."""
    if interview.decision_expected is not None:
        return interview.decision_expected
    return interview.starts_at.astimezone(turn.tz).date() + timedelta(days=7)


def pick(turn: Turn, application_id: int | None) -> Application | None:
    """The user's application by id (None if it's gone or someone else's); remembers it as the
    one last talked about."""
    app = turn.repo.application(application_id)
    if app is not None:
        turn.user.last_application_id = app.id
    return app


DONE_WORDS = {"done", "finished", "that's all", "thats all", "that's it", "no more", "enough"}


def more_or_done(text: str, turn: Turn) -> bool:
    """ "Another one?": yes, or no — and "done" means no (it is a yes elsewhere)."""
    if " ".join(text.casefold().replace("’", "'").split()).strip(" .!") in DONE_WORDS:
        return False
    return parse_yes_no(text)
