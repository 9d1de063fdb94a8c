"""The offer flow's questions: the words it understands, how each answer is read, and the
prompts and buttons it asks with."""


import re
from decimal import Decimal
from typing import Any

from bot.conversation.flows.base import text_answer
from bot.conversation.flows.offer_records import _app, _currency, _day, _last_counter, _offer
from bot.formatting import possessive
from bot.letters import (
    COUNTER_ARGUMENTS,
)
from bot.letters.business_days import days_off_between
from bot.letters.holidays import calendar_for, moved_by
from bot.letters.render import money
from bot.messages import Button
from bot.parsing import ParseError, is_dont_know, parse_date, parse_int, parse_money, parse_yes_no
from bot.records.offers import (
    default_reply_deadline,
)
from bot.turn import Turn

ARGUMENT_LABELS = {
    "market": "Market research",
    "relocation": "Relocation costs",
    "commute": "Longer commute",
    "degree": "Relevant degree",
    "certifications": "Certifications",
    "competing_offer": "Competing offer",
}
ARGUMENT_WORDS = {
    "market": ("market", "research", "comparable", "glassdoor", "levels", "survey", "rate"),
    "relocation": ("relocat", "moving", "move"),
    "commute": ("commut", "travel"),
    "degree": ("degree", "master", "phd", "bachelor", "msc", "diploma"),
    "certifications": ("certif", "accredit", "licen"),
    "competing_offer": ("competing", "other offer", "another offer", "second offer", "rival"),
}
CHOICE_WORDS = {
    "negotiate": ("negotiate", "counter", "counter-offer", "counteroffer", "ask for more",
                  "negotiation"),
    "accept": ("accept", "i accept", "take it", "accept it", "accept the offer"),
    "decline": ("decline", "reject", "turn it down", "turn down", "say no", "decline it"),
    "later": ("later", "decide later", "not yet", "wait", "think about it", "not now"),
    "time": ("time", "ask for time", "letter asking for time", "ask-for-time letter"),
    "update": ("update", "update terms", "change", "edit", "change terms", "new terms"),
    "target": ("target", "set my target", "set my target salary", "my target", "target salary"),
}
NONE_WORDS = {"none", "no", "nothing", "n/a", "na", "-", "no bonus", "not offered", "nope", "nil"}
NOT_EMPLOYED = {"none", "not employed", "i'm not employed", "im not employed", "unemployed",
                "no", "nobody", "no employer", "i am not employed", "between jobs"}
MONTHLY = re.compile(r"(?:/|\bper\b|\ba\b)\s*(?:month|mo)\b|\bmonthly\b", re.IGNORECASE)
HOURLY = re.compile(r"(?:/|\bper\b|\ban?\b)\s*(?:hour|hr|h)\b|\bhourly\b", re.IGNORECASE)
TOO_LOW = Decimal(1000)
TOO_HIGH = Decimal(100_000_000)
UPDATE_HINT = "skip keeps it, “none” removes it"


def describe(slots: dict[str, Any]) -> str:
    company = slots.get("company")
    return f"looking at the offer from {company}" if company else "recording an offer"


# ---- parsers ------------------------------------------------------------------------------------

def _words(text: str) -> str:
    return " ".join(text.casefold().replace("’", "'").split()).strip(" .!")


def _amount(text: str, turn: Turn, what: str) -> tuple[Decimal, str]:
    """An amount and its currency (the one used last when none is given)."""
    amount, unit = parse_money(text)
    currency = unit or _currency(turn)
    if amount <= 0:
        raise ParseError(f"{what.capitalize()} must be more than zero.")
    if amount >= TOO_HIGH:
        raise ParseError(f"{money(amount, currency)} looks too big for {what} — please check it.")
    return amount, currency


def _same_currency(turn: Turn, currency: str, what: str) -> None:
    salary_currency = turn.slots.get("currency") or ""
    if salary_currency and currency and currency != salary_currency:
        raise ParseError(f"The salary is in {salary_currency} — please give {what} in "
                         f"{salary_currency} too, so I can add them up.")


def _salary(text: str, turn: Turn) -> dict[str, str] | None:
    if is_dont_know(text) or _words(text) in ("don't know yet", "dont know yet", "not yet"):
        return None
    if HOURLY.search(text):
        raise ParseError("Please give the yearly salary, e.g. “EUR 85,000” — an hourly rate "
                         "is hard to compare.")
    amount, currency = _amount(text, turn, "a salary")
    note = ""
    if MONTHLY.search(text):
        note = f"{money(amount, currency)} a month × 12"
        amount *= 12
    elif amount < TOO_LOW:
        raise ParseError(f"{money(amount, currency)} a year looks too low — did you mean "
                         f"{money(amount * 1000, currency)}? Type it like “85k” or “85,000”.")
    return {"amount": str(amount), "currency": currency, "note": note}


def _optional_text(limit: int, what: str) -> Any:
    def parse(text: str, turn: Turn) -> str:
        value = text_answer(text, turn)
        if _words(value) in NONE_WORDS:
            return ""
        if is_dont_know(value):
            raise ParseError(f"No problem — say “skip” for now and add {what} later with "
                             "“Update terms”.")
        if len(value) > limit:
            raise ParseError(f"That's long for {what} — please keep it under {limit} "
                             "characters.")
        return value
    return parse


def _signing_bonus(text: str, turn: Turn) -> str:
    if _words(text) in NONE_WORDS:
        return ""
    amount, currency = _amount(text, turn, "a signing bonus")
    _same_currency(turn, currency, "the signing bonus")
    return str(amount)


def _vacation(text: str, turn: Turn) -> int:
    return parse_int(text.casefold().replace("days", "").replace("day", "").strip() or text,
                     lo=0, hi=100, what="a number of vacation days")


def _start_date(text: str, turn: Turn) -> str | None:
    if is_dont_know(text):
        return None
    day = parse_date(text, turn.now, turn.tz, prefer="future")
    if day <= turn.local_now.date():
        raise ParseError(f"{_day(day)} isn't ahead of us — when would you start? "
                         "(e.g. “Jan 11”, or “skip”)")
    return day.isoformat()


def _deadline(text: str, turn: Turn) -> str:
    if is_dont_know(text) or _words(text) in ("default", "two business days", "none",
                                              "they didn't say", "no deadline"):
        return "default"
    day = parse_date(text, turn.now, turn.tz, prefer="future")
    if day < turn.local_now.date():
        raise ParseError(f"{_day(day)} has passed — when do they need your answer? "
                         "(e.g. “Friday”, or “don't know”)")
    return day.isoformat()


def _yes_no(text: str, turn: Turn) -> bool:
    return parse_yes_no(text)


def _target(text: str, turn: Turn) -> str:
    amount, currency = _amount(text, turn, "a target salary")
    if amount < TOO_LOW:
        raise ParseError(f"{money(amount, currency)} a year looks too low — did you mean "
                         f"{money(amount * 1000, currency)}?")
    return str(amount)


def _choice(text: str, turn: Turn) -> str:
    said = _words(text)
    for choice, words in CHOICE_WORDS.items():
        if said == choice or said in words:
            return choice
    negated = re.search(r"\b(?:not|no|never)\b|n't\b", said)
    for choice, words in CHOICE_WORDS.items():
        if not negated and any(word in said for word in words if len(word) > 4):
            return choice
    raise ParseError("Please pick one: Negotiate, Accept, Decline or Decide later "
                     "(or Update terms if something changed).")


def _argument_pick(text: str, turn: Turn) -> str | list[str]:
    said = _words(text)
    if said in ("done", "that's all", "thats all", "finished", "ok", "next"):
        return "done"
    if said.startswith("arg:") and said[4:] in COUNTER_ARGUMENTS:
        return said[4:]
    found = [key for key, words in ARGUMENT_WORDS.items() if any(w in said for w in words)]
    if not found:
        raise ParseError("Pick the arguments that are true for you with the buttons — market "
                         "research, relocation, commute, degree, certifications, a competing "
                         "offer — then press Done.")
    return found


def _counter(text: str, turn: Turn) -> str:
    amount, currency = _amount(text, turn, "the salary to ask for")
    offer = _offer(turn)
    if offer is not None and offer.currency and currency and currency != offer.currency:
        raise ParseError(f"The offer is in {offer.currency} — please ask in "
                         f"{offer.currency} too.")
    if offer is not None and offer.salary is not None and amount <= offer.salary:
        raise ParseError(f"{money(amount, currency)} isn't above their offer of "
                         f"{money(offer.salary, offer.currency)} — a counter-offer asks for "
                         "more. What figure will you ask for?")
    return str(amount)


def _agreed(text: str, turn: Turn) -> str:
    amount, currency = _amount(text, turn, "the agreed salary")
    if amount < TOO_LOW:
        raise ParseError(f"{money(amount, currency)} a year looks too low — please check it.")
    return str(amount)


def _employer(text: str, turn: Turn) -> str:
    value = text_answer(text, turn)
    if _words(value) in NOT_EMPLOYED:
        return ""
    if len(value) > 200:
        raise ParseError("Please keep the employer's name under 200 characters.")
    return value


def _notice_date(text: str, turn: Turn) -> str:
    day = parse_date(text, turn.now, turn.tz, prefer="future")
    if (turn.local_now.date() - day).days > 31:
        raise ParseError(f"{_day(day)} is over a month ago — when do you hand in (or did you "
                         "hand in) your notice?")
    return day.isoformat()


# ---- prompts ------------------------------------------------------------------------------------

def _was(turn: Turn, text: str) -> str:
    """ "(now: 10% — skip keeps it…)" while updating terms, "" for a new offer."""
    if _offer(turn) is None:
        return ""
    return f" (now: {text or 'none'} — {UPDATE_HINT})"


def _salary_prompt(turn: Turn) -> str:
    offer = _offer(turn)
    if offer is not None:
        now = money(offer.salary, offer.currency) if offer.salary is not None else "not known"
        return f"The base salary per year? (now: {now})"
    return ("What base salary did they offer, per year? e.g. “EUR 85,000”, “85k” or "
            "“$120,000” — or “don't know yet”.")


def _salary_choices(turn: Turn) -> list[Button]:
    offer = _offer(turn)
    buttons = []
    if offer is not None and offer.salary is not None:
        kept = money(offer.salary, offer.currency)
        buttons.append(Button(f"Keep {kept}", kept))
    return [*buttons, Button("Don't know yet", "don't know")]


def _deadline_prompt(turn: Turn) -> str:
    default = default_reply_deadline(turn.local_now.date(), calendar_for(turn.user))
    offer = _offer(turn)
    if offer is not None and offer.reply_deadline is not None:
        return (f"When do they need your answer? (now: {_day(offer.reply_deadline)} — skip "
                "keeps it)")
    days_off = calendar_for(turn.user)
    moved = moved_by(days_off_between(turn.local_now.date(), default, days_off), days_off)
    return ("When do they need your answer? If they didn't say, I'll assume two business days "
            f"— {_day(default)}{moved} — and your reply will propose that date.")


def _deadline_choices(turn: Turn) -> list[Button]:
    default = default_reply_deadline(turn.local_now.date(), calendar_for(turn.user))
    return [Button(f"They didn't say ({_day(default)})", "default")]


def _target_prompt(turn: Turn) -> str:
    cur = _currency(turn)
    example = money(Decimal(90000), cur)
    return ("One more thing, asked once and kept for every offer: what's your target base "
            f"salary — the yearly figure you'd be happy with? (e.g. “{example}”)")


def _decision_prompt(turn: Turn) -> str:
    offer = _offer(turn)
    deadline = f" — you have until {_day(offer.reply_deadline)}" if offer and \
        offer.reply_deadline else ""
    if offer is not None and offer.status == "negotiating":
        return ("When they answer your counter-offer: Accept (I'll ask what you agreed), Update "
                f"terms if they changed, or Decline. Waiting for them? Decide later{deadline}.")
    due = offer.reply_deadline if offer is not None else None
    left = (due - turn.local_now.date()).days if due is not None else None
    if due is not None and left is not None and left <= 0:
        return ("What would you like to do? Your answer is due today — decide now, or ask "
                "them for a day or two more." if left == 0 else
                f"What would you like to do? Your answer was due {_day(due)} "
                "— reply today, or ask them for a little more time.")
    if due is not None and left == 1:
        return (f"What would you like to do? Your answer is due tomorrow "
                f"({_day(due)}) — take today to weigh it.")
    return f"What would you like to do? No need to rush{deadline}."


DECISION_BUTTONS = (
    Button("Negotiate", "negotiate"), Button("Accept", "accept"), Button("Decline", "decline"),
    Button("Decide later", "later"), Button("Letter asking for time", "time"),
    Button("Update terms", "update"),
)


def _decision_choices(turn: Turn) -> list[Button]:
    buttons = list(DECISION_BUTTONS)
    if turn.user.target_salary is None:
        buttons.append(Button("Set my target salary", "target"))
    return buttons


def _arguments_prompt(turn: Turn) -> str:
    chosen = turn.slots.get("arguments", [])
    picked = ", ".join(ARGUMENT_LABELS[key] for key in chosen) if chosen else "none yet"
    return ("Negotiating is normal — a polite, reasoned counter-offer rarely costs an offer. "
            "Which of these arguments are true for you? Tap each one, then Done.\n"
            f"Chosen: {picked}")


def _arguments_choices(turn: Turn) -> list[Button]:
    chosen = turn.slots.get("arguments", [])
    buttons = [Button(f"{'✓ ' if key in chosen else ''}{ARGUMENT_LABELS[key]}", f"arg:{key}")
               for key in COUNTER_ARGUMENTS]
    return [*buttons, Button("Done", "done")]


ARGUMENTS_HELP = "\n".join(
    ["Use only arguments that are true:"]
    + [f"• {ARGUMENT_LABELS[key]}: {meaning}" for key, meaning in COUNTER_ARGUMENTS.items()]
    + ["Salary surveys, Glassdoor or Levels.fyi are good market research."]
)


def _counter_prompt(turn: Turn) -> str:
    offer = _offer(turn)
    parts = []
    if offer is not None and offer.salary is not None:
        parts.append(f"their offer: {money(offer.salary, offer.currency)}")
    if turn.user.target_salary is not None:
        parts.append(f"your target: {money(turn.user.target_salary, _currency(turn))}")
    known = f" ({'; '.join(parts)})" if parts else ""
    return f"What base salary will you ask for?{known}"


def _round_up(amount: Decimal, step: int = 1000) -> Decimal:
    return (amount / step).to_integral_value(rounding="ROUND_CEILING") * step


def _counter_choices(turn: Turn) -> list[Button]:
    offer = _offer(turn)
    if offer is None or offer.salary is None:
        return []
    cur = offer.currency
    amounts: list[Decimal] = []
    target = turn.user.target_salary
    if target is not None and target > offer.salary:
        amounts.append(Decimal(target))
    for share in (Decimal("1.05"), Decimal("1.10")):
        amount = _round_up(offer.salary * share)
        if amount not in amounts:
            amounts.append(amount)
    return [Button(money(amount, cur), money(amount, cur)) for amount in amounts[:3]]


def _agreed_choices(turn: Turn) -> list[Button]:
    offer = _offer(turn)
    if offer is None or offer.salary is None:
        return []
    buttons = [Button(f"Their offer: {money(offer.salary, offer.currency)}",
                      money(offer.salary, offer.currency))]
    counter = _last_counter(turn)
    if counter is not None:
        buttons.append(Button(f"My counter: {money(counter, offer.currency)}",
                              money(counter, offer.currency)))
    return buttons


def _accept_prompt(turn: Turn) -> str:
    app = _app(turn)
    others = [a.company for a in turn.repo.applications(active_only=True) if a.id != app.id]
    what = f"{possessive(app.company)} offer" + (f" as {app.role}" if app.role else "")
    if not others:
        return f"Accept {what}? I'll draft your acceptance letter."
    listed = ", ".join(others)
    return (f"Accept {what}? That closes your other active application"
            f"{'s' if len(others) > 1 else ''} — {listed}: I'll draft a letter for each and stop "
            "their reminders.")


def _stored_choice(value: str) -> list[Button]:
    return [Button(value, value)] if value else []


def _notice_prompt(turn: Turn) -> str:
    today = turn.local_now.date()
    return ("When will you hand in your notice? Two weeks' notice means ten business days — "
            f"I'll work out your last day. (default: today, {_day(today)})")


