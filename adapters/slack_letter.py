"""Slack's letter editor: `/afterview letter` opens the last letter drafted in a modal with one
multi-line input, prefilled with the text as it stands, and so does the "Edit this letter" button
under a letter (for that letter); Save sends the new text through the engine (`letter <id>
replace …`), which keeps it, proofreads it again and answers in the DM."""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Mapping
from typing import Any

from bot.conversation.engine import Engine
from bot.messages import Incoming, UserKey
from bot.records.letters import draft_of, latest
from storage.models import Letter
from storage.repository import Repository

log = logging.getLogger(__name__)

LETTER_CALLBACK = "afterview_letter"
LETTER_WORDS = frozenset({"letter"})
BLOCK, VALUE = "letter", "value"
MAX_INPUT = 3000  # Slack's limit for a plain_text_input

Block = dict[str, Any]


def _is_number(text: str) -> bool:
    """ASCII digits only, at most 9 ("⑤" and "²" are digits to str.isdigit, not to int)."""
    return bool(re.fullmatch(r"[0-9]{1,9}", text))



def letter_modal(letter_id: int, subject: str, body: str) -> Block:
    """The editor: the subject as context, the whole letter in one multi-line input."""
    return {
        "type": "modal", "callback_id": LETTER_CALLBACK,
        "title": {"type": "plain_text", "text": "Edit your letter"},
        "submit": {"type": "plain_text", "text": "Save"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "private_metadata": str(letter_id),
        "blocks": [
            {"type": "context", "elements": [{"type": "plain_text",
                                              "text": f"Subject: {subject}"[:150]}]},
            {"type": "input", "block_id": BLOCK,
             "label": {"type": "plain_text", "text": "Your letter, as you want it sent"},
             "element": {"type": "plain_text_input", "action_id": VALUE, "multiline": True,
                         "max_length": MAX_INPUT, "initial_value": body[:MAX_INPUT]}},
        ],
    }


def read_letter(values: Any) -> str:
    """The typed letter from view.state.values ("" for shapes Slack never sends)."""
    if not isinstance(values, Mapping):
        return ""
    block = values.get(BLOCK)
    element = block.get(VALUE) if isinstance(block, Mapping) else None
    value = element.get("value") if isinstance(element, Mapping) else None
    return value.encode("utf-8", "replace").decode("utf-8") if isinstance(value, str) else ""


def edit_button(value: str | None) -> int | None:
    """The letter an "Edit this letter" button is for (its value: "/letter 12"), else None."""
    found = re.fullmatch(r"/letter ([0-9]{1,9})", value or "")
    return int(found.group(1)) if found else None


def letter_view(engine: Engine, user: UserKey, letter_id: int | None = None) -> Block | None:
    """The editor for the user's letter `letter_id` (their last one without it); None when
    they have no such letter (the chat says so)."""
    with engine.db.session() as session:
        repo = Repository.for_key(session, user.platform, user.workspace, user.user_id,
                                  create=False)
        if repo is None:
            return None
        row = latest(repo) if letter_id is None else repo.get(Letter, letter_id)
        if row is None:
            return None
        draft = draft_of(repo, row)
        return letter_modal(row.id, draft.subject, draft.body)


async def open_letter(adapter: Any, user: UserKey, trigger_id: str,
                      fallback: Incoming, letter_id: int | None = None) -> None:
    """Open the editor (of `letter_id`, else the last letter); without a letter or a
    trigger, the chat answers instead."""
    view = await asyncio.to_thread(letter_view, adapter.engine, user, letter_id)
    try:
        if view is None or not trigger_id:
            raise LookupError("no letter to edit")
        client = await adapter._client_for(user)  # the token of the user's workspace
        await adapter._call(lambda: client.views_open(trigger_id=trigger_id, view=view))
    except Exception as error:  # noqa: BLE001 - any failure falls back to the chat
        log.info("slack: letter editing continues in the DM (%s)", error)
        await adapter._turn(user, fallback)


def submitted(user: UserKey, view: Mapping[str, Any]) -> Incoming | None:
    """The engine command for a Save; None when the form is empty or not ours."""
    letter_id = str(view.get("private_metadata") or "")
    state = view.get("state")
    text = read_letter(state.get("values") if isinstance(state, Mapping) else None)
    if not _is_number(letter_id) or not text.strip():
        return None
    return Incoming.command(user, "letter", f"{letter_id} replace\n{text}")
