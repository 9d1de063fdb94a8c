"""The offer (`offer`): record the terms, the checklist and the ask-for-time letter, the
side-by-side comparison, then negotiate, accept (and close every other door, resign with two
weeks' notice) or decline. The maths lives in `bot.records.offers`, the letters in `bot.letters`."""

from __future__ import annotations

import dataclasses
from datetime import date
from decimal import Decimal
from typing import Any

from bot.conversation.flows import offer_letters as letters
from bot.conversation.flows.base import Flow, Jump, Step, short_text
from bot.conversation.flows.choose import application_step, candidates, preselect
from bot.conversation.flows.offer_questions import (
    ARGUMENTS_HELP,
    _accept_prompt,
    _agreed,
    _agreed_choices,
    _argument_pick,
    _arguments_choices,
    _arguments_prompt,
    _choice,
    _counter,
    _counter_choices,
    _counter_prompt,
    _deadline,
    _deadline_choices,
    _deadline_prompt,
    _decision_choices,
    _decision_prompt,
    _employer,
    _notice_date,
    _notice_prompt,
    _optional_text,
    _salary,
    _salary_choices,
    _salary_prompt,
    _signing_bonus,
    _start_date,
    _stored_choice,
    _target,
    _target_prompt,
    _vacation,
    _was,
    _yes_no,
    describe,
)
from bot.conversation.flows.offer_records import (
    TARGET_SET,
    TARGET_SKIPPED,
    _accept,
    _app,
    _competing_warning,
    _currency,
    _day,
    _figures,
    _long_day,
    _offer,
    _other_offers,
    _save_terms,
    _say_comparison,
    _sender,
    _terms,
    _time_letter,
)
from bot.formatting import possessive
from bot.letters import (
    COUNTER_ARGUMENTS,
    counter_offer,
    decline_offer,
    last_working_day,
    resignation,
)
from bot.letters.business_days import days_off_between
from bot.letters.holidays import Holidays, calendar_for, country_name, moved_by
from bot.letters.render import money
from bot.messages import Button
from bot.parsing import ParseError
from bot.records.coaching import acceptance_checklist
from bot.records.offers import (
    checklist,
    default_reply_deadline,
    start_date_advice,
)
from bot.turn import Turn
from storage.models import Offer


def _holiday_note(days_off: Holidays) -> str:
    """Whose public holidays were counted (or that none were), in a few words."""
    if days_off.country:
        return (f"(Public holidays in {country_name(days_off.country)} are skipped — check your "
                "contract.) ")
    return "(Public holidays aren't counted — set your country in “settings”.) "


# ---- ask_if -------------------------------------------------------------------------------------

def _entering(turn: Turn) -> bool:
    return bool(turn.slots.get("entering"))




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
        turn.say(f"Here's {possessive(app.company)} offer, recorded {_day(received)}.")
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
        days_off = calendar_for(turn.user)
        default = default_reply_deadline(turn.local_now.date(), days_off)
        turn.slots["reply_deadline"] = default.isoformat()
        turn.slots["deadline_assumed"] = True
        moved = moved_by(days_off_between(turn.local_now.date(), default, days_off), days_off)
        turn.say(f"No deadline given — I'll assume two business days: {_day(default)}{moved}. "
                 "The reply I draft proposes that date; if they need an answer sooner, they'll "
                 "say.")
    else:
        turn.slots["deadline_assumed"] = False


def _on_terms_done(turn: Turn, value: Any) -> None:
    """The last terms question: save the offer, then the checklist and the ask-for-time reply."""
    app = _app(turn)
    updating = _offer(turn) is not None
    offer = _save_terms(turn, app)
    if updating:
        turn.say(f"✅ Updated {possessive(app.company)} offer.")
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
        raise Jump("decline_sure")


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
                          arguments=arguments, competing=competing,
                          **letters.letter_slots(turn))
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
             draft=decline_offer(_sender(turn), _terms(turn, app, offer), reason,
                                 still_interested=bool(slots.get("still_interested"))))
    left = turn.repo.applications(active_only=True)
    more = (f" You still have {len(left)} active application{'s' if len(left) > 1 else ''} — "
            "keep going." if left else "")
    turn.say(f"Declined {possessive(app.company)} offer. Saying no to the wrong job is a good "
             f"decision too.{more}", [Button("My pipeline", "/status")])


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
        days_off = calendar_for(user)
        last_day = last_working_day(notice, holidays=days_off)
        draft = resignation(_sender(turn), employer=employer, manager=user.manager_name,
                            position=user.current_position, notice_date=notice,
                            last_day=last_day, holidays=days_off)
        moved = moved_by(days_off_between(notice, last_day, days_off), days_off)
        turn.say(f"Your resignation letter, dated {_long_day(notice)}. Two weeks' notice is ten "
                 f"business days: your last working day is {_long_day(last_day)}{moved}. "
                 f"{_holiday_note(days_off)}Tell your manager in person first, then hand over "
                 "the letter.", draft=draft)
        turn.say(start_date_advice(app.company, offer.start_date, last_day))
        turn.say(_references_advice(turn, employer))
    turn.say(acceptance_checklist(app.company, offer.start_date))
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
            turn.say(f"You've already accepted {possessive(app.company)} offer — congratulations "
                     "again! Say “status” to see your pipeline.")
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
        Step("figure", letters.figure_prompt, letters.figure_answer, optional=True,
             slot="figure_answer", ask_if=letters.needs_figure, on_answer=letters.on_figure,
             help="Your own figure and where it comes from, e.g. “EUR 92,000 (Glassdoor, "
                  "Berlin)” — or “skip” to leave this argument out."),
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
        Step("decline_sure", letters.sure_prompt, _yes_no,
             choices=(Button("Yes, decline", "yes"), Button("No, wait", "no")),
             ask_if=_chose("decline"), on_answer=letters.on_sure,
             help="Yes drafts the decline; No takes you back to the offer."),
        Step("decline_reason", "A short, positive reason for declining — in your words. e.g. "
                               "“I have accepted a role focused on machine learning, where I "
                               "want to grow next”. (“skip” for a neutral one)",
             letters.reason_answer, optional=True, ask_if=_chose("decline"),
             choices=letters.reason_choices,
             help="Positive and brief: what you chose, not what was wrong with them."),
        Step("still_interested", letters.interest_prompt, letters.yes_no,
             choices=(Button("Yes, keep the door open", "yes"), Button("No", "no")),
             ask_if=_chose("decline"),
             help="Yes adds a line about working together in the future."),
    ),
    _finish,
    describe=describe,
    on_cancel="Stopped. Anything already saved — the offer's terms, a decision — stays; say "
              "“offer” to come back to it.",
    prepare=_prepare,
    for_open_applications=True,
)
