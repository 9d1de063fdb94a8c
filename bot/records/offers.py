"""Offer maths and advice, pure: what a bonus is worth, total compensation, the side-by-side
comparison with the user's target, the checklist before answering, and the dates around a move
(the reply deadline, a rested start)."""

from __future__ import annotations

import re
from collections.abc import Container, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from bot.formatting import possessive, short_date
from bot.letters import add_business_days
from bot.letters.render import money
from bot.parsing import ParseError, parse_money

REPLY_BUSINESS_DAYS = 2
"""Asking for about two business days to decide is normal and rarely refused."""
REST_DAYS = 3
"""A start date sooner than this many days after the last working day leaves no rest."""
HUNDRED = Decimal(100)
TWELVE = Decimal(12)
MIN_BONUS = Decimal(100)
"""A bare "2" is not a bonus amount: below this it is not counted."""


@dataclass(frozen=True)
class OfferFigures:
    """One offer as the comparison sees it: plain values, no storage types."""

    company: str
    role: str = ""
    salary: Decimal | None = None
    currency: str = ""
    bonus: str = ""
    signing_bonus: Decimal | None = None
    equity: str = ""
    vacation_days: int | None = None
    benefits: str = ""
    relocation: str = ""
    commute: str = ""
    flexibility: str = ""
    start_date: date | None = None
    reply_deadline: date | None = None
    in_writing: bool = False


@dataclass(frozen=True)
class BonusValue:
    """A bonus read as a yearly amount, and how it was read ("10% of the salary")."""

    amount: Decimal
    how: str


@dataclass(frozen=True)
class TotalCompensation:
    """Year one (salary + bonus + signing bonus) and the years after (salary + bonus)."""

    year_one: Decimal
    recurring: Decimal
    bonus: BonusValue | None
    signing_bonus: Decimal


# ---- dates --------------------------------------------------------------------------------------

def default_reply_deadline(today: date, holidays: Container[date] = frozenset()) -> date:
    """Two business days from today: a Friday offer is answered by Tuesday (public holidays of
    the calendar given don't count)."""
    return add_business_days(today, REPLY_BUSINESS_DAYS, holidays)


def start_too_soon(start: date, last_day: date) -> bool:
    """True when the new job starts fewer than REST_DAYS days after the last working day."""
    return start < last_day + timedelta(days=REST_DAYS)


def suggested_start(last_day: date) -> date:
    """A Monday that leaves at least REST_DAYS free days after the last working day."""
    earliest = last_day + timedelta(days=REST_DAYS + 1)
    return earliest + timedelta(days=(7 - earliest.weekday()) % 7)


# ---- money --------------------------------------------------------------------------------------

_PERCENT = re.compile(
    r"(\d+(?:[.,]\d+)?)\s*(?:-|–|to)?\s*(\d+(?:[.,]\d+)?)?\s*(?:%|percent\b|pct\b)", re.IGNORECASE
)
_MONTHS = re.compile(r"(\d+(?:[.,]\d+)?|one|two|three)\s*(?:months?|mo)\b(?:'|’)?s?", re.IGNORECASE)
_THIRTEENTH = re.compile(r"\b(?:13th|thirteenth)\s+month\b", re.IGNORECASE)
_AMOUNT = re.compile(
    r"(?:[$€£¥₹]|\b[a-z]{3}\s?)?\d[\d,.' ]*(?:\s?(?:k|m)\b)?(?:\s?(?:[a-z]{3}\b|[$€£]))?",
    re.IGNORECASE,
)
_VAGUE = re.compile(r"\b(?:discretionary|variable|depends|tbd|not\s+(?:yet\s+)?known|unknown|"
                    r"performance[- ]based only)\b", re.IGNORECASE)
_UP_TO = re.compile(r"\b(?:up\s+to|max(?:imum)?|target)\b", re.IGNORECASE)
_WORD_NUMBERS = {"one": Decimal(1), "two": Decimal(2), "three": Decimal(3)}


def _number(text: str) -> Decimal:
    return _WORD_NUMBERS.get(text.casefold()) or Decimal(text.replace(",", "."))


def _whole(amount: Decimal) -> Decimal:
    return amount.quantize(Decimal(1), rounding=ROUND_HALF_UP)


def bonus_value(bonus: str, salary: Decimal | None, currency: str = "") -> BonusValue | None:
    """The yearly amount a bonus stands for, or None when it can't be counted.

    "10%" and "10-15%" (the lower end) are taken of the salary; "2 months" and "13th month"
    are twelfths of it; "EUR 5,000" or "5k" is an amount in the offer's currency (another
    currency is not converted). Discretionary or unclear bonuses count as nothing.
    """
    text = bonus.strip()
    if not text or _VAGUE.search(text):
        return None
    hedge = " — a target, not guaranteed" if _UP_TO.search(text) else ""
    if percent := _PERCENT.search(text):
        if salary is None:
            return None
        low = _number(percent[1])
        shown = f"{percent[1]}% of the salary"
        if percent[2]:
            shown += f", the lower end of {percent[1]}–{percent[2]}%"
        return BonusValue(_whole(salary * low / HUNDRED), f"{shown}{hedge}")
    if _THIRTEENTH.search(text):
        if salary is None:
            return None
        return BonusValue(_whole(salary / TWELVE), f"a 13th month: 1/12 of the salary{hedge}")
    if months := _MONTHS.search(text):
        if salary is None:
            return None
        count = _number(months[1])
        return BonusValue(_whole(salary * count / TWELVE),
                          f"{months[1]} month{'s' if count != 1 else ''}' salary{hedge}")
    for match in _AMOUNT.finditer(text):
        found = _money_in(match[0].strip())
        if found is None:
            continue
        amount, unit = found
        if (unit and currency and unit != currency) or amount < MIN_BONUS:
            return None
        return BonusValue(amount, f"a fixed amount{hedge}")
    return None


def _money_in(text: str) -> tuple[Decimal, str | None] | None:
    """An amount at the start of `text`, trying again without a trailing word ("5k per")."""
    for candidate in (text, re.sub(r"\s?[a-z]{3}$", "", text, flags=re.IGNORECASE)):
        try:
            return parse_money(candidate)
        except ParseError:
            continue
    return None


def total_compensation(offer: OfferFigures) -> TotalCompensation | None:
    """Salary + bonus every year, plus the signing bonus spread over year one; None without
    a salary. Equity and benefits are not counted: their value is too uncertain."""
    if offer.salary is None:
        return None
    bonus = bonus_value(offer.bonus, offer.salary, offer.currency)
    yearly = offer.salary + (bonus.amount if bonus else Decimal(0))
    signing = offer.signing_bonus or Decimal(0)
    return TotalCompensation(yearly + signing, yearly, bonus, signing)


def versus(amount: Decimal, target: Decimal, currency: str) -> str:
    """ "EUR 5,000 under your target (−5.6%)", "EUR 2,000 over…", "exactly your target"."""
    gap = amount - target
    if gap == 0 or target <= 0:
        return "exactly your target" if gap == 0 else ""
    share = (abs(gap) / target * HUNDRED).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    sign = "+" if gap > 0 else "−"
    side = "over" if gap > 0 else "under"
    return f"{money(abs(gap), currency)} {side} your target ({sign}{share}%)"


# ---- the comparison -----------------------------------------------------------------------------

_day = short_date


def offer_block(offer: OfferFigures, target: Decimal | None, target_currency: str,
                *, current: bool = False) -> list[str]:
    """The lines of one offer: figures first, then what money can't measure."""
    title = f"{offer.company} — {offer.role}" if offer.role else offer.company
    lines = [f"▶ {title}{' (this offer)' if current else ''}"]
    cur = offer.currency
    comparable = not target_currency or not cur or target_currency == cur
    if offer.salary is None:
        lines.append("• Salary: not known yet — ask for it in writing")
    else:
        gap = ""
        if target is not None and comparable:
            gap = f" — {versus(offer.salary, target, cur)}"
        elif target is not None:
            gap = f" — your target is in {target_currency}, not compared"
        lines.append(f"• Salary: {money(offer.salary, cur)}{gap}")
    total = total_compensation(offer)
    if offer.bonus:
        worth = total.bonus if total else None
        if worth is None:
            counted = " (not counted)"
        elif worth.how == "a fixed amount":
            counted = f" → {money(worth.amount, cur)}"
        else:
            counted = f" → {money(worth.amount, cur)} ({worth.how})"
        lines.append(f"• Bonus: {offer.bonus}{counted}")
    if offer.signing_bonus:
        lines.append(f"• Signing bonus: {money(offer.signing_bonus, cur)} (year one only)")
    if total is not None and (total.bonus or total.signing_bonus):
        lines.append(f"• Total, year one: {money(total.year_one, cur)}")
        if total.signing_bonus:
            lines.append(f"• Total, later years: {money(total.recurring, cur)}")
    elif total is not None:
        lines.append(f"• Total: {money(total.year_one, cur)} (salary only)")
    for label, value in (("Equity", offer.equity), ("Benefits", offer.benefits),
                         ("Relocation", offer.relocation), ("Commute", offer.commute),
                         ("Flexibility", offer.flexibility)):
        if value:
            lines.append(f"• {label}: {value}")
    facts = []
    if offer.vacation_days is not None:
        facts.append(f"{offer.vacation_days} vacation days")
    if offer.start_date:
        facts.append(f"start {_day(offer.start_date)}")
    if offer.reply_deadline:
        facts.append(f"reply by {_day(offer.reply_deadline)}")
    facts.append("in writing" if offer.in_writing else "not in writing yet")
    lines.append("• " + " · ".join(facts))
    return lines


def comparison_text(current: OfferFigures, others: Sequence[OfferFigures],
                    target: Decimal | None, target_currency: str = "") -> str:
    """The side-by-side comparison: the target, one block per offer (this one first), the
    best total in each currency, and how totals were computed. Plain text for a phone.

    The target is compared only with salaries in its currency (`target_currency`, or the
    current offer's when it is not known)."""
    cur = target_currency or current.currency
    lines = ["Side by side (yearly, before tax):", ""]
    if target is not None:
        lines.append(f"🎯 Your target: {money(target, cur)} base salary")
    else:
        lines.append("🎯 No target salary set — knowing your number makes negotiating easier.")
    for index, offer in enumerate((current, *others)):
        lines.append("")
        lines.extend(offer_block(offer, target, cur, current=index == 0 and bool(others)))
    totals = [(offer, total_compensation(offer)) for offer in (current, *others)]
    known = [(offer, total) for offer, total in totals if total is not None]
    if len(known) > 1:
        lines.append("")
        for currency in dict.fromkeys(offer.currency for offer, _ in known):
            same = sorted(((o, t) for o, t in known if o.currency == currency),
                          key=lambda pair: pair[1].year_one, reverse=True)
            if len(same) < 2:
                continue
            (best, top), (second, next_total) = same[0], same[1]
            lead = top.year_one - next_total.year_one
            if lead == 0:
                lines.append(f"Year one, {best.company} and {second.company} are level at "
                             f"{money(top.year_one, currency)}.")
            else:
                lines.append(f"Highest total in year one: {best.company} "
                             f"({money(top.year_one, currency)}), {money(lead, currency)} more "
                             f"than {second.company}.")
        if len({offer.currency for offer, _ in known}) > 1:
            lines.append("Offers in different currencies aren't converted — compare those "
                         "yourself at today's rate and cost of living.")
    lines += ["", "How I count the total: salary + bonus (a percentage is taken of the salary, "
              "a range at its lower end; discretionary bonuses count as nothing) + the signing "
              "bonus spread over year one — so year one is higher than the years after. "
              "Equity, benefits, vacation, commute and flexibility aren't in the number: weigh "
              "them yourself — a shorter commute or two days at home can be worth more than a "
              "few thousand a year."]
    return "\n".join(lines)


# ---- advice -------------------------------------------------------------------------------------

def checklist(offer: OfferFigures) -> str:
    """What to do before answering: time, writing, the questions this offer leaves open, and
    the parts money can't measure."""
    writing = ("You have it in writing — check it matches what you were told." if offer.in_writing
               else "You don't have it in writing yet — the reply below asks for it.")
    questions = []
    if offer.salary is None:
        questions.append("What is the base salary, exactly?")
    if offer.start_date is None:
        questions.append("When exactly would I start — and is the date flexible?")
    if not offer.benefits:
        questions.append("What do the benefits include — health cover, pension, from day one?")
    questions.append("How and when is salary reviewed — is there a review after probation?")
    if offer.bonus:
        questions.append("How is the bonus decided and paid, and what did people get last year?")
    if offer.equity:
        questions.append("For the equity: the vesting schedule, the cliff, and what happens if "
                         "I leave?")
    questions.append("How long are the probation and notice periods?")
    if not offer.flexibility:
        questions.append("What's the policy on remote and flexible working?")
    deadline = offer.reply_deadline
    return "\n".join([
        f"✅ Saved {possessive(offer.company)} offer. Your checklist before you answer:",
        "1. Don't accept on the spot — thank them and ask for time"
        + (f": until {_day(deadline)}." if deadline else "."),
        f"2. Get it in writing. {writing}",
        "3. Questions worth asking before you decide:",
        *(f"   • {question}" for question in questions),
        "4. Weigh what money can't measure: the commute, flexibility, the team, what you'll "
        "learn. A higher salary with a two-hour commute may be worth less.",
    ])


def start_date_advice(company: str, start: date | None, last_day: date) -> str:
    """The new job's start against the last working day: propose one, warn, or approve."""
    suggestion = suggested_start(last_day)
    if start is None:
        return (f"Start date: propose {_day(suggestion)} to {company} — it leaves you a few "
                "days' rest after your last day. Starting rested is worth asking for.")
    if start <= last_day:
        return (f"⚠ Your start date at {company}, {_day(start)}, is not after your last "
                f"working day ({_day(last_day)}). Ask to start on {_day(suggestion)} instead — "
                "a few days' rest between jobs is a normal request.")
    if start_too_soon(start, last_day):
        return (f"⚠ Your start date at {company}, {_day(start)}, is less than {REST_DAYS} days "
                f"after your last working day ({_day(last_day)}). Ask to start on "
                f"{_day(suggestion)} instead — a few days' rest between jobs is a normal "
                "request.")
    rest = (start - last_day).days - 1
    return (f"Start date: {_day(start)} — that leaves {rest} days off after your last day. "
            "Good: start rested.")
