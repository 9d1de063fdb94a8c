"""Editing a letter on Telegram by replying to it: a reply to one of the bot's drafts (its
header with "Subject: …" or its body starting "Dear …") becomes `letter reply <hint>` with the
new text, where the hint tells the core which letter was replied to."""

from __future__ import annotations

from bot.messages import Incoming, UserKey


def letter_hint(replied: str) -> str | None:
    """The replied message's subject or greeting line when it is a draft; None otherwise."""
    lines = [line.strip() for line in (replied or "").split("\n") if line.strip()]
    for number, line in enumerate(lines):
        if line.startswith("Dear ") and line.endswith(","):
            # a subject or a greeting is shared by letters (two interviewers, one contact):
            # the first line of the letter itself tells them apart
            following = lines[number + 1] if number + 1 < len(lines) else line
            return following[:80]
    for line in lines:
        if line.startswith("Subject:"):
            return line.removeprefix("Subject:").strip()
    return None


def letter_reply(user: UserKey, replied_text: str | None, text: str, display_name: str | None,
                 dedup_key: str | None) -> Incoming | None:
    """The edit command for a reply to a draft; None when the reply is to something else."""
    hint = letter_hint(replied_text or "")
    if hint is None:
        return None
    return Incoming.command(user, "letter", f"reply {hint}\n{text}", display_name, dedup_key)
