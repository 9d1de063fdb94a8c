"""Filling the Jinja2 templates: the environment, the wording filters, text into a Draft."""

from __future__ import annotations

import datetime
import hashlib
from collections.abc import Iterable, Sequence
from decimal import Decimal
from functools import lru_cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined

from bot.messages import Draft

from .checks import check
from .facts import Person, Sender
from .lexicon import Lexicon, accepted
from .links import mailto
from .people import greeting, signature_line, tidy_phone
from .proofreading import proofread
from .shaping import Shaped, shape

_SYMBOLS = frozenset("$£€¥₹₩₪₺₽")


def day_month(d: datetime.date) -> str:
    """ "Tuesday 3 March": the day of an interview or a deadline, in words."""
    return f"{d:%A} {d.day} {d:%B}"


def long_date(d: datetime.date) -> str:
    """ "Monday 4 January 2027": a date in a formal letter."""
    return f"{d:%A} {d.day} {d:%B %Y}"


def money(amount: Decimal | int, currency: str = "") -> str:
    """ "EUR 85,000", "$120,000", "£68,500.50": a code is followed by a space, a symbol is not."""
    value = Decimal(amount)
    text = f"{value:,.0f}" if value == value.to_integral_value() else f"{value:,.2f}"
    currency = currency.strip()
    if not currency:
        return text
    return f"{currency}{text}" if currency in _SYMBOLS else f"{currency} {text}"


def join_words(items: Iterable[str]) -> str:
    """ "A", "A and B", "A, B and C"."""
    items = [item for item in items if item]
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} and {items[-1]}"


def clause(text: str) -> str:
    """A recorded phrase ready to sit inside a sentence: trimmed, without a final full stop."""
    return text.strip().rstrip(".;,").rstrip()


def sentence(text: str) -> str:
    """A recorded phrase as a full sentence: capital first letter, final punctuation."""
    text = text.strip()
    if not text:
        return ""
    text = text[0].upper() + text[1:]
    return text if text[-1] in ".!?" else f"{text}."


def paragraph(text: str) -> str:
    """Join the lines of a `{% filter paragraph %}` block into one line, the way an email wraps.

    Templates keep one sentence a line for reading; the letter gets one line a
    paragraph. An empty block gives "" so optional paragraphs leave no gap.
    """
    lines = [line.strip(" \t") for line in text.split("\n")]
    joined = " ".join(line for line in lines if line)
    return f"{joined}\n" if joined else ""


def talking_point(notes: str) -> str:
    """The point noted for an interviewer, ready for "our conversation about …".

    "we talked about her team's move to streaming." -> "your team's move to streaming":
    a leading "we talked about"/"discussed"/"about" is dropped and a leading
    his/her/their becomes "your", because the letter speaks to that person.
    """
    return shape(notes).text


def lexicon_of(sender: Sender) -> Lexicon:
    return Lexicon(sender.words)


def shaper(sender: Sender, *names: str) -> Any:
    """shape(text, addressee=…) with this sender's lexicon and the recorded names accepted."""
    lexicon = lexicon_of(sender)
    known = accepted([sender.name, *names])

    def run(text: str, addressee: bool = True) -> Shaped:
        return shape(text, lexicon=lexicon, known=known, addressee=addressee)

    return run


def greet(who: Person | str | None, sender: Sender) -> str:
    """ "Dear Katherine," / "Dear Ms O'Neill," (formal) / "Dear Hiring Team," (nobody)."""
    if who is None:
        return greeting("")
    if isinstance(who, Person):
        return greeting(who.name, formal=sender.formal, salutation=who.salutation)
    return greeting(who, formal=sender.formal)


def signature_of(sender: Sender) -> str:
    return signature_line(sender.name, sender.signature, sender.region)


def meeting_name(round_: str) -> str:
    """ "interview" for a first round, else "second interview", "final interview"…"""
    round_ = round_.strip()
    if not round_ or round_.casefold() in {"first", "1", "1st", "first round"}:
        return "interview"
    if "interview" in round_.casefold():
        return round_
    return f"{round_} interview"


def variant_seed(person: Person, people: Sequence[Person]) -> int:
    """Which phrasing a person gets: their position among the interviewers of the interview.

    Positions make the first interviewers get different wording in every
    paragraph; someone not in the list gets a stable hash of the name (sha256, not
    Python's per-process `hash`), so the same draft comes out on every run.
    """
    for index, other in enumerate(people):
        if other == person:
            return index
    for index, other in enumerate(people):
        if other.name == person.name:
            return index
    digest = hashlib.sha256(person.name.encode("utf-8", "surrogatepass")).digest()
    return int.from_bytes(digest[:8], "big")


@lru_cache(maxsize=1)
def environment() -> Environment:
    """Plain-text templates: no autoescape, undefined names fail loudly, tags leave no gaps."""
    env = Environment(
        loader=PackageLoader("bot.letters", "templates"),
        autoescape=False,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(
        day_month=day_month,
        long_date=long_date,
        money=money,
        join_words=join_words,
        clause=clause,
        sentence=sentence,
        paragraph=paragraph,
        talking_point=talking_point,
        greet=greet,
        phone=tidy_phone,
        signature_of=signature_of,
    )
    return env


def normalise(text: str) -> str:
    """No trailing spaces, at most one blank line in a row, none at the start, one final newline.

    Splits on "\\n" only (not `splitlines`), so unusual characters inside recorded
    names survive untouched.
    """
    lines = [line.rstrip(" \t") for line in text.replace("\r\n", "\n").split("\n")]
    out: list[str] = []
    for line in lines:
        if not line and (not out or not out[-1]):
            continue
        out.append(line)
    while out and not out[-1]:
        out.pop()
    return "\n".join(out) + "\n"


def render_text(template: str, **context: Any) -> str:
    """Render one template to normalised plain text."""
    return normalise(environment().get_template(template).render(**context))


def render_draft(
    template: str,
    *,
    names: Sequence[str],
    company: str,
    role: str = "",
    to: str = "",
    extra_problems: Sequence[str] = (),
    **context: Any,
) -> Draft:
    """Render a letter template whose first line is "Subject: …" into a proofread Draft.

    `company` and `role` are passed to the template too, and checked by proofread.

    `to` is the recipient's email (may be ""): it sets `Draft.to` and the mailto link.
    `extra_problems` are facts-level warnings (a counter-offer below the offer…)
    shown to the user alongside the proofreading.
    """
    text = environment().get_template(template).render(company=company, role=role, **context)
    first, _, rest = text.partition("\n")
    if not first.startswith("Subject:"):
        raise ValueError(f"template {template} must start with a 'Subject:' line")
    subject = first.removeprefix("Subject:").strip()
    body = normalise(rest)
    sender = context.get("sender")
    return checked_draft(subject, body, names=names, company=company, role=role, to=to,
                         extra_problems=extra_problems,
                         lexicon=lexicon_of(sender) if isinstance(sender, Sender) else None)


def checked_draft(subject: str, body: str, *, names: Sequence[str], company: str, role: str = "",
                  to: str = "", extra_problems: Sequence[str] = (), lexicon: Lexicon | None = None,
                  edited: bool = False) -> Draft:
    """A Draft of this text, proofread (placeholders, names, slang) and checked (spelling,
    repeats, lower-case starts, leftovers, length), with the one-tap fixes."""
    problems = proofread(subject, body, names=names, company=company, role=role)
    findings = check(body, names=names, company=company, role=role, lexicon=lexicon)
    address = to.strip()
    return Draft(
        subject=subject,
        body=body,
        to=address or None,
        mailto=mailto(address, subject, body) if address else None,
        problems=tuple(extra_problems) + problems + tuple(f.message for f in findings),
        fixes=tuple(f for f in findings if f.applies),
        edited=edited,
        facts=(company, role, *names),
    )
