"""Answers that change nothing: greetings, thanks, menus, "I'm not sure what you mean", the
likely next actions (chosen from the user's state), questions, hopes, and "no news yet" advice
for the dates (wait, follow up now, or the next check-in under the seven-day rule)."""

from __future__ import annotations

import re
from datetime import date, timedelta

from sqlalchemy import select

from bot.formatting import short_date
from bot.messages import Button
from bot.nudges.planner import facts_for, prefs_for
from bot.nudges.rules import (
    CONTACT_KINDS,
    business_day_on_or_after,
    next_business_day,
    plan_application,
)
from bot.records.pipeline import rows
from bot.turn import Turn
from bot.understanding.meaning import Meaning
from storage.models import Application, Nudge

EXAMPLES = ("Tell me news the way you'd tell a friend — “Acme said no”, “offer from Acme”, "
            "“second interview with Acme on Tuesday”, “just had an interview at Globex”.")


ABOUT = ("I'm Afterview, your coach for everything after a job interview: a personal thank-you "
         "letter for each interviewer, the right moment to follow up, offers and negotiation, "
         "and what to learn from a no — and I nudge you when something's due.")


def likely_actions(turn: Turn, limit: int = 3) -> list[Button]:
    """The next things this user most likely wants, from where they stand."""
    buttons: list[Button] = []
    today = turn.local_now.date()
    table = rows(turn) if turn.repo.applications() else []
    for row in table:
        if not row.active:
            continue
        if row.pending_thanks:
            buttons.append(Button("Draft thank-yous", f"/thanks {row.company}"))
        elif row.stage == "offer received":
            buttons.append(Button(f"Open {row.company}'s offer", f"/offer {row.company}"))
        elif row.due is not None and row.due < today:
            buttons.append(Button(f"Follow up with {row.company}", f"/followup {row.company}"))
    if table:
        buttons.append(Button("My pipeline", "/status"))
        buttons.append(Button("Log news", "/outcome"))
    buttons.append(Button("Record an interview", "/debrief"))
    buttons.append(Button("What can you do?", "/help"))
    buttons.append(Button("Settings", "/settings"))
    seen: list[Button] = []
    for button in buttons:
        if button.label not in {b.label for b in seen}:
            seen.append(button)
    return seen[:limit]


# narrower than the understanding's "greeting" intent (phrasings.yaml), which also reads a
# greeting at the start of a longer message: here the whole message must be one, and a bare
# "morning" or "evening" is left out, as it can answer a question ("when?")
_GREETING_ONLY = re.compile(
    r"(?:hi|hii+|hello|helo|hallo|hey|heya|hiya|howdy|yo|hola|greetings|good (?:morning|afternoon|"
    r"evening|day))(?: (?:there|again|afterview|bot|all))?")


def greeting_only(text: str) -> bool:
    """True for a message that is a greeting and nothing else ("hello", "Hi there!", "good
    morning 👋") — never the answer to a question, and with no news in it."""
    letters = "".join(ch if ch.isalnum() or ch in " '" else " " for ch in text.casefold())
    return _GREETING_ONLY.fullmatch(" ".join(letters.split())) is not None


def greet_in_flow(turn: Turn, doing: str) -> None:
    """A greeting typed in the middle of a conversation: said back, and where we were (the
    caller asks the question again)."""
    turn.say(f"Hi{_name(turn)}! We're {doing} — let's carry on where we were.")


def _name(turn: Turn) -> str:
    name = (turn.user.display_name or "").split()
    return f" {name[0]}" if name else ""


def small_talk(turn: Turn, meaning: Meaning) -> None:
    """A short natural answer and two to four buttons for what's likely next."""
    intent = meaning.intent
    pending = [r for r in (rows(turn) if turn.repo.applications() else [])
               if r.active and r.pending_thanks]
    if intent == "greeting":
        hint = (f" Your thank-you{'s' if len(pending[0].pending_thanks) > 1 else ''} to "
                f"{', '.join(pending[0].pending_thanks)} ({pending[0].company}) "
                "would be a good thing to do today." if pending else " What's new?")
        turn.say(f"Hi{_name(turn)}!{hint}", likely_actions(turn, 4))
    elif intent == "thanks":
        turn.say("You're welcome — glad to help. 🙂", likely_actions(turn, 3))
    elif intent == "bye":
        turn.say("Bye for now — I'll nudge you when something's due. Good luck!",
                 likely_actions(turn, 2))
    elif intent == "menu":
        asked = meaning.text.casefold()
        intro = (ABOUT + " " if any(w in asked for w in ("who are", "what are", "how does",
                                                         "how do", "what can", "what do"))
                 else "Here's what I'd suggest now. ")
        turn.say(intro + EXAMPLES + " “help” lists every command.", likely_actions(turn, 4))
    elif intent == "restart":
        turn.say("We're not in the middle of anything — where would you like to start?",
                 likely_actions(turn, 4))
    elif intent == "feeling":
        turn.say("Job hunting is a rollercoaster — whatever you're feeling is normal. One small "
                 "step today is plenty; here's what I'd pick:", likely_actions(turn, 3))
    else:  # ok, cool, yes…
        turn.say("👍 Anything else? " + EXAMPLES, likely_actions(turn, 3))


def unknown(turn: Turn, meaning: Meaning) -> None:
    intent = meaning.intent
    if intent == "no_words":
        turn.say("I read words rather than pictures, I'm afraid — tell me in a sentence what "
                 "happened. Nothing changed.", likely_actions(turn))
    elif intent == "foreign":
        turn.say("Sorry — I only understand English so far. Nothing changed. " + EXAMPLES,
                 likely_actions(turn))
    elif intent == "did_you_mean":
        words = meaning.suggestions[:3]
        turn.say("Did you mean " + " or ".join(f"“{w}”" for w in words) + "?",
                 [Button(w.capitalize(), f"/{w}") for w in words])
    else:
        turn.say("I'm not sure what you mean — nothing changed. " + EXAMPLES,
                 likely_actions(turn))


def not_an_event(turn: Turn, meaning: Meaning, app: Application | None) -> None:
    """Hopes, plans, questions, someone else's news: a helpful answer; nothing stored."""
    they = f"{app.company} makes" if app else "they make"
    topic = meaning.topic
    if topic == "offer":
        text = (f"Fingers crossed! If {they} an offer, don't accept on the spot: thank "
                "them, ask for it in writing and for a couple of business days to decide. Tell "
                "me when it comes (“I got an offer from …”) and I'll help you weigh it.")
    elif topic in ("rejection", "no_news"):
        text = ("Nothing is decided until they tell you — and waiting is the hardest part. Keep "
                "your search going meanwhile. When you hear, just tell me.")
    elif topic in ("accepted", "declined", "withdrew"):
        text = ("A big decision — take the time you need. Weigh it on the terms in writing, "
                "not on nerves; “offer” compares offers side by side. Tell me once you've "
                "decided and I'll draft the letter.")
    elif topic == "later_round":
        text = ("Good luck! When they invite you to the next round, tell me the day and I'll "
                "remind you to prepare the day before.")
    else:
        text = "Noted — nothing changed. " + EXAMPLES
    turn.say(text if text.startswith("Noted") else text + " (Nothing changed.)",
             likely_actions(turn))


# ---- "no news yet" ---------------------------------------------------------------------------

def _day(day: date) -> str:
    return short_date(day)


def waiting_advice(turn: Turn, app: Application) -> tuple[str, list[Button]]:
    """What to do while waiting, from the dates and the seven-day rule of the nudges."""
    follow = [Button(f"Follow up with {app.company}", f"/followup {app.company}")]
    if not app.is_active:
        return (f"{app.company} is closed ({app.status}). If they got back in touch, tell me "
                "what they said.", [])
    if app.status == "offer":
        return (f"You have an offer from {app.company} — no need to chase; the next move is "
                "yours.", [Button("Open the offer", f"/offer {app.company}")])
    today = turn.local_now.date()
    if app.next_interview_at is not None and app.next_interview_at > turn.now:
        when = app.next_interview_at.astimezone(turn.tz)
        return (f"Your next interview at {app.company} is {_day(when.date())} at "
                f"{when:%H:%M} — nothing to chase before then.",
                [Button("Prep pack", f"/prep {app.company}")])
    interview = turn.repo.latest_interview(app)
    decision = interview.decision_expected if interview else None
    if decision is not None and decision >= today:
        after = next_business_day(decision)
        return (f"No news is normal before the decision date: {app.company} expects to decide "
                f"by {_day(decision)}. Wait until then and keep your search going — if you "
                f"hear nothing, I'll help you follow up on {_day(after)}.",
                [Button("My pipeline", "/status")])
    nudges = list(turn.repo.session.scalars(select(Nudge).where(
        Nudge.user_id == turn.user.id, Nudge.application_id == app.id)))
    facts = facts_for(turn.repo, app, nudges)
    prefs = prefs_for(turn.user)
    if decision is not None and not facts.followed_up:
        return (f"Their decision date ({_day(decision)}) has passed — a short, polite follow-up "
                "now is the right move. It's normal and it shows interest.", follow)
    planned = [p for p in plan_application(facts, prefs, turn.now) if p.kind in CONTACT_KINDS]
    if planned:
        due = planned[0].due_at.astimezone(turn.tz).date()
        if due <= today:
            return (f"It's been a week since you last contacted {app.company} — a short check-in "
                    "today is fine.", follow)
        last = facts.last_contact_at.astimezone(turn.tz).date() if facts.last_contact_at \
            else None
        since = f" (your last message was {_day(last)})" if last else ""
        return (f"Give {app.company} a week between messages{since}: your next check-in is "
                f"{_day(due)}. I'll remind you then — meanwhile, keep your options open.",
                [Button("My pipeline", "/status")])
    if interview is None:
        return (f"I have no interview recorded at {app.company} yet — “debrief” records one, "
                "and I'll tell you when to follow up.", [Button("Record an interview",
                                                                 f"/debrief {app.company}")])
    assumed = business_day_on_or_after(interview.starts_at.astimezone(turn.tz).date()
                                       + timedelta(days=7))
    if assumed > today:
        return (f"It's early days — give {app.company} until about {_day(assumed)} (a week after "
                "the interview) before following up.", [Button("My pipeline", "/status")])
    return (f"It's been over a week since your interview at {app.company} — a short, polite "
            "follow-up now is fine.", follow)
