"""Acting on what a message means (bot.understanding answers, this module acts): small talk,
questions and hopes are answered; news that changes stored facts is confirmed with one tap
first ("Record that Acme Corp turned you down? Yes / No"); several possible applications are
asked about with buttons; a company we don't know is offered as a new record.

Confirmation buttons carry the news: `u:<y|c|n>:<intent>:<application id>:<detail>` — y stores
it, c asks for the confirmation (after picking one of several applications), n changes nothing.
"""

from __future__ import annotations

from dataclasses import replace

from bot import metrics
from bot.conversation import smalltalk
from bot.conversation.debrief_sentence import start_debrief, start_new_debrief
from bot.conversation.flows.base import Runner
from bot.conversation.flows.confirm import open_confirmation
from bot.conversation.flows.registry import FLOWS
from bot.conversation.news_events import CLOSING, EVENT_INTENTS, Engine, confirm_text, store
from bot.messages import Button
from bot.parsing import is_no, is_yes
from bot.turn import Turn
from bot.understanding.matcher import understand
from bot.understanding.meaning import (
    COMMAND,
    EVENT,
    NOT_EVENT,
    QUESTION,
    REQUEST,
    SMALLTALK,
    UNKNOWN,
    Known,
    KnownApplication,
    Meaning,
)
from storage.models import Application

PREFIX = "u:"
PARKED = "_parked"  # a flow left for news, waiting in the slots of the flow the news started


def known_for(turn: Turn, commands: tuple[str, ...]) -> Known:
    apps = tuple(KnownApplication(a.id, a.company, a.role or "", a.is_active)
                 for a in turn.repo.applications())
    return Known(apps, commands)


def meaning_of(turn: Turn, text: str, commands: tuple[str, ...], *,
               about_known: bool = False) -> Meaning:
    """The one question to the understanding: what does this message mean for this user?
    (`about_known`: only news about one of their applications matters.)"""
    if about_known and turn.repo.had_applications is False:  # nothing to have news about
        return Meaning("unknown", UNKNOWN, text)
    known = known_for(turn, commands)
    if about_known and not known.applications:
        return Meaning("unknown", UNKNOWN, text)
    with metrics.UNDERSTANDING_SECONDS.time():
        return understand(text, known, turn.now, turn.tz, about_known=about_known)


def act(engine: Engine, turn: Turn, meaning: Meaning) -> None:
    """Do what the message means (outside a flow)."""
    kind = meaning.kind
    if kind == SMALLTALK:
        smalltalk.small_talk(turn, meaning)
    elif kind == COMMAND:
        if meaning.suggestions:
            turn.say(f"(Reading that as “{meaning.command}”.)")
        engine.command(turn, meaning.command, meaning.args)
    elif kind == UNKNOWN and meaning.company.one is not None and len(meaning.text.split()) <= 3:
        _just_a_company(turn, meaning.company.one)
    elif meaning.intent == "unknown" and meaning.company.one is not None:
        _unsure_about(turn, meaning.company.one)
    elif kind == UNKNOWN:
        smalltalk.unknown(turn, meaning)
    elif kind == NOT_EVENT:
        smalltalk.not_an_event(turn, meaning, _one_app(turn, meaning))
    elif kind == QUESTION:
        _question(engine, turn, meaning)
    elif kind == REQUEST:
        _request(engine, turn, meaning)
    elif meaning.intent == "debrief":
        start_debrief(engine.runner, turn, meaning)
    elif meaning.intent == "no_news":
        _about(turn, meaning, _no_news)
    elif kind == EVENT:
        _event(turn, meaning)
    else:
        smalltalk.unknown(turn, meaning)


def _unsure_about(turn: Turn, application_id: int) -> None:
    """A sentence about a known company that isn't understood: the three likeliest kinds of
    news, one tap each (each still confirmed before anything is stored)."""
    app = turn.repo.application(application_id)
    if app is None:
        smalltalk.unknown(turn, Meaning("unknown", UNKNOWN))
        return
    turn.say(f"I'm not sure what you mean about {app.company} — nothing changed. Is it one of "
             "these?",
             [Button("They said no", f"{PREFIX}c:rejection:{app.id}:"),
              Button("An offer", f"{PREFIX}c:offer:{app.id}:|"),
              Button("Another interview", f"{PREFIX}c:later_round:{app.id}:|")])


def _just_a_company(turn: Turn, application_id: int) -> None:
    """Only a company's name ("acme?"): what can be done about it."""
    app = turn.repo.application(application_id)
    if app is None:
        smalltalk.unknown(turn, Meaning("unknown", UNKNOWN))
        return
    text, buttons = smalltalk.waiting_advice(turn, app)
    turn.say(f"{app.company}? Tell me what's new — “{app.company} said no”, “offer from "
             f"{app.company}”… Where things stand: {text[0].lower()}{text[1:]}",
             [*buttons[:2], Button("Log news", f"/outcome {app.company}")])


# ---- which application ------------------------------------------------------------------------

def _one_app(turn: Turn, meaning: Meaning) -> Application | None:
    if meaning.company.one is not None:
        return turn.repo.application(meaning.company.one)
    return None


def _choices(turn: Turn, meaning: Meaning) -> list[Application]:
    """The applications the message may be about, best first."""
    if meaning.company.candidates:
        apps = [turn.repo.application(i) for i in meaning.company.candidates]
        return [a for a in apps if a is not None]
    if meaning.company.said:
        return []
    active = turn.repo.applications(active_only=True)
    if len(active) > 1 and turn.user.last_application_id in {a.id for a in active}:
        return sorted(active, key=lambda a: a.id != turn.user.last_application_id)
    return active


def _about(turn: Turn, meaning: Meaning, then) -> None:  # type: ignore[no-untyped-def]
    apps = _choices(turn, meaning)
    if len(apps) == 1:
        then(turn, apps[0], meaning)
        return
    if not apps:
        _unknown_company(turn, meaning)
        return
    turn.say("Which application do you mean?",
             [Button(_label(a), f"{PREFIX}c:{meaning.intent}:{a.id}:{_detail(meaning)}")
              for a in apps[:4]] + [Button("Neither", f"{PREFIX}n")])


def _label(app: Application) -> str:
    closed = "" if app.is_active else " (closed)"
    return f"{app.company} — {app.role}{closed}" if app.role else f"{app.company}{closed}"


def _unknown_company(turn: Turn, meaning: Meaning) -> None:
    company = meaning.company.said
    if not company:
        turn.say("You don't have any applications with me yet. Had an interview? Let's record "
                 "it first.", [Button("Record an interview", "/debrief")])
        return
    turn.say(f"I don't have an application at {company} yet. Shall I record it? A quick debrief "
             "of your interview there comes first.",
             [Button(f"Yes, record {company[:40]}", f"{PREFIX}new:{company[:60]}"),
              Button("No", "/status")])


# ---- news that changes stored facts: confirmed first ---------------------------------------------

def _detail(meaning: Meaning) -> str:
    """What the news carries besides the application, for the confirmation button."""
    intent = meaning.intent
    if intent == "offer":
        return f"{meaning.salary}|{meaning.bonus}"
    if intent == "later_round":
        when = meaning.at.isoformat() if meaning.at else (
            meaning.day.isoformat() if meaning.day else
            f"?{meaning.when_text[:60]}" if meaning.when_text else "")  # "?": asked which day
        return f"{meaning.round}|{when}"
    if intent == "delay":
        return meaning.day.isoformat() if meaning.day else ""
    if intent == "thanks_sent":
        return "*" if meaning.everyone else (meaning.people[0].name if meaning.people else "")
    return ""


def _event(turn: Turn, meaning: Meaning) -> None:
    if meaning.intent == "thanks_sent" and not meaning.company.candidates \
            and meaning.people and not meaning.company.said:
        from bot.conversation.news_events import person_app

        app = person_app(turn, meaning.people[0].name)
        if app is None:
            return  # person_app said who it couldn't find
        meaning = replace(meaning, company=replace(meaning.company, candidates=(app.id,)))
    _about(turn, meaning, _confirm)


def _confirm(turn: Turn, app: Application, meaning: Meaning) -> None:
    detail = _detail(meaning)
    ask_confirm(turn, meaning.intent, app, detail)


def ask_confirm(turn: Turn, intent: str, app: Application, detail: str) -> None:
    text = confirm_text(turn, intent, app, detail)
    if text is None:
        return  # confirm_text explained why there is nothing to record
    if turn.state is None:  # remembered, so a typed "yes" or "no" answers it too
        open_confirmation(Runner(FLOWS), turn, text, intent, app.id, detail)
        return
    turn.say(text, [Button("Yes", f"{PREFIX}y:{intent}:{app.id}:{detail}"),
                    Button("No", f"{PREFIX}n")])


def press(engine: Engine, turn: Turn, value: str) -> None:
    """A tap on a confirmation or a which-application button."""
    parts = value[len(PREFIX):].split(":", 3)
    verb = parts[0]
    if verb == "n":
        turn.say("Okay — nothing changed.")
        _back_to_flow(engine, turn)
        return
    if verb == "answer":
        _use_as_answer(engine, turn)
        return
    if verb == "keep":
        _back_to_flow(engine, turn)
        return
    if verb == "new":
        if turn.state is not None:  # pressed from an older message: finish this one first
            turn.say("Let's finish what we're doing first — then record it with “debrief”.")
            engine.runner.ask(turn)
            return
        start_new_debrief(engine.runner, turn, value[len(PREFIX) + 4:])
        return
    if verb == "details":
        _details(engine, turn, parts[1] if len(parts) > 1 else "")
        return
    if len(parts) != 4 or parts[1] not in (*EVENT_INTENTS, "no_news") or not parts[2].isdigit():
        turn.say("That button isn't valid anymore — nothing changed.")
        return
    intent, app = parts[1], turn.repo.application(int(parts[2]))
    if app is None:
        turn.say("That application isn't there anymore — nothing changed. Type “status” to "
                 "see yours.")
        return
    if intent == "no_news":
        _no_news(turn, app, None)
        return
    if verb == "c":
        ask_confirm(turn, intent, app, parts[3])
        return
    if intent in CLOSING and not app.is_active:
        # a confirmation pressed after the application was closed some other way: its moment
        # has passed, so it must not close it a second time (a withdrawal over an acceptance)
        turn.say(f"{app.company} is already marked {app.status} — nothing changed. "
                 "(“undo” or “edit” changes a record.)")
        if turn.state is not None:
            engine.runner.ask(turn)
        return
    parked: dict[str, object] | None = None
    if turn.state is not None and intent in ("rejection", "offer", "later_round"):
        # the user chose to leave the flow for this news: it waits, answers and all, and comes
        # back when the news is dealt with
        turn.state.slots.pop("_news_text", None)
        turn.state.slots.pop("_news_step", None)
        turn.state.slots.pop("_news_yes", None)
        parked = {"flow": turn.state.flow, "step": turn.state.step,
                  "slots": turn.state.slots, "history": turn.state.history}
        turn.state = None
    store(engine.runner, turn, intent, app, parts[3])
    if parked is not None:
        if turn.state is None:
            _resume(engine, turn, parked)
        else:
            turn.state.slots[PARKED] = parked
        return
    if turn.state is not None and not turn.replies[-1].buttons:
        engine.runner.ask(turn)


def _details(engine: Engine, turn: Turn, interview_id: str) -> None:
    if turn.state is not None:
        turn.say("Let's finish what we're doing first — the details can wait.")
        engine.runner.ask(turn)
        return
    if not interview_id.isdigit():
        turn.say("That button isn't valid anymore — nothing changed.")
        return
    engine.runner.start(turn, "details", {"interview_id": int(interview_id)})


def parked_of(turn: Turn) -> dict[str, object] | None:
    """Before a turn: the flow waiting behind the current one, if any."""
    parked = turn.state.slots.get(PARKED) if turn.state is not None else None
    return parked if isinstance(parked, dict) else None


def resume_parked(engine: Engine, turn: Turn, parked: dict[str, object] | None) -> None:
    """After a turn: when the flow the news started is over, the waiting one comes back."""
    if parked is None:
        return
    if turn.state is None:
        _resume(engine, turn, parked)
    elif PARKED not in turn.state.slots:
        turn.state.slots[PARKED] = parked  # handed over to another flow: it still waits


def _resume(engine: Engine, turn: Turn, parked: dict[str, object]) -> None:
    from bot.conversation.flows.registry import FLOWS
    from bot.turn import FlowState

    flow, step = str(parked.get("flow", "")), str(parked.get("step", ""))
    slots, history = parked.get("slots"), parked.get("history")
    if flow not in FLOWS or not FLOWS[flow].has(step) or not isinstance(slots, dict) \
            or not isinstance(history, list):
        return
    if FLOWS[flow].for_open_applications and isinstance(slots.get("application_id"), int):
        app = turn.repo.application(slots["application_id"])
        if app is not None and not app.is_active:  # the news closed it: nothing to pursue
            turn.say(f"I've set aside {FLOWS[flow].describe(slots)} — {app.company} is closed "
                     "now.")
            return
    turn.state = FlowState(flow, step, slots, history, turn.now)
    turn.say(f"Now, back to {FLOWS[flow].describe(slots)} — nothing you typed was lost.")
    engine.runner.ask(turn)


def _back_to_flow(engine: Engine, turn: Turn) -> None:
    if turn.state is not None:
        turn.state.slots.pop("_news_text", None)
        turn.state.slots.pop("_news_step", None)
        turn.state.slots.pop("_news_yes", None)
        engine.runner.ask(turn)


def _use_as_answer(engine: Engine, turn: Turn) -> None:
    if turn.state is None:
        turn.say("That conversation has already ended — nothing changed.")
        return
    text = turn.state.slots.pop("_news_text", "")
    asked = turn.state.slots.pop("_news_step", "")
    if not text or asked != turn.state.step:
        turn.say("That question has moved on — nothing changed.")
        engine.runner.ask(turn)
        return
    engine.runner.answer(turn, text)


# ---- inside a flow -------------------------------------------------------------------------------

# the news each flow is about, for its own application: typed there, it is an answer; other news
# ("got an offer from Acme" while booking Acme's next round) is asked about first
_ANY = ("withdrew", "declined", "accepted", "rejection", "no_news", "debrief", "later_round",
        "offer", "delay", "thanks_sent", "references")
OWN_NEWS: dict[str, tuple[str, ...]] = {
    "rejection": ("rejection",), "offer": ("offer", "accepted", "declined", "withdrew"),
    "second_round": ("later_round", "delay"), "thanks": ("thanks_sent",),
    "debrief": ("debrief",), "outcome": _ANY, "followup": _ANY}


def news_in_flow(engine: Engine, turn: Turn, text: str, commands: tuple[str, ...]) -> bool:
    """A news sentence typed in the middle of a flow: say what it sounded like and let the user
    choose — record it, or use the text as the answer to the question. True when asked."""
    state = turn.state
    assert state is not None
    meaning = meaning_of(turn, text, commands, about_known=True)
    if meaning.kind != EVENT or not meaning.company.candidates or meaning.company.ambiguous:
        return False
    app = turn.repo.application(meaning.company.one)
    if app is None or (state.slots.get("application_id") == app.id
                       and meaning.intent in OWN_NEWS.get(state.flow, ())):
        return False  # "Acme said no" inside Acme's rejection flow is the flow's own subject
    detail = _detail(meaning)
    summary = confirm_text(turn, meaning.intent, app, detail, quiet=True)
    if summary is None:
        return False
    state.slots["_news_text"], state.slots["_news_step"] = text, state.step
    state.slots["_news_yes"] = f"{PREFIX}y:{meaning.intent}:{app.id}:{detail}"
    leaves = meaning.intent in ("rejection", "offer", "later_round")
    from bot.conversation.flows.registry import FLOWS

    doing = FLOWS[state.flow].describe(state.slots)
    turn.say(f"That sounds like news — {summary[0].lower()}{summary[1:]}"
             + (f"\n(We'll come back to {doing} afterwards.)" if leaves else ""),
             [Button("Yes, record it", f"{PREFIX}y:{meaning.intent}:{app.id}:{detail}"),
              Button("No, it's my answer", f"{PREFIX}answer"),
              Button("Carry on", f"{PREFIX}keep")])
    return True


def news_during_setup(turn: Turn, text: str, commands: tuple[str, ...]) -> bool:
    """News typed while the profile is being set up ("acme said no" at the name question) is
    not taken as the answer: the user is asked to tell it again once the setup is done. True
    when it was news."""
    if len(text.split()) < 3:
        return False
    meaning = meaning_of(turn, text, commands)
    is_news = meaning.kind == EVENT or meaning.intent == "debrief"
    if not is_news or not meaning.company.said:
        return False
    turn.say(f"That sounds like news about {meaning.company.said} — I'll take it as soon as "
             "we've finished setting up (a few quick questions). Then tell me again: "
             f"“{text.strip()}”.")
    return True


def typed_reply(engine: Engine, turn: Turn, text: str) -> bool:
    """"yes" / "no" typed to "That sounds like news — …?" answers that question, not the flow's
    (a "yes" must not become a round's name); anything else drops the question. True if used."""
    state = turn.state
    if state is None:
        return False
    pending = state.slots.pop("_news_yes", None)
    if not pending or state.slots.get("_news_step") != state.step:
        return False
    word = " ".join(text.casefold().split()).strip(" .!")
    if is_yes(word) or word in ("yes, record it", "record it"):
        press(engine, turn, pending)
    elif is_no(word) or word in ("no, it's my answer", "it's my answer", "its my answer",
                                 "my answer"):
        _use_as_answer(engine, turn)
    elif word in ("carry on", "continue", "keep going"):
        _back_to_flow(engine, turn)
    else:
        state.slots.pop("_news_text", None)
        state.slots.pop("_news_step", None)
        return False
    return True


# ---- questions and requests ---------------------------------------------------------------------

def _question(engine: Engine, turn: Turn, meaning: Meaning) -> None:
    if meaning.intent == "question_status":
        engine.command(turn, "status", "")
    elif meaning.intent == "question_followup":
        _about(turn, meaning, _no_news)
    else:
        table = [r for r in _rows(turn) if r.active]
        if not table:
            turn.say("Nothing waiting on you right now. Had an interview? Let's record it — "
                     "the thank-you letters come next.", smalltalk.likely_actions(turn))
            return
        lines = ["Here's what I'd do next:"]
        for row in table[:5]:
            due = f" (by {smalltalk.short_date(row.due)})" if row.due else ""
            lines.append(f"• {row.company}: {row.next_action}{due}")
        turn.say("\n".join(lines), smalltalk.likely_actions(turn, 3))


def _rows(turn: Turn):  # type: ignore[no-untyped-def]
    from bot.records.pipeline import rows

    return rows(turn) if turn.repo.applications() else []


def _no_news(turn: Turn, app: Application, meaning: Meaning | None) -> None:
    text, buttons = smalltalk.waiting_advice(turn, app)
    turn.say(text, buttons)


def _request(engine: Engine, turn: Turn, meaning: Meaning) -> None:
    from bot.conversation.news_events import snooze, stop_reminders

    if meaning.intent == "snooze":
        snooze(engine, turn, meaning.snooze)
    else:
        stop_reminders(engine, turn, _one_app(turn, meaning))
