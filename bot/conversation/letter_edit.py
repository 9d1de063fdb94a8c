"""Editing any letter (`letter`): replace the whole draft or one paragraph, apply the
proofreader's fixes with one tap, or go back to the generated draft.

Works for every letter type and in the middle of any flow (the flow's question is asked again
after). The new text comes as the next message (a terminal reads a multi-line paste until a line
with a single "."), as "letter reply <subject or greeting>\\n<text>" from a Telegram reply to
the draft, or from the Slack letter modal.
"""

from __future__ import annotations

import re

from bot.letters.checks import apply, word_count
from bot.letters.editing import (
    MIN_LETTER,
    fix_token,
    paragraph_request,
    paragraphs,
    read_replacement,
    replace_paragraph,
)
from bot.letters.editing import fix_all as apply_all
from bot.letters.lexicon import merged
from bot.messages import Button, Draft, Fix, Reply
from bot.records import letters as store
from bot.turn import Turn
from storage.models import Letter

CANCEL = {"cancel", "stop", "never mind", "nevermind", "leave it", "keep it", "/cancel"}
PASTE_HELP = ("On Telegram you can also reply to the letter with your version; in Slack, "
              "“Edit this letter” or “/afterview letter” opens it in a form. In the terminal, "
              "paste it and finish with a line holding only a full stop “.”.")


def _is_number(text: str) -> bool:
    """ASCII digits only, at most 9 ("⑤" and "²" are digits to str.isdigit, not to int)."""
    return bool(re.fullmatch(r"[0-9]{1,9}", text))



def _row(turn: Turn, ident: str) -> Letter | None:
    if _is_number(ident):
        row = turn.repo.get(Letter, int(ident))
        if row is not None:
            return row
    return store.latest(turn.repo)


def _show(turn: Turn, row: Letter, draft: Draft, said: str) -> None:
    lines = [said]
    if draft.problems:
        count = len(draft.problems)
        lines.append(f"⚠ My proofreading found {count} thing{'s' if count > 1 else ''} "
                     "(marked ⚠ with the letter)"
                     + (" — tap a fix to apply it." if draft.fixes else "."))
    else:
        lines.append("✅ My proofreading found nothing to fix.")
    if row.edited:
        lines.append("The mail link, your export and “Mark sent” use this version.")
    buttons = store.letter_buttons(row.id, draft, store.MAX_BUTTONS - bool(row.edited))
    if row.edited:
        buttons.append(Button("Back to the generated draft", f"/letter {row.id} original"))
    turn.replies.append(Reply("\n".join(lines), tuple(buttons), draft))


def letter_command(turn: Turn, args: str) -> None:
    """`letter [id] [whole|paragraph N|fix N|fixall|original|reply HINT\\nTEXT|TEXT]`."""
    parts = args.strip().split(None, 1)
    ident, rest = (parts[0], parts[1] if len(parts) > 1 else "") \
        if parts and _is_number(parts[0]) else ("", args.strip())
    words = rest.split(None, 1)
    verb = words[0].casefold() if words else ""
    tail = words[1] if len(words) > 1 else ""
    if verb == "reply":
        hint, _, text = rest[len("reply"):].lstrip(" ").partition("\n")
        row = store.find(turn.repo, hint)
        if row is None:
            turn.say("I have no letter of yours to edit yet — “thanks” drafts your thank-you "
                     "letters.")
            return
        _replace(turn, row, text or hint)
        return
    row = _row(turn, ident)
    if row is None:
        turn.say("I have no letter of yours to edit yet — “thanks” drafts your thank-you "
                 "letters.")
        return
    draft = store.draft_of(turn.repo, row)
    if verb in ("", "edit"):
        numbered = "\n".join(f"{n}. {p[:70]}{'…' if len(p) > 70 else ''}"
                             for n, p in enumerate(paragraphs(draft.body), 1))
        turn.say(f"Editing “{row.subject}”. Send your version of the whole letter, or "
                 f"“paragraph 2: …” to replace one paragraph:\n{numbered}\n{PASTE_HELP}",
                 [Button("Replace the whole letter", f"/letter {row.id} whole"),
                  Button("Replace a paragraph", f"/letter {row.id} paragraph"),
                  *([Button("Back to the generated draft", f"/letter {row.id} original")]
                    if row.edited else [])], multiline=True)
        row.awaiting = "whole"
        return
    if verb == "whole":
        row.awaiting = "whole"
        turn.say(f"Send the whole letter as you want it sent — from “Dear …” to your name. "
                 f"I'll proofread it again. {PASTE_HELP}", multiline=True)
        return
    if verb == "paragraph" and paragraph_request(rest) is not None and \
            paragraph_request(rest)[1]:  # type: ignore[index]
        _replace(turn, row, rest)
        return
    if verb == "paragraph":
        parts = paragraphs(draft.body)
        number = tail.strip()
        if _is_number(number) and 1 <= int(number) <= len(parts):
            row.awaiting = f"paragraph {int(number)}"
            turn.say(f"Paragraph {number} now reads:\n“{parts[int(number) - 1]}”\nSend the new "
                     "text for it.", multiline=True)
            return
        turn.say("Which paragraph?", [Button(f"{n}. {' '.join(p.split())[:30]}…",
                                             f"/letter {row.id} paragraph {n}")
                                      for n, p in enumerate(parts, 1)])
        return
    if verb == "fix":
        fix = _fix_of(draft, tail.strip())
        if fix is None:
            _show(turn, row, draft, OUT_OF_DATE)
            return
        _apply(turn, row, draft, fix)
        return
    if verb == "fixall":
        every = [fix for fix in draft.fixes if fix.with_every]
        if tail.strip() and tail.strip() != fix_token(draft.body, *every) or not every:
            _show(turn, row, draft, OUT_OF_DATE if tail.strip() else "Nothing for “Apply "
                  "every fix” to do — here is the letter as it stands.")
            return
        new = store.save_edit(turn.repo, row, row.subject, apply_all(draft.body, every),
                              turn.now)
        _show(turn, row, new, f"Applied {len(every)} fixes.")
        return
    if verb == "replace":
        _replace(turn, row, tail)
        return
    if verb == "original":
        new = store.drop_edit(turn.repo, row)
        _show(turn, row, new, "Back to the generated draft — your edits are gone.")
        return
    _replace(turn, row, rest)


OUT_OF_DATE = ("That fix is out of date — the letter has changed since I offered it, so I "
               "changed nothing. Here is the letter as it stands.")


def _fix_of(draft: Draft, wanted: str) -> Fix | None:
    """The fix a button (its token) or a typed number ("fix 2") asks for, if the letter as
    it stands still has it."""
    if _is_number(wanted):
        number = int(wanted)
        return draft.fixes[number - 1] if 1 <= number <= len(draft.fixes) else None
    return next((fix for fix in draft.fixes if fix_token(draft.body, fix) == wanted), None)


def _apply(turn: Turn, row: Letter, draft: Draft, fix: Fix) -> None:
    """One fix: a word joins the user's own words (every letter is proofread with them), or
    the letter's text changes; the letter is proofread again and shown."""
    if fix.learn:
        turn.user.words = merged(list(turn.user.words or []), [fix.learn])[:500]
        _show(turn, row, store.draft_of(turn.repo, row),
              f"Added “{fix.learn}” to your words — I'll take it as spelled from now on.")
        return
    new = store.save_edit(turn.repo, row, row.subject, apply(draft.body, fix), turn.now)
    if fix.alone:
        said = f"Shortened — the letter is {word_count(new.body)} words now."
    else:
        said = f"Fixed: “{fix.old}” → “{fix.new or '(removed)'}”."
    _show(turn, row, new, said)


def _replace(turn: Turn, row: Letter, text: str) -> None:
    draft = store.draft_of(turn.repo, row)
    request = paragraph_request(text)
    waiting = row.awaiting
    try:
        if request is not None or waiting.startswith("paragraph "):
            number, new_text = request if request is not None else \
                (int(waiting.split()[1]), text)
            if not new_text.strip():
                raise ValueError("Send the new text for the paragraph after its number.")
            body = replace_paragraph(draft.body, number, new_text)
            subject = row.subject
        else:
            subject, body = read_replacement(text, row.subject)
    except ValueError as error:
        turn.say(f"{error} (“cancel” keeps the letter as it is.)", multiline=True)
        return
    new = store.save_edit(turn.repo, row, subject, body, turn.now)
    _show(turn, row, new, "Saved your version.")


def take(turn: Turn, text: str) -> bool:
    """The text the bot was waiting for (a pasted letter or paragraph): used, True. "cancel"
    stops waiting and keeps the letter. False when nothing is awaited."""
    row = store.awaiting(turn.repo)
    if row is None:
        return False
    said = " ".join(text.casefold().split())
    if said in CANCEL:
        row.awaiting = ""
        turn.say("Okay — the letter stays as it was.")
        return True
    short = len(text.strip()) < (MIN_LETTER if row.awaiting == "whole" else 3)
    if (short or said in busy_words) and paragraph_request(text) is None:
        row.awaiting = ""  # an answer to something else: the letter is left alone
        return False
    _replace(turn, row, text)
    return True


busy_words: set[str] = set()
"""Command words: never taken as a letter (filled in by the command table)."""
