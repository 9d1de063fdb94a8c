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
                found.append(Fix(f'"{word}" is not a word I know: check the spelling — or, if '
                                 "it is right, add it to your words.",
                                 label=f"Add “{word[:30]}” to my words", learn=word))
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


CONNECTIVES = ("In addition,", "Equally,", "Beyond that,", "What is more,")
"""Put in front of a sentence that opens like the one before, so the two no longer match."""


def reopened(sentence: str, body: str, neighbours: Iterable[str],
             known: set[str] | frozenset[str] = frozenset()) -> str:
    """`sentence` opening differently: "I am keen to …" → "In addition, I am keen to …" — a
    connective the letter does not use yet and no neighbouring sentence opens with; the old
    first word loses its capital unless it is "I" or a name (`known`)."""
    first, _, rest = sentence.partition(" ")
    if first[1:].islower() and first.casefold().strip(",;:") not in known and \
            not re.fullmatch(r"I(?:'\w+)?", first):
        first = first[0].lower() + first[1:]
    openers = {s.split()[0].casefold() for s in neighbours if s.split()}
    fresh = [c for c in CONNECTIVES
             if c.split()[0].casefold() not in openers and c.casefold() not in body.casefold()]
    return f"{(fresh or list(CONNECTIVES))[0]} {first} {rest}".rstrip()


def openings(body: str, known: Iterable[str] = ()) -> list[Fix]:
    """Two sentences in a row opening with the same two words, or three with the same word;
    the fix opens the later one with a connective ("In addition, I am …")."""
    sentences = _sentences(body)
    known = set(known)
    fixes = []
    for i in range(1, len(sentences)):
        a, b = sentences[i - 1].split(), sentences[i].split()
        around = sentences[max(0, i - 1):i] + sentences[i + 1:i + 2]
        if len(a) > 1 and len(b) > 1 and [w.casefold() for w in a[:2]] == \
                [w.casefold() for w in b[:2]]:
            new = reopened(sentences[i], body, around, known)
            fixes.append(Fix(f'Two sentences in a row open with "{" ".join(b[:2])}": '
                             f"reword the second one — “{new}”", sentences[i], new,
                             label=_reword_label(new)))
        elif i >= 2 and a and b and sentences[i - 2].split()[:1] == a[:1] == b[:1] and \
                (b[0] != "I" or i >= 3 and sentences[i - 3].split()[:1] == ["I"]):
            run = "Four" if b[0] == "I" else "Three"
            new = reopened(sentences[i], body, around, known)
            fixes.append(Fix(f'{run} sentences in a row open with "{b[0]}": reword the last '
                             f"one — “{new}”", sentences[i], new, label=_reword_label(new)))
    return list(dict.fromkeys(fixes))  # a sentence repeated word for word: one finding


def _reword_label(new: str) -> str:
    return f"Reword: “{' '.join(new.split()[:4])} …”"


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
    """Over `limit` words: the fix leaves out the optional parts (see `shortened`)."""
    count = word_count(body)
    if count <= limit:
        return []
    found = shortened(body, limit)
    if found is None:
        return [Fix(f"The letter is {count} words: keep it under about {limit} — shorten the "
                    "longest paragraph.")]
    short, gone = found
    what = "; ".join(f"“{_opening(piece)}” ({_words_in(piece)} words)" for piece in gone)
    old, new = _difference(body, short)
    return [Fix(f"The letter is {count} words: keep it under about {limit}. One tap leaves "
                f"out {what} — {word_count(short)} words then.", old, new,
                label=f"Shorten to {word_count(short)} words", alone=True)]


def _words_in(text: str) -> int:
    return len(re.findall(r"[\w'’-]+", text))


def _opening(text: str, words: int = 10) -> str:
    said = text.split()
    return " ".join(said[:words]) + (" …" if len(said) > words else "")


def shortened(body: str, limit: int = MAX_WORDS) -> tuple[str, list[str]] | None:
    """(the letter without its optional parts, the parts left out); None when nothing can go.

    A letter's first paragraph (why you write) and last (the close), its greeting and sign-off
    always stay: the paragraphs between them are the ones a template may leave out (a thank-you
    letter's strengths and what was missed). The one whose loss is enough goes, the smallest
    such; else the longest, one by one. Still too long: the later sentences of the paragraphs
    left (never a paragraph's first), the longest first."""
    parts = [p for p in re.split(r"\n[ \t]*\n", body.strip("\n")) if p.strip()]
    start = 1 if parts and re.match(r"(?:Dear|Hello|Hi)\b", parts[0]) and \
        "\n" not in parts[0].strip() else 0
    end = len(parts) - 1 if len(parts) > start + 1 and _is_sign_off(parts[-1]) else len(parts)
    over = word_count(body) - limit
    middle = list(range(start + 1, end - 1))
    enough = [i for i in middle if _words_in(parts[i]) >= over]
    if enough:
        dropped = [min(enough, key=lambda i: _words_in(parts[i]))]
    else:
        dropped = []
        for i in sorted(middle, key=lambda i: -_words_in(parts[i])):
            if sum(_words_in(parts[j]) for j in dropped) >= over:
                break
            dropped.append(i)
    gone = [parts[i] for i in sorted(dropped)]
    saved = sum(map(_words_in, gone))
    kept = [p for i, p in enumerate(parts) if i not in dropped]
    if saved < over:
        kept, cut = _cut_sentences(kept, range(start, end - len(dropped)), over - saved)
        gone += cut
    if not gone:
        return None
    return "\n\n".join(kept) + ("\n" if body.endswith("\n") else ""), gone


def _is_sign_off(part: str) -> bool:
    first = part.strip().split("\n")[0].strip()
    return first.endswith(",") and len(first.split()) <= 4


def _cut_sentences(parts: list[str], prose: Iterable[int], over: int) -> tuple[list[str],
                                                                             list[str]]:
    """`parts` without their longest later sentences until `over` words are gone."""
    pieces = {i: re.split(r"(?<=[.!?])(\s+)", parts[i]) for i in prose if i < len(parts)}
    later = sorted(((i, k) for i, split in pieces.items() for k in range(2, len(split), 2)),
                   key=lambda ik: -_words_in(pieces[ik[0]][ik[1]]))
    cut: list[tuple[int, int]] = []
    for i, k in later:
        if sum(_words_in(pieces[a][b]) for a, b in cut) >= over:
            break
        cut.append((i, k))
    out = list(parts)
    for i, split in pieces.items():
        gone = {k for a, k in cut if a == i}
        if gone:
            out[i] = "".join(piece for k, piece in enumerate(split)
                             if k not in gone and k + 1 not in gone)
    return out, [pieces[i][k] for i, k in sorted(cut)]


def _difference(old: str, new: str) -> tuple[str, str]:
    """The part of `old` that changes and what it becomes — a span found once in `old`."""
    size = min(len(old), len(new))
    head = next((i for i in range(size) if old[i] != new[i]), size)
    tail = next((i for i in range(size - head) if old[-1 - i] != new[-1 - i]), size - head)
    while head > 0 and old.count(old[head:len(old) - tail]) > 1:
        head -= 1
    return old[head:len(old) - tail], new[head:len(new) - tail]


def check(body: str, *, names: Iterable[str], company: str, role: str = "",
          lexicon: Lexicon | None = None, limit: int = MAX_WORDS) -> tuple[Fix, ...]:
    """Every finding for `body` (a letter body), in reading order of the kinds above."""
    lexicon = lexicon or Lexicon()
    known = accepted([*names, company, role]) | lexicon.words() | DOMAIN
    findings = (spelling(body, known) + doubled_words(body) + lower_case_starts(body)
                + openings(body, known) + leftovers(body) + length(body, limit))
    return tuple(findings)


def apply(body: str, fix: Fix) -> str:
    """`body` with one fix applied (the first occurrence); unchanged when it has no `old`."""
    if not fix.old or fix.old not in body:
        return body
    text = body.replace(fix.old, fix.new, 1)
    return re.sub(r"[ \t]{2,}", " ", re.sub(r" +([,.;:!?])", r"\1", text))
