"""The proofreading check run on every draft: placeholders, names, company, informal words."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from difflib import SequenceMatcher

# Leftovers of a template or of a copied example letter.
_PLACEHOLDERS: tuple[re.Pattern[str], ...] = (
    re.compile(r"\{\{.*?\}\}|\{\{|\}\}|\{%|%\}"),  # Jinja
    re.compile(r"\{[A-Za-z_][\w ]{0,30}\}"),  # {name}
    re.compile(r"\[[A-Za-z][\w .'-]{0,40}\]"),  # [Name], [company name]
    re.compile(r"<(?![^<>\n]*[@/:])[A-Za-z][^<>\n]{0,40}>"),  # <Name>, not <jane@example.com>
    re.compile(r"\b(?:XXX+|TODO|TBD|FIXME)\b"),
)

# Informal words and abbreviations, with what to write instead. Whole words, any case.
SLANG: dict[str, str] = {
    "thx": "thank you",
    "thanx": "thank you",
    "ty": "thank you",
    "pls": "please",
    "plz": "please",
    "u": "you",
    "ur": "your",
    "gonna": "going to",
    "wanna": "want to",
    "gotta": "have to",
    "kinda": "rather",
    "asap": "as soon as possible",
    "btw": "by the way",
    "fyi": "for your information",
    "lol": "",
    "omg": "",
    "tbh": "",
    "imo": "in my view",
    "imho": "in my view",
    "idk": "I do not know",
    "hey": "Dear …",
    "yeah": "yes",
    "cheers mate": "Kind regards",
    "no worries": "",
    "awesome": "excellent",
}


def _slang_pattern(word: str) -> re.Pattern[str]:
    body = r"\s+".join(re.escape(part) for part in word.split())
    if word == "u":  # "u" but not the U of "U.S." or of an initial
        return re.compile(r"(?<![\w.'’-])u(?![\w.'’-])")
    return re.compile(rf"(?<![\w'’-]){body}(?![\w'’-])", re.IGNORECASE)


_SLANG_PATTERNS = tuple((word, _slang_pattern(word)) for word in SLANG)

# Capitalised words of ordinary letters that must never be taken for a misspelled name.
_COMMON_WORDS = frozenset(
    re.findall(
        r"\w+",
        """
        Dear Hello Thank Thanks Kind Best Warm Warmest Regards Sincerely Yours With Many Please
        Monday Tuesday Wednesday Thursday Friday Saturday Sunday January February March April May
        June July August September October November December Position Salary Base Bonus Signing
        Equity Vacation Benefits Relocation Start Date Subject Team Hiring Manager Head Senior
        Junior Lead Data
        """,
    )
)

_WORD = re.compile(r"[^\W\d_][\w'’-]*")
_NAME_RATIO = 0.8


def _words(text: str) -> list[str]:
    """Words with a trailing possessive ('s) and edge punctuation removed."""
    words = []
    for raw in _WORD.findall(text):
        word = re.sub(r"['’]s$", "", raw).strip("'’-")
        if word:
            words.append(word)
    return words


def _close(a: str, b: str) -> bool:
    """Near-equal but not equal: same initial, ratio >= 0.8, both at least four letters."""
    if a == b or len(a) < 4 or len(b) < 4 or a[0].casefold() != b[0].casefold():
        return False
    return SequenceMatcher(None, a.casefold(), b.casefold()).ratio() >= _NAME_RATIO


def _name_problems(text: str, names: Sequence[str], known: Iterable[str]) -> list[str]:
    recorded = {w for name in names for w in _words(name)}
    exact = recorded | set(known) | _COMMON_WORDS
    problems: list[str] = []
    seen: set[str] = set()
    for word in _words(text):
        if not word[0].isupper() or word in exact or word in seen:
            continue
        for name_word in sorted(recorded):
            if _close(word, name_word):
                seen.add(word)
                problems.append(
                    f'"{word}" looks like a misspelling of "{name_word}": '
                    "spell names exactly as recorded."
                )
                break
    return problems


def _company_problems(text: str, company: str) -> list[str]:
    company = company.strip()
    if not company:
        return []
    problems: list[str] = []
    other_case = sorted(
        {m.group(0) for m in re.finditer(re.escape(company), text, re.IGNORECASE)} - {company}
    )
    for variant in other_case:
        problems.append(f'Write the company as recorded: "{company}", not "{variant}".')
    size = len(company.split())
    tokens = [t.strip(".,;:!?()\"'’") for t in text.split()]
    near = sorted(
        {
            candidate
            for i in range(len(tokens) - size + 1)
            if (candidate := " ".join(tokens[i : i + size]))
            and candidate[0].isupper()
            and candidate.casefold() != company.casefold()
            and _close(candidate, company)
        }
    )
    for candidate in near:
        problems.append(f'"{candidate}" looks like a misspelling of the company "{company}".')
    if company not in text and not problems:
        problems.append(f'The company "{company}" is not named in the letter.')
    return problems


def proofread(
    draft_subject: str,
    body: str,
    *,
    names: Sequence[str],
    company: str,
    role: str = "",
) -> tuple[str, ...]:
    """Problems a careful reader would catch, as short sentences for the user; () when clean.

    Checks subject and body for: leftover placeholders ("{{", "[Name]", "<Company>",
    "XXX", "TODO"…); capitalised words close to, but not equal to, a recorded
    name (difflib ratio >= 0.8, same first letter, four letters or more);
    the company not written exactly as recorded (other case, near-miss, missing);
    the role not mentioned (any case); informal words and abbreviations outside
    the recorded names, company and role.
    """
    text = f"{draft_subject}\n{body}"
    problems: list[str] = []

    seen: set[str] = set()
    covered: list[tuple[int, int]] = []
    for pattern in _PLACEHOLDERS:
        for match in pattern.finditer(text):
            start, end = match.span()
            if any(s <= start and end <= e for s, e in covered):
                continue  # "{name}" inside "{{name}}" is the same leftover
            covered.append((start, end))
            found = match.group(0)
            if found not in seen:
                seen.add(found)
                problems.append(f'Replace the placeholder "{found}" before sending.')

    known = set(_words(company)) | set(_words(role))
    problems += _name_problems(text, names, known)
    problems += _company_problems(text, company)

    role = role.strip()
    if role and role.casefold() not in text.casefold():
        problems.append(f'The role "{role}" is not mentioned.')

    # A recorded name may look like slang ("Ty Burrell", "Awesome Games Ltd"): it is not.
    plain = text
    for recorded in sorted({*names, *(w for n in names for w in n.split()), company, role},
                           key=len, reverse=True):
        if recorded.strip():
            plain = plain.replace(recorded, " ")
    for word, pattern in _SLANG_PATTERNS:
        slang = pattern.search(plain)
        if slang:
            instead = SLANG[word]
            advice = f' Write "{instead}" instead.' if instead else " Leave it out."
            problems.append(f'"{slang.group(0)}" is too informal for this letter.{advice}')
    return tuple(problems)
