"""What the offer flow reads from the records and does with them: the stored terms, the
people to write to, the comparison, the letters it drafts on acceptance."""


from datetime import date
from decimal import Decimal
from typing import Any

from bot.conversation.drafts import sender
from bot.formatting import possessive, short_date
from bot.letters import (
    OfferTerms,
    Person,
    Sender,
    acceptance,
    ask_for_time,
    decline_offer,
    note_to_other_interviewer,
    withdrawal,
)
from bot.letters.holidays import calendar_for
from bot.letters.render import money
from bot.parsing import ParseError
from bot.records.offers import (
    OfferFigures,
    comparison_text,
    default_reply_deadline,
)
from bot.turn import Turn
from storage.models import Application, Interviewer, Offer

TARGET_SKIPPED = "target_salary_skipped"  # slots: the user skipped / set a target salary
TARGET_SET = "target_salary_set"


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
    return sender(turn, missing_name="")


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
        offer.reply_deadline = default_reply_deadline(turn.local_now.date(),
                                                      calendar_for(turn.user))
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
    soonest = default_reply_deadline(turn.local_now.date(), calendar_for(turn.user))
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
            return (f"⚠ The letter says {possessive(other.company)} offer has a higher base "
                    "salary, but "
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
            turn.say(f"Declining {possessive(other.company)} offer:", draft=decline_offer(
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


