"""The matcher: reads phrasings.yaml once, then answers "what does this message mean for this
user?" with a `Meaning` — patterns for the intent, rapidfuzz for companies and command words,
bot.parsing (with dateparser behind it) for the days, and the slot patterns for amounts and
people. Pure: it stores nothing and knows no database."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, replace
from datetime import date, datetime, tzinfo
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from rapidfuzz import fuzz, process

from bot.parsing import ParseError, parse_date, parse_datetime
from bot.understanding.companies import PLACEHOLDER, find_company, find_role, fold
from bot.understanding.meaning import (
    COMMAND,
    EVENT,
    FLOW,
    NOT_EVENT,
    SMALLTALK,
    UNKNOWN,
    CompanyRef,
    Known,
    Meaning,
    Person,
)

PHRASINGS = Path(__file__).with_name("phrasings.yaml")
MAX_TEXT = 4096
NEEDS_COMPANY = {"rejection", "offer", "later_round", "delay", "no_news", "accepted", "declined",
                 "withdrew", "references", "question_followup", "debrief"}
_TOKEN = re.compile(r"[a-z0-9$£€][a-z0-9$£€%&:/.+-]*|\?")
_TAG = re.compile(r"<[^>]{0,200}>")
_TRIM = ".-:/+"
_PREPOSITIONS = re.compile(r"^(?:(?:on|by|till|until|before|after|around|at|coming|for)\s+)+")


@dataclass(frozen=True)
class Intent:
    name: str
    kind: str
    patterns: tuple[re.Pattern[str], ...]


@dataclass(frozen=True)
class Phrasings:
    """phrasings.yaml, compiled."""

    intents: tuple[Intent, ...]
    spellings: dict[str, str]
    not_company: frozenset[str]
    filler: frozenset[str]
    suffixes: frozenset[str]
    role_words: frozenset[str]
    breaks: frozenset[str]  # words that end a company name ("on", "next", "friday"…)
    common: frozenset[str]  # words of the phrasings: never mistaken for a company
    slots: dict[str, re.Pattern[str]]
    labels: dict[str, str]  # the bot's own button labels typed as text → the command they run


def _company_gap() -> str:
    return rf"(?P<co>{PLACEHOLDER}|[a-z0-9][a-z0-9&.-]*(?: [a-z0-9][a-z0-9&.-]*){{0,2}})"


@lru_cache(maxsize=1)
def _label(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s']", " ", text.casefold().replace("’", "'")).split())


def phrasings(path: Path = PHRASINGS) -> Phrasings:
    data: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    intents = []
    words: set[str] = set()
    for entry in data["intents"]:
        patterns = []
        for raw in entry["patterns"]:
            words.update(re.findall(r"[a-z]{3,}", raw))
            patterns.append(re.compile(raw.replace("{co}", _company_gap())))
        intents.append(Intent(entry["name"], entry["kind"], tuple(patterns)))
    for name in ("not_company", "company_filler", "company_suffixes", "role_words",
                 "name_breaks"):
        odd = [word for word in data[name] if not isinstance(word, str)]
        if odd:  # YAML reads a bare on/off/yes/no as true/false: quote them
            raise ValueError(f"phrasings.yaml: {name} has non-words {odd} (quote them)")
    filler = frozenset(data["company_filler"])
    not_company = frozenset(data["not_company"])
    words.update(filler, not_company, {"months", "weeks", "days", "week", "today", "tomorrow"})
    return Phrasings(
        intents=tuple(intents),
        spellings={str(k): str(v) for k, v in data["spellings"].items()},
        labels={_label(str(k)): str(v) for k, v in (data.get("labels") or {}).items()},
        not_company=not_company,
        filler=filler,
        suffixes=frozenset(str(s).replace(".", "") for s in data["company_suffixes"]),
        role_words=frozenset(data["role_words"]),
        breaks=frozenset(data["name_breaks"]),
        common=frozenset(words),
        slots={name: re.compile(pattern, re.IGNORECASE)
               for name, pattern in data["slots"].items()},
    )


# ---- the question -----------------------------------------------------------------------------

def understand(text: str, known: Known, now: datetime, tz: tzinfo, *,
               about_known: bool = False) -> Meaning:
    """What this message means for this user. With `about_known`, only news about one of the
    user's applications is of interest: a message that names none (by company or role) is
    "unknown" at once, its intents never tried."""
    book = phrasings()
    raw = _visible(text)
    if len(text) > MAX_TEXT:
        return Meaning("too_long", UNKNOWN, raw[:200])
    if raw and set(raw) <= set("? "):
        return Meaning("menu", SMALLTALK, raw)
    if not re.search(r"[^\W\d_]", raw):
        return Meaning("no_words", UNKNOWN, raw)
    if _foreign(raw):
        return Meaning("foreign", UNKNOWN, raw)
    label = book.labels.get(_label(raw))
    if label is not None:  # "Draft thank-you letters" typed: the button's own words
        word, _, args = label.partition(" ")
        return Meaning("command", COMMAND, raw, command=word, args=args)
    tokens = _tokens(raw, book)
    if not tokens:
        return Meaning("no_words", UNKNOWN, raw)
    found = find_company(tokens, known.applications, book.suffixes, book.common)
    company = CompanyRef()
    if found is not None:
        company = found.ref
        tokens = [*tokens[:found.start], PLACEHOLDER, *tokens[found.end:]]
    line = " ".join(tokens)
    if found is None:
        company = find_role(line, known.applications) or company
    if about_known and not company.candidates:
        return Meaning("unknown", UNKNOWN, raw, company)
    intent, match = _intent(line, book)
    if intent is None:
        plain = _command_or_unknown(raw, tokens, known)
        return replace(plain, company=company) if plain.intent == "unknown" else plain
    meaning = Meaning(intent.name, intent.kind, raw, company)
    if intent.kind == NOT_EVENT:
        return replace(meaning, topic=_topic(line, book))
    if intent.name in NEEDS_COMPANY and not company.said:
        said = (_gap_company(match, raw, book) or _named_company(line, raw, book)
                or _leading_company(line, match, raw, book))
        if said:
            meaning = replace(meaning, company=CompanyRef(said))
    return _slots(meaning, line, raw, book, now, tz)


def _intent(line: str, book: Phrasings) -> tuple[Intent | None, re.Match[str] | None]:
    """The first intent that matches; news that is only a hope, a plan, a question or someone
    else's is the guard's (`not_event`) instead. (A debrief only starts a conversation: "had
    my interview, went ok I think" is still one.)"""
    guard = None
    for intent in book.intents:
        if intent.kind == NOT_EVENT:
            guard = intent
            continue
        for pattern in intent.patterns:
            found = pattern.search(line)
            if found is None:
                continue
            if intent.kind == EVENT and guard is not None:
                for check in guard.patterns:
                    hit = check.search(line)
                    if hit is not None:
                        return guard, hit
            return intent, found
    return None, None


def _topic(line: str, book: Phrasings) -> str:
    """The event a non-event talks about ("should I accept if they offer?" -> offer)."""
    for intent in book.intents:
        if intent.kind in (EVENT, FLOW) and any(p.search(line) for p in intent.patterns):
            return intent.name
    return ""


# ---- cleaning ---------------------------------------------------------------------------------

def _visible(text: str) -> str:
    """The message without HTML tags, control characters or emoji, spaces squeezed."""
    text = _TAG.sub(" ", text)
    kept = [ch if unicodedata.category(ch)[0] not in "CS" or ch in "$£€" else " " for ch in text]
    return " ".join("".join(kept).split())


def _foreign(raw: str) -> bool:
    """Mostly letters outside the Latin script: another language we can't read."""
    letters = [ch for ch in raw if ch.isalpha()]
    latin = sum(1 for ch in letters if ch < "ɏ")
    return bool(letters) and latin < len(letters) / 2


def _tokens(raw: str, book: Phrasings) -> list[str]:
    text = re.sub(r"['’`‘]", "", raw.casefold())
    text = re.sub(r"(?<=[0-9]),(?=[0-9]{3}\b)", "", text)  # 60,000 -> 60000
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode() \
        if not text.isascii() and not re.search("[$£€]", text) else text
    out: list[str] = []
    for token in _TOKEN.findall(text):
        token = token.rstrip(_TRIM) or token
        mapped = book.spellings.get(token)
        if mapped is None and token.endswith("s") and token[:-1] in book.spellings:
            mapped = None
        out.extend(mapped.split() if mapped else [token])
    return out


# ---- companies said in a gap ---------------------------------------------------------------

def _clean_name(words: list[str], book: Phrasings) -> list[str]:
    while words and (words[0] in book.filler or words[0] in book.not_company):
        words = words[1:]
    if any(w in book.breaks for w in words):
        words = words[:min(i for i, w in enumerate(words) if w in book.breaks)]
    while words and (words[-1] in book.filler or words[-1] in book.not_company
                     or words[-1] in book.common or words[-1] in book.role_words):
        words = words[:-1]
    if not words or " ".join(words) in book.not_company:
        return []
    if any(w in book.common and w not in book.filler for w in words):
        return []
    return words


def _in_raw(words: list[str], raw: str) -> str:
    """The words as the user typed them (their capitals), else title-cased."""
    pattern = r"\b" + r"['’`]?\W*".join(re.escape(w) for w in words) + r"\b"
    found = re.search(pattern, raw, re.IGNORECASE)
    if found is None:
        return " ".join(words).title()
    typed = found.group(0)
    return typed if typed != typed.lower() else typed.title() if typed.isalpha() else typed


def _gap_company(match: re.Match[str] | None, raw: str, book: Phrasings) -> str:
    if match is None or "co" not in match.re.groupindex:
        return ""
    gap = match.group("co")
    if not gap or gap == PLACEHOLDER:
        return ""
    words = _clean_name(gap.split(), book)
    return _in_raw(words, raw) if words else ""




def _leading_company(line: str, match: re.Match[str] | None, raw: str, book: Phrasings) -> str:
    """A company we don't know yet, named just before the news ("Umbrella turned me down")."""
    if match is None or match.start() == 0:
        return ""
    words = line[:match.start()].split()[-3:]
    while words and words[0] in book.breaks:
        words = words[1:]
    if any(w in book.breaks for w in words):
        words = words[max(i for i, w in enumerate(words) if w in book.breaks) + 1:]
    words = _clean_name(words, book)
    return _in_raw(words, raw) if words else ""


_NAMED = re.compile(r"\b(?:from|at|with|by|to)\s+((?:[a-z0-9][a-z0-9&.+-]*\s*){1,3})")


def _named_company(line: str, raw: str, book: Phrasings) -> str:
    """A company we don't know yet, named after "from", "at", "with"…"""
    for found in _NAMED.finditer(line):
        words: list[str] = []
        for word in found.group(1).split():
            if word in book.common or word in book.filler or word in book.role_words \
                    or word in book.breaks or word.isdigit() or book.slots["time"].fullmatch(word):
                break
            words.append(word)
        words = _clean_name(words, book)
        if words and len(" ".join(words)) >= 2:
            return _in_raw(words, raw)
    return ""


# ---- command words -----------------------------------------------------------------------------

def _command_or_unknown(raw: str, tokens: list[str], known: Known) -> Meaning:
    words = [t for t in tokens if t != "?"]
    first = raw.split(None, 1)[0].casefold() if raw.split() else ""
    args = raw.split(None, 1)[1] if len(raw.split(None, 1)) > 1 else ""
    if first in known.commands:  # "offer Initech", "lessons prepare shorter answers"
        return Meaning("command", COMMAND, raw, command=first, args=args)
    if words and len(words) <= 3 and known.commands and words[0].isalpha():
        first = words[0]
        scored = process.extract(first, known.commands, scorer=fuzz.ratio, limit=3)
        close = [(word, score) for word, score, _ in scored if score >= 66]
        if close and close[0][1] >= 80 and (len(close) == 1 or close[1][1] < close[0][1] - 10):
            return Meaning("command", COMMAND, raw, command=close[0][0], args=args,
                           suggestions=(close[0][0],))
        if close:
            return Meaning("did_you_mean", UNKNOWN, raw,
                           suggestions=tuple(word for word, _ in close))
    return Meaning("unknown", UNKNOWN, raw)


# ---- facts in the sentence ---------------------------------------------------------------------

def _slots(meaning: Meaning, line: str, raw: str, book: Phrasings, now: datetime,
           tz: tzinfo) -> Meaning:
    intent = meaning.intent
    if intent == "later_round":
        found = book.slots["round"].search(line)
        round_ = found.group(1) if found else ""
        round_ = {"2nd": "second", "3rd": "third", "4th": "fourth", "last": "final",
                  "on site": "onsite", "next": ""}.get(round_, round_)
        day, at, said = _when(line, book, now, tz, prefer="future")
        return replace(meaning, round=round_, day=day, at=at, when_text=said)
    if intent == "delay":
        day, _, said = _when(line, book, now, tz, prefer="future")
        return replace(meaning, day=day, decision_day=day, when_text=said, decision_text=said)
    if intent == "offer":
        return replace(meaning, salary=_salary(line, book), bonus=_bonus(line, book))
    if intent == "thanks_sent":
        return _thanks(meaning, line, raw)
    if intent == "snooze":
        return replace(meaning, snooze=_snooze(line))
    if intent == "debrief":
        return _debrief(meaning, line, raw, book, now, tz)
    return meaning


def _read_day(said: str, now: datetime, tz: tzinfo, prefer: str) -> tuple[date | None,
                                                                             datetime | None]:
    said = _PREPOSITIONS.sub("", said.strip())
    if said in ("week", "month", "weekend"):
        said = f"next {said}"
    has_time = bool(re.search(r"\d(?:am|pm)|\d:\d\d|\d (?:am|pm)|noon|midday", said))
    try:
        if has_time:
            moment = parse_datetime(said, now, tz, prefer=prefer)  # type: ignore[arg-type]
            return moment.date(), moment
        return parse_date(said, now, tz, prefer=prefer), None  # type: ignore[arg-type]
    except ParseError as error:
        if error.options:  # "next wednesday" on a Monday: this week's or next? asked later
            raise
        return None, None
    except (ValueError, OverflowError):
        return None, None


def _when(line: str, book: Phrasings, now: datetime, tz: tzinfo, *, prefer: str,
          start: int = 0, end: int | None = None) -> tuple[date | None, datetime | None, str]:
    part = line[start:end]
    first: tuple[date, datetime | None, str] | None = None
    for found in book.slots["day"].finditer(part):
        said = found.group(0).strip()
        tail = book.slots["time"].match(part, found.end() + 1) if not re.search(
            r"\d(?:am|pm)|\d:\d\d", said) else None
        if tail is not None:
            said = f"{said} {tail.group(0).strip()}"
        try:
            day, at = _read_day(said, now, tz, prefer)
        except ParseError:
            return None, None, said  # ambiguous: the flow asks which day, not "today"
        if day is None:
            continue
        # looking ahead, "they rang today: next round on the 12th" means the 12th
        if prefer != "future" or day > now.astimezone(tz).date():
            return day, at, said
        first = first or (day, at, said)
    if first is not None:
        return first
    clock = book.slots["time"].search(part)
    if clock is not None:
        day, at = _read_day("today " + clock.group(0).replace("at ", "").strip(), now, tz,
                            prefer)
        return day, at, clock.group(0).strip()
    return None, None, ""


def _salary(line: str, book: Phrasings) -> str:
    for found in book.slots["money"].finditer(line):
        amount = found.group(0).strip(" ,.")
        if re.fullmatch(r"[0-9]{1,2}(?:,|\.)?", amount):
            continue
        return amount
    return ""


def _bonus(line: str, book: Phrasings) -> str:
    found = book.slots["bonus"].search(line)
    if found is None:
        return ""
    return f"{found.group('pct') or found.group('pct2')}%"


def _snooze(line: str) -> str:
    if re.search(r"\b(next week|monday|after the weekend|in (a|one|two|[0-9]+) weeks?)\b", line):
        return "next_week"
    if re.search(r"\b(tomorrow|in (a|one|[0-9]+) days?|tuesday|wednesday|thursday|friday)\b",
                 line):
        return "tomorrow"
    return "later"


_THANKED = re.compile(r"\b(?:to|thanked)\s+([a-z][a-z'’.-]+(?:\s+[a-z][a-z'’.-]+)?)", re.I)
_EVERYONE = re.compile(r"\b(both|all|everyone|everybody|each|every one|them all|all of them|"
                       r"all three|all 3|the lot|them)\b")


def _thanks(meaning: Meaning, line: str, raw: str) -> Meaning:
    if _EVERYONE.search(line):
        return replace(meaning, everyone=True)
    for found in _THANKED.finditer(raw):
        name = found.group(1).strip(" .,!'’")
        first = name.split()[0].casefold()
        if first in ("the", "my", "a", "them", "him", "her", "their", "acme", "hr", "you"):
            continue
        if fold(name) and not fold(name).startswith(PLACEHOLDER):
            return replace(meaning, people=(Person(name),))
    return meaning


_ROLE = re.compile(
    r"\bfor\s+(?:the\s+|a\s+|an\s+|my\s+)?(?P<role>[a-z][a-z0-9 /&+'-]{1,60}?)"
    r"(?=\s+(?:role|position|job|post|today|yesterday|this|at|on|with|last|earlier|just|"
    r"interview|now|tomorrow)\b|\s*[,.;!(]|\s+\d|\s*$)", re.IGNORECASE)
_PEOPLE = re.compile(
    r"\bwith\s+(?P<people>[a-z][a-z'’.-]+(?:\s+[a-z][a-z'’.-]+)?(?:\s*\([^)]{1,40}\))?"
    r"(?:\s*(?:,|\band\b|&)\s*[a-z][a-z'’.-]+(?:\s+[a-z][a-z'’.-]+)?(?:\s*\([^)]{1,40}\))?)*)",
    re.IGNORECASE)
_PERSON = re.compile(r"^(?P<name>.+?)\s*(?:\((?P<title>[^)]*)\))?$")
_NOT_NAMES = {"the", "a", "an", "my", "them", "hr", "recruiter", "team", "their", "acme"}


def _debrief(meaning: Meaning, line: str, raw: str, book: Phrasings, now: datetime,
             tz: tzinfo) -> Meaning:
    decided = book.slots["decision"].search(line)
    cut = decided.start() if decided else None
    day, at, said = _when(line, book, now, tz, prefer="past", end=cut)
    decision_day, decision_text = None, ""
    if decided is not None:
        decision_day, _, decision_text = _when(line, book, now, tz, prefer="future",
                                               start=decided.end())
    role = ""
    company_words = set(fold(meaning.company.said).split()) if meaning.company.said else set()
    found = _ROLE.search(raw)
    if found is not None:
        candidate = found.group("role").strip(" -")
        if fold(candidate) and not (set(fold(candidate).split()) & (company_words | {"today",
                                                                                   "yesterday"})):
            role = candidate
    people: list[Person] = []
    for found in _PEOPLE.finditer(raw):
        chunk = found.group("people")
        parts = [p.strip() for p in re.split(r"\s*(?:,|\band\b|&)\s*", chunk) if p.strip()]
        for part in parts:
            person = _PERSON.match(part)
            if person is None:
                continue
            name = person.group("name").strip(" .,")
            first = fold(name).split()[0] if fold(name) else ""
            if not first or first in _NOT_NAMES or first in company_words \
                    or first in book.common or first[0].isdigit():
                break
            people.append(Person(name, (person.group("title") or "").strip()))
    return replace(meaning, day=day, at=at, when_text=said, role=role, people=tuple(people),
                   decision_day=decision_day, decision_text=decision_text)
