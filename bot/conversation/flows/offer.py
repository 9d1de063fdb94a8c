"""The offer (`offer`): record the terms, the checklist and the ask-for-time letter, the
side-by-side comparison, then negotiate, accept (and close every other door, resign with two
weeks' notice) or decline. The maths lives in `bot.records.offers`, the letters in `bot.letters`."""

from __future__ import annotations

import dataclasses
import re
from datetime import date
from decimal import Decimal
from typing import Any

from bot.conversation.flows.base import Flow, Jump, Step, short_text, text_answer
from bot.conversation.flows.choose import application_step, candidates, preselect
from bot.conversation.turn import Turn
from bot.formatting import short_date
from bot.letters import (
    COUNTER_ARGUMENTS,
    OfferTerms,
    Person,
    Sender,
    acceptance,
    ask_for_time,
    counter_offer,
    decline_offer,
    last_working_day,
    note_to_other_interviewer,
    resignation,
    withdrawal,
)
from bot.letters.render import money
from bot.messages import Button
from bot.parsing import ParseError, is_dont_know, parse_date, parse_int, parse_money, parse_yes_no
from bot.records.offers import (
    OfferFigures,
    checklist,
    comparison_text,
    default_reply_deadline,
    start_date_advice,
)
from storage.models import Application, Interviewer, Offer

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


# ---- reading what the user has stored -----------------------------------------------------------

def _app(turn: Turn) -> Application:
    app = turn.repo.application(turn.slots.get("application_id"))
    if app is None:
        raise ParseError("I can't find that application anymore — say “offer” to start again.")
    return app


def _offer(turn: Turn) -> Offer | None:
    return turn.repo.get(Offer, turn.slots.get("offer_id"))


def _currency(turn: Turn) -> str:
    """The currency the user used last: in this flow, this offer, or their latest offer."""
    if turn.state is not None and turn.slots.get("currency"):
        return str(turn.slots["currency"])
    offer = _offer(turn) if turn.state is not None else None
    if offer is not None and offer.currency:
        return offer.currency
    for other in turn.repo.offers():
        if other.currency:
            return other.currency
    return ""


def _sender(turn: Turn) -> Sender:
    return Sender(turn.user.display_name or "", turn.user.signature or "")


def _person(row: Interviewer) -> Person:
    return Person(row.name, row.title or "", row.email or "", row.phone or "", row.notes or "")


def _people(turn: Turn, app: Application) -> list[Interviewer]:
    """Everyone the user met at this application, once each, in the order they met."""
    seen: dict[str, Interviewer] = {}
    for interview in turn.repo.interviews(app):
        for person in turn.repo.interviewers(interview):
            seen.setdefault(person.name.casefold(), person)
    return list(seen.values())


def _contact(turn: Turn, app: Application) -> Interviewer | None:
    """Who to write to about the offer: the contact for news if they are an interviewer,
    else the first interviewer of the latest round."""
    interviews = turn.repo.interviews(app)
    if not interviews:
        return None
    latest = interviews[-1]
    people = _people(turn, app)
    news = (latest.news_contact or "").casefold()
    for person in people:
        if news and person.name.casefold() in news:
            return person
    in_latest = turn.repo.interviewers(latest)
    return in_latest[0] if in_latest else (people[0] if people else None)


def _terms(turn: Turn, app: Application, offer: Offer) -> OfferTerms:
    contact = _contact(turn, app)
    return OfferTerms(
        company=app.company, role=app.role or "position", salary=offer.salary,
        currency=offer.currency, bonus=offer.bonus, signing_bonus=offer.signing_bonus,
        equity=offer.equity, vacation_days=offer.vacation_days, benefits=offer.benefits,
        relocation=offer.relocation, start_date=offer.start_date,
        reply_deadline=offer.reply_deadline,
        contact=_person(contact) if contact is not None else None,
    )


def _figures(app: Application, offer: Offer) -> OfferFigures:
    return OfferFigures(
        company=app.company, role=app.role, salary=offer.salary, currency=offer.currency,
        bonus=offer.bonus, signing_bonus=offer.signing_bonus, equity=offer.equity,
        vacation_days=offer.vacation_days, benefits=offer.benefits, relocation=offer.relocation,
        commute=offer.commute, flexibility=offer.flexibility, start_date=offer.start_date,
        reply_deadline=offer.reply_deadline, in_writing=offer.in_writing,
    )


def _other_offers(turn: Turn, app: Application) -> list[tuple[Application, Offer]]:
    pairs = []
    for offer in turn.repo.offers(open_only=True):
        other = turn.repo.application(offer.application_id)
        if other is not None and other.id != app.id and other.is_active:
            pairs.append((other, offer))
    return pairs


_day = short_date


def _long_day(d: date) -> str:
    return f"{d:%a} {d.day} {d:%b %Y}"


def _decimal(value: Any) -> Decimal | None:
    return None if value in (None, "") else Decimal(str(value))


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


# ---- ask_if -------------------------------------------------------------------------------------

def _entering(turn: Turn) -> bool:
    return bool(turn.slots.get("entering"))


TARGET_SKIPPED = "target_salary_skipped"
TARGET_SET = "target_salary_set"


def _needs_target(turn: Turn) -> bool:
    """Ask for the target once: not when it is known, nor after the user skipped it before —
    unless they asked to set it from the decision menu."""
    if turn.slots.get("choice") == "target":
        return True
    if turn.user.target_salary is not None or turn.slots.get("target_asked"):
        return False
    return not turn.repo.events([TARGET_SKIPPED])


def _chose(choice: str) -> Any:
    return lambda turn: turn.slots.get("choice") == choice


def _negotiating(turn: Turn) -> bool:
    offer = _offer(turn)
    return offer is not None and offer.status == "negotiating" and offer.salary is not None


def _resigning(turn: Turn) -> bool:
    return turn.slots.get("choice") == "accept" and bool(turn.slots.get("employer"))


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
    default = default_reply_deadline(turn.local_now.date())
    offer = _offer(turn)
    if offer is not None and offer.reply_deadline is not None:
        return (f"When do they need your answer? (now: {_day(offer.reply_deadline)} — skip "
                "keeps it)")
    return ("When do they need your answer? If they didn't say, I'll assume two business days "
            f"— {_day(default)} — and your reply will propose that date.")


def _deadline_choices(turn: Turn) -> list[Button]:
    default = default_reply_deadline(turn.local_now.date())
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
    what = f"{app.company}'s offer" + (f" as {app.role}" if app.role else "")
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


# ---- hooks --------------------------------------------------------------------------------------

def _setup(turn: Turn, slots: dict[str, Any]) -> None:
    """The application is known: an offer to look at again, or a new one to record."""
    app = turn.repo.application(slots["application_id"])
    assert app is not None
    slots["company"] = app.company
    turn.user.last_application_id = app.id
    offer = turn.repo.offer_for(app)
    if offer is not None:
        slots["offer_id"] = offer.id
        slots["entering"] = False
        if offer.currency:
            slots["currency"] = offer.currency
        received = offer.received_at.astimezone(turn.tz).date()
        turn.say(f"Here's {app.company}'s offer, recorded {_day(received)}.")
        if not _needs_target(turn):
            _say_comparison(turn)
        return
    slots["entering"] = True
    slots.pop("offer_id", None)
    turn.say(
        f"🎉 Congratulations — an offer from {app.company}! That's the reward for a lot of "
        "work.\n\nTwo things before anything else:\n"
        "• Don't accept on the spot. Thank them warmly and ask for a little time to decide — "
        "about two business days is normal. I'll draft that reply.\n"
        "• Get it in writing: salary, bonus, benefits and start date.\n\n"
        "Let's note the terms — “skip” anything you don't know yet."
    )


def _on_application(turn: Turn, value: int) -> None:
    _setup(turn, turn.slots)


def _on_salary(turn: Turn, value: dict[str, str] | None) -> None:
    if value and value.get("currency"):
        turn.slots["currency"] = value["currency"]
    if value and value.get("note"):
        total = money(Decimal(value["amount"]), value["currency"])
        turn.say(f"Counted as a yearly salary: {value['note']} = {total}.")


def _on_deadline(turn: Turn, value: str | None) -> None:
    offer = _offer(turn)
    if value is None and offer is not None and offer.reply_deadline is not None:
        return  # updating: skip keeps the deadline
    if value in (None, "default"):
        default = default_reply_deadline(turn.local_now.date())
        turn.slots["reply_deadline"] = default.isoformat()
        turn.slots["deadline_assumed"] = True
        turn.say(f"No deadline given — I'll assume two business days: {_day(default)}. The "
                 "reply I draft proposes that date; if they need an answer sooner, they'll say.")
    else:
        turn.slots["deadline_assumed"] = False


def _on_terms_done(turn: Turn, value: Any) -> None:
    """The last terms question: save the offer, then the checklist and the ask-for-time reply."""
    app = _app(turn)
    updating = _offer(turn) is not None
    offer = _save_terms(turn, app)
    if updating:
        turn.say(f"✅ Updated {app.company}'s offer.")
    else:
        turn.say(checklist(_figures(app, offer)))
        turn.say("Your reply asking for time" + ("" if offer.in_writing else " and for the "
                 "offer in writing") + " — send it today:", draft=_time_letter(turn, app, offer))
    if not _needs_target(turn):
        _say_comparison(turn)


def _on_target(turn: Turn, value: str | None) -> None:
    turn.slots["target_asked"] = True
    if value:
        turn.user.target_salary = Decimal(value)
        turn.repo.log(TARGET_SET, turn.now, amount=value, currency=_currency(turn))
    elif turn.user.target_salary is None and not turn.repo.events([TARGET_SKIPPED]):
        turn.repo.log(TARGET_SKIPPED, turn.now)
    _say_comparison(turn)
    if turn.slots.get("choice") == "target":
        turn.slots["choice"] = None
        raise Jump("decision")


def _on_decision(turn: Turn, choice: str) -> None:
    if choice == "later":
        raise Jump("")
    if choice == "time":
        app, offer = _app(turn), _offer(turn)
        assert offer is not None
        turn.say("Here's your reply asking for time:", draft=_time_letter(turn, app, offer))
        raise Jump("decision")
    if choice == "target":
        raise Jump("target")
    if choice == "update":
        turn.slots["entering"] = True
        raise Jump("salary")
    if choice == "negotiate":
        offer = _offer(turn)
        if offer is None or offer.salary is None:
            raise ParseError("To negotiate I need their salary figure — press Update terms "
                             "and add it first.")
        turn.slots.setdefault("arguments", [])
    if choice == "decline":
        raise Jump("decline_reason")


def _on_argument(turn: Turn, value: str | list[str]) -> None:
    chosen = list(turn.slots.get("arguments", []))
    if value == "done":
        if not chosen:
            raise ParseError("Pick at least one argument that's true for you — a counter-offer "
                             "with a reason is far more convincing.")
        return
    if isinstance(value, list):
        chosen += [key for key in value if key not in chosen]
    elif value in chosen:
        chosen.remove(value)
    else:
        chosen.append(value)
    turn.slots["arguments"] = [key for key in COUNTER_ARGUMENTS if key in chosen]
    raise Jump("arguments")


def _on_counter(turn: Turn, value: str) -> None:
    app, offer = _app(turn), _offer(turn)
    assert offer is not None
    target = Decimal(value)
    arguments = list(turn.slots.get("arguments", []))
    competing = str(turn.slots.get("competing") or "") if "competing_offer" in arguments else ""
    draft = counter_offer(_sender(turn), _terms(turn, app, offer), target_salary=target,
                          arguments=arguments, competing=competing)
    offer.status = "negotiating"
    turn.repo.log("counter_offer", turn.now, app, offer_id=offer.id, target=str(target),
                  arguments=arguments)
    turn.say("Your counter-offer. Send it by email, or use it as your script on the phone — "
             "calm, appreciative, specific:", draft=draft)
    notes = ["Whatever they answer — yes, no or in between — get the final terms in writing."]
    warning = _competing_warning(turn, app, offer, competing)
    if warning:
        notes.insert(0, warning)
    turn.say("\n".join(notes))
    raise Jump("decision")


def _on_accept(turn: Turn, yes: bool) -> None:
    offer = _offer(turn)
    if not yes and offer is not None and offer.status == "accepted":
        raise ParseError("You've already accepted this offer and your letters are drafted — "
                         "say “yes” to go on.")
    if not yes:
        turn.say("Okay — nothing changed.")
        raise Jump("decision")
    _accept(turn)


def _on_employer(turn: Turn, value: str) -> None:
    if not value:
        turn.say("Then there's no resignation to write.")
        raise Jump("")


# ---- doing things -------------------------------------------------------------------------------

def _save_terms(turn: Turn, app: Application) -> Offer:
    slots, now = turn.slots, turn.now
    offer = _offer(turn) or turn.repo.offer_for(app)  # saved before a "back"? the same row
    new = offer is None
    if offer is None:
        offer = turn.repo.add_offer(app, now)
    slots["offer_id"] = offer.id

    def take(key: str) -> Any:
        """A slot's answer; None means skipped (a new offer gets nothing, an update keeps)."""
        return slots.get(key)

    salary = slots.get("salary")
    offer.salary = _decimal(salary["amount"]) if salary else None
    offer.currency = (salary or {}).get("currency") or slots.get("currency") or offer.currency
    for key in ("bonus", "equity", "benefits", "relocation", "commute", "flexibility"):
        value = take(key)
        if value is not None or new:
            setattr(offer, key, value or "")
    signing = take("signing_bonus")
    if signing is not None or new:
        offer.signing_bonus = _decimal(signing)
    vacation = take("vacation_days")
    if vacation is not None or new:
        offer.vacation_days = vacation
    start = take("start_date")
    if start is not None or new:
        offer.start_date = date.fromisoformat(start) if start else None
    deadline = take("reply_deadline")
    if deadline and deadline != "default":
        offer.reply_deadline = date.fromisoformat(deadline)
    elif offer.reply_deadline is None:
        offer.reply_deadline = default_reply_deadline(turn.local_now.date())
    in_writing = take("in_writing")
    if in_writing is not None or new:
        offer.in_writing = bool(in_writing)
    app.status = "offer"
    app.offer_deadline = offer.reply_deadline
    app.closed_at = None
    app.updated_at = now
    if new:
        turn.repo.log("offer", now, app, offer_id=offer.id)
    turn.user.last_application_id = app.id
    turn.changed(app.id)
    turn.repo.session.flush()
    return offer


def _time_letter(turn: Turn, app: Application, offer: Offer) -> Any:
    soonest = default_reply_deadline(turn.local_now.date())
    decide_by = max(offer.reply_deadline or soonest, soonest)
    return ask_for_time(_sender(turn), _terms(turn, app, offer), decide_by,
                        in_writing=offer.in_writing)


def _say_comparison(turn: Turn) -> None:
    app, offer = _app(turn), _offer(turn)
    if offer is None:
        return
    others = [_figures(a, o) for a, o in _other_offers(turn, app)]
    target = turn.user.target_salary
    turn.say(comparison_text(_figures(app, offer), others,
                             Decimal(target) if target is not None else None,
                             _target_currency(turn)))


def _target_currency(turn: Turn) -> str:
    """The currency the target was given in ("" when unknown: the offer's is assumed)."""
    events = turn.repo.events([TARGET_SET])
    return str(events[-1].data.get("currency") or "") if events else ""


def _last_counter(turn: Turn) -> Decimal | None:
    app, offer = _app(turn), _offer(turn)
    for event in reversed(turn.repo.events(["counter_offer"], app)):
        if offer is not None and event.data.get("offer_id") == offer.id:
            return _decimal(event.data.get("target"))
    return None


def _competing_warning(turn: Turn, app: Application, offer: Offer, competing: str) -> str:
    if not competing or offer.salary is None:
        return ""
    for other, other_offer in _other_offers(turn, app):
        if other.company.casefold() != competing.casefold() or other_offer.salary is None:
            continue
        if other_offer.currency == offer.currency and other_offer.salary <= offer.salary:
            return (f"⚠ The letter says {other.company}'s offer has a higher base salary, but "
                    f"you recorded {money(other_offer.salary, other_offer.currency)}. Use only "
                    "arguments that are true — take that sentence out, or pick others.")
    return ""


def _accept(turn: Turn) -> None:
    """Accept this offer; close every other active application with a letter each."""
    app, offer, now = _app(turn), _offer(turn), turn.now
    assert offer is not None
    previous = [e for e in turn.repo.events(["offer_accepted"], app)
                if e.data.get("offer_id") == offer.id]
    if offer.status == "accepted" and previous:  # answered again after "back"
        closed_ids = previous[-1].data.get("closed", [])
        others = [a for a in (turn.repo.application(i) for i in closed_ids) if a is not None]
    else:
        agreed = _decimal(turn.slots.get("agreed_salary"))
        if agreed is not None:
            offer.salary = agreed
        others = [a for a in turn.repo.applications(active_only=True) if a.id != app.id]
        offer.status, offer.decided_at = "accepted", now
        app.status, app.closed_at, app.updated_at = "accepted", now, now
        turn.changed(app.id)
        for other in others:
            other_offer = turn.repo.offer_for(other)
            if other_offer is not None:
                other_offer.status, other_offer.decided_at = "declined", now
            other.status = "declined" if other_offer is not None else "withdrawn"
            other.closed_at, other.updated_at = now, now
            turn.changed(other.id)
        turn.repo.log("offer_accepted", now, app, offer_id=offer.id,
                      closed=[other.id for other in others])
    turn.say(f"🎉 Congratulations — you're joining {app.company}! Here's your acceptance "
             "letter. It restates the terms as you understood them, so any mismatch shows up "
             "now, not on your first payslip:", draft=acceptance(_sender(turn),
                                                                   _terms(turn, app, offer)))
    if not others:
        turn.say("You had no other active applications, so there's nothing to withdraw.")
        return
    turn.say(f"Now close the other doors, politely — it keeps them open for later. I've "
             f"marked {len(others)} application{'s' if len(others) > 1 else ''} closed and "
             "stopped their reminders. One letter each:")
    sender = _sender(turn)
    for other in others:
        contact = _contact(turn, other)
        person = _person(contact) if contact is not None else None
        role = other.role or "position"
        if other.status == "declined":
            other_offer = turn.repo.offer_for(other, open_only=False)
            terms = (_terms(turn, other, other_offer) if other_offer is not None
                     else OfferTerms(other.company, role, contact=person))
            turn.say(f"Declining {other.company}'s offer:", draft=decline_offer(
                sender, terms, f"I have accepted a position at {app.company}"))
        else:
            turn.say(f"Withdrawing from {other.company}:",
                     draft=withdrawal(sender, other.company, role, person))
        for met in _people(turn, other):
            if contact is not None and met.id == contact.id:
                continue
            turn.say(f"A personal note to {met.name}, whom you met at {other.company} — so "
                     "they hear it from you:",
                     draft=note_to_other_interviewer(sender, other.company, role, _person(met)))


# ---- finishing ----------------------------------------------------------------------------------

def _finish(turn: Turn, slots: dict[str, Any]) -> None:
    choice = slots.get("choice")
    if choice == "accept":
        _finish_accepted(turn, slots)
    elif choice == "decline":
        _finish_declined(turn, slots)
    else:
        _finish_later(turn, slots)


def _finish_later(turn: Turn, slots: dict[str, Any]) -> None:
    offer = turn.repo.get(Offer, slots.get("offer_id"))
    company = slots.get("company", "them")
    today = turn.local_now.date()
    if offer is not None and offer.reply_deadline is not None and offer.reply_deadline <= today:
        turn.say(f"Okay. Your answer to {company} is due today — decide before the day ends, "
                 "or ask them for a little more time: that's a normal request.",
                 [Button("Open the offer", f"/offer {company}")])
    elif offer is not None and offer.reply_deadline is not None:
        turn.say(f"Okay — take your time. I'll remind you the day before your deadline and on "
                 f"the morning of {_day(offer.reply_deadline)}. Say “offer {company}” any time "
                 "to see the comparison and decide.",
                 [Button("Open the offer", f"/offer {company}")])
    else:
        turn.say(f"Okay — the offer is saved. Say “offer {company}” any time to decide.")


def _finish_declined(turn: Turn, slots: dict[str, Any]) -> None:
    app = turn.repo.application(slots.get("application_id"))
    offer = turn.repo.get(Offer, slots.get("offer_id"))
    if app is None or offer is None:
        turn.say("I can't find that offer anymore — nothing changed.")
        return
    now = turn.now
    offer.status, offer.decided_at = "declined", now
    app.status, app.closed_at, app.updated_at = "declined", now, now
    turn.repo.log("offer_declined", now, app, offer_id=offer.id)
    turn.changed(app.id)
    reason = str(slots.get("decline_reason") or "")
    turn.say("Here's a polite decline. Thank them, give your positive reason, and keep the door "
             "open — people move, and you may meet again:",
             draft=decline_offer(_sender(turn), _terms(turn, app, offer), reason))
    left = turn.repo.applications(active_only=True)
    more = (f" You still have {len(left)} active application{'s' if len(left) > 1 else ''} — "
            "keep going." if left else "")
    turn.say(f"Declined {app.company}'s offer. Saying no to the wrong job is a good decision "
             f"too.{more}", [Button("My pipeline", "/status")])


def _finish_accepted(turn: Turn, slots: dict[str, Any]) -> None:
    app = turn.repo.application(slots.get("application_id"))
    offer = turn.repo.get(Offer, slots.get("offer_id"))
    employer = str(slots.get("employer") or "")
    if app is None or offer is None:
        return
    if employer:
        user = turn.user
        user.current_employer = employer
        user.current_position = str(slots.get("position") or "")
        user.manager_name = str(slots.get("manager") or "")
        notice = date.fromisoformat(slots.get("notice_date") or turn.local_now.date().isoformat())
        last_day = last_working_day(notice)
        draft = resignation(_sender(turn), employer=employer, manager=user.manager_name,
                            position=user.current_position, notice_date=notice,
                            last_day=last_day)
        turn.say(f"Your resignation letter, dated {_long_day(notice)}. Two weeks' notice is ten "
                 f"business days: your last working day is {_long_day(last_day)}. (Public "
                 "holidays aren't counted — check your contract.) Tell your manager in person "
                 "first, then hand over the letter.", draft=draft)
        turn.say(start_date_advice(app.company, offer.start_date, last_day))
        turn.say(_references_advice(turn, employer))
    turn.say("That's everything. Well done — you did the work, and it paid off. Enjoy the days "
             "between jobs!", [Button("My pipeline", "/status")])


def _references_advice(turn: Turn, employer: str) -> str:
    people = [r.name for r in turn.repo.references() if r.current_employer]
    if people:
        return (f"Your references at {employer} — {', '.join(people)} — can be told now, once "
                "your manager has heard it from you. Thank them: they helped you get here.")
    return (f"References at {employer}: now that your notice is in, you can ask colleagues "
            "there whether they'd be a reference for you in the future.")


# ---- the flow -----------------------------------------------------------------------------------

def _prepare(turn: Turn, slots: dict[str, Any], args: str) -> bool:
    message = preselect(turn, slots, args)
    app = turn.repo.application(slots.get("application_id"))
    if app is not None:
        if app.status == "accepted":
            turn.say(f"You've already accepted {app.company}'s offer — congratulations again! "
                     "Say “status” to see your pipeline.")
            return False
        _setup(turn, slots)
        return True
    if message:
        turn.say(message)
    if not candidates(turn):
        turn.say("You have no active application yet. Record the interview first — then I "
                 "can help with the offer.", [Button("Record an interview", "/debrief")])
        return False
    return True


def _text_step(name: str, prompt: Any, limit: int, what: str, help_text: str,
               **extra: Any) -> Step:
    return Step(name, prompt, _optional_text(limit, what), optional=True, skip_value=None,
                ask_if=_entering, help=help_text, **extra)


def _offer_field(turn: Turn, field: str) -> str:
    offer = _offer(turn)
    return "" if offer is None else str(getattr(offer, field) or "")


OFFER = Flow(
    "offer",
    (
        dataclasses.replace(application_step("Which application is the offer from?"),
                            on_answer=_on_application),
        Step("salary", _salary_prompt, _salary, choices=_salary_choices, ask_if=_entering,
             on_answer=_on_salary,
             help="The yearly base salary before tax, e.g. “EUR 85,000”, “85k”, “$120k”. A "
                  "monthly figure works too (“5,000 a month”). Not told yet? “don't know yet”."),
        _text_step("bonus", lambda t: "Any bonus? e.g. “10%”, “EUR 5,000 a year”, “up to 15%”"
                   + _was(t, _offer_field(t, "bonus")), 200, "the bonus",
                   "A percentage of the salary, an amount, or “none”. I use it for the total."),
        Step("signing_bonus", lambda t: "A signing bonus (paid once when you join)?"
             + _was(t, money(Decimal(_offer_field(t, "signing_bonus")), _offer_field(
                 t, "currency")) if _offer_field(t, "signing_bonus") else ""),
             _signing_bonus, optional=True, skip_value=None, ask_if=_entering,
             help="An amount like “EUR 5,000” or “5k”, or “none”."),
        _text_step("equity", lambda t: "Equity or shares? e.g. “0.1% vesting over 4 years”"
                   + _was(t, _offer_field(t, "equity")), 200, "equity",
                   "Shares, options or RSUs — with the vesting schedule if you know it."),
        Step("vacation_days", lambda t: "How many vacation days a year?"
             + _was(t, _offer_field(t, "vacation_days")), _vacation, optional=True,
             skip_value=None, ask_if=_entering, choices=(Button("25", "25"), Button("30", "30")),
             help="A number of paid days off per year, like “25”."),
        _text_step("benefits", lambda t: "Benefits? e.g. “health insurance, pension 5%, gym”"
                   + _was(t, _offer_field(t, "benefits")), 1000, "the benefits",
                   "Health cover, pension, meal or travel allowances, training budget…"),
        _text_step("relocation", lambda t: "Relocation support, if you'd move?"
                   + _was(t, _offer_field(t, "relocation")), 300, "relocation",
                   "e.g. “EUR 5,000 relocation package” or “none”."),
        Step("start_date", lambda t: "Proposed start date?"
             + _was(t, _day(date.fromisoformat(_offer_field(t, "start_date")))
                    if _offer_field(t, "start_date") else ""),
             _start_date, optional=True, skip_value=None, ask_if=_entering,
             help="A date like “Jan 11” or “next Monday”. Don't know yet? “skip”."),
        Step("reply_deadline", _deadline_prompt, _deadline, optional=True, skip_value=None,
             choices=_deadline_choices, ask_if=_entering, on_answer=_on_deadline,
             help="The date they need your answer by, like “Friday” — or “don't know”: I'll "
                  "assume two business days."),
        Step("in_writing", lambda t: "Did you receive the offer in writing (an email or a "
             "letter)?" + (_was(t, "yes" if _offer_field(t, "in_writing") == "True" else "no")
                           .replace(", “none” removes it", "")),
             _yes_no, choices=(Button("Yes, in writing", "yes"), Button("Not yet", "no")),
             optional=True, skip_value=None, ask_if=_entering,
             help="Only a written offer is an offer — a phone call can be misremembered."),
        _text_step("commute", lambda t: "Money isn't everything. How would the commute be? "
                   "(e.g. “25 min by bike”, “1h each way”)"
                   + _was(t, _offer_field(t, "commute")), 300, "the commute",
                   "Time and cost of getting there — it adds up over a year."),
        _text_step("flexibility", lambda t: "And flexibility — remote days, hours? "
                   "(e.g. “2 days from home”, “core hours 10–4”)"
                   + _was(t, _offer_field(t, "flexibility")), 300, "flexibility",
                   "Remote or hybrid days, flexible hours, part-time options.",
                   on_answer=_on_terms_done),
        Step("target", _target_prompt, _target, optional=True, skip_value=None,
             ask_if=_needs_target, on_answer=_on_target,
             help="The yearly base salary you aim for, e.g. “EUR 90,000”. I keep it for every "
                  "offer you compare."),
        Step("decision", _decision_prompt, _choice, choices=_decision_choices, slot="choice",
             on_answer=_on_decision,
             help="Negotiate drafts a counter-offer with your arguments. Accept drafts the "
                  "acceptance and closes your other applications. Decline drafts a polite no. "
                  "Decide later keeps the offer and reminds you before the deadline."),
        Step("arguments", _arguments_prompt, _argument_pick, choices=_arguments_choices,
             slot="argument_pick", ask_if=_chose("negotiate"), on_answer=_on_argument,
             help=ARGUMENTS_HELP),
        Step("competing", "Which company made the competing offer? I name it in the letter only "
                          "if you type it — “skip” keeps it unnamed.",
             short_text(200, "a company name"), optional=True,
             choices=lambda t: [Button(a.company, a.company)
                                for a, _ in _other_offers(t, _app(t))[:3]],
             ask_if=lambda t: _chose("negotiate")(t)
             and "competing_offer" in t.slots.get("arguments", []),
             help="The other employer's name, or “skip”."),
        Step("counter", _counter_prompt, _counter, choices=_counter_choices,
             slot="counter_target", ask_if=_chose("negotiate"), on_answer=_on_counter,
             help="A yearly base salary above their offer. Your target, or 5–10% more than "
                  "offered, are common asks."),
        Step("agreed_salary", "What base salary did you agree on in the end?", _agreed,
             choices=_agreed_choices,
             ask_if=lambda t: _chose("accept")(t) and _negotiating(t),
             help="The yearly figure in their final answer — it goes into your acceptance "
                  "letter."),
        Step("accept_confirm", _accept_prompt, _yes_no,
             choices=(Button("Yes, accept", "yes"), Button("Not yet", "no")),
             ask_if=_chose("accept"), on_answer=_on_accept,
             help="Yes accepts the offer and drafts the letters; Not yet takes you back."),
        Step("employer", "Now your current job. Who's your current employer? I'll draft your "
                         "resignation letter with two weeks' notice.", _employer,
             choices=lambda t: [*_stored_choice(t.user.current_employer),
                                Button("I'm not employed", "not employed")],
             ask_if=_chose("accept"), on_answer=_on_employer,
             help="The company you work for now — or “not employed”."),
        Step("position", "Your position there, as it should appear in the letter?",
             short_text(200, "a position"),
             choices=lambda t: _stored_choice(t.user.current_position),
             ask_if=_resigning, help="Your job title, e.g. “Data Analyst”."),
        Step("manager", "Your manager's name? The letter is addressed to them.",
             short_text(200, "a name"), choices=lambda t: _stored_choice(t.user.manager_name),
             ask_if=_resigning, help="Their name as you'd write it in a letter."),
        Step("notice_date", _notice_prompt, _notice_date, optional=True,
             skip_value=None, choices=(Button("Today", "today"), Button("Tomorrow", "tomorrow")),
             ask_if=_resigning,
             help="The day you hand in your notice, like “today” or “Monday”."),
        Step("decline_reason", "A short, positive reason for declining — in your words. e.g. "
                               "“I have accepted a role focused on machine learning, where I "
                               "want to grow next”. (“skip” for a neutral one)",
             short_text(300, "a reason"), optional=True, ask_if=_chose("decline"),
             help="Positive and brief: what you chose, not what was wrong with them."),
    ),
    _finish,
    describe=describe,
    on_cancel="Stopped. Anything already saved — the offer's terms, a decision — stays; say "
              "“offer” to come back to it.",
    prepare=_prepare,
)
