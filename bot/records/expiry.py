"""Advice has a moment: once it has passed, the digest and `status` stop repeating it.

An offer whose reply deadline is gone is asked about once ("Did you decide on Acme's offer?");
thank-you letters whose window is gone (the day after the interview) get one "late is better than
never"; after that, silence — the item falls back to whatever else is next, or to nothing. "Once"
is remembered as an event on the application, keyed by the deadline or the interview, so a new
deadline or a new round starts afresh.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from bot.formatting import possessive
from storage.models import Application, Interview
from storage.repository import Repository

SAID = "advice_said"  # an event: this expired item was said once (data: what, key)
THANKS_WINDOW = timedelta(days=1)  # the same day, at the latest the next day


@dataclass(frozen=True)
class Expired:
    """An item whose moment has passed: what to say the one time (None: nothing, ever)."""

    what: str  # "offer" or "thanks"
    key: str  # the deadline or the interview it was about
    once: str


def offer_deadline(repo: Repository, app: Application) -> date | None:
    """The reply deadline of the application's open offer, if one was noted."""
    deadlines = [o.reply_deadline for o in repo.offers(open_only=True)
                 if o.application_id == app.id and o.reply_deadline is not None]
    return max(deadlines, default=None) or app.offer_deadline


def expired_offer(repo: Repository, app: Application, today: date) -> Expired | None:
    if app.status != "offer":
        return None
    deadline = offer_deadline(repo, app)
    if deadline is None or deadline >= today:
        return None
    return Expired("offer", deadline.isoformat(),
                   f"did you decide on {possessive(app.company)} offer? (“offer” to record it)")


def expired_thanks(app: Application, last: Interview | None, pending: list[str],
                   today: date, held: date) -> Expired | None:
    if not pending or last is None or held + THANKS_WINDOW >= today:
        return None
    return Expired("thanks", str(last.id),
                   f"late is better than never: a short thank-you to {', '.join(pending)} "
                   "still makes a good impression")


def said_before(repo: Repository, app: Application, expired: Expired) -> bool:
    return any(e.data.get("what") == expired.what and e.data.get("key") == expired.key
               for e in repo.events((SAID,), app))


def note_said(repo: Repository, app: Application, expired: Expired, now: datetime) -> None:
    """Remember that the one-time line was shown, so it is not shown again."""
    if not said_before(repo, app, expired):
        repo.log(SAID, now, app, what=expired.what, key=expired.key)
