"""What the letters are filled from: plain, frozen facts the user recorded (no storage types)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class Sender:
    """The job seeker who signs the letters.

    `signature` is the contact line printed under the name, e.g.
    "jane.doe@example.com · +44 7700 900123 · linkedin.com/in/janedoe"; it may be "".
    """

    name: str
    signature: str = ""
    words: tuple[str, ...] = ()  # the user's own proper nouns and tools, as they write them
    formal: bool = False  # greet "Dear Ms O'Neill" rather than "Dear Katherine"
    region: str = ""  # ISO country: reads a phone number typed without its country code


@dataclass(frozen=True)
class Person:
    """Someone the job seeker writes to: an interviewer, a recruiter, an HR contact.

    `name` is used exactly as recorded. `notes` is the specific point from the
    conversation with that person, written as what was talked about, e.g.
    "her team's move from nightly batch jobs to streaming" (a leading "his",
    "her" or "their" becomes "your" in the letter).
    """

    name: str
    title: str = ""
    email: str = ""
    phone: str = ""
    notes: str = ""
    salutation: str = ""  # "Ms", "Dr"…: asked only when the user writes formally


@dataclass(frozen=True)
class InterviewFacts:
    """One interview as recorded in the debrief.

    `strengths` and `went_well` are noun phrases ("five years of SQL and Python
    analytics"); `missed` is a sentence ("I also led our move to dbt").
    """

    company: str
    role: str
    date: datetime.date
    round: str = "first"
    format: str = ""
    interviewers: tuple[Person, ...] = ()
    went_well: str = ""
    strengths: str = ""
    to_improve: str = ""
    missed: str = ""
    questions: str = ""


@dataclass(frozen=True)
class OfferTerms:
    """An offer as the job seeker understood it. Every field but company and role is optional.

    `currency` is a code ("EUR") or a symbol ("$", "£"); salaries are yearly.
    """

    company: str
    role: str
    salary: Decimal | None = None
    currency: str = ""
    bonus: str = ""
    signing_bonus: Decimal | None = None
    equity: str = ""
    vacation_days: int | None = None
    benefits: str = ""
    relocation: str = ""
    start_date: datetime.date | None = None
    reply_deadline: datetime.date | None = None
    contact: Person | None = None
