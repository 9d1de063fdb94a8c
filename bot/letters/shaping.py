"""One shaping step for every fragment of the user's that enters a letter.

A note typed after an interview ("she walked me through their churn model 😀", "we talked about
his team's A/B testing platform, they struggle with peeking", "I forgot to mention my dbt
certification") becomes words a letter can hold: markup, template braces and emoji removed,
lead-ins dropped ("we talked about", "I forgot to mention", "she said"), the addressee's third
person turned into the second ("you walked me through your churn model"), typos and informal
words corrected, known proper nouns and tools capitalised (`Lexicon`), comma splices joined.

`Shaped.kind` says how the fragment can be used: a "phrase" (a noun phrase, after "our
conversation about …") or a "clause" (a full statement, after a colon or on its own).
`Shaped.safe` is False when something was left out or guessed (a second sentence dropped, a
2,000-character note cut, a word changed by the spelling corrector): the bot then shows the
sentence it will use and offers "OK" or "rewrite it".
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Set
from dataclasses import dataclass, field
from functools import lru_cache

from .lexicon import DOMAIN, Lexicon
from .proofreading import SLANG

MAX_WORDS = 30
"""A fragment longer than this is cut at a clause boundary (and marked unsafe)."""


@dataclass(frozen=True)
class Shaped:
    """A user's fragment ready for a letter: `text` without final punctuation."""

    text: str
    kind: str = "phrase"  # "phrase" or "clause"
    safe: bool = True
    changes: tuple[str, ...] = field(default=())

    def __bool__(self) -> bool:
        return bool(self.text)

    def __str__(self) -> str:
        return self.text

    @property
    def sentence(self) -> str:
        """The fragment as a sentence of its own: capital first letter, full stop."""
        return as_sentence(self.text)


def as_sentence(text: str) -> str:
    text = text.strip()
    if not text:
        return ""
    text = text[0].upper() + text[1:]
    return text if text[-1] in ".!?" else f"{text}."


# ---- cleaning -----------------------------------------------------------------------------

_HTML_TAGS = ("a|abbr|b|big|blockquote|body|br|code|div|em|font|h[1-6]|head|hr|html|i|img|"
              "input|li|mark|ol|p|pre|s|small|span|strike|strong|sub|sup|table|td|th|tr|tt|u|"
              "ul|iframe|svg|form|button|link|meta|title")
_SCRIPT = re.compile(r"(?is)<\s*(script|style)\b[^>]*>.*?(?:<\s*/\s*\1\s*>|$)")
_TAG = re.compile(rf"(?i)<\s*/?\s*(?:{_HTML_TAGS})\b[^<>]{{0,200}}>")
_TEMPLATE = re.compile(r"\{\{|\}\}|\{%|%\}|\{#|#\}|\$\{")
_ASCII_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_BRACKETED = re.compile(r"\[[^\]]{0,40}\]|\{[^}]{0,40}\}")


def _is_emoji(ch: str) -> bool:
    if ch in "\u200d\ufe0f\ufe0e\u20e3":
        return True
    category = unicodedata.category(ch)
    return category in {"So", "Sk", "Cs", "Co", "Cn"} or 0x1F000 <= ord(ch) <= 0x1FAFF


def clean(text: str) -> str:
    """Markup, template braces, placeholders, emoji and control characters out; one line."""
    text = html.unescape(_TAG.sub(" ", _SCRIPT.sub(" ", text or "")))
    text = _TEMPLATE.sub(" ", text)
    text = _BRACKETED.sub(" ", text)
    if text.isascii():  # no emoji: only control characters to blank
        text = _ASCII_CONTROL.sub(" ", text)
    else:
        text = "".join(" " if _is_emoji(ch) or unicodedata.category(ch) == "Cc" else ch
                       for ch in text)
    text = text.replace("’", "'").replace("‘", "'").replace("“", '"').replace("”", '"')
    text = re.sub(r"[<>{}\[\]|\\^~`*_#=]+", " ", text)
    text = re.sub(r"([!?.,;:])\1+", r"\1", text)  # "!!!" → "!"
    text = " ".join(text.split())
    return text.strip(" \"'-–—:;,")


# ---- lead-ins -----------------------------------------------------------------------------

_FILLER = r"(?:so|and|also|oh|well|um+|uh+|ok|okay|yeah|yes|basically|honestly|actually|" \
          r"plus|anyway|mostly|mainly|lol|tbh|btw)\b[,.]?\s*"
_WHO = r"(?:she|he|they|we|i|[A-Z][a-z]+)"
_LEAD_INS = tuple(re.compile(p, re.IGNORECASE) for p in (
    _FILLER,
    r"(?:i\s+)?(?:forgot|forget|didn't get|did not get|didnt get|never got|failed|wanted|meant|"
    r"wish i had|wish i'd|should have|should've|would have liked|would like|'d like)\s+(?:to\s+)?"
    r"(?:mention(?:ed)?|say|said|talk about|bring up|brought up|add|tell (?:them|her|him|you)|"
    r"highlight|stress)(?:\s+(?:that|about|them|her|him|you))*\s+",
    r"(?:i\s+)?(?:didn't|did not|didnt|never)\s+(?:mention|say|bring up|talk about)"
    r"(?:\s+(?:that|about))?\s+",
    r"(?:we|i|she|he|they)\s+(?:both\s+)?(?:talked|spoke|chatted|discussed|went over|covered|"
    r"touched on|got into|had a (?:chat|conversation|discussion|talk))"
    r"(?:\s+(?:a lot|mostly|mainly|briefly|at length|for a while))?"
    r"(?:\s+(?:with|to)\s+(?:her|him|them|[A-Z][a-z]+))?"
    r"(?:\s+(?:about|on|of|re))?\s+",
    r"(?:i\s+)?(?:really\s+)?(?:enjoyed|liked|loved|appreciated)\s+(?:our\s+|the\s+)?"
    r"(?:conversation|chat|discussion|talk|talking|hearing|learning|the part)\s+(?:about|on|of)\s+",
    _WHO + r"\s+(?:said|mentioned|told me|explained|noted|shared)(?:\s+(?:that|about))?\s+",
    r"(?:the\s+)?(?:conversation|chat|discussion|talk|point)\s+(?:was\s+)?(?:about|on)\s+",
    r"(?:talked about|discussed|mentioned|about|re:?|regarding|on the topic of)[\s,;:]+",
    r"(?:my\s+)?(?:strongest\s+)?(?:strength|qualification)s?\s+(?:is|are|was|were)\s+",
))
_HAVE = re.compile(
    r"i\s+(?:have|'ve got|bring|offer|have got)\s+(?=\d|a\b|an\b|many\b|several\b|strong\b|"
    r"deep\b|solid\b|years?\b|experience\b|lots\b|extensive\b)", re.IGNORECASE)


def drop_lead_ins(text: str) -> str:
    """ "we talked about X" → "X", "I forgot to mention that X" → "X", "she said X" → "X"."""
    for _ in range(4):
        before = text
        for pattern in _LEAD_INS:
            match = pattern.match(text)
            if match and match.end() < len(text):
                text = text[match.end():].lstrip(" ,;:")
        if text == before:
            break
    return text


# ---- person -------------------------------------------------------------------------------

_SUBJECT = {"she": "you", "he": "you", "they": "you"}
_CONTRACTED = {"she's": "you're", "he's": "you're", "they're": "you're", "she'd": "you'd",
               "he'd": "you'd", "they'd": "you'd", "she'll": "you'll", "he'll": "you'll",
               "they'll": "you'll", "they've": "you've"}
_POSSESSIVE = {"his": "your", "their": "your", "hers": "yours", "theirs": "yours"}
_OBJECT = {"him": "you", "himself": "yourself", "herself": "yourself",
           "themselves": "yourselves", "themself": "yourself"}
# "them" is the addressee only after these ("asked them"); else it is things ("cut them")
_TO_PERSON = {"asked", "told", "showed", "gave", "thanked", "sent", "met", "helped", "ask",
              "tell", "show", "thank", "meet", "help"}
_AGREE = {"is": "are", "was": "were", "has": "have", "does": "do", "doesn't": "don't",
          "isn't": "aren't", "wasn't": "weren't", "hasn't": "haven't", "goes": "go"}
_ADVERBS = {"also", "really", "just", "clearly", "even", "always", "never", "actually",
            "both", "all", "still", "already", "often", "recently", "then", "kindly"}
# after "her": these start no noun phrase, so "her" is the object ("asked her about")
_NOT_NOUN = {"about", "and", "or", "to", "for", "with", "at", "in", "on", "that", "if",
             "because", "but", "so", "how", "what", "why", "when", "where", "a", "an", "the",
             "my", "our", "some", "any", "this", "these", "those", "again", "too", "as",
             "through", "into", "from", "over", "by", "of", "up", "out", "is", "was"}
# after "there" these keep it "there" ("there is", "there for a year"); before any other word it
# is the common misspelling of "their" ("showed me there new pipeline")
_AFTER_THERE = _NOT_NOUN | {"are", "were", "will", "would", "could", "should", "might", "may",
                            "must", "has", "have", "had", "seems", "seemed", "yet", "now",
                            "then", "today", "yesterday", "last", "before", "after", "during",
                            "while", "until", "since", "alone", "together", "already", "just",
                            "i", "we", "you", "he", "she", "they", "it", "there"}
_SINGULAR_S = re.compile(r"^[a-z]{2,}(?:ies|[^s]s|sses|shes|ches|xes|zes|oes)$")


def _base_verb(verb: str) -> str:
    if verb in _AGREE:
        return _AGREE[verb]
    if not _SINGULAR_S.match(verb) or verb.endswith("ss"):
        return verb
    if verb.endswith("ies"):
        return verb[:-3] + "y"
    if re.search(r"(?:sh|ch|x|z|o|ss)es$", verb):
        return verb[:-2]
    return verb[:-1]


def second_person(text: str) -> str:
    """The addressee's third person turned into the second: "she walked me through their
    churn model" → "you walked me through your churn model"; "she has" → "you have"."""
    tokens = re.split(r"(\W+)", text)
    words = [i for i, t in enumerate(tokens) if t and re.fullmatch(r"[\w']+", t)]
    out = list(tokens)
    after_subject = False
    for position, i in enumerate(words):
        word = tokens[i]
        low = word.casefold()
        following = tokens[words[position + 1]].casefold() if position + 1 < len(words) else ""
        replacement: str | None = None
        if low in _CONTRACTED:
            replacement, after_subject = _CONTRACTED[low], False
        elif low in _SUBJECT:
            replacement, after_subject = "you", True
            out[i] = _keep_case(word, replacement)
            continue
        elif after_subject and low in _ADVERBS:
            continue
        elif after_subject:
            replacement = _base_verb(low) if low.isalpha() or "'" in low else None
            after_subject = False
            if replacement == low:
                replacement = None
        elif low in _POSSESSIVE:
            replacement = _POSSESSIVE[low]
        elif low in _OBJECT:
            replacement = _OBJECT[low]
        elif low == "them" and position and tokens[words[position - 1]].casefold() in _TO_PERSON:
            replacement = "you"
        elif low == "there" and following.isalpha() and following not in _AFTER_THERE:
            replacement = "your"
        elif low == "her":
            replacement = "you" if not following or following in _NOT_NOUN else "your"
        if replacement is not None:
            out[i] = _keep_case(word, replacement)
    return "".join(out)


def _keep_case(original: str, new: str) -> str:
    return new[0].upper() + new[1:] if original[:1].isupper() else new


# ---- words --------------------------------------------------------------------------------

_INFORMAL_EXTRA = {"hey": "", "cool": "interesting", "super": "very", "pretty": "",
                   "stuff": "work", "guy": "person", "guys": "team", "gonna": "going to",
                   "wanna": "want to", "ya": "you", "yep": "", "nope": "", "tho": "though",
                   "thru": "through", "w/": "with", "b/c": "because", "bc": "because",
                   "cuz": "because", "coz": "because", "abt": "about", "convo": "conversation",
                   "prob": "probably", "info": "information", "approx": "about",
                   "etc": "and so on", "im": "I'm", "ive": "I've", "dont": "don't",
                   "didnt": "didn't", "cant": "can't", "wont": "won't", "isnt": "isn't",
                   "thats": "that's", "whats": "what's", "yrs": "years", "yr": "year"}


@lru_cache(maxsize=1)
def _speller() -> object:
    from spellchecker import SpellChecker

    return SpellChecker(distance=1)


def correct_word(word: str, known: Set[str]) -> str:
    """A lower-case word the dictionary does not know, corrected when one correction is clear
    (distance 1); names, tools, numbers and short words are left alone."""
    low = word.casefold()
    if (len(low) < 3 or not low.isalpha() or low in known or word != low or low in DOMAIN):
        return word
    if len(low) <= 4 and not re.search(r"[aeiouy]", low):
        return low.upper()  # "nhs", "crm": an acronym typed in lower case
    speller = _speller()
    if not speller.unknown([low]) or british_known(low):  # type: ignore[attr-defined]
        return word
    fixed = speller.correction(low)  # type: ignore[attr-defined]
    if not fixed or fixed == low or "'" in fixed or len(low) > 4 and len(fixed) < len(low) - 1:
        return word
    return fixed


def british_known(word: str) -> bool:
    """ "organise", "colour", "centre", "modelling": British spellings of known words."""
    speller = _speller()
    candidates = {re.sub(r"is(e|ed|es|ing|ation)$", r"iz\1", word),
                  re.sub(r"our(s|ed|ing|ful)?$", r"or\1", word),
                  re.sub(r"tre(s)?$", r"ter\1", word),
                  re.sub(r"ll(ed|ing|er)$", r"l\1", word),
                  re.sub(r"yse(d|s)?$", r"yze\1", word),
                  re.sub(r"ogue$", "og", word),
                  re.sub(r"ence$", "ense", word),
                  word.replace("our", "or", 1),
                  re.sub(r"ae", "e", word)} - {word}
    return bool(candidates) and not speller.unknown(list(candidates))  # type: ignore[attr-defined]


def fix_words(text: str, lexicon: Lexicon, known: set[str]) -> tuple[str, list[str]]:
    """Informal words replaced, "i" → "I", typos corrected, tools capitalised; the changes."""
    changes: list[str] = []
    slang = {**_INFORMAL_EXTRA, **SLANG}
    slang.pop("hey", None)
    lexical = lexicon.words() | known

    def one(match: re.Match[str]) -> str:
        word = match.group(0)
        low = word.casefold()
        if low == "i":
            return "I"
        if re.fullmatch(r"i'(?:m|ve|d|ll)", low):
            return "I" + word[1:]
        if low in slang and low not in lexical and word == low:
            instead = slang[low] if low != "hey" else ""
            changes.append(f"{word} → {instead or '(left out)'}")
            return instead
        fixed = correct_word(word, lexical)
        if fixed != word:
            changes.append(f"{word} → {fixed}")
        return fixed

    text = re.sub(r"(?<![\w@./-])[A-Za-z][A-Za-z']*(?![\w@/-])", one, text)
    text = " ".join(text.split())
    text = re.sub(r"\s+([,.;:!?])", r"\1", text)
    text = re.sub(r"\b[qh]([1-4])\b", lambda m: m.group(0).upper(), text)  # q3 → Q3
    return lexicon.capitalise(text), changes


# ---- sentences ----------------------------------------------------------------------------

_CLAUSE_START = {"you", "i", "we", "it", "there", "they", "she", "he", "i'm", "you're", "we're",
                 "it's", "there's", "i've", "you've", "we've"}
_FINITE = {"is", "are", "was", "were", "has", "have", "had", "will", "would", "can", "could",
           "does", "do", "did", "should", "must", "might", "am", "isn't", "aren't", "won't",
           "can't", "don't", "doesn't", "didn't", "wasn't", "weren't"}
_SPLICE = re.compile(r",\s+(?=(?:you|i|we|they|it|there|he|she|the team|your team|that)\b"
                     r"(?:'\w+)?\s+\w)", re.IGNORECASE)


_EMPTY = {"about", "the", "a", "an", "and", "or", "of", "to", "with", "on", "in", "re", "that",
          "this", "it", "so", "um", "uh", "we", "you", "your", "i", "me", "my", "talked",
          "discussed", "mentioned", "said", "stuff", "things", "thing", "etc", "n", "na",
          "none", "nothing", "idk", "dunno", "everything", "lots", "general"}


def kind_of(text: str) -> str:
    words = re.findall(r"[\w']+", text.casefold())
    if not words:
        return "phrase"
    if words[0] in _CLAUSE_START or any(w in _FINITE for w in words[1:]):
        return "clause"
    if len(words) > 1 and re.fullmatch(r"[a-z]+ed", words[1]) and words[0] in {"your", "my"}:
        return "phrase"
    return "phrase"


def join_splices(text: str, kind: str) -> str:
    """ "X, they struggle with Y" → "X and how they struggle with Y" (after a phrase) or
    "X, and they…" (after a clause): no comma splice."""
    parts = _SPLICE.split(text)
    if len(parts) == 1:
        return text
    head = parts[0]
    for part in parts[1:]:
        head = f"{head}, and {part}" if kind == "clause" else f"{head} and how {part}"
    return head


def _cut(text: str) -> tuple[str, bool]:
    """The first sentence, at most MAX_WORDS words (cut at a comma or "and"); True when cut."""
    text = re.sub(r"\s*;\s*(?=\S)", " and ", text)  # "X; Y" → "X and Y"
    sentences = [s for s in re.split(r"(?<=[.!?])\s+|\s+[-–—]\s+", text) if s.strip(" .!?;")]
    first = sentences[0].strip() if sentences else ""
    cut = len(sentences) > 1
    words = first.split()
    if len(words) > MAX_WORDS:
        cut = True
        window = " ".join(words[:MAX_WORDS])
        stop = max(window.rfind(","), window.rfind(" and "), window.rfind(" but "))
        first = window[:stop] if stop > len(window) // 3 else window
    return first.strip(" ,;:-–—"), cut


_PREPOSITION = r"\b(about|with|to|for|from|by|of|at|on|like|than|between|among)\s+"


def _object_case(text: str) -> str:
    """After a preposition a pronoun takes its object case: "about we" → "about us", "with
    I" → "with me", "about she" → "about you" (the addressee)."""
    text = re.sub(_PREPOSITION + r"we\b", r"\1 us", text, flags=re.IGNORECASE)
    text = re.sub(_PREPOSITION + r"I\b(?!')", r"\1 me", text)
    return re.sub(_PREPOSITION + r"(?:she|he|they)\b", r"\1 you", text, flags=re.IGNORECASE)


_NUMBER_WORDS = ("one", "two", "three", "four", "five", "six", "seven", "eight", "nine")


def _years(text: str) -> str:
    """ "Python and SQL, 5 years" → "five years of Python and SQL"; "5 years" → "five years"."""
    found = re.fullmatch(r"(.+?),\s+(\d{1,2}|\w+)\+?\s+(years?|months?)", text)
    if found and kind_of(found.group(1)) == "phrase" and \
            (found.group(2).isdigit() or found.group(2) in _NUMBER_WORDS):
        text = f"{found.group(2)} {found.group(3)} of {found.group(1)}"
    return re.sub(r"\b([1-9])(\s+(?:years?|months?|weeks?))\b",
                  lambda m: _NUMBER_WORDS[int(m.group(1)) - 1] + m.group(2), text)


def _sentence_case(text: str, lexicon: Lexicon, known: set[str] | frozenset[str]) -> str:
    """ "The churn model" → "the churn model": a capital that only started the note goes;
    a name, a tool or "I" keeps it."""
    first = text.split()[0] if text.split() else ""
    if not first[:1].isupper() or first in {"I", "I'm", "I've", "I'd", "I'll"} or \
            first in lexicon or first.casefold() in known or not first[1:].islower():
        return text
    if _speller().unknown([first.casefold().strip(".,;:!?'")]):  # type: ignore[attr-defined]
        return text  # not a dictionary word: a name ("Snowplow")
    return text[0].lower() + text[1:]


def shape(text: str, *, lexicon: Lexicon | None = None,
          known: set[str] | frozenset[str] = frozenset(), addressee: bool = True) -> Shaped:
    """The user's fragment shaped for a letter (see the module docstring).

    `known` are words the spelling corrector leaves alone (names, company, role). With
    `addressee` the third person (she/he/they, her/his/their) becomes "you"/"your": use it
    for notes about the person the letter goes to.
    """
    lexicon = lexicon or Lexicon()
    raw = clean(text)
    if not raw:
        return Shaped("")
    if sum(c.isupper() for c in raw) > 0.6 * sum(c.isalpha() for c in raw) > 4:
        raw = raw.casefold()  # typed in capitals
    first, cut = _cut(raw)
    body = drop_lead_ins(first)
    if not addressee:  # a strength: "I have 5 years of SQL" → "5 years of SQL"
        body = _HAVE.sub("", body, count=1)
    body = _sentence_case(body, lexicon, known)
    body, changes = fix_words(body, lexicon, {k.casefold() for k in known})
    body = drop_lead_ins(body)
    if addressee:
        body = second_person(body)
    body = body.strip(" .!?;,:-–—\"'")
    if all(w.casefold() in _EMPTY for w in re.findall(r"[\w']+", body)):
        return Shaped("", safe=False, changes=("nothing to use",))
    body = _object_case(body)
    body = _years(body)
    kind = kind_of(_SPLICE.split(body)[0])
    joined = join_splices(body, kind)
    if joined != body:  # how two thoughts hang together is a guess ("…, and you struggle…")
        changes.append("joined two clauses")
    body = joined
    body = re.sub(r"\b(\w+)(\s+\1\b)+", r"\1", body, flags=re.IGNORECASE)  # "the the"
    if cut:
        changes.append("kept only the first sentence")
    guessed = any(("→" in change and "(left out)" not in change) or change == "joined two clauses"
                  for change in changes)
    return Shaped(body, kind, safe=not cut and not guessed and len(body) > 1,
                  changes=tuple(changes))
