"""The user's own version of a letter: the whole text or one paragraph replaced, read from a
paste (with or without "To:"/"Subject:" lines), proofread again, and the one-tap fixes applied.

Pure functions: where the versions are kept is `bot.records.letters`.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence

from bot.messages import Draft, Fix

from .checks import apply
from .lexicon import Lexicon
from .render import checked_draft, normalise

MAX_LETTER = 6000
MIN_LETTER = 20


def letter_key(draft: Draft) -> str:
    """What tells one letter from another: recipient, subject and greeting line."""
    greeting = next((line for line in draft.body.split("\n") if line.startswith("Dear ")), "")
    return f"{draft.to or ''}|{draft.subject}|{greeting}"[:400]


def paragraphs(body: str) -> list[str]:
    """The letter's paragraphs (greeting and sign-off included), in order."""
    return [p for p in re.split(r"\n\s*\n", body.strip("\n")) if p.strip()]


def replace_paragraph(body: str, number: int, text: str) -> str:
    """`body` with paragraph `number` (1-based) replaced by `text`; ValueError when there is
    no such paragraph."""
    parts = paragraphs(body)
    if not 1 <= number <= len(parts):
        raise ValueError(f"This letter has {len(parts)} paragraphs — pick one from 1 to "
                         f"{len(parts)}.")
    parts[number - 1] = " ".join(text.split()) if "\n\n" not in text.strip() else text.strip()
    return normalise("\n\n".join(parts))


_PARAGRAPH_REQUEST = re.compile(r"(?is)^\s*(?:paragraph|para|p)\s*(\d{1,2})\s*[:.)-]?\s*(.*)$")


def paragraph_request(text: str) -> tuple[int, str] | None:
    """ "paragraph 2: new text" / "p2 new text" → (2, "new text"); None for a whole letter."""
    found = _PARAGRAPH_REQUEST.match(text)
    if not found:
        return None
    return int(found.group(1)), found.group(2).strip()


def read_replacement(text: str, subject: str) -> tuple[str, str]:
    """(subject, body) from a pasted letter: leading "To:" lines dropped, a "Subject:" line
    taken as the new subject, line ends and blank lines tidied. ValueError with a message the
    user can act on when it is empty, too short or too long."""
    text = (text or "").replace("\r\n", "\n").replace("\r", "\n").strip("\n")
    lines = text.split("\n")
    while lines and re.match(r"(?i)^\s*(?:to|cc|from)\s*:", lines[0]):
        lines.pop(0)
    if lines and re.match(r"(?i)^\s*subject\s*:", lines[0]):
        subject = lines.pop(0).split(":", 1)[1].strip() or subject
    body = "\n".join(lines).strip("\n")
    if len(body.strip()) < MIN_LETTER:
        raise ValueError("That's too short for a letter — paste the whole letter, from the "
                         "greeting to your name, or “paragraph 2: …” to replace one paragraph.")
    if len(body) > MAX_LETTER:
        raise ValueError(f"That's longer than a letter should be (over {MAX_LETTER} "
                         "characters) — a careers adviser would keep it under 200 words.")
    return subject, normalise(body)


def edited_draft(subject: str, body: str, *, to: str, facts: Sequence[str],
                 words: Sequence[str] = ()) -> Draft:
    """The user's version as a Draft, proofread again, its mail link built from this text."""
    company, role, *names = [*facts, "", ""][:2] + list(facts[2:]) if facts else ["", ""]
    return checked_draft(subject, body, names=names, company=company, role=role, to=to,
                         lexicon=Lexicon(words), edited=True)


def fix_all(body: str, fixes: Sequence[Fix]) -> str:
    """Every correction applied, in order (not the words to learn, not a shortening: those
    only by their own button)."""
    for fix in fixes:
        if fix.with_every:
            body = apply(body, fix)
    return body


def fix_token(body: str, *fixes: Fix) -> str:
    """What a fix button carries: these fixes of this very text. A press finds its fix only
    while the letter reads the same and the proofreader still offers it; never a number, so
    never taken for the index a user types ("fix 2")."""
    seen = "\0".join([body, *(f"{f.message}\1{f.old}\1{f.new}\1{f.learn}" for f in fixes)])
    return "f" + hashlib.sha256(seen.encode("utf-8", "surrogatepass")).hexdigest()[:12]
