"""After accepting an offer: withdrawals from the other applications, notes to other
interviewers, and the resignation letter."""

from __future__ import annotations

import datetime
from collections.abc import Container

from bot.messages import Draft

from .business_days import business_days_between
from .facts import Person, Sender
from .render import render_draft, shaper

TWO_WEEKS = 10
"""Two weeks' notice, in business days."""


def withdrawal(sender: Sender, company: str, role: str, contact: Person | None) -> Draft:
    """Withdraws one other active application, graciously, keeping the door open."""
    return render_draft(
        "withdrawal.j2",
        names=[sender.name, contact.name] if contact else [sender.name],
        company=company,
        role=role,
        to=contact.email if contact else "",
        sender=sender,
        contact=contact,
    )


def note_to_other_interviewer(sender: Sender, company: str, role: str, person: Person) -> Draft:
    """A personal note to someone interviewed with at `company`: accepted elsewhere, thank you."""
    return render_draft(
        "note_to_other_interviewer.j2",
        names=[sender.name, person.name],
        company=company,
        role=role,
        to=person.email,
        sender=sender,
        person=person,
        point=shaper(sender, person.name, company, role)(person.notes),
    )


def resignation(
    sender: Sender,
    *,
    employer: str,
    manager: str,
    position: str,
    notice_date: datetime.date,
    last_day: datetime.date,
    holidays: Container[datetime.date] = frozenset(),
) -> Draft:
    """Formal notice to the current `manager`, dated `notice_date`, stating `last_day`
    (business days skip the `holidays` given, as `last_working_day` did).

    Compute `last_day` with `last_working_day(notice_date)`. The letter says "two
    weeks' notice" only when the last day is ten business days after the notice;
    a last day before the notice, or a shorter notice, is reported among the problems.
    """
    gap = business_days_between(notice_date, last_day, holidays)
    problems = []
    if last_day <= notice_date:
        problems.append("The last working day must come after the day you give notice.")
    elif gap < TWO_WEEKS:
        problems.append(
            f"Your last day is only {gap} business day{'' if gap == 1 else 's'} after your notice; "
            "two weeks' notice is usual: check your contract."
        )
    return render_draft(
        "resignation.j2",
        names=[sender.name, manager],
        company=employer,
        role=position,
        extra_problems=problems,
        sender=sender,
        employer=employer,
        manager=manager,
        position=position,
        notice_date=notice_date,
        last_day=last_day,
        two_weeks=gap == TWO_WEEKS,
    )
