"""`delete`: after a clear confirmation, erase every row the user owns in every table —
nudges, events, conversation, button tokens, outcomes, interviews, applications, the user."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete

from bot.conversation.flows.base import Flow, Step
from bot.messages import Button
from bot.turn import Turn
from storage.models import Base
from storage.repository import Repository

CONFIRM_WORDS = {"delete", "yes", "y", "yes, delete everything", "yes delete everything",
                 "delete everything", "yes, delete", "yes delete"}


def erase_user(repo: Repository) -> dict[str, int]:
    """Delete every row of this user, children first, the user's own row last.

    Generic over the schema: every table with a `user_id` column. Returns rows per table.
    """
    session, user_id = repo.session, repo.user.id
    session.flush()
    erased: dict[str, int] = {}
    for table in reversed(Base.metadata.sorted_tables):
        if "user_id" in table.c:
            result = session.execute(delete(table).where(table.c.user_id == user_id))
            erased[table.name] = int(getattr(result, "rowcount", 0) or 0)
    users = Base.metadata.tables["users"]
    session.execute(delete(users).where(users.c.id == user_id))
    erased["users"] = 1
    # the ORM must not try to write vanished rows back at commit
    for row in list(session.identity_map.values()):
        if row is repo.user or getattr(row, "user_id", None) == user_id:
            session.expunge(row)
    return erased


def _confirm(text: str, turn: Turn) -> bool:
    return " ".join(text.casefold().replace("“", "").replace("”", "").split()).strip(
        " .!") in CONFIRM_WORDS


def _prompt(turn: Turn) -> str:
    repo = turn.repo
    apps = len(repo.applications())
    what = (f"your {apps} application{'s' if apps != 1 else ''}, every interview and "
            "interviewer, letters' status, offers, lessons, references, reminders" if apps
            else "your profile and anything else I noted")
    return (f"This erases everything I know about you — {what} and your settings — for good. "
            "It can't be undone. Want a copy first? Press “Export my data first”.\n\n"
            "Delete everything? Type “delete” to confirm; anything else keeps your data.")


def _finish(turn: Turn, slots: dict[str, Any]) -> None:
    if not slots.get("confirm"):
        turn.say("Okay — I kept everything. Nothing was deleted.")
        return
    erased = erase_user(turn.repo)
    rows = sum(erased.values())
    apps = erased.get("applications", 0)
    nudges = erased.get("nudges", 0)
    turn.facts_changed.clear()
    turn.say(
        f"Done. I've erased everything I had about you: {apps} application"
        f"{'s' if apps != 1 else ''}, their interviews and notes, {nudges} reminder"
        f"{'s' if nudges != 1 else ''}, your settings — {rows} records in all. No reminders "
        "will come. If you write to me again, we'll start from scratch. Good luck out there!"
    )


DELETE = Flow(
    "delete",
    (Step("confirm", _prompt, _confirm,
          choices=(Button("Yes, delete everything", "delete"), Button("Keep my data", "keep"),
                   Button("Export my data first", "/export")),
          help="“delete” (or “yes”) erases all your data for good; anything else keeps it."),),
    _finish,
    describe=lambda slots: "deleting your data",
    on_cancel="Okay — I kept everything. Nothing was deleted.",
)
