"""A note of the user's, checked before it goes into their letters: the point noted for an
interviewer, and the debrief's strengths, what went well and what they missed to mention. When
shaping had to guess (a word corrected, a second sentence left out, a long note cut), the user
sees the sentence the letter will use and answers "OK" — or types the note again."""

from __future__ import annotations

from collections.abc import Callable

from bot.conversation.flows.base import short_text
from bot.letters.lexicon import Lexicon, accepted, merged, user_words
from bot.letters.shaping import shape
from bot.letters.thanks import NOTES, note_sentence
from bot.parsing import ParseError
from bot.turn import Turn

OK = "note:ok"
OK_WORDS = (OK, "ok", "okay", "ok, use it", "fine", "yes")
PENDING = "_note_pending"  # {"for": which note, "text": the note as typed}, while unconfirmed
QUESTION = ("Finish the sentence for {name}'s letter: “I especially enjoyed our conversation "
            "about …” — e.g. “your team's move to streaming”, or what they told you (“she "
            "walked me through their churn model”). I'll turn it into good English.")


def preview(text: str, turn: Turn, *names: str, note: str = "point") -> tuple[bool, str]:
    """(safe, the sentence the letter will use) for this note (`note`: a key of NOTES)."""
    shaped = shape(text, lexicon=Lexicon(list(turn.user.words or [])),
                   known=accepted([turn.user.display_name or "", *names]),
                   addressee=NOTES[note])
    if not shaped:
        return False, ""
    return shaped.safe, note_sentence(note, shaped, str(turn.slots.get("company") or ""))


def learn(turn: Turn, note: str, name: str) -> str:
    """The user's own capitalised words ("Snowplow", "XGBoost") join their lexicon, so the
    same word typed in lower case later is written their way; the note is returned."""
    known = {w.casefold() for w in f"{name} {turn.user.display_name or ''}".split()}
    words = [w for w in user_words(note) if w.casefold() not in known]
    if words:
        turn.user.words = merged(list(turn.user.words or []), words)[:500]
    return note


def _pending(turn: Turn, key: str) -> str | None:
    """The note waiting for this question's "OK", if any (a note of another question, or of
    another interviewer, is not this one's)."""
    pending = turn.slots.get(PENDING)
    if isinstance(pending, dict) and pending.get("for") == key:
        return str(pending.get("text") or "") or None
    if isinstance(pending, str) and key.startswith("point:"):
        return pending  # kept by an earlier version, for an interviewer's point
    return None


def checked_note(text: str, turn: Turn, name: str = "", limit: int = 1000,
                 note: str = "point") -> str:
    """The note as typed, once it shapes safely or the user said OK to its sentence.

    `note` is a key of NOTES; for "point", `name` is the interviewer whose letter it is for.
    A point with nothing to use in it is asked again; the other notes ("nothing", "idk") are
    kept as typed and simply left out of the letter."""
    key = f"point:{name}" if note == "point" else note
    stripped = " ".join(text.split())
    pending = _pending(turn, key)
    if stripped.casefold() in OK_WORDS and pending:
        turn.slots.pop(PENDING, None)
        return learn(turn, pending, name)
    if not stripped:
        raise ParseError("Please type a point from your conversation (or “skip”).")
    if len(stripped) > limit:
        stripped = stripped[:limit]
    names = [name] if name else [str(p.get("name") or "")
                                 for p in turn.slots.get("interviewers", [])]
    safe, sentence = preview(stripped, turn, *names, str(turn.slots.get("company") or ""),
                             str(turn.slots.get("role") or ""), note=note)
    if not sentence and note == "point":
        raise ParseError("I couldn't find a point to mention in that — what did you talk "
                         "about? e.g. “their move to streaming”. (Or “skip”.)")
    if safe or not sentence:
        turn.slots.pop(PENDING, None)
        return learn(turn, stripped, name)
    turn.slots[PENDING] = {"for": key, "text": stripped}
    where = f"In {name}'s letter" if note == "point" else "In your thank-you letters"
    again = "the point" if note == "point" else "it"
    raise ParseError(f"{where} it will read:\n“{sentence}”\nOK — or type {again} again to "
                     "rewrite it.", (("OK, use it", OK),))


def note_answer(note: str, limit: int) -> Callable[[str, Turn], str]:
    """The parser of a debrief question whose answer goes into the letters (`note`: a key of
    NOTES): at most `limit` characters, then checked like an interviewer's point."""
    check = short_text(limit, "this answer")

    def parse(text: str, turn: Turn) -> str:
        value = check(text, turn)
        return checked_note(value, turn, limit=limit, note=note)

    return parse
