"""Following up (`followup`) and logging a result (`outcome`).

`followup` shows the letter that is due — the follow-up email and its phone script once the
decision date has passed, else the next weekly check-in — logs a contact, and asks what they
said. `outcome` logs a result directly. A second interview, an offer or a rejection hands over
to its own flow; "still deciding" and "no answer" keep the weekly rhythm (never more than once a
week, never unannounced in person).
"""

from __future__ import annotations

import dataclasses
import re
from datetime import date, timedelta
from typing import Any

from bot.conversation.drafts import day, decision_day, interview_facts, news_contact, pick, sender
from bot.conversation.flows.base import Flow, Jump, Step
from bot.conversation.flows.choose import application_step, prepare_application
from bot.letters import check_in, follow_up, follow_up_phone_script
from bot.letters.holidays import calendar_for
from bot.messages import Button
from bot.nudges.planner import CONTACT_EVENT, RESET_EVENTS
from bot.nudges.rules import contact_ready_day, next_business_day
from bot.parsing import ParseError, parse_yes_no
from bot.turn import Turn
from storage.models import Application, Event, Interview

SAME_CONTACT = timedelta(hours=1)
NEVER_PESKY = "Never more than once a week, and never unannounced in person."

RESULTS: dict[str, tuple[str, tuple[str, ...]]] = {
    # value: (button label, what people type)
    "still_deciding": ("Still deciding", (
        "still deciding", "deciding", "still", "not decided", "not yet decided", "no decision",
        "no decision yet", "they're still deciding", "they are still deciding", "undecided",
        "waiting", "still waiting")),
    "second": ("Second interview", (
        "second interview", "second", "2nd interview", "another interview", "next round",
        "second round", "final round", "final interview", "third interview", "interview")),
    "offer": ("Offer", ("offer", "offer!", "an offer", "i got an offer", "they offered",
                        "got an offer", "job offer", "they made an offer")),
    "rejected": ("Rejected", ("rejected", "rejection", "no", "they said no", "turned down",
                              "turned me down", "not selected", "didn't get it", "no luck")),
    "decided": ("“Decision made, letters to follow”", (
        "decision made", "decided", "they decided", "a decision was made", "letter",
        "letters to follow", "decision made, letters to follow",
        "they'll write to unselected candidates", "unselected candidates get a letter")),
    "no_answer": ("No answer", ("no answer", "no reply", "no reply yet", "no answer yet",
                                "nothing", "no news", "silence", "no response", "voicemail",
                                "left a voicemail", "ghosted", "nothing yet")),
}
CONTACTED = ("contacted", ("contacted", "i followed up", "followed up", "i checked in",
                           "checked in", "i followed up / checked in", "sent", "sent it",
                           "i sent it", "called", "i called", "emailed", "i emailed", "done",
                           "phoned", "i phoned"))
DRAFT = ("draft", ("draft", "draft it", "draft it anyway", "draft the email", "the email",
                   "draft a follow-up", "draft a check-in", "letter please", "script"))
HANDOVER = {"second": "second_round", "offer": "offer", "rejected": "rejection",
            "decided": "rejection"}


def describe(slots: dict[str, Any]) -> str:
    company = slots.get("company")
    return f"following up with {company}" if company else "following up"


def describe_outcome(slots: dict[str, Any]) -> str:
    company = slots.get("company")
    return f"logging news from {company}" if company else "logging news from an employer"


# ---- the facts this module reads ------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class Standing:
    """Where an application stands with the employer, from the event log."""

    interview: Interview
    decision: date
    contacts: tuple[Event, ...]  # the user's contacts since the latest interview
    unanswered: int  # contacts since the last reply from the employer

    @property
    def last_contact(self) -> Event | None:
        return self.contacts[-1] if self.contacts else None


def standing(turn: Turn, app: Application) -> Standing | None:
    interview = turn.repo.latest_interview(app)
    if interview is None:
        return None
    events = turn.repo.events((CONTACT_EVENT, *RESET_EVENTS), application=app)
    since = [e for e in events if e.at >= interview.recorded_at]
    contacts = tuple(e for e in since if e.kind == CONTACT_EVENT)
    replies = [e.at for e in since if e.kind in RESET_EVENTS]
    after = max(replies) if replies else None
    unanswered = sum(1 for e in contacts if after is None or e.at > after)
    return Standing(interview, decision_day(turn, interview), contacts, unanswered)


def _log_contact(turn: Turn, app: Application, result: str) -> None:
    """Log the user's contact once (a second tap, or the same answer after "back", within the
    hour is the same contact)."""
    turn.slots["contact_logged"] = True
    recent = [e for e in turn.repo.events([CONTACT_EVENT], application=app)
              if turn.now - e.at < SAME_CONTACT]
    if recent:
        return
    turn.repo.log(CONTACT_EVENT, turn.now, app, via="followup", result=result)
    turn.changed(app.id)


# ---- the drafts -----------------------------------------------------------------------------

def show_drafts(turn: Turn, app: Application, *, anyway: bool = False) -> bool:
    """Say where the application stands and show the letter that is due; False if nothing is."""
    where = standing(turn, app)
    if where is None:
        turn.say(f"I have no interview recorded at {app.company} — “debrief” records one.")
        return False
    today = turn.local_now.date()
    facts = interview_facts(turn, app, where.interview)
    contact = news_contact(turn, where.interview)
    last = where.last_contact
    if not where.contacts and (today > where.decision or anyway):
        if today > where.decision:
            turn.say(f"{app.company} expected to decide by {day(where.decision)} — that date has "
                     "passed, so a polite follow-up is right: your name, the interview date and "
                     "the position, and whether a decision has been made. Email or phone, "
                     "whichever you prefer.")
        else:
            nudge_day = next_business_day(where.decision, calendar_for(turn.user))
            turn.say(f"Here's the follow-up, ready for {day(nudge_day)} — keep it until their "
                     f"decision date ({day(where.decision)}) has passed.")
        turn.say("✉️ The follow-up email:", draft=follow_up(sender(turn), facts, contact))
        turn.say("📞 Or by phone — what to say:\n"
                 + follow_up_phone_script(sender(turn), facts, contact).rstrip())
        turn.say(NEVER_PESKY)
        return True
    if not where.contacts:
        nudge_day = next_business_day(where.decision, calendar_for(turn.user))
        turn.say(f"{app.company} expects to decide by {day(where.decision)}. Until then, keep your "
                 "search going — a plan B takes the pressure off. Following up before that date "
                 f"can look pushy; I'll remind you on {day(nudge_day)} with the email ready.")
        return False
    number = len(where.contacts)  # the first contact was the follow-up: check-ins so far + 1
    draft = check_in(sender(turn), facts, contact, number)
    assert last is not None
    ready = contact_ready_day(last.at, turn.tz)
    if turn.local_now.date() < ready:
        when = day(ready)
        turn.say(f"You last contacted {app.company} on {day(last.at.astimezone(turn.tz))}. The "
                 f"next check-in is due {when}, not before — once a week is persistent, more is "
                 f"pesky. Here it is, ready for {when}:")
    else:
        turn.say(f"Weekly check-in #{number} with {app.company}: a short, courteous note keeps "
                 "you on their radar while they decide.")
    turn.say("✉️ The check-in:", draft=draft)
    turn.say(NEVER_PESKY)
    return True


# ---- results --------------------------------------------------------------------------------

# When the words aren't one of the choices: the first pattern found in the sentence decides.
KEYWORDS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (value, re.compile(pattern)) for value, pattern in (
        ("still_deciding", r"\b(?:no decision|not (?:yet )?decided|still (?:deciding|decid|"
                           r"interviewing|waiting)|haven't decided|hasn't decided)"),
        ("decided", r"\bdecision (?:was |has been |is )?made\b|\bletters? to (?:follow|"
                    r"unselected|those)|\bwill write to\b"),
        ("offer", r"\boffer"),
        ("rejected", r"\breject|\bturned (?:me )?down|\bnot selected|\bdidn't get|"
                     r"\bunsuccessful|\bwent with (?:another|someone)"),
        ("second", r"\b(?:second|2nd|third|3rd|final|another|next) (?:interview|round)"),
        ("no_answer", r"\bno (?:answer|reply|response|news)|\bvoicemail|\bnot heard|"
                      r"\bhaven't heard|\bghost"),
        ("contacted", r"(?:^|\bi |\bi've )(?:have )?(?:just )?(?:followed up|checked "
                      r"in|called|phoned|rang|emailed|wrote|sent)\b"),
        ("draft", r"\bdraft"),
    ))


def _read(text: str, allowed: dict[str, tuple[str, ...]], message: str) -> str:
    said = " ".join(text.casefold().replace("’", "'").split()).strip(" .!")
    for value, words in allowed.items():
        if said == value or said in words:
            return value
    if len(said) <= 300:
        for value, pattern in KEYWORDS:
            if value in allowed and pattern.search(said):
                return value
    raise ParseError(message)


def _result_words(*extra: tuple[str, tuple[str, ...]]) -> dict[str, tuple[str, ...]]:
    words = {value: (label.casefold().strip("“”"), *typed)
             for value, (label, typed) in RESULTS.items()}
    for value, typed in extra:
        words[value] = typed
    return words


def _buttons(*values: str) -> list[Button]:
    return [Button(RESULTS[v][0], v) for v in values]


def hand_over(turn: Turn, flow: str, app: Application) -> bool:
    """Start another flow for this application (after this one finished); False if it's absent."""
    from bot.conversation.flows.base import Runner
    from bot.conversation.flows.registry import FLOWS

    if flow not in FLOWS:
        return False
    Runner(FLOWS).start(turn, flow, {"application_id": app.id, "company": app.company})
    return True


def apply_result(turn: Turn, app: Application, result: str, *, contacted: bool) -> None:
    """What a result means: log it, re-plan the nudges, or hand over to the outcome's flow."""
    turn.repo.log("outcome", turn.now, app, result=result)
    turn.changed(app.id)
    if result == "still_deciding":
        if not contacted:
            turn.repo.log(CONTACT_EVENT, turn.now, app, via="outcome", result=result)
        turn.repo.log("employer_reply", turn.now, app, result=result)
        next_week = day(contact_ready_day(turn.now, turn.tz))
        turn.say(f"Thanks — {app.company} is still deciding. Keep your search going meanwhile. "
                 f"I'll suggest a short, courteous check-in around {next_week}, and every week "
                 f"after that until they decide. {NEVER_PESKY}",
                 [Button("See my pipeline", "/status")])
        return
    if result == "no_answer":
        if contacted:
            turn.say(f"No reply from {app.company} yet — that's common, and it says nothing about "
                     f"you. I'll remind you to check in again in a week, not before. {NEVER_PESKY} "
                     "Meanwhile, keep applying: options take the pressure off.")
        else:
            turn.say(f"No news from {app.company} yet. I'll nudge you when it's time to follow up "
                     "or check in. If you contact them yourself, tell me with “followup” so I keep "
                     "a week between messages.")
        return
    if result == "decided":
        turn.say("When they say a decision has been made and candidates who weren't selected "
                 "will get a letter, that is a no. Let's close it gracefully: thank them, ask to "
                 "be kept in mind, and don't burn any bridges.")
    if result == "offer" and "offer" not in _flows():
        app.status, app.offer_deadline = "offer", None
        turn.say(f"🎉 Congratulations — an offer from {app.company}! Don't accept on the spot: "
                 "thank them, ask for it in writing, and ask for a couple of business days to "
                 "decide.")
        return
    if not hand_over(turn, HANDOVER[result], app):
        turn.say(f"Noted for {app.company}.")


def _flows() -> dict[str, Any]:
    from bot.conversation.flows.registry import FLOWS

    return FLOWS


# ---- the followup flow ----------------------------------------------------------------------

def _prepare(turn: Turn, slots: dict[str, Any], args: str) -> bool:
    if not prepare_application(
            turn, slots, args,
            nothing_yet="Nothing to follow up yet — record an interview first with “debrief”."):
        return False
    if slots.get("application_id"):
        return _start(turn, slots)
    return True


def _start(turn: Turn, slots: dict[str, Any]) -> bool:
    app = pick(turn, slots.get("application_id"))
    if app is None:
        turn.say("That application isn't there anymore — type “status” to see yours.")
        return False
    slots["company"] = app.company
    if app.status == "offer":
        turn.say(f"You have an offer from {app.company} — no need to follow up. “offer” helps you "
                 "weigh it and reply.", [Button("Open the offer", f"/offer {app.company}")])
        return False
    if app.next_interview_at is not None and app.next_interview_at > turn.now:
        when = app.next_interview_at.astimezone(turn.tz)
        turn.say(f"Your next interview at {app.company} is {day(when)} at {when:%H:%M} — nothing "
                 "to follow up until then. Get ready with “prep”.",
                 [Button("Prep pack", f"/prep {app.company}")])
        return False
    if standing(turn, app) is None:
        turn.say(f"I have no interview recorded at {app.company} — “debrief” records one.")
        return False
    slots["drafted"] = show_drafts(turn, app)
    return True


def _on_application(turn: Turn, application_id: int) -> None:
    if not _start(turn, turn.slots):
        raise Jump("")


def _action_prompt(turn: Turn) -> str:
    company = turn.slots.get("company", "them")
    if turn.slots.get("drafted"):
        return (f"Once you've sent it or called, tell me — or tell me what you've heard from "
                f"{company}:")
    return f"What's new with {company}?"


def _action_choices(turn: Turn) -> list[Button]:
    buttons = [] if turn.slots.get("drafted") else [Button("Draft it anyway", "draft")]
    buttons.append(Button("I followed up / checked in", "contacted"))
    return buttons + _buttons("still_deciding", "second", "offer", "rejected", "no_answer")


def _action(text: str, turn: Turn) -> str:
    return _read(text, _result_words(CONTACTED, DRAFT),
                 "Tell me what happened: “I followed up”, “still deciding”, “second interview”, "
                 "“offer”, “rejected” or “no answer” — or “draft” for the letter.")


def _on_action(turn: Turn, action: str) -> None:
    app = turn.repo.application(turn.slots.get("application_id"))
    if app is None:
        raise Jump("")
    if action == "draft":
        turn.slots["drafted"] = show_drafts(turn, app, anyway=True)
        raise Jump("action")
    if action == "contacted":
        where = standing(turn, app)
        previous = where.last_contact if where else None
        _log_contact(turn, app, "sent")
        local = turn.local_now
        turn.say(f"Logged: you contacted {app.company} today ({day(local)}).")
        if previous is not None and turn.local_now.date() < contact_ready_day(previous.at,
                                                                               turn.tz):
            turn.say(f"That's within a week of your last contact "
                     f"({day(previous.at.astimezone(turn.tz))}) — next time, give them a full "
                     "week between messages.")
        raise Jump("reply")
    if action in ("still_deciding", "no_answer"):
        _log_contact(turn, app, action)
    turn.slots["result"] = action
    raise Jump("close" if action == "no_answer" else "")


def _reply(text: str, turn: Turn) -> str:
    return _read(text, _result_words(("no_answer", ("no reply yet", *RESULTS["no_answer"][1]))),
                 "What did they say? “Still deciding”, “second interview”, “offer”, "
                 "“rejected”, “decision made, letters to follow” — or “no reply yet”.")


def _on_reply(turn: Turn, result: str) -> None:
    turn.slots["result"] = result
    raise Jump("close" if result == "no_answer" else "")


def _ask_close(turn: Turn) -> bool:
    if turn.slots.get("result") != "no_answer":
        return False
    app = turn.repo.application(turn.slots.get("application_id"))
    where = standing(turn, app) if app else None
    return where is not None and where.unanswered >= max(1, turn.user.ghost_after)


def _close_prompt(turn: Turn) -> str:
    app = turn.repo.application(turn.slots.get("application_id"))
    where = standing(turn, app) if app else None
    count = where.unanswered if where else 0
    return (f"That's {count} messages to {turn.slots.get('company', 'them')} without an answer. "
            "It may be time to close this one and put your energy where it's welcome — it's "
            "not about you. Close it as “no answer”?")


def _finish(turn: Turn, slots: dict[str, Any]) -> None:
    app = turn.repo.application(slots.get("application_id"))
    result = slots.get("result")
    if app is None or not result:
        return
    if slots.get("close"):
        app.status, app.closed_at = "ghosted", turn.now
        turn.repo.log("outcome", turn.now, app, result="ghosted")
        turn.changed(app.id)
        turn.say(f"Closed {app.company} as “no answer”. Their silence says nothing about you. "
                 "If they do get back to you, “debrief” or “outcome” picks it up again.",
                 [Button("See my pipeline", "/status")])
        return
    apply_result(turn, app, result, contacted=bool(slots.get("contact_logged")))


_FOLLOWUP_APPLICATION = dataclasses.replace(
    application_step("Which application are you following up on?"), on_answer=_on_application)

FOLLOWUP = Flow(
    "followup",
    (
        _FOLLOWUP_APPLICATION,
        Step("action", _action_prompt, _action, choices=_action_choices, on_answer=_on_action,
             help="Tell me once you've emailed or called them, or what you've heard. I keep at "
                  "least a week between your messages to one employer."),
        Step("reply", lambda turn: f"What did {turn.slots.get('company', 'they')} say?",
             _reply, choices=lambda turn: [*_buttons("still_deciding", "second", "offer",
                                                     "rejected", "decided"),
                                           Button("No reply yet", "no_answer")],
             slot="result", on_answer=_on_reply,
             help="Their answer, in a word: still deciding, second interview, offer, rejected — "
                  "or no reply yet."),
        Step("close", _close_prompt, lambda text, turn: parse_yes_no(text),
             choices=(Button("Close as no answer", "yes"), Button("Keep checking in", "no")),
             ask_if=_ask_close, help="“yes” closes the application as “no answer”; “no” keeps "
                                     "the weekly check-ins going."),
    ),
    _finish,
    describe=describe,
    on_cancel="Okay, stopped. Anything you logged stays logged; “followup” any time.",
    prepare=_prepare,
    for_open_applications=True,
)


# ---- the outcome flow -----------------------------------------------------------------------

def _outcome_prepare(turn: Turn, slots: dict[str, Any], args: str) -> bool:
    if not prepare_application(
            turn, slots, args,
            nothing_yet="No active applications yet — record an interview first with “debrief”."):
        return False
    if slots.get("application_id"):
        app = pick(turn, slots["application_id"])
        if app is not None:
            slots["company"] = app.company
    return True


def _on_outcome_application(turn: Turn, application_id: int) -> None:
    pick(turn, application_id)


def _outcome(text: str, turn: Turn) -> str:
    return _read(text, _result_words(),
                 "What's the news? “Still deciding”, “second interview”, “offer”, “rejected”, "
                 "“decision made, letters to follow” or “no answer”.")


def _outcome_finish(turn: Turn, slots: dict[str, Any]) -> None:
    app = turn.repo.application(slots.get("application_id"))
    if app is None or not slots.get("result"):
        return
    apply_result(turn, app, slots["result"], contacted=False)


OUTCOME = Flow(
    "outcome",
    (
        dataclasses.replace(application_step("Which application is the news about?"),
                            on_answer=_on_outcome_application),
        Step("result", lambda turn: f"What's the news from {turn.slots.get('company', 'them')}?",
             _outcome, choices=lambda turn: _buttons(*RESULTS), slot="result",
             help="Pick what happened. A second interview, an offer or a rejection takes you to "
                  "the next steps for it."),
    ),
    _outcome_finish,
    describe=describe_outcome,
    on_cancel="Okay — nothing logged.",
    prepare=_outcome_prepare,
)

