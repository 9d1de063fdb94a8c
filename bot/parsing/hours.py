"""Hours of the day and quiet hours ("9am", "22-7")."""

from __future__ import annotations

import re

from bot.parsing.base import _NUMBER_WORDS, ParseError, _prepare, _re, _show

# --------------------------------------------------------------------------- hours

_CLOCK = (
    r"(?:(?P<h>[0-9]{1,2})(?:[:.](?P<m>[0-9]{2}))?\s*(?P<ap>am|pm)"
    r"|(?P<h24>[0-9]{1,2})(?::|h)(?P<m24>[0-9]{2})(?:\s*h)?"
    r"|(?P<hh>[0-9]{1,2})\s*(?:h|o'?clock)"
    r"|\b(?P<word>noon|midday|midnight))"
)
_HOUR = _re(rf"(?:at\s+|@\s*)?(?:{_CLOCK}|(?P<bare>[0-9]{{1,2}}))")


def _clock(match: re.Match[str], shown: str, *, afternoon_guess: bool) -> tuple[int, int]:
    """(hour, minute) from a _CLOCK or bare-hour match; afternoon_guess reads 1..6 as pm."""
    g = {k: v for k, v in match.groupdict().items() if v is not None}
    if "word" in g:
        return (0, 0) if g["word"].lower() == "midnight" else (12, 0)
    bad = ParseError(f"{shown} has a time that doesn't exist — try “3pm” or “15:00”.")
    if "ap" in g:
        hour, minute = int(g["h"]), int(g.get("m", 0))
        if not 1 <= hour <= 12 or minute > 59:
            raise bad
        return hour % 12 + (12 if g["ap"].lower() == "pm" else 0), minute
    raw = g.get("h24") or g.get("hh") or g.get("bare") or ""
    hour, minute = int(raw), int(g.get("m24", 0))
    if hour > 23 or minute > 59:
        raise bad
    if afternoon_guess and 1 <= hour <= 6 and not raw.startswith("0"):
        hour += 12
    return hour, minute


def _words_to_digits(s: str) -> str:
    head, _, tail = s.partition(" ")
    if head in _NUMBER_WORDS:
        return f"{_NUMBER_WORDS[head]} {tail}".strip()
    return s


def parse_hour(text: str) -> int:
    """An hour of the day, 0..23, from "9", "9am", "21", "9pm", "21:00", "noon", "midnight"."""
    s = _prepare(text, "an hour", "“9am” or “21:00”")
    shown = _show(text)
    s = re.sub(r"\b([ap])\.\s?m\b\.?", r"\1m", s).strip(" .!")
    s = _words_to_digits(s.removeprefix("at "))
    match = _HOUR.fullmatch(s)
    if not match:
        raise ParseError(f"I couldn't read {shown} as an hour — try “9am”, “21:00” or “noon”.")
    hour, minute = _clock(match, shown, afternoon_guess=False)
    if minute:
        raise ParseError(
            f"Please pick a whole hour — {shown} has minutes; try “{hour:02d}:00” or "
            f"“{(hour + 1) % 24:02d}:00”."
        )
    return hour


# fmt: off
_QUIET_OFF = frozenset(
    {"none", "no", "off", "nope", "never", "nothing", "n/a", "na", "disable", "disabled",
     "no quiet hours", "not needed", "none please", "turn off", "switch off", "-"}
)
# fmt: on
_QUIET_SPLIT = _re(
    r"(?:from\s+|between\s+)?(?P<a>.+?)\s*"
    r"(?:-|\u2013|\u2014|\bto\b|\buntil\b|\btill\b|\btil\b|\band\b|\bthrough\b|\bthru\b)"
    r"\s*(?P<b>.+)"
)


def parse_quiet_hours(text: str) -> tuple[int, int] | None:
    """(start, end) hours from "22-7", "10pm to 7am", "22:00-07:00"; None for "none"/"off"."""
    s = _prepare(text, "your quiet hours", "“22-7” or “none”")
    shown = _show(text)
    if s.strip(" .!") in _QUIET_OFF:
        return None
    split = _QUIET_SPLIT.fullmatch(s.strip(" .!"))
    if not split:
        raise ParseError(
            f"I couldn't read {shown} as quiet hours — try “22-7”, “10pm to 7am” or “none”."
        )
    try:
        start, end = parse_hour(split["a"]), parse_hour(split["b"])
    except ParseError:
        raise ParseError(
            f"I couldn't read {shown} as quiet hours — try “22-7”, “10pm to 7am” or “none”."
        ) from None
    if start == end:
        raise ParseError(
            f"Quiet hours need a different start and end, and {shown} has both at {start}:00 — "
            f"try “22-7”."
        )
    return start, end


