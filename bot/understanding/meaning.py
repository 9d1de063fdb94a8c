"""The typed answer to "what does this message mean for this user?" (`Meaning`), and what the
understanding may know about the user to answer it (`Known`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

# kinds of intent (see phrasings.yaml): only an event changes stored facts, after a tap
EVENT = "event"
NOT_EVENT = "not_event"
QUESTION = "question"
NEWS = "news"
FLOW = "flow"
REQUEST = "request"
SMALLTALK = "smalltalk"
COMMAND = "command"
UNKNOWN = "unknown"


@dataclass(frozen=True)
class KnownApplication:
    """One of the user's applications, as the understanding sees it."""

    id: int
    company: str
    role: str = ""
    active: bool = True


@dataclass(frozen=True)
class Known:
    """What the conversation layer tells the understanding about the user."""

    applications: tuple[KnownApplication, ...] = ()
    commands: tuple[str, ...] = ()

    def application(self, application_id: int) -> KnownApplication | None:
        return next((a for a in self.applications if a.id == application_id), None)


@dataclass(frozen=True)
class CompanyRef:
    """Which application a message is about: what was said, and the applications it may mean
    (best first). Said but no candidates: a company we don't know yet."""

    said: str = ""
    candidates: tuple[int, ...] = ()
    by_role: bool = False

    @property
    def one(self) -> int | None:
        return self.candidates[0] if len(self.candidates) == 1 else None

    @property
    def ambiguous(self) -> bool:
        return len(self.candidates) > 1

    @property
    def unknown(self) -> bool:
        return bool(self.said) and not self.candidates


@dataclass(frozen=True)
class Person:
    name: str
    title: str = ""


@dataclass(frozen=True)
class Meaning:
    """What a message means: the intent, its kind, and every fact found in it."""

    intent: str
    kind: str
    text: str = ""
    company: CompanyRef = field(default_factory=CompanyRef)
    day: date | None = None  # the day the sentence names (interview, decision, next round)
    at: datetime | None = None  # with the time of day, when one was given
    when_text: str = ""  # the words that said when ("tuesday 10am")
    salary: str = ""  # "85k", "£60,000"
    bonus: str = ""  # "10%"
    round: str = ""  # "second", "final"
    people: tuple[Person, ...] = ()
    role: str = ""
    decision_text: str = ""  # "next friday" in "they decide next friday"
    decision_day: date | None = None
    everyone: bool = False  # "both", "all", "everyone" (thank-yous)
    snooze: str = ""  # "tomorrow", "later", "next_week"
    command: str = ""
    args: str = ""
    suggestions: tuple[str, ...] = ()
    topic: str = ""  # for a non-event: the event it talks about ("offer", "rejection", …)

    @property
    def changes_data(self) -> bool:
        return self.kind == EVENT
