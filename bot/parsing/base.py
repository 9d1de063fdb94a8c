"""Shared by every parser: the error users see, the input limits and the text clean-up."""

from __future__ import annotations

import re
import unicodedata
from typing import Literal

Prefer = Literal["past", "future"]

MAX_INPUT = 200
"""Longest answer any parser reads; longer text is refused with a clear message."""


class ParseError(ValueError):
    """Bad input; str(err) is a short, specific, friendly message for the user, e.g.
    "I couldn't read “32nd Smarch” as a date — try “yesterday 3pm”, “Dec 5” or “next Friday”."
    `options`: answers to offer as buttons, (label, value) — e.g. the two days an ambiguous
    "next Tuesday" may mean.
    """

    def __init__(self, message: str = "", options: tuple[tuple[str, str], ...] = ()) -> None:
        super().__init__(message)
        self.options = options


# --------------------------------------------------------------------------- text helpers

_QUOTES = str.maketrans(
    {"\u2019": "'", "\u2018": "'", "\u02bc": "'", "\u00b4": "'", "`": "'", "\u2032": "'"}
)


def _show(text: str) -> str:
    """The user's words, quoted for a message: one line, printable, at most 40 characters."""
    flat = "".join(ch if ch.isprintable() else " " for ch in text[: MAX_INPUT * 2])
    flat = " ".join(flat.split())
    if len(flat) > 40:
        flat = flat[:39].rstrip() + "…"
    return f"“{flat}”"


def _normalise(text: str) -> str:
    """NFKC, straight apostrophes, no control characters, single spaces, lower case."""
    s = unicodedata.normalize("NFKC", text).translate(_QUOTES)
    s = "".join(ch if ch.isprintable() else " " for ch in s)
    return " ".join(s.split()).lower()


def _prepare(text: str, what: str, example: str) -> str:
    """Normalised text, or ParseError for an empty or overlong answer."""
    if len(text) > MAX_INPUT * 4:
        raise ParseError(f"That's too long for {what} — keep it short, like {example}.")
    s = _normalise(text)
    if not s:
        raise ParseError(f"Please type {what} — or “skip”.")
    if len(s) > MAX_INPUT:
        raise ParseError(f"That's too long for {what} — keep it short, like {example}.")
    return s


def _re(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE | re.ASCII)


_NUMBER_NAMES = (
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
    "fifteen sixteen seventeen eighteen nineteen twenty"
)
_NUMBER_WORDS: dict[str, int] = {word: n for n, word in enumerate(_NUMBER_NAMES.split())}


