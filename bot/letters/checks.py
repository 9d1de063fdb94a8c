"""Proofreading that catches real mistakes, each finding with its fix (`bot.messages.Fix`).

Spelling (pyspellchecker, offline; the user's names, company, role and tools accepted, British
spellings too), doubled words, repeated sentence openings, sentences starting in lower case,
leftovers ("None", "null", "undefined"), and a letter over ~200 words. A fix replaces `old` by
`new` once in the letter; a finding without `old` asks the user to rewrite the passage.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from bot.messages import Fix

from .lexicon import DOMAIN, Lexicon, accepted
from .shaping import _speller, british_known

MAX_WORDS = 200

_LEFTOVER = re.compile(r"\b(?:None|null|NULL|undefined|NaN|nan|N/A)\b(?!\s+(?:of|the|at|in)\b)")
_SENTENCE = re.compile(r"[^.!?\n]+[.!?]?")
_WORD = re.compile(r"(?<![\w@/.:+-])[A-Za-z][a-z']*[a-z](?![\w@/+-]|\.\w)")


def _letter_part(body: str, sign_off_lines: int = 3) -> str:
    """The body without its sign-off: the name and the contact line are not prose."""
    lines = body.rstrip("\n").split("\n")
    for index in range(len(lines) - 1, -1, -1):
        if lines[index].rstrip().endswith(",") and index > len(lines) - 1 - sign_off_lines:
            return "\n".join(lines[:index])
    return body


def word_count(body: str) -> int:
    """Words of the letter between greeting and sign-off."""
    prose = _letter_part(body).split("\n")
    if prose and prose[0].startswith(("Dear ", "Hello ", "Hi ")):
        prose = prose[1:]
    return len(re.findall(r"[\w'’-]+", "\n".join(prose)))


def spelling(body: str, known: set[str]) -> list[Fix]:
    speller = _speller()
    found: list[Fix] = []
    seen: set[str] = set()
    text = _letter_part(body)
    for sentence in _SENTENCE.finditer(text):
        words = list(_WORD.finditer(sentence.group(0)))
        for index, match in enumerate(words):
            word = match.group(0)
            low = word.casefold().strip("'")
            if low in seen or low in known or len(low) < 2:
                continue
            if word[0].isupper() and index > 0:
                continue  # a name in mid-sentence: accepted unless it is close to a recorded one
            parts = [p for p in re.split(r"'", low) if p]
            if not parts or not speller.unknown([parts[0]]) or british_known(parts[0]):  # type: ignore[attr-defined]
                continue
            if low.endswith("n't") or low.endswith("'s"):
                continue
            seen.add(low)
            fixed = speller.correction(parts[0])  # type: ignore[attr-defined]
            if fixed and fixed != parts[0]:
                new = fixed if word[0].islower() else fixed[0].upper() + fixed[1:]
                found.append(Fix(f'"{word}" looks misspelled: "{new}"?', word, new))
            else:
                found.append(Fix(f'"{word}" is not a word I know: check the spelling.'))
    return found


def doubled_words(body: str) -> list[Fix]:
    fixes = []
    for match in re.finditer(r"\b(\w+)\s+(\1)\b", body, re.IGNORECASE):
        if match.group(1).casefold() in {"had", "that"}:
            continue  # "had had", "that that" can be right
        fixes.append(Fix(f'"{match.group(0)}": the word is written twice.', match.group(0),
                         match.group(1)))
    return fixes


def _sentences(body: str) -> list[str]:
    prose = _letter_part(body).split("\n")
    if prose and prose[0].startswith("Dear "):
        prose = prose[1:]
    out: list[str] = []
    for line in prose:
        out += [s.strip() for s in re.split(r"(?<=[.!?])\s+", line) if s.strip()]
    return out


def openings(body: str) -> list[Fix]:
    """Two sentences in a row opening with the same two words, or three with the same word."""
    sentences = _sentences(body)
    fixes = []
    for i in range(1, len(sentences)):
        a, b = sentences[i - 1].split(), sentences[i].split()
        if len(a) > 1 and len(b) > 1 and [w.casefold() for w in a[:2]] == \
                [w.casefold() for w in b[:2]]:
            fixes.append(Fix(f'Two sentences in a row open with "{" ".join(b[:2])}": '
                             "reword the second one.", ))
        elif i >= 2 and a and b and sentences[i - 2].split()[:1] == a[:1] == b[:1] and \
                (b[0] != "I" or i >= 3 and sentences[i - 3].split()[:1] == ["I"]):
            run = "Four" if b[0] == "I" else "Three"
            fixes.append(Fix(f'{run} sentences in a row open with "{b[0]}": reword one.'))
    return fixes


def lower_case_starts(body: str) -> list[Fix]:
    fixes = []
    for sentence in _sentences(body):
        if sentence[0].islower():
            first = sentence.split()[0]
            fixes.append(Fix(f'A sentence starts in lower case: "{first} …".',
                             sentence[: len(first) + 20][:60],
                             (sentence[0].upper() + sentence[1:])[: len(first) + 20][:60]))
    return fixes


def leftovers(body: str) -> list[Fix]:
    fixes = []
    for match in _LEFTOVER.finditer(body):
        start = body.rfind(" ", 0, match.start())
        context = body[max(0, start):match.end()].strip()
        fixes.append(Fix(f'"{match.group(0)}" is a leftover of an empty field: remove it.',
                         match.group(0), ""))
        del context
    return fixes


def length(body: str, limit: int = MAX_WORDS) -> list[Fix]:
    count = word_count(body)
    if count <= limit:
        return []
    return [Fix(f"The letter is {count} words: keep it under about {limit} — shorten the "
                "longest paragraph.")]


def check(body: str, *, names: Iterable[str], company: str, role: str = "",
          lexicon: Lexicon | None = None, limit: int = MAX_WORDS) -> tuple[Fix, ...]:
    """Every finding for `body` (a letter body), in reading order of the kinds above."""
    lexicon = lexicon or Lexicon()
    known = accepted([*names, company, role]) | lexicon.words() | DOMAIN
    findings = (spelling(body, known) + doubled_words(body) + lower_case_starts(body)
                + openings(body) + leftovers(body) + length(body, limit))
    return tuple(findings)


def apply(body: str, fix: Fix) -> str:
    """`body` with one fix applied (the first occurrence); unchanged when it has no `old`."""
    if not fix.old or fix.old not in body:
        return body
    text = body.replace(fix.old, fix.new, 1)
    return re.sub(r"[ \t]{2,}", " ", re.sub(r" +([,.;:!?])", r"\1", text))
