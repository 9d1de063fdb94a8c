"""Where each letter's versions are kept: every draft shown is remembered by its key; an edited
one is what the user sees, mails, exports and marks sent from then on."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from bot.letters.editing import edited_draft, fix_token, letter_key
from bot.letters.lexicon import merged, user_words
from bot.messages import Button, Draft
from bot.turn import DRAFT_HOOKS, Turn
from storage.models import Letter
from storage.repository import Repository


def _row(repo: Repository, key: str) -> Letter | None:
    return repo.session.scalars(select(Letter).where(Letter.user_id == repo.user_id,
                                                     Letter.key == key)).first()


def letters(repo: Repository) -> list[Letter]:
    """This user's letters, the one shown last first."""
    return list(repo.session.scalars(select(Letter).where(Letter.user_id == repo.user_id)
                                     .order_by(Letter.shown_at.desc(), Letter.id.desc())))


def latest(repo: Repository) -> Letter | None:
    found = letters(repo)
    return found[0] if found else None


def awaiting(repo: Repository) -> Letter | None:
    """The letter whose replacement the bot is waiting for, if any (none, without a query,
    when the turn's first read found none waiting)."""
    if repo.letter_awaited is False:
        return None
    return repo.session.scalars(select(Letter).where(Letter.user_id == repo.user_id,
                                                     Letter.awaiting != "")).first()


def find(repo: Repository, hint: str) -> Letter | None:
    """The letter a reply points at: by its subject, else by a line of its text; else the
    latest."""
    hint = " ".join(hint.split()).casefold()
    if hint:
        rows = letters(repo)
        for row in rows:
            if row.subject.casefold() == hint:
                return row
        for row in rows:
            if hint in " ".join(f"{row.original} {row.edited}".split()).casefold():
                return row
    return latest(repo)


def draft_of(repo: Repository, row: Letter) -> Draft:
    """The letter as the user will send it: their version when they edited it."""
    body = row.edited or row.original
    return edited_draft(row.subject, body, to=row.recipient, facts=list(row.facts or []),
                        words=list(repo.user.words or []))


def remember(repo: Repository, draft: Draft, now: datetime) -> tuple[Draft, Letter]:
    """Keep the draft being shown; return the user's edited version instead when there is one
    (a regenerated draft never overwrites what they wrote), and the stored letter."""
    key = letter_key(draft)
    row = _row(repo, key)
    if row is None:
        row = Letter(user_id=repo.user_id, key=key, subject=draft.subject)
        repo.session.add(row)
    if not row.edited:
        row.subject = draft.subject
    row.recipient, row.original = draft.to or "", draft.body
    row.facts, row.shown_at = list(draft.facts), now
    repo.session.flush()
    if row.edited:
        return draft_of(repo, row), row
    return draft, row


def save_edit(repo: Repository, row: Letter, subject: str, body: str, now: datetime) -> Draft:
    """Store the user's version (its proper nouns join their lexicon) and return it proofread."""
    row.subject, row.edited, row.edited_at, row.awaiting = subject, body, now, ""
    learnt = user_words(body)
    facts = {w.casefold() for fact in row.facts or [] for w in str(fact).split()}
    words = [w for w in learnt if w.casefold() not in facts and not w.startswith("Dear")]
    if words:
        repo.user.words = merged(list(repo.user.words or []), words)[:500]
    repo.session.flush()
    return draft_of(repo, row)


def drop_edit(repo: Repository, row: Letter) -> Draft:
    row.edited, row.edited_at, row.awaiting = "", None, ""
    return draft_of(repo, row)


def mark_sent(repo: Repository, draft: Draft, now: datetime) -> Letter | None:
    """The letter (as the user's version) is sent: remembered with the time."""
    row = _row(repo, letter_key(draft))
    if row is not None:
        row.sent_at, row.awaiting = now, ""
    return row


MAX_BUTTONS = 5  # a message carries at most five


def letter_buttons(letter_id: int, draft: Draft, room: int = MAX_BUTTONS) -> list[Button]:
    """Under a letter: one tap per fix (a shortening first, then the words to learn: the ones
    "Apply every fix" leaves out), all fixes together, and editing it — `room` buttons at
    most. Each carries a token of the fix and the text it was found in, so a press after the
    letter changed applies nothing."""
    every = [fix for fix in draft.fixes if fix.with_every]
    together = [Button("Apply every fix", f"/letter {letter_id} fixall "
                                          f"{fix_token(draft.body, *every)}")] \
        if len(every) > 1 else []
    ordered = sorted(draft.fixes, key=lambda fix: (not fix.alone, fix.with_every))
    buttons = [Button(fix.label or f"Fix: {fix.old[:24]} → {fix.new[:24] or '(remove)'}",
                      f"/letter {letter_id} fix {fix_token(draft.body, fix)}")
               for fix in ordered[:max(0, room - 1 - len(together))]]
    return [*buttons, *together, Button("Edit this letter", f"/letter {letter_id}")]


def _shown(turn: Turn, draft: Draft) -> tuple[Draft, list[Button]]:
    shown, row = remember(turn.repo, draft, turn.now)
    return shown, letter_buttons(row.id, shown)


DRAFT_HOOKS.append(_shown)
