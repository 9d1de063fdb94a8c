"""Slack's edit form: one application's facts as a modal of text fields, prefilled with what is
stored; the submission is read back as form id -> typed text for `bot.records.edits`."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping, Sequence
from typing import Any

from adapters.base import DeliveryError
from bot.conversation.engine import Engine
from bot.messages import Button, Incoming, Reply, UserKey
from bot.nudges.planner import replan
from bot.records.edits import apply_form, form_fields
from bot.turn import Turn
from storage.repository import Repository

log = logging.getLogger(__name__)

EDIT_CALLBACK = "afterview_edit"
EDIT_WORDS = frozenset({"edit", "change", "correct"})
VALUE = "value"  # the action_id of every input element
FIELD_LIMIT = 300
MAX_FIELDS = 90  # under the 100 blocks of a view, with the heading

Block = dict[str, Any]


def _plain(text: str) -> Block:
    return {"type": "plain_text", "text": text[:150]}


def edit_modal(application_id: int, company: str,
               fields: Sequence[tuple[str, str, str]]) -> Block:
    """The form: a text field per fact (form id, label, current text); empty ones optional."""
    blocks: list[Block] = [{"type": "section", "text": {
        "type": "mrkdwn", "text": f"Correct anything about *{company[:150]}*. Dates like "
        "“2026-12-09” or “Dec 9”, times like “14:30”; an empty field clears it. Change only "
        "what is wrong — “undo” in our chat reverts it."}}]
    for form_id, label, current in fields[:MAX_FIELDS]:
        element: Block = {"type": "plain_text_input", "action_id": VALUE,
                          "max_length": FIELD_LIMIT}
        if current:
            element["initial_value"] = current[:FIELD_LIMIT]
        blocks.append({"type": "input", "block_id": form_id, "label": _plain(label),
                       "element": element, "optional": True})
    return {"type": "modal", "callback_id": EDIT_CALLBACK, "title": _plain("Edit your records"),
            "submit": _plain("Save"), "close": _plain("Cancel"),
            "private_metadata": str(application_id), "blocks": blocks}


def read_edit(values: Any) -> dict[str, str]:
    """form id -> typed text (an emptied field is ""), from view.state.values; shapes Slack
    never sends are skipped."""
    typed: dict[str, str] = {}
    if not isinstance(values, Mapping):
        return typed
    for form_id, actions in values.items():
        element = actions.get(VALUE) if isinstance(actions, Mapping) else None
        if isinstance(form_id, str) and isinstance(element, Mapping):
            value = element.get("value")
            typed[form_id] = (value if isinstance(value, str) else "").encode(
                "utf-8", "replace").decode("utf-8")
    return typed


# ---- the database work of the form (run in a thread) -------------------------------------------

def slack_edit_view(engine: Engine, user: UserKey, company: str) -> Block | None:
    """The form for the application named, or the user's only one; None when the chat should
    ask which (none named among several, or none at all)."""
    with engine.db.session() as session:
        repo = Repository.for_key(session, user.platform, user.workspace, user.user_id,
                                  create=False)
        if repo is None:
            return None
        apps = repo.applications()
        app = repo.find_application(company) if company else (apps[0] if len(apps) == 1
                                                               else None)
        if app is None:
            return None
        turn = Turn(repo, engine.clock.now())
        return edit_modal(app.id, app.company, form_fields(repo, app, turn.tz))


def slack_edit_save(engine: Engine, user: UserKey, application_id: str,
                    typed: dict[str, str]) -> tuple[dict[str, str], list[Reply]]:
    """Store the form's changes in one transaction and re-plan: (errors by field, replies)."""
    now = engine.clock.now()
    with engine.db.session() as session:
        repo = Repository.for_key(session, user.platform, user.workspace, user.user_id,
                                  create=False)
        app = repo.application(int(application_id)) if repo is not None and \
            application_id.isdigit() else None
        if repo is None or app is None:
            return {}, [Reply("That application isn't there anymore — nothing changed.")]
        turn = Turn(repo, now)
        errors, said = apply_form(repo, app, typed, now, turn.tz)
        if errors:
            return errors, []
        if not said:
            return {}, [Reply("Nothing changed — every field was as stored.")]
        replan(repo, now, [app.id])
        turn.changed(app.id)
        for hook in engine.after_turn:
            hook(turn)
        return {}, [Reply("\n".join(said) + "\nYour reminders follow the new facts.",
                          (Button("Undo the last change", "/undo"),
                           Button("My pipeline", "/status")))]


async def open_edit(adapter: Any, user: UserKey, trigger_id: str, company: str,
                    fallback: Incoming) -> None:
    """The edit form for the named (or only) application; else the edit chat, which asks."""
    view = await asyncio.to_thread(slack_edit_view, adapter.engine, user, company)
    try:
        if view is None:
            raise DeliveryError("no single application to edit")
        client = await adapter._client_for(user)  # the token of the user's workspace
        await adapter._call(lambda: client.views_open(trigger_id=trigger_id, view=view))
    except DeliveryError as error:
        log.info("slack: edit continues in the DM (%s)", error)
        await adapter._turn(user, fallback)
