"""Letters about an offer: asking for time, the counter-offer, acceptance, and a polite decline."""

from __future__ import annotations

import datetime
import re
from collections.abc import Mapping, Sequence
from decimal import Decimal

from bot.messages import Draft

from .facts import OfferTerms, Sender
from .render import day_month, money, render_draft, shaper

COUNTER_ARGUMENTS: dict[str, str] = {
    "market": "market research: what comparable roles pay",
    "relocation": "the cost of relocating",
    "commute": "a longer, costlier commute",
    "degree": "a degree relevant to the role",
    "certifications": "professional certifications",
    "competing_offer": "a competing offer",
}
"""The legitimate arguments a counter-offer may use: key -> what it means, for a choice button.

Each key renders one professional sentence in counter_offer.j2, in this order.
"""

FIGURE_QUESTIONS: dict[str, str] = {
    "market": "What does your research show comparable roles pay — a figure and where you "
              "found it? e.g. “EUR 92,000 (Glassdoor, Berlin, 2026)”",
    "relocation": "What would relocating cost you? e.g. “about EUR 4,000”",
    "commute": "How much longer and costlier is the commute? e.g. “an extra hour a day and "
               "EUR 150 a month”",
    "certifications": "Which certification? e.g. “AWS Certified Data Analytics”",
}
"""The arguments that need the user's own figure before the letter may use them."""

NEGATIVE = re.compile(
    r"(?i)\b(?:awful|terrible|horrible|bad|worse|worst|poor(?:ly)?|disorgani[sz]ed|chaotic|mess"
    r"|toxic|rude|unprofessional|boring|hate|hated|dislike|disliked|annoying|low ?ball(?:ed)?"
    r"|underpaid|stingy|cheap|insulting|ridiculous|joke|red flags?|micromanag\w*|incompetent"
    r"|not impressed|unimpressed|disappointing|disappointed|too low)\b")

POSITIVE_REASONS: tuple[str, ...] = (
    "I have accepted a role closer to the work I want to grow in next",
    "I have decided to accept a position that is the right match for me at this point in my "
    "career",
    "I have chosen a role that fits my long-term goals more closely",
)
"""Positive reasons to offer when the user's own reason is negative."""

_DECIDED = re.compile(
    r"(?i)^(?:after (?:careful|much|long) (?:consideration|thought),?\s*)?"
    r"(?:i(?:'ve| have)?\s+decided\s+to\s+(?:decline|turn down|pass on)(?:\s+(?:the|your|this)"
    r"\s+offer)?(?:,|\s+as|\s+because|\s+since)?\s*)?")


def negative_reason(text: str) -> str:
    """The negative word in a decline reason ("awful", "disorganised"), or "" when positive."""
    found = NEGATIVE.search(text or "")
    return found.group(0) if found else ""


def decline_sentence(sender: Sender, company: str, reason: str) -> str:
    """The user's reason as one sentence after "I have decided to decline the offer.": no
    second "I have decided to…", first person, capitals and final stop."""
    text = _DECIDED.sub("", " ".join((reason or "").split())).strip()
    if not text:
        return ""
    shaped = shaper(sender, company)(text, addressee=False)
    body = re.sub(r"(?i)^i(?:'ve| have)? decided to ", "I have chosen to ", shaped.text)
    if not re.match(r"(?i)(?:i|my|the|this|it)\b", body):
        body = f"I have chosen to {body}" if re.match(r"[a-z]+\b", body) and \
            body.split()[0] in {"accept", "pursue", "join", "stay", "focus", "take", "remain",
                                "continue", "move"} else f"My reason: {body}"
    return shaped.__class__(body).sentence


def _names(sender: Sender, offer: OfferTerms) -> list[str]:
    return [sender.name, offer.contact.name] if offer.contact else [sender.name]


def _email(offer: OfferTerms) -> str:
    return offer.contact.email if offer.contact else ""


def ask_for_time(
    sender: Sender, offer: OfferTerms, decide_by: datetime.date, *, in_writing: bool = False
) -> Draft:
    """Thanks for the offer, and time to decide until `decide_by` (about two business days).

    Unless `in_writing` (the offer already came in writing) it asks for the
    offer in writing. Asking for a date after the employer's reply deadline is
    allowed but reported among the problems, so the user notices.
    """
    problems = []
    if offer.reply_deadline is not None and decide_by > offer.reply_deadline:
        problems.append(
            f"You ask to answer by {day_month(decide_by)}, after their deadline of "
            f"{day_month(offer.reply_deadline)}: make sure that is what you mean."
        )
    return render_draft(
        "ask_for_time.j2",
        names=_names(sender, offer),
        company=offer.company,
        role=offer.role,
        to=_email(offer),
        extra_problems=problems,
        sender=sender,
        offer=offer,
        decide_by=decide_by,
        in_writing=in_writing,
    )


def counter_offer(
    sender: Sender,
    offer: OfferTerms,
    *,
    target_salary: Decimal,
    arguments: Sequence[str],
    competing: str = "",
    figures: Mapping[str, str] | None = None,
    competing_salary: Decimal | None = None,
) -> Draft:
    """A counter-offer for `target_salary`, argued with the chosen keys of COUNTER_ARGUMENTS.

    Each argument cites the user's own figure from `figures` (market pay, relocation or
    commute cost, the certification); an argument of FIGURE_QUESTIONS without one is left out
    and reported, because research without a figure convinces nobody. The competing offer is
    mentioned only when `competing_salary` (the recorded other offer) is above this offer; the
    other company is named only when `competing` is given. Raises ValueError for an unknown
    argument key. A target not above the offered salary is reported among the problems.
    """
    unknown = [key for key in arguments if key not in COUNTER_ARGUMENTS]
    if unknown:
        raise ValueError(
            f"unknown counter-offer arguments {unknown}; use {list(COUNTER_ARGUMENTS)}"
        )
    chosen = set(arguments) | ({"competing_offer"} if competing.strip() else set())
    figures = {k: " ".join(v.split()).rstrip(".") for k, v in (figures or {}).items()
               if v and v.strip()}
    problems = []
    for key in FIGURE_QUESTIONS:
        if key in chosen and key not in figures:
            chosen.discard(key)
            problems.append(f"I left out “{COUNTER_ARGUMENTS[key]}”: it needs your own figure "
                            "to convince.")
    if "competing_offer" in chosen:
        better = competing_salary is not None and (offer.salary is None
                                                   or competing_salary > offer.salary)
        if not better:
            chosen.discard("competing_offer")
            problems.append("I left out the competing offer: your records don't show it paying "
                            "more than this one.")
    if offer.salary is not None and target_salary <= offer.salary:
        problems.append(
            f"The salary you ask for ({money(target_salary, offer.currency)}) is not above "
            f"the offer ({money(offer.salary, offer.currency)})."
        )
    return render_draft(
        "counter_offer.j2",
        names=_names(sender, offer),
        company=offer.company,
        role=offer.role,
        to=_email(offer),
        extra_problems=problems,
        sender=sender,
        offer=offer,
        args=[key for key in COUNTER_ARGUMENTS if key in chosen],
        figures=figures,
        competing=competing.strip(),
        competing_salary=(money(competing_salary, offer.currency)
                          if competing_salary is not None else ""),
        target=money(target_salary, offer.currency),
        current=money(offer.salary, offer.currency) if offer.salary is not None else "",
    )


def acceptance(sender: Sender, offer: OfferTerms) -> Draft:
    """Accepts the offer, restating the recorded terms (only those given) to confirm in writing."""
    return render_draft(
        "acceptance.j2",
        names=_names(sender, offer),
        company=offer.company,
        role=offer.role,
        to=_email(offer),
        sender=sender,
        offer=offer,
        terms_recorded=any(
            (
                offer.salary is not None,
                offer.bonus,
                offer.signing_bonus is not None,
                offer.equity,
                offer.vacation_days is not None,
                offer.benefits,
                offer.relocation,
                offer.start_date,
            )
        ),
        salary=money(offer.salary, offer.currency) if offer.salary is not None else "",
        signing_bonus=(
            money(offer.signing_bonus, offer.currency) if offer.signing_bonus is not None else ""
        ),
    )


def decline_offer(sender: Sender, offer: OfferTerms, reason: str = "",
                  *, still_interested: bool = False) -> Draft:
    """Declines the offer politely. `reason` is the user's own positive sentence, e.g.
    "I have accepted a role focused on machine learning, where I want to grow next";
    without it a neutral "closer fit for my current career goals" is given. A negative
    reason is reported among the problems (the flow refuses it before). With
    `still_interested` the letter keeps the door open for working together later."""
    problems = []
    if negative_reason(reason):
        problems.append(f"“{negative_reason(reason)}” sounds negative: give a positive "
                        "reason, or none.")
    return render_draft(
        "decline_offer.j2",
        names=_names(sender, offer),
        company=offer.company,
        role=offer.role,
        to=_email(offer),
        sender=sender,
        offer=offer,
        extra_problems=problems,
        reason=decline_sentence(sender, offer.company, reason),
        still_interested=still_interested,
    )
