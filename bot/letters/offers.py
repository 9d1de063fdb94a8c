"""Letters about an offer: asking for time, the counter-offer, acceptance, and a polite decline."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from decimal import Decimal

from bot.messages import Draft

from .facts import OfferTerms, Sender
from .render import day_month, money, render_draft

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
) -> Draft:
    """A counter-offer for `target_salary`, argued with the chosen keys of COUNTER_ARGUMENTS.

    The other company is named only when `competing` is given (which implies the
    "competing_offer" argument). Raises ValueError for an unknown argument key.
    A target not above the offered salary is reported among the problems.
    """
    unknown = [key for key in arguments if key not in COUNTER_ARGUMENTS]
    if unknown:
        raise ValueError(
            f"unknown counter-offer arguments {unknown}; use {list(COUNTER_ARGUMENTS)}"
        )
    chosen = set(arguments) | ({"competing_offer"} if competing.strip() else set())
    problems = []
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
        competing=competing.strip(),
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


def decline_offer(sender: Sender, offer: OfferTerms, reason: str = "") -> Draft:
    """Declines the offer politely. `reason` is the user's own positive sentence, e.g.
    "I have accepted a role focused on machine learning, where I want to grow next";
    without it a neutral "closer fit for my current career goals" is given."""
    return render_draft(
        "decline_offer.j2",
        names=_names(sender, offer),
        company=offer.company,
        role=offer.role,
        to=_email(offer),
        sender=sender,
        offer=offer,
        reason=reason.strip(),
    )
