"""Yes, no, "don't know", ratings and whole numbers."""

from __future__ import annotations

import re

from rapidfuzz import fuzz, process

from bot.parsing.base import _NUMBER_WORDS, MAX_INPUT, ParseError, _normalise, _prepare, _re, _show

# --------------------------------------------------------------------------- yes / no / don't know

_DONT_KNOW = _re(
    r"(?:i\s+)?(?:really\s+|honestly\s+|still\s+)?(?:do\s*n'?t\s+know|do\s+not\s+know|dunno|idk"
    r"|have\s+no\s+idea|no\s+idea|no\s+clue|not\s+sure|unsure|unknown|not\s+(?:yet\s+)?known"
    r"|(?:it's\s+|it\s+is\s+)?unclear|tbd|to\s+be\s+determined|can't\s+say|cannot\s+say)"
    r"(?:\s+yet)?"
)


def _answer_words(text: str) -> str:
    return _normalise(text[:MAX_INPUT]).strip(" .!,;:")


def is_dont_know(text: str) -> bool:
    """True for "don't know", "idk", "not sure", "no idea", "?", "dunno"… in any case."""
    if len(text) > MAX_INPUT:
        return False
    s = _answer_words(text)
    if not s:
        return False
    if re.fullmatch(r"\?+", s) or s.startswith("\U0001f937"):  # 🤷
        return True
    return _DONT_KNOW.fullmatch(s.rstrip(" ?.!")) is not None


# fmt: off
_YES = frozenset(
    {"yes", "y", "yeah", "yea", "yep", "yup", "ya", "yah", "ye", "sure", "ok", "okay", "k",
     "kk", "done", "of course", "absolutely", "definitely", "certainly", "correct",
     "affirmative", "yes please", "sure thing", "ok done", "all done", "i did", "did it",
     "yes i did", "\U0001f44d", "\u2705", "\u2714", "\u2714\ufe0f"}
)
_NO = frozenset(
    {"no", "n", "nope", "nah", "nay", "never", "negative", "not yet", "no thanks",
     "no thank you", "not really", "not now", "no way", "i didn't", "didn't", "no not yet",
     "nope not yet", "no i didn't", "\U0001f44e", "\u274c"}
)
# fmt: on


def is_yes(text: str) -> bool:
    """True for yes, y, yeah, yep, sure, ok, done, 👍 …"""
    if len(text) > MAX_INPUT:
        return False
    s = _answer_words(text)
    return s in _YES or re.fullmatch(r"y+e+s+|y+e+a+h+|y+e+p+|o+k+", s) is not None


def is_no(text: str) -> bool:
    """True for no, n, nope, nah, not yet, 👎 …"""
    if len(text) > MAX_INPUT:
        return False
    s = _answer_words(text)
    return s in _NO or re.fullmatch(r"no+|no+pe+|na+h+", s) is not None


def parse_yes_no(text: str) -> bool:
    """True for a yes, False for a no; ParseError for anything else."""
    _prepare(text, "yes or no", "“yes”")
    if is_yes(text):
        return True
    if is_no(text):
        return False
    raise ParseError(f"I couldn't read {_show(text)} as yes or no — please answer “yes” or “no”.")


# --------------------------------------------------------------------------- numbers

RATING_MESSAGE = "Please answer with a number from 1 (badly) to 5 (great)."
_RATING = _re(
    r"(?P<n>[0-9]{1,3}|one|two|three|four|five)(?:\.0)?"
    r"(?:\s*(?:/|out\s+of|of)\s*(?:5|five))?(?:\s*stars?)?"
)


def parse_rating(text: str) -> int:
    """A rating 1..5 from "3", "3/5", "4 stars", "four" or "⭐⭐⭐⭐"."""
    s = _prepare(text, "a rating from 1 to 5", "“4”")
    s = s.strip(" .!")
    stars = s.replace(" ", "").replace("\ufe0f", "")
    if stars and set(stars) <= {"\u2b50", "\u2605", "*"} and len(stars) <= 5:
        return len(stars)
    match = _RATING.fullmatch(s)
    if not match:
        raise ParseError(RATING_MESSAGE)
    raw = match["n"].lower()
    value = _NUMBER_WORDS[raw] if raw in _NUMBER_WORDS else int(raw)
    if not 1 <= value <= 5:
        raise ParseError(RATING_MESSAGE)
    return value


_INT = _re(
    r"(?:about\s+|around\s+|maybe\s+|approximately\s+|approx\s+|roughly\s+|~\s*)?"
    r"(?P<n>[+-]?[0-9]{1,3}(?:,[0-9]{3})+|[+-]?[0-9]{1,12}|[a-z]+)(?:\s+[a-z]+){0,2}"
)


def parse_int(
    text: str, *, lo: int | None = None, hi: int | None = None, what: str = "a number"
) -> int:
    """Digits or an English number word from zero to twenty, optionally within lo..hi."""
    s = _prepare(text, what, "“3”")
    shown = _show(text)
    s = s.strip(" .!")
    s = re.sub(r"^(?:a\s+)?couple(?:\s+of)?\b", "2", s)
    s = re.sub(r"^none\b", "0", s)
    match = _INT.fullmatch(s)
    raw = match["n"].lower() if match else ""
    if match and any(word in _NUMBER_WORDS for word in s.split()[1:]):
        raw = ""  # "twenty one": only zero..twenty are read as words
    if raw in _NUMBER_WORDS:
        value = _NUMBER_WORDS[raw]
    elif raw and not raw.isalpha():
        value = int(raw.replace(",", ""))
    else:
        raise ParseError(
            f"I couldn't read {shown} as {what} — try digits like “3” or a word like “three”."
        )
    if lo is not None and hi is not None and not lo <= value <= hi:
        span = "" if f"from {lo} to {hi}" in what else f" from {lo} to {hi}"
        raise ParseError(f"Please give {what}{span} — {shown} is out of range.")
    if lo is not None and value < lo:
        raise ParseError(f"Please give {what} of at least {lo} — {shown} is too small.")
    if hi is not None and value > hi:
        raise ParseError(f"Please give {what} of at most {hi} — {shown} is too big.")
    return value




# --------------------------------------------------------------------------- choices

def match_choice(text: str, options: dict[str, str], *, cutoff: float = 75) -> str | None:
    """The value of the option whose name is typed, forgiving case and typos ("vidoe" → the
    value of "video"); None when nothing is close or two options are equally close."""
    s = _answer_words(text)
    if not s:
        return None
    names = {_normalise(name): value for name, value in options.items()}
    if s in names:
        return names[s]
    found = process.extract(s, list(names), scorer=fuzz.ratio, limit=2, score_cutoff=cutoff)
    if not found or (len(found) > 1 and found[1][1] == found[0][1]
                     and names[found[0][0]] != names[found[1][0]]):
        return None
    return names[found[0][0]]
