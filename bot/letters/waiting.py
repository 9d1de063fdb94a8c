"""Letters while the employer decides: the follow-up (and its phone script), weekly check-ins,
and the reply to a rejection."""

from __future__ import annotations

import re

from bot.messages import Draft

from .facts import InterviewFacts, Person, Sender
from .people import tidy_phone
from .render import meeting_name, render_draft, render_text

_PHONE = re.compile(r"\+?\d[\d ().-]{5,}\d")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


def _people_met(interview: InterviewFacts, contact: Person | None) -> list[str]:
    """Whom the candidate met, as the letter to `contact` should say it ("you" first)."""
    names = [p.name for p in interview.interviewers]
    if contact is not None and contact.name in names:
        return ["you", *(name for name in names if name != contact.name)]
    return names


def _names(sender: Sender, interview: InterviewFacts, contact: Person | None) -> list[str]:
    people = [sender.name, *(p.name for p in interview.interviewers)]
    return [*people, contact.name] if contact is not None else people


def _email(contact: Person | None) -> str:
    return contact.email if contact is not None else ""


def follow_up(sender: Sender, interview: InterviewFacts, contact: Person | None) -> Draft:
    """The polite inquiry once the decision date has passed: who, when, which position, any news?

    Without a contact the letter goes to "Hiring Team" and has no mailto link.
    """
    return render_draft(
        "follow_up.j2",
        names=_names(sender, interview, contact),
        company=interview.company,
        role=interview.role,
        to=_email(contact),
        sender=sender,
        interview=interview,
        contact=contact,
        meeting=meeting_name(interview.round),
        met=_people_met(interview, contact),
    )


def follow_up_phone_script(
    sender: Sender, interview: InterviewFacts, contact: Person | None
) -> str:
    """What to say on the phone instead of the follow-up email, with short answers for each outcome.

    The voicemail line gives the phone number (else the email) found in the
    sender's signature line, and leaves it out when there is none.
    """
    found = _PHONE.search(sender.signature) or _EMAIL.search(sender.signature)
    return render_text(
        "follow_up_phone_script.j2",
        company=interview.company,
        role=interview.role,
        sender=sender,
        interview=interview,
        contact=contact,
        reach_me=tidy_phone(found.group(0)) if found else "",
    )


def check_in(
    sender: Sender, interview: InterviewFacts, contact: Person | None, number: int
) -> Draft:
    """The `number`-th weekly check-in (1, 2, 3…): short, courteous, no pressure.

    The first has its own wording; later ones rotate through three others, so a
    check-in never repeats the one of the week before. Raises ValueError if
    `number` < 1.
    """
    if number < 1:
        raise ValueError(f"check-ins are counted from 1, got {number}")
    variant = 0 if number == 1 else 1 + (number - 2) % 3
    return render_draft(
        "check_in.j2",
        names=_names(sender, interview, contact),
        company=interview.company,
        role=interview.role,
        to=_email(contact),
        sender=sender,
        interview=interview,
        contact=contact,
        variant=variant,
    )


def after_rejection(sender: Sender, interview: InterviewFacts, contact: Person | None) -> Draft:
    """The reply to a "no": thanks, a polite request for feedback, and "keep me in mind"."""
    return render_draft(
        "after_rejection.j2",
        names=_names(sender, interview, contact),
        company=interview.company,
        role=interview.role,
        to=_email(contact),
        sender=sender,
        interview=interview,
        contact=contact,
        met=_people_met(interview, contact),
    )
