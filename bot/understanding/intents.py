"""Talk like a person: free text outside a flow ("I got an offer from Acme", "Acme turned me
down", "second interview with Acme on Tuesday", "just had an interview at Globex", "sent the
thank-you to Jane") starts or completes the matching flow with what was said filled in."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.messages import Button
from bot.turn import Turn

if TYPE_CHECKING:
    from bot.conversation.flows.base import Runner

COMPANY = r"(?P<company>[\w&.'’ -]{1,60}?)"
WHEN = r"(?:\s+(?:on|for|at|this|next)?\s*(?P<when>.+?))?"
END = r"[\s.!?]*$"


@dataclass(frozen=True)
class Intent:
    """A phrase shape and the flow it leads to."""

    name: str
    patterns: tuple[re.Pattern[str], ...]
    flow: str
    needs_application: bool = True


def _p(*patterns: str) -> tuple[re.Pattern[str], ...]:
    return tuple(re.compile(p, re.IGNORECASE) for p in patterns)


INTENTS = (
    Intent("offer", _p(
        rf"^(?:i\s+)?(?:got|received|have|get)\s+(?:an?\s+|the\s+)?(?:job\s+)?offer\s+(?:from|at|with)\s+{COMPANY}{END}",
        rf"^{COMPANY}\s+(?:made|gave|sent|offered)\s+(?:me\s+)?(?:an?\s+)?(?:job\s+)?(?:offer|me the job){END}",
        rf"^(?:an?\s+)?offer\s+from\s+{COMPANY}{END}",
    ), "offer"),
    Intent("rejection", _p(
        rf"^{COMPANY}\s+(?:turned|turns)\s+me\s+down{END}",
        rf"^{COMPANY}\s+(?:rejected|declined|passed on)\s+me{END}",
        rf"^(?:i\s+was\s+|i\s+got\s+|got\s+)?rejected\s+(?:by|from|at)\s+{COMPANY}{END}",
        rf"^(?:i\s+)?did(?:n't|n’t| not)\s+get\s+(?:the\s+)?(?:job\s+|role\s+|position\s+)?(?:at|with)\s+{COMPANY}{END}",
        rf"^(?:a\s+)?(?:rejection|no)\s+from\s+{COMPANY}{END}",
    ), "rejection"),
    Intent("second_round", _p(
        rf"^(?:i\s+(?:have|got)\s+)?(?:a\s+)?(?:second|2nd|third|3rd|final|next)\s+(?:interview|round)\s+(?:with|at)\s+{COMPANY}{WHEN}{END}",
        rf"^{COMPANY}\s+(?:invited|wants|asked)\s+me\s+(?:to|for)\s+(?:a\s+)?(?:second|2nd|third|3rd|final|next)\s+(?:interview|round){WHEN}{END}",
    ), "second_round"),
    Intent("debrief", _p(
        rf"^(?:i\s+)?(?:just\s+)?(?:had|did|finished|completed)\s+(?:an?\s+|my\s+)?(?:job\s+)?interview\s+(?:at|with)\s+{COMPANY}(?:\s+(?:today|just now|this morning|this afternoon))?{END}",
        rf"^(?:i\s+)?(?:just\s+)?interviewed\s+(?:at|with)\s+{COMPANY}(?:\s+(?:today|just now|this morning|this afternoon))?{END}",
    ), "debrief", needs_application=False),
)

THANKS_SENT = re.compile(
    r"^(?:i\s+)?(?:just\s+)?(?:sent|emailed|mailed|wrote)\s+(?:the\s+|my\s+|a\s+)?(?:thank[- ]?you(?:\s+(?:letter|note|email))?|thanks)\s+(?:letter\s+|note\s+|email\s+)?to\s+(?P<name>.+?)[\s.!]*$",
    re.IGNORECASE,
)


def understand(runner: Runner, turn: Turn, text: str) -> bool:
    """True when the text was understood and handled."""
    text = text.strip()
    if len(text) > 300:
        return False
    match = THANKS_SENT.match(text)
    if match:
        return _thanks_sent(turn, match.group("name"))
    for intent in INTENTS:
        for pattern in intent.patterns:
            found = pattern.match(text)
            if found is None:
                continue
            company = found.group("company").strip(" .,'’")
            when = (found.groupdict().get("when") or "").strip()
            return _start(runner, turn, intent, company, when)
    return False


def _start(runner: Runner, turn: Turn, intent: Intent, company: str, when: str) -> bool:
    if intent.flow not in runner.flows:
        return False
    app = turn.repo.find_application(company, active_only=intent.needs_application, cutoff=0.75)
    if intent.flow == "debrief":
        runner.start(turn, "debrief", args=app.company if app else company)
        return True
    if app is None:
        turn.say(f"I don't have an application at {company} yet. Shall I record it? A quick "
                 "debrief of your interview there comes first.",
                 [Button(f"Yes, record {company[:40]}", f"/debrief {company[:60]}"),
                  Button("No", "/status")])
        return True
    turn.user.last_application_id = app.id
    slots = {"application_id": app.id, "company": app.company}
    runner.start(turn, intent.flow, slots, args=when)
    return True


def _thanks_sent(turn: Turn, name: str) -> bool:
    name = name.strip(" .,!")
    people = []
    for app in turn.repo.applications(active_only=True):
        latest = turn.repo.latest_interview(app)
        if latest is not None:
            people += [(p, app) for p in turn.repo.interviewers(latest)]
    if not people:
        return False
    by_name = {p.name.casefold(): (p, app) for p, app in people}
    first_names = {p.name.split()[0].casefold(): (p, app) for p, app in people if p.name.split()}
    key = name.casefold()
    hit = by_name.get(key) or first_names.get(key)
    if hit is None:
        close = difflib.get_close_matches(key, list(by_name) + list(first_names), n=1, cutoff=0.8)
        hit = (by_name.get(close[0]) or first_names.get(close[0])) if close else None
    if hit is None:
        names = ", ".join(p.name for p, _ in people[:6])
        turn.say(f"I couldn't find {name[:60]} among your interviewers ({names}). Who was it?")
        return True
    person, app = hit
    if person.thank_you_state != "sent":
        person.thank_you_state, person.thank_you_sent_at = "sent", turn.now
        turn.repo.log("thanks_sent", turn.now, app, interviewer=person.name)
        turn.changed(app.id)
    pending = [p.name for p, a in people if a.id == app.id and p.thank_you_state != "sent"]
    rest = (f" Still to go at {app.company}: {', '.join(pending)}." if pending
            else f" That's every thank-you for {app.company} — well done.")
    turn.say(f"Marked your thank-you to {person.name} ({app.company}) as sent.{rest}")
    return True

