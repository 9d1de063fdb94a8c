"""Pure parsers for what job seekers type: dates and times, time zones, hours, ratings,
numbers, emails, phones, money, yes/no and "don't know"; bad input raises ParseError."""

from __future__ import annotations

import calendar
import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Literal
from zoneinfo import ZoneInfo, available_timezones

Prefer = Literal["past", "future"]

MAX_INPUT = 200
"""Longest answer any parser reads; longer text is refused with a clear message."""


class ParseError(ValueError):
    """Bad input; str(err) is a short, specific, friendly message for the user, e.g.
    "I couldn't read “32nd Smarch” as a date — try “yesterday 3pm”, “Dec 5” or “next Friday”."
    """


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


# --------------------------------------------------------------------------- time zones

# fmt: off
_CITY_AREAS = (
    "Africa/", "America/", "Antarctica/", "Arctic/", "Asia/", "Atlantic/", "Australia/",
    "Europe/", "Indian/", "Pacific/",
)

_TZ_ALIASES: dict[str, str] = {
    # abbreviations people use for their own zone (DST-aware zone, not the fixed one)
    "cet": "Europe/Berlin", "cest": "Europe/Berlin", "met": "Europe/Berlin",
    "wet": "Europe/Lisbon", "west": "Europe/Lisbon", "eet": "Europe/Athens",
    "eest": "Europe/Athens", "bst": "Europe/London", "msk": "Europe/Moscow",
    "est": "America/New_York", "edt": "America/New_York", "et": "America/New_York",
    "eastern": "America/New_York", "cst": "America/Chicago", "cdt": "America/Chicago",
    "ct": "America/Chicago", "central": "America/Chicago", "mst": "America/Denver",
    "mdt": "America/Denver", "mt": "America/Denver", "mountain": "America/Denver",
    "pst": "America/Los_Angeles", "pdt": "America/Los_Angeles", "pt": "America/Los_Angeles",
    "pacific": "America/Los_Angeles", "akst": "America/Anchorage", "akdt": "America/Anchorage",
    "hst": "Pacific/Honolulu", "ist": "Asia/Kolkata", "jst": "Asia/Tokyo", "kst": "Asia/Seoul",
    "sgt": "Asia/Singapore", "hkt": "Asia/Hong_Kong", "pht": "Asia/Manila", "wib": "Asia/Jakarta",
    "ict": "Asia/Bangkok", "gst": "Asia/Dubai", "aest": "Australia/Sydney",
    "aedt": "Australia/Sydney", "acst": "Australia/Adelaide", "acdt": "Australia/Adelaide",
    "awst": "Australia/Perth", "nzst": "Pacific/Auckland", "nzdt": "Pacific/Auckland",
    "brt": "America/Sao_Paulo", "art": "America/Argentina/Buenos_Aires",
    "sast": "Africa/Johannesburg", "cat": "Africa/Maputo", "eat": "Africa/Nairobi",
    "wat": "Africa/Lagos",
    # cities without a zone of their own, and nicknames
    "nyc": "America/New_York", "ny": "America/New_York", "new york city": "America/New_York",
    "manhattan": "America/New_York", "brooklyn": "America/New_York", "boston": "America/New_York",
    "washington": "America/New_York", "washington dc": "America/New_York",
    "dc": "America/New_York", "philadelphia": "America/New_York", "atlanta": "America/New_York",
    "miami": "America/New_York", "pittsburgh": "America/New_York", "charlotte": "America/New_York",
    "raleigh": "America/New_York", "orlando": "America/New_York",
    "chicago": "America/Chicago", "dallas": "America/Chicago", "houston": "America/Chicago",
    "austin": "America/Chicago", "san antonio": "America/Chicago", "nashville": "America/Chicago",
    "minneapolis": "America/Chicago", "new orleans": "America/Chicago",
    "salt lake city": "America/Denver", "albuquerque": "America/Denver",
    "sf": "America/Los_Angeles", "san francisco": "America/Los_Angeles",
    "la": "America/Los_Angeles", "bay area": "America/Los_Angeles",
    "silicon valley": "America/Los_Angeles", "san jose": "America/Los_Angeles",
    "san diego": "America/Los_Angeles", "seattle": "America/Los_Angeles",
    "portland": "America/Los_Angeles", "las vegas": "America/Los_Angeles",
    "sacramento": "America/Los_Angeles", "oakland": "America/Los_Angeles",
    "ottawa": "America/Toronto", "montreal": "America/Toronto", "quebec": "America/Toronto",
    "calgary": "America/Edmonton", "honolulu": "Pacific/Honolulu", "hawaii": "Pacific/Honolulu",
    "alaska": "America/Anchorage", "rio": "America/Sao_Paulo",
    "rio de janeiro": "America/Sao_Paulo", "brasilia": "America/Sao_Paulo",
    "buenos aires": "America/Argentina/Buenos_Aires", "medellin": "America/Bogota",
    "bangalore": "Asia/Kolkata", "bengaluru": "Asia/Kolkata", "mumbai": "Asia/Kolkata",
    "bombay": "Asia/Kolkata", "delhi": "Asia/Kolkata", "new delhi": "Asia/Kolkata",
    "chennai": "Asia/Kolkata", "madras": "Asia/Kolkata", "hyderabad": "Asia/Kolkata",
    "pune": "Asia/Kolkata", "calcutta": "Asia/Kolkata", "gurgaon": "Asia/Kolkata",
    "gurugram": "Asia/Kolkata", "noida": "Asia/Kolkata", "ahmedabad": "Asia/Kolkata",
    "india": "Asia/Kolkata", "beijing": "Asia/Shanghai", "shenzhen": "Asia/Shanghai",
    "guangzhou": "Asia/Shanghai", "hangzhou": "Asia/Shanghai", "china": "Asia/Shanghai",
    "prc": "Asia/Shanghai", "osaka": "Asia/Tokyo", "kyoto": "Asia/Tokyo", "japan": "Asia/Tokyo",
    "korea": "Asia/Seoul", "south korea": "Asia/Seoul", "taiwan": "Asia/Taipei",
    "saigon": "Asia/Ho_Chi_Minh", "hanoi": "Asia/Bangkok", "vietnam": "Asia/Ho_Chi_Minh",
    "thailand": "Asia/Bangkok", "philippines": "Asia/Manila", "indonesia": "Asia/Jakarta",
    "malaysia": "Asia/Kuala_Lumpur", "abu dhabi": "Asia/Dubai", "uae": "Asia/Dubai",
    "tel aviv": "Asia/Jerusalem", "israel": "Asia/Jerusalem", "pakistan": "Asia/Karachi",
    "lahore": "Asia/Karachi", "islamabad": "Asia/Karachi", "bangladesh": "Asia/Dhaka",
    "nepal": "Asia/Kathmandu", "sri lanka": "Asia/Colombo", "turkey": "Europe/Istanbul",
    "ankara": "Europe/Istanbul", "munich": "Europe/Berlin", "frankfurt": "Europe/Berlin",
    "hamburg": "Europe/Berlin", "cologne": "Europe/Berlin", "koln": "Europe/Berlin",
    "stuttgart": "Europe/Berlin", "dusseldorf": "Europe/Berlin", "leipzig": "Europe/Berlin",
    "germany": "Europe/Berlin", "geneva": "Europe/Zurich", "basel": "Europe/Zurich",
    "bern": "Europe/Zurich", "switzerland": "Europe/Zurich", "milan": "Europe/Rome",
    "italy": "Europe/Rome", "barcelona": "Europe/Madrid", "valencia": "Europe/Madrid",
    "seville": "Europe/Madrid", "spain": "Europe/Madrid", "porto": "Europe/Lisbon",
    "portugal": "Europe/Lisbon", "lyon": "Europe/Paris", "marseille": "Europe/Paris",
    "toulouse": "Europe/Paris", "france": "Europe/Paris", "rotterdam": "Europe/Amsterdam",
    "the hague": "Europe/Amsterdam", "utrecht": "Europe/Amsterdam", "eindhoven": "Europe/Amsterdam",
    "netherlands": "Europe/Amsterdam", "holland": "Europe/Amsterdam", "antwerp": "Europe/Brussels",
    "belgium": "Europe/Brussels", "austria": "Europe/Vienna", "krakow": "Europe/Warsaw",
    "wroclaw": "Europe/Warsaw", "poland": "Europe/Warsaw", "czechia": "Europe/Prague",
    "gothenburg": "Europe/Stockholm", "sweden": "Europe/Stockholm", "norway": "Europe/Oslo",
    "denmark": "Europe/Copenhagen", "finland": "Europe/Helsinki", "ireland": "Europe/Dublin",
    "cork": "Europe/Dublin", "manchester": "Europe/London", "edinburgh": "Europe/London",
    "glasgow": "Europe/London", "birmingham": "Europe/London", "bristol": "Europe/London",
    "leeds": "Europe/London", "cambridge": "Europe/London", "oxford": "Europe/London",
    "uk": "Europe/London", "england": "Europe/London", "scotland": "Europe/London",
    "wales": "Europe/London", "britain": "Europe/London", "great britain": "Europe/London",
    "united kingdom": "Europe/London", "kiev": "Europe/Kyiv", "ukraine": "Europe/Kyiv",
    "st petersburg": "Europe/Moscow", "saint petersburg": "Europe/Moscow",
    "greece": "Europe/Athens", "romania": "Europe/Bucharest", "hungary": "Europe/Budapest",
    "cape town": "Africa/Johannesburg", "south africa": "Africa/Johannesburg",
    "kenya": "Africa/Nairobi", "nigeria": "Africa/Lagos", "abuja": "Africa/Lagos",
    "egypt": "Africa/Cairo", "morocco": "Africa/Casablanca", "canberra": "Australia/Sydney",
    "new zealand": "Pacific/Auckland", "nz": "Pacific/Auckland",
}
# fmt: on

_FOLD_LETTERS = str.maketrans({"ø": "o", "ß": "ss", "ł": "l", "æ": "ae", "đ": "d", "ı": "i"})


def _fold(text: str) -> str:
    """Lower case, accents folded, underscores as spaces: "São_Paulo" -> "sao paulo"."""
    s = unicodedata.normalize("NFKD", text.lower().translate(_FOLD_LETTERS))
    s = "".join(ch for ch in s if not unicodedata.combining(ch))
    s = s.replace("_", " ").replace(".", "").replace("'", "")
    return " ".join(s.split())


@lru_cache(maxsize=1)
def _zone_names() -> frozenset[str]:
    skip = {"localtime", "Factory", "posixrules"}
    return frozenset(
        name
        for name in available_timezones()
        if name not in skip and not name.startswith(("posix/", "right/"))
    )


@lru_cache(maxsize=1)
def _tz_index() -> dict[str, str]:
    """Folded full names, folded city names and aliases -> IANA name."""
    index: dict[str, str] = {}

    def add(key: str, name: str) -> None:
        for variant in (key, key.replace("-", " ")):
            index.setdefault(variant, name)

    names = sorted(_zone_names())
    for name in names:
        add(_fold(name), name)
    for name in names:
        if name.startswith(_CITY_AREAS):
            add(_fold(name.rsplit("/", 1)[1]), name)
    zones = _zone_names()
    for alias, name in _TZ_ALIASES.items():
        if name in zones:
            index[alias] = name
    return index


_OFFSET = _re(
    r"(?:(?:utc|gmt|z)\s*)?(?P<sign>[+\-\u2212])\s*(?P<h>[0-9]{1,2})(?::?(?P<m>[0-9]{2}))?"
    r"(?:\s*(?:h|hrs?|hours?))?"
)
_TZ_PREFIX = _re(r"(?:i'm\s+in|i\s+am\s+in|i\s+live\s+in|based\s+in|living\s+in|in|near)\s+")
_TZ_SUFFIX = _re(r"\s+(?:standard\s+time|daylight\s+time|time\s*zone|time|tz|area|region|city)$")


def _offset_name(sign: str, hours: int, minutes: int, shown: str) -> str:
    total = hours * 60 + minutes
    if minutes >= 60 or (sign == "+" and total > 14 * 60) or (sign != "+" and total > 12 * 60):
        raise ParseError(
            f"{shown} isn't a real UTC offset — offsets run from UTC-12 to UTC+14, like “UTC+2”."
        )
    if total == 0:
        return "UTC"
    return f"UTC{'+' if sign == '+' else '-'}{hours:02d}:{minutes:02d}"


def parse_timezone(text: str) -> str:
    """A city, IANA name, abbreviation or UTC offset -> "Europe/Berlin", "UTC" or "UTC+05:30"."""
    s = _prepare(text, "your time zone", "“Berlin” or “UTC+2”")
    shown = _show(text)
    s = s.strip(" .!?")
    if s in {"utc", "gmt", "z", "zulu", "utc+0", "gmt+0", "utc-0", "gmt-0", "utc0", "gmt0"}:
        return "UTC"
    offset = _OFFSET.fullmatch(s)
    if offset:
        return _offset_name(offset["sign"], int(offset["h"]), int(offset["m"] or 0), shown)
    index = _tz_index()
    s = _TZ_PREFIX.sub("", s, count=1) if _TZ_PREFIX.match(s) else s
    s = _TZ_SUFFIX.sub("", s)
    tries = [s]
    if "," in s:
        parts = [p.strip() for p in s.split(",") if p.strip()]
        tries += parts
    for attempt in tries:
        key = _fold(attempt)
        for candidate in (key, key.removeprefix("the "), key.removesuffix(" city")):
            if candidate in index:
                return index[candidate]
    raise ParseError(
        f"I don't know the time zone {shown} — try a city like “Berlin” or “New York”, "
        f"or an offset like “UTC+2”."
    )


_OFFSET_NAME = re.compile(r"UTC([+-])([0-9]{2}):([0-9]{2})")


def tz_from_name(name: str) -> tzinfo:
    """The tzinfo for a name from parse_timezone: IANA name, "UTC" or "UTC+05:30"."""
    if name == "UTC":
        return UTC
    fixed = _OFFSET_NAME.fullmatch(name)
    if fixed:
        sign, hours, minutes = fixed[1], int(fixed[2]), int(fixed[3])
        canonical = _offset_name(sign, hours, minutes, _show(name))
        if canonical == "UTC":
            return UTC
        delta = timedelta(hours=hours, minutes=minutes)
        return timezone(delta if sign == "+" else -delta, canonical)
    if name not in _zone_names():
        canonical = parse_timezone(name)
        return tz_from_name(canonical)
    try:
        return ZoneInfo(name)
    except Exception:  # a broken tz database entry; report it as unknown
        raise ParseError(f"I don't know the time zone {_show(name)}.") from None


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


# --------------------------------------------------------------------------- email / phone

_EMAIL = _re(
    r"(?P<local>[a-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*)"
    r"@(?P<domain>(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63})"
)


def parse_email(text: str) -> str:
    """A pragmatic email check; keeps the local part as typed, lower-cases the domain."""
    _prepare(text, "an email address", "“jane@example.com”")
    s = " ".join(unicodedata.normalize("NFKC", text).split())
    s = s.strip(" .,;:")
    if s.lower().startswith("mailto:"):
        s = s[7:]
    if s.startswith("<") and s.endswith(">"):
        s = s[1:-1].strip()
    match = _EMAIL.fullmatch(s)
    if not match or len(s) > 254 or len(match["local"]) > 64:
        raise ParseError(
            f"{_show(text)} isn't an email address — it should look like jane@example.com."
        )
    return f"{match['local']}@{match['domain'].lower()}"


_PHONE = _re(r"\+?[0-9 ().\-/]+")


def parse_phone(text: str) -> str:
    """Digits with an optional leading +, spaces, dashes, dots and brackets; 6..15 digits."""
    _prepare(text, "a phone number", "“+1 555 010 2030”")
    shown = _show(text)
    s = " ".join(unicodedata.normalize("NFKC", text).split())
    s = s.removeprefix("tel:").strip()
    if not _PHONE.fullmatch(s):
        raise ParseError(
            f"{shown} doesn't look like a phone number — use digits with an optional + and "
            f"spaces, like “+1 555 010 2030”."
        )
    digits = sum(ch.isdigit() for ch in s)
    if digits < 6:
        raise ParseError(f"{shown} is too short for a phone number — it needs at least 6 digits.")
    if digits > 15:
        raise ParseError(f"{shown} is too long for a phone number — it has over 15 digits.")
    return s


# --------------------------------------------------------------------------- money

# fmt: off
_CURRENCY_SIGNS: dict[str, str] = {
    "$": "USD", "us$": "USD", "usd$": "USD", "c$": "CAD", "ca$": "CAD", "cad$": "CAD",
    "a$": "AUD", "au$": "AUD", "nz$": "NZD", "hk$": "HKD", "s$": "SGD", "sg$": "SGD",
    "r$": "BRL", "mx$": "MXN", "€": "EUR", "£": "GBP", "¥": "JPY", "₹": "INR", "₩": "KRW",
    "₪": "ILS", "₽": "RUB", "₺": "TRY", "₴": "UAH", "zł": "PLN", "zl": "PLN", "fr": "CHF",
    "rs": "INR", "dollar": "USD", "dollars": "USD", "bucks": "USD", "us dollars": "USD",
    "canadian dollars": "CAD", "australian dollars": "AUD", "euro": "EUR", "euros": "EUR",
    "pound": "GBP", "pounds": "GBP", "quid": "GBP", "rupee": "INR", "rupees": "INR",
    "yen": "JPY", "franc": "CHF", "francs": "CHF", "swiss francs": "CHF", "zloty": "PLN",
}
# fmt: on
_ISO_CURRENCIES = (
    "usd eur gbp chf cad aud nzd jpy cny rmb inr sek nok dkk pln czk huf ron bgn brl mxn ars "
    "clp cop zar sgd hkd ils aed sar try krw twd thb myr idr php vnd ngn kes egp uah rub isk"
)
_CURRENCY_CODES = frozenset(_ISO_CURRENCIES.split())
_MONEY = _re(
    r"(?P<pre>[^0-9 ]*(?: [a-z]+)?)\s*(?P<num>[0-9][0-9.,' ]*?)\s*"
    r"(?P<mult>k|mm|m|mn|mio|million|thousand|grand)?(?![a-z])\s*(?P<post>[^0-9]*)"
)
_MONEY_TAIL = _re(
    r"(?:\s*(?:/|per|a|an|each)\s*(?:year|yr|annum|month|mo|week|wk|hour|hr|h)"
    r"|\s*p\.?\s?a\.?|\s+(?:annually|yearly|annual|monthly|gross|net|base|salary|total"
    r"|before\s+tax|after\s+tax|pre-tax))$"
)
# fmt: off
_MULTIPLIERS = {
    "k": 1000, "thousand": 1000, "grand": 1000,
    "m": 1_000_000, "mm": 1_000_000, "mn": 1_000_000, "mio": 1_000_000, "million": 1_000_000,
}
# fmt: on


def _read_number(num: str, has_multiplier: bool) -> Decimal | None:
    """A number with thousands separators (, . space ') and a decimal point or comma."""
    n = num.strip()
    if len(re.sub(r"[^0-9]", "", n)) > 15:
        return None
    plain: str | None = None
    if re.fullmatch(r"[0-9]+", n):
        plain = n
    elif has_multiplier and re.fullmatch(r"[0-9]+[.,][0-9]+", n):
        plain = n.replace(",", ".")
    elif re.fullmatch(r"[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]+)?", n):
        plain = n.replace(",", "")
    elif re.fullmatch(r"[0-9]{1,3}(?:\.[0-9]{3})+(?:,[0-9]+)?", n):
        plain = n.replace(".", "").replace(",", ".")
    elif re.fullmatch(r"[0-9]{1,3}(?:[ '][0-9]{3})+(?:[.,][0-9]{1,2})?", n):
        plain = re.sub(r"[ ']", "", n).replace(",", ".")
    elif re.fullmatch(r"[0-9]+[.,][0-9]{1,2}|[0-9]+\.[0-9]+", n):
        plain = n.replace(",", ".")
    if plain is None:
        return None
    try:
        return Decimal(plain)
    except InvalidOperation:
        return None


def _currency(word: str) -> str | None | Literal[False]:
    """ISO code for a sign, code or word; None for nothing; False when unrecognised."""
    w = word.strip()
    if not w:
        return None
    if w in _CURRENCY_SIGNS:
        return _CURRENCY_SIGNS[w]
    if w in _CURRENCY_CODES:
        return "CNY" if w == "rmb" else w.upper()
    return False


def parse_money(text: str) -> tuple[Decimal, str | None]:
    """(amount, ISO currency or None) from "$120,000", "120k", "95 000 EUR", "€85k", "1.2m".

    A single dot followed by exactly three digits and no k/m ("85.000") is a thousands
    separator; with a multiplier ("1.250k") it is a decimal point.
    """
    s = _prepare(text, "an amount", "“$120,000” or “85k EUR”")
    shown = _show(text)
    bad = ParseError(
        f"I couldn't read {shown} as an amount — try “$120,000”, “85k EUR” or “95000”."
    )
    s = s.strip(" .!")
    s = re.sub(r"^(?:about|around|approx(?:imately)?|roughly|~)\s*", "", s)
    for _ in range(3):
        s = _MONEY_TAIL.sub("", s).strip(" .,")
    match = _MONEY.fullmatch(s)
    if not match:
        raise bad
    mult = (match["mult"] or "").lower()
    number = _read_number(match["num"], bool(mult))
    before, after = _currency(match["pre"].lower()), _currency(match["post"].lower())
    if number is None or before is False or after is False:
        raise bad
    if before and after and before != after:
        raise ParseError(f"{shown} names two currencies — please give just one, like “85k EUR”.")
    amount = number * _MULTIPLIERS.get(mult, 1)
    if amount == amount.to_integral_value():
        amount = amount.quantize(Decimal(1))
    return amount, before or after or None


# --------------------------------------------------------------------------- dates and times

# fmt: off
_WEEKDAYS: dict[str, int] = {
    "monday": 0, "mon": 0, "tuesday": 1, "tue": 1, "tues": 1, "wednesday": 2, "wed": 2,
    "weds": 2, "thursday": 3, "thu": 3, "thur": 3, "thurs": 3, "friday": 4, "fri": 4,
    "saturday": 5, "sat": 5, "sunday": 6, "sun": 6,
}
_MONTH_NAMES = (  # English whatever the process locale, unlike calendar.month_name
    "january", "february", "march", "april", "may", "june", "july", "august", "september",
    "october", "november", "december",
)
_MONTHS: dict[str, int] = {
    **{name: n for n, name in enumerate(_MONTH_NAMES, start=1)},
    **{name[:3]: n for n, name in enumerate(_MONTH_NAMES, start=1)},
    "sept": 9,
}
# fmt: on

_WD = "(?:" + "|".join(sorted(_WEEKDAYS, key=len, reverse=True)) + ")"
_MON = "(?:" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + ")"

# fmt: off
_PARTS_OF_DAY: dict[str, time] = {
    "morning": time(9), "afternoon": time(14), "evening": time(19), "night": time(20),
    "lunchtime": time(12), "lunch": time(12),
}
_SAME_DAY_WORDS: dict[str, int] = {
    "today": 0, "tod": 0, "tdy": 0, "earlier today": 0, "later today": 0,
    "yesterday": -1, "yday": -1, "yest": -1, "ystd": -1,
    "tomorrow": 1, "tmrw": 1, "tmr": 1, "tmw": 1, "tomorow": 1, "tommorow": 1, "tommorrow": 1,
    "day before yesterday": -2, "the day before yesterday": -2,
    "day after tomorrow": 2, "the day after tomorrow": 2,
}
_NOW_WORDS = frozenset(
    {"now", "right now", "just now", "just", "a moment ago", "moments ago", "just finished",
     "this minute", "a minute ago", "a few minutes ago"}
)
# fmt: on
_AMOUNT = (
    r"(?P<n>[0-9]{1,4}|an?|" + "|".join(_NUMBER_WORDS) + r"|(?:a\s+)?couple(?:\s+of)?|(?:a\s+)?few)"
)
_UNIT_DAYS = r"(?P<unit>days?|d|weeks?|wks?|w|fortnights?|months?|mos?|years?|yrs?)"
_UNIT_CLOCK = r"(?P<unit>minutes?|mins?|m|hours?|hrs?|h)"

_INSTANT_AGO = _re(
    rf"(?:(?:about|around|roughly)\s+)?(?:{_AMOUNT}|(?P<half>half\s+an?))\s*{_UNIT_CLOCK}\s+ago"
)
_INSTANT_IN = _re(
    rf"(?:in|within)\s+(?:(?:about|around|roughly)\s+)?(?:{_AMOUNT}|(?P<half>half\s+an?))\s*"
    rf"{_UNIT_CLOCK}(?:\s+from\s+now)?"
)
_INSTANT_FROM_NOW = _re(rf"(?:{_AMOUNT}|(?P<half>half\s+an?))\s*{_UNIT_CLOCK}\s+from\s+now")
_DAYS_AGO = _re(rf"{_AMOUNT}\s*{_UNIT_DAYS}\s+(?:ago|before|back|earlier)")
_DAYS_IN = _re(rf"(?:in|within)\s+{_AMOUNT}\s*{_UNIT_DAYS}(?:\s+time|\s+from\s+(?:now|today))?")
_DAYS_FROM_NOW = _re(rf"{_AMOUNT}\s*{_UNIT_DAYS}\s+(?:from\s+now|from\s+today|later|out)")
_DAYS_BARE = _re(rf"{_AMOUNT}\s+{_UNIT_DAYS}")

_TRAILING_CLOCK = _re(rf"(?P<rest>.*?)\s*(?:\bat\s+|@\s*)?{_CLOCK}")
_TRAILING_AT = _re(r"(?P<rest>.*?)\s*(?:\bat|@)\s*(?P<bare>[0-9]{1,2})")
_LEADING_CLOCK = _re(rf"(?:at\s+|@\s*)?{_CLOCK}\s+(?:on\s+)?(?P<rest>.+)")
_LEADING_AT = _re(r"(?:at|@)\s*(?P<bare>[0-9]{1,2})\s+(?:on\s+)?(?P<rest>.+)")
_PART_OF_DAY = _re(
    r"(?P<rest>.*?)\s*(?:\bin\s+the\s+|\bat\s+|\bby\s+)?"
    r"(?P<part>morning|afternoon|evening|night|lunchtime|lunch)"
)

_WEEKDAY = _re(
    rf"(?:(?P<mod>next|last|this|coming|this\s+coming|past|this\s+past|previous)\s+)?(?P<wd>{_WD})"
)
_WEEKDAY_OF_WEEK = _re(
    rf"(?:(?P<wd>{_WD})\s+(?:of\s+)?(?P<mod>next|last|this)\s+week"
    rf"|(?P<mod2>next|last|this)\s+week(?:\s+on)?\s+(?P<wd2>{_WD}))"
)
_MONTH_DAY = _re(
    rf"(?:{_WD}\s+)?(?:the\s+)?(?P<mon>{_MON})\s+(?:the\s+)?(?P<day>[0-9]{{1,2}})(?:st|nd|rd|th)?"
    rf"(?:\s+(?P<year>[0-9]{{4}}))?"
)
_DAY_MONTH = _re(
    rf"(?:{_WD}\s+)?(?:the\s+)?(?P<day>[0-9]{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?(?P<mon>{_MON})"
    rf"(?:\s+(?P<year>[0-9]{{4}}))?"
)
_ISO_DATE = _re(r"(?:" + _WD + r"\s+)?(?P<y>[0-9]{4})[-/.](?P<m>[0-9]{1,2})[-/.](?P<d>[0-9]{1,2})")
_SLASH_DATE = _re(
    r"(?:" + _WD + r"\s+)?(?P<a>[0-9]{1,2})(?P<sep>[/-])(?P<b>[0-9]{1,2})"
    r"(?:(?P=sep)(?P<y>[0-9]{4}|[0-9]{2}))?"
)
_DOTTED_DATE = _re(
    r"(?:" + _WD + r"\s+)?(?P<d>[0-9]{1,2})\.(?P<m>[0-9]{1,2})(?:\.(?P<y>[0-9]{4}|[0-9]{2}))?"
)
_DAY_ONLY = _re(rf"(?:(?P<wd>{_WD})\s+)?(?:the\s+)?(?P<day>[0-9]{{1,2}})(?:st|nd|rd|th)")


@dataclass(frozen=True)
class _When:
    """What a date answer said: candidate days (one = fixed), an optional clock, or an instant."""

    days: tuple[date, ...] = ()
    clock: time | None = None
    instant: datetime | None = None


def _amount(raw: str | None) -> int:
    if raw is None:
        return 1
    word = " ".join(raw.lower().split())
    if word in {"a", "an"}:
        return 1
    if "couple" in word:
        return 2
    if "few" in word:
        return 3
    if word in _NUMBER_WORDS:
        return _NUMBER_WORDS[word]
    return int(word)


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


def _shift_days(day: date, n: int, unit: str) -> date:
    u = unit.lower()
    if u.startswith(("fortnight",)):
        return day + timedelta(days=14 * n)
    if u.startswith("w"):
        return day + timedelta(weeks=n)
    if u.startswith("mo"):
        return _add_months(day, n)
    if u.startswith("y"):
        return _add_months(day, 12 * n)
    return day + timedelta(days=n)


def _clock_delta(match: re.Match[str]) -> timedelta:
    """The length of "2 hours", "an hour", "half an hour", "15 minutes"."""
    hours = match["unit"].lower().startswith("h")
    if match["half"]:
        return timedelta(minutes=30) if hours else timedelta(seconds=30)
    amount = _amount(match["n"])
    return timedelta(hours=amount) if hours else timedelta(minutes=amount)


def _read_instant(s: str, now: datetime) -> datetime | None:
    if s in _NOW_WORDS:
        return now
    ago = _INSTANT_AGO.fullmatch(s)
    if ago:
        return now - _clock_delta(ago)
    ahead = _INSTANT_IN.fullmatch(s) or _INSTANT_FROM_NOW.fullmatch(s)
    if ahead:
        return now + _clock_delta(ahead)
    return None


def _real_date(year: int, month: int, day: int, shown: str) -> date:
    try:
        return date(year, month, day)
    except ValueError:
        if 1 <= month <= 12:
            raise ParseError(
                f"{shown} isn't a real date — {_MONTH_NAMES[month - 1].title()} has no day {day}."
            ) from None
        raise ParseError(f"{shown} isn't a real date — there's no month {month}.") from None


def _month_day(month: int, day: int, year: int | None, today: date, shown: str) -> tuple[date, ...]:
    if year is not None:
        return (_real_date(year, month, day, shown),)
    span = 8 if (month, day) == (2, 29) else 1
    days = []
    for y in range(today.year - span, today.year + span + 1):
        try:
            days.append(date(y, month, day))
        except ValueError:
            continue
    if not days:
        _real_date(today.year, month, day, shown)  # raises with the reason
    return tuple(days)


def _week_start(today: date) -> date:
    return today - timedelta(days=today.weekday())


def _end_of_month(day: date) -> date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def _read_day(
    r: str, today: date, prefer: Prefer, has_clock: bool, shown: str
) -> tuple[date, ...] | None:
    """Candidate days for the date part of an answer, or None when it isn't one we know."""
    r = re.sub(r"^(?:on|for|by|until|till|before)\s+", "", r).strip()
    if r in {"", "this"}:
        if not has_clock:
            return None
        if r == "this":
            return (today,)
        return (today - timedelta(days=1), today, today + timedelta(days=1))
    if r in _SAME_DAY_WORDS:
        return (today + timedelta(days=_SAME_DAY_WORDS[r]),)

    weekday = _WEEKDAY.fullmatch(r)
    if weekday:
        target = _WEEKDAYS[weekday["wd"].lower()]
        mod = " ".join((weekday["mod"] or "").lower().split())
        ahead = (target - today.weekday()) % 7
        if mod in {"next", "coming", "this coming"}:
            return (today + timedelta(days=ahead or 7),)
        if mod in {"last", "past", "this past", "previous"}:
            back = (today.weekday() - target) % 7
            return (today - timedelta(days=back or 7),)
        return tuple(today + timedelta(days=k) for k in (ahead - 7, ahead, ahead + 7))

    of_week = _WEEKDAY_OF_WEEK.fullmatch(r)
    if of_week:
        target = _WEEKDAYS[(of_week["wd"] or of_week["wd2"]).lower()]
        mod = (of_week["mod"] or of_week["mod2"]).lower()
        weeks = {"this": 0, "next": 1, "last": -1}[mod]
        return (_week_start(today) + timedelta(days=7 * weeks + target),)

    if r in {"next week", "a week from today", "a week from now", "this time next week"}:
        return (today + timedelta(days=7),)
    if r in {"last week", "a week ago", "this time last week"}:
        return (today - timedelta(days=7),)
    if r in {"next month", "last month", "next year", "last year"}:
        months = {"next month": 1, "last month": -1, "next year": 12, "last year": -12}[r]
        return (_add_months(today, months),)
    end = re.fullmatch(r"(?:the\s+)?end\s+of\s+(?:the\s+|this\s+)?(next\s+)?(week|month)", r)
    if end:
        if end[2] == "week":
            friday = _week_start(today) + timedelta(days=4)
            if friday < today or end[1]:  # on a weekend "the week" is the coming one
                friday += timedelta(days=7)
            return (friday,)
        month_day = _add_months(today.replace(day=1), 1 if end[1] else 0)
        return (_end_of_month(month_day),)
    if re.fullmatch(r"(?:the\s+)?(?:start|beginning)\s+of\s+next\s+week|early\s+next\s+week", r):
        return (_week_start(today) + timedelta(days=7),)

    for pattern, sign in ((_DAYS_AGO, -1), (_DAYS_IN, 1), (_DAYS_FROM_NOW, 1), (_DAYS_BARE, 0)):
        moved = pattern.fullmatch(r)
        if moved:
            sign = sign or (1 if prefer == "future" else -1)  # a bare "2 weeks"
            try:
                return (_shift_days(today, sign * _amount(moved["n"]), moved["unit"]),)
            except (OverflowError, ValueError):
                raise ParseError(_too_far(shown)) from None

    for pattern in (_MONTH_DAY, _DAY_MONTH):
        found = pattern.fullmatch(r)
        if found:
            year = int(found["year"]) if found["year"] else None
            return _month_day(_MONTHS[found["mon"].lower()], int(found["day"]), year, today, shown)

    iso = _ISO_DATE.fullmatch(r)
    if iso:
        return (_real_date(int(iso["y"]), int(iso["m"]), int(iso["d"]), shown),)
    dotted = _DOTTED_DATE.fullmatch(r)  # 5.12. and 05.12.2026 are day.month everywhere
    if dotted:
        return _month_day(int(dotted["m"]), int(dotted["d"]), _full_year(dotted["y"]), today, shown)
    only_day = _DAY_ONLY.fullmatch(r)
    if only_day:
        named = _WEEKDAYS[only_day["wd"].lower()] if only_day["wd"] else None
        return _day_of_month(int(only_day["day"]), named, today, shown)
    slash = _SLASH_DATE.fullmatch(r)
    if slash:
        return _slash_date(int(slash["a"]), int(slash["b"]), _full_year(slash["y"]), today, shown)
    return None


def _day_of_month(day: int, weekday: int | None, today: date, shown: str) -> tuple[date, ...]:
    """Candidates for "the 5th" (last, this or next month) or "Friday the 13th" (±14 months)."""
    first = today.replace(day=1)
    days = []
    for months in (-1, 0, 1) if weekday is None else range(-14, 15):
        month = _add_months(first, months)
        if day <= calendar.monthrange(month.year, month.month)[1]:
            candidate = month.replace(day=day)
            if weekday is None or candidate.weekday() == weekday:
                days.append(candidate)
    if not days:
        raise ParseError(f"{shown} isn't a real date — no month has a day {day}.")
    return tuple(days)


def _full_year(raw: str | None) -> int | None:
    if raw is None:
        return None
    year = int(raw)
    return 2000 + year if year < 100 else year


def _slash_date(a: int, b: int, year: int | None, today: date, shown: str) -> tuple[date, ...]:
    """Read "25/12" and "12/25"; refuse "12/05", which could be either, asking for words."""
    if a > 12 and b <= 12:
        month, day = b, a
    elif (b > 12 and a <= 12) or a == b:
        month, day = a, b
    elif a <= 12 and b <= 12:
        first = f"{_MONTH_NAMES[a - 1].title()} {b}"
        second = f"{_MONTH_NAMES[b - 1].title()} {a}"
        raise ParseError(
            f"{shown} could be {first} or {second} — please write the month as a word, "
            f"like “Dec 5”."
        )
    else:
        raise ParseError(f"{shown} isn't a real date — try “Dec 5” or “2026-12-05”.")
    return _month_day(month, day, year, today, shown)


def _split_clock(s: str, shown: str) -> tuple[str, tuple[int, int] | None, bool]:
    """(rest of the text, (hour, minute) or None, whether am/pm was left unsaid)."""
    for pattern in (_TRAILING_CLOCK, _LEADING_CLOCK, _TRAILING_AT, _LEADING_AT):
        found = pattern.fullmatch(s)
        if found:
            g = found.groupdict()
            unsaid = g.get("ap") is None and g.get("word") is None
            return found["rest"], _clock(found, shown, afternoon_guess=unsaid), unsaid
    return s, None, False


def _date_text(s: str) -> str:
    s = re.sub(r"\b([ap])\.\s?m\b\.?", r"\1m", s)
    s = re.sub(r"(?<=[0-9])t(?=[0-9]{1,2}:)", " ", s)  # 2026-12-05T14:00
    s = s.replace(",", " ")
    s = re.sub(r"(?<=[a-z])\.(?=\s|$)", "", s)  # "Dec. 5", "Fri."
    s = s.replace("tonight", "today night").replace("last night", "yesterday night")
    return " ".join(s.split()).strip(" .!?")


def _read_when(s: str, local_now: datetime, prefer: Prefer, shown: str) -> _When | None:
    """Our own fast reading of the common forms; None to hand over to dateparser."""
    s = _date_text(s)
    instant = _read_instant(s, local_now)
    if instant is not None:
        return _When(instant=instant)
    rest, clock, guessed = _split_clock(s, shown)
    part_time: time | None = None
    part = _PART_OF_DAY.fullmatch(rest)
    if part:
        rest = part["rest"]
        part_time = _PARTS_OF_DAY[part["part"].lower()]
    if clock is not None and part_time is not None and part_time.hour >= 12 and guessed:
        hour = clock[0] + 12 if clock[0] < 12 else clock[0]
        clock = (hour, clock[1])
    elif clock is not None and part_time is not None and part_time.hour < 12 and guessed:
        hour = clock[0] - 12 if clock[0] >= 13 else clock[0]
        clock = (hour, clock[1])
    when = time(*clock) if clock is not None else part_time
    days = _read_day(rest.strip(), local_now.date(), prefer, when is not None, shown)
    if days is None:
        return None
    return _When(days=days, clock=when)


def _nearest(
    days: tuple[date, ...], clock: time | None, local_now: datetime, prefer: Prefer
) -> date:
    """The candidate nearest to now in the preferred direction (now itself counts)."""
    if len(days) == 1:
        return days[0]
    if clock is None:
        ref = datetime.combine(local_now.date(), time())
        moments = {d: datetime.combine(d, time()) for d in days}
    else:
        ref = local_now.replace(second=0, microsecond=0, tzinfo=None)
        moments = {d: datetime.combine(d, clock) for d in days}
    if prefer == "future":
        ahead = [d for d in days if moments[d] >= ref]
        return min(ahead) if ahead else max(days)
    behind = [d for d in days if moments[d] <= ref]
    return max(behind) if behind else min(days)


def _local_now(now: datetime, tz: tzinfo) -> datetime:
    if now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    return now.astimezone(tz)


def _tz_label(tz: tzinfo, local_now: datetime) -> str:
    key = getattr(tz, "key", None)
    if isinstance(key, str):
        return key
    offset = local_now.utcoffset() or timedelta(0)
    minutes = int(offset.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    return f"UTC{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def _fallback(
    s: str, local_now: datetime, tz: tzinfo, prefer: Prefer
) -> tuple[datetime, bool] | None:
    """dateparser for the forms we don't read ourselves: (local datetime, time was given)."""
    if not re.search(r"[a-z]{3}", s):
        return None
    import dateparser  # slow to import; only needed for unusual answers

    settings: dict[str, object] = {
        "RELATIVE_BASE": local_now.replace(tzinfo=None),
        "PREFER_DATES_FROM": prefer,
        "TIMEZONE": _tz_label(tz, local_now),
        "RETURN_AS_TIMEZONE_AWARE": True,
    }
    try:
        found = dateparser.parse(s, languages=["en"], settings=settings)
    except Exception:  # dateparser has many failure modes on odd text; none is ours to show
        return None
    if not isinstance(found, datetime):
        return None
    if found.tzinfo is None:
        found = found.replace(tzinfo=tz)
    local = found.astimezone(tz)
    plain = local.time().replace(tzinfo=None)
    given = plain not in (time(0), local_now.time().replace(tzinfo=None))
    return local, given


def _at(day: date, clock: time, tz: tzinfo) -> datetime:
    """The wall-clock time on that day in tz, normalised across DST gaps."""
    wall = datetime.combine(day, clock.replace(tzinfo=None, second=0, microsecond=0), tzinfo=tz)
    return wall.astimezone(UTC).astimezone(tz)


def _too_far(shown: str) -> str:
    return f"{shown} is too far from today — please give a date within a few years."


def _check_range(day: date, local_now: datetime, shown: str) -> None:
    if abs(day.year - local_now.year) > 100:
        raise ParseError(_too_far(shown))


def _read_date_or_time(
    text: str, now: datetime, tz: tzinfo, prefer: Prefer, what: str, example: str
) -> tuple[datetime, date, time | None, datetime | None]:
    """(local now, chosen day, clock given, exact instant) for parse_date and parse_datetime."""
    s = _prepare(text, what, example)
    shown = _show(text)
    local_now = _local_now(now, tz)
    failed = ParseError(f"I couldn't read {shown} as {what} — try {example}.")
    if is_dont_know(text):
        raise failed
    try:
        when = _read_when(s, local_now, prefer, shown)
        if when is not None and when.instant is not None:
            _check_range(when.instant.date(), local_now, shown)
            return local_now, when.instant.date(), None, when.instant
        if when is not None:
            day = _nearest(when.days, when.clock, local_now, prefer)
            _check_range(day, local_now, shown)
            return local_now, day, when.clock, None
        found = _fallback(s, local_now, tz, prefer)
        if found is None:
            raise failed
        local, given = found
        _check_range(local.date(), local_now, shown)
        return local_now, local.date(), (local.time().replace(tzinfo=None) if given else None), None
    except ParseError:
        raise
    except (OverflowError, ValueError, ArithmeticError):
        raise failed from None


_DATE_EXAMPLE = "“yesterday 3pm”, “Dec 5” or “next Friday”"
_DATETIME_EXAMPLE = "“yesterday 3pm”, “today at 15:30” or “Dec 5 10am”"


def parse_date(text: str, now: datetime, tz: tzinfo, *, prefer: Prefer = "future") -> date:
    """A day from free text, relative to `now` as seen in `tz`.

    - A bare weekday, a month-day without a year ("Dec 5") or a time alone ("3pm") is the
      nearest such day in the preferred direction, today included (with a time given, the
      comparison is to the minute: "Friday 9am" said on Friday at 10 looking ahead is next week).
    - "next Friday" is the first Friday strictly after today, "last Friday" strictly before.
    - Weeks run Monday to Sunday; "end of the week" is its Friday, or the coming Friday at a
      weekend; "end of next week" is the Friday of next week.
    - "12/05" could be either order and is refused; "25/12", "5.12." and ISO dates are read.
    - A bare hour from 1 to 6 without am/pm ("at 3", "3:30") is read as the afternoon.
    Anything else goes to dateparser; "don't know" and unreadable text raise ParseError.
    """
    _, day, _, instant = _read_date_or_time(text, now, tz, prefer, "a date", _DATE_EXAMPLE)
    return instant.astimezone(tz).date() if instant is not None else day


def parse_datetime(
    text: str,
    now: datetime,
    tz: tzinfo,
    *,
    prefer: Prefer = "past",
    default_time: time | None = None,
) -> datetime:
    """An aware datetime in `tz` from free text like "yesterday 3pm" or "Dec 5 at 10".

    Without a time of day: `default_time` if given, else now when the day is today, else 12:00.
    """
    local_now, day, clock, instant = _read_date_or_time(
        text, now, tz, prefer, "a date and time", _DATETIME_EXAMPLE
    )
    if instant is not None:
        return instant.astimezone(tz).replace(second=0, microsecond=0)
    if clock is None:
        if default_time is not None:
            clock = default_time
        elif day == local_now.date():
            clock = local_now.time()
        else:
            clock = time(12)
    return _at(day, clock, tz)
