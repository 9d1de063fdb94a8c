"""Time zones from what people type: cities, countries, abbreviations and UTC offsets."""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, timedelta, timezone, tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo, available_timezones

from bot.parsing.base import ParseError, _prepare, _re, _show

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


