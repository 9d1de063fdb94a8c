"""Dates and times in sentences: "today 3pm", "next Friday", "in two weeks", "Dec 5"."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from bot.parsing.base import _NUMBER_WORDS, ParseError, Prefer, _prepare, _re, _show
from bot.parsing.choices import is_dont_know
from bot.parsing.hours import _CLOCK, _clock

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
        if mod == "next" and 0 < ahead <= NEXT_IS_AMBIGUOUS and target > today.weekday():
            return _ask_which(today + timedelta(days=ahead), today + timedelta(days=ahead + 7),
                              shown)
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


NEXT_IS_AMBIGUOUS = 2  # "next Tuesday" said on a Monday (1 or 2 days before, same week): ask


def _ask_which(soon: date, later: date, shown: str) -> tuple[date, ...]:
    """“next Tuesday” said early in the same week: this week's, or the week after? Ask."""
    def show(d: date) -> str:
        return f"{d:%a} {d.day} {d:%b}"
    raise ParseError(f"{shown[0].upper()}{shown[1:]} — do you mean {show(soon)} or "
                     f"{show(later)}?", ((show(soon), soon.isoformat()),
                                         (show(later), later.isoformat())))


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
    try:
        days = _read_day(rest.strip(), local_now.date(), prefer, when is not None, shown)
    except ParseError as error:
        if error.options and when is not None:  # the time said goes with either day
            raise ParseError(str(error), tuple((label, f"{value} {when:%H:%M}")
                                               for label, value in error.options)) from None
        raise
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
