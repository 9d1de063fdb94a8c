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


_FILLER = _re(
    r"\b(?:please|pls|plz|thanks|thank\s+you|thx|ty|ish|or\s+so|i\s+guess|maybe|probably"
    r"|ideally|preferably|around|about|approximately|approx|roughly|say|let's\s+say"
    r"|i'd\s+like|i\s+prefer|make\s+it)\b|[,;!]|-ish")
_DAY_PART = {"in the morning": "am", "in the afternoon": "pm", "in the evening": "pm",
             "at night": "pm", "tonight": "pm"}


def _without_filler(s: str) -> str:
    """“9am please”, “around 9-ish”, “9 in the morning” → “9am”: polite words and hedges go."""
    for words, suffix in _DAY_PART.items():
        if s.endswith(" " + words) and re.search(r"[0-9]", s):
            s = s[: -len(words) - 1].strip() + suffix
    return " ".join(_FILLER.sub(" ", s).split()).strip(" .")


def parse_hour(text: str) -> int:
    """An hour of the day, 0..23, from "9", "9am", "21", "9pm", "21:00", "noon", "midnight"."""
    s = _prepare(text, "an hour", "“9am” or “21:00”")
    shown = _show(text)
    s = re.sub(r"\b([ap])\.\s?m\b\.?", r"\1m", s).strip(" .!")
    s = _without_filler(s)
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




def parse_quiet_window(text: str) -> tuple[tuple[int, int], tuple[int, int]] | None:
    """((start hour, minute), (end hour, minute)) from "22-7", "22:00-07:30", "10pm to 7:30am";
    None for "none"/"off"."""
    s = _prepare(text, "your quiet hours", "“22-7” or “none”")
    shown = _show(text)
    if s.strip(" .!") in _QUIET_OFF:
        return None
    split = _QUIET_SPLIT.fullmatch(_without_filler(s.strip(" .!")))
    bad = ParseError(
        f"I couldn't read {shown} as quiet hours — try “22-7”, “22:00-07:30” or “none”.")
    if not split:
        raise bad
    ends = []
    for side in (split["a"], split["b"]):
        side = _words_to_digits(side.strip().removeprefix("at "))
        match = _HOUR.fullmatch(side)
        if not match:
            raise bad
        ends.append(_clock(match, shown, afternoon_guess=False))
    if ends[0] == ends[1]:
        raise ParseError(f"Quiet hours need a different start and end — {shown} has both at "
                         f"{ends[0][0]:02d}:{ends[0][1]:02d}; try “22-7”.")
    return ends[0], ends[1]
