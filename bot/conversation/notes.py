"""A note about an interviewer, checked before it goes into their letter: when shaping had to
guess (a word corrected, a second sentence left out, a long note cut), the user sees the
sentence the letter will use and answers "OK" — or types the note again."""

from __future__ import annotations

from bot.letters.lexicon import Lexicon, accepted, merged, user_words
from bot.letters.shaping import shape
from bot.parsing import ParseError
from bot.turn import Turn

OK = "note:ok"
PENDING = "_note_pending"
QUESTION = ("Finish the sentence for {name}'s letter: “I especially enjoyed our conversation "
            "about …” — e.g. “your team's move to streaming”, or what they told you (“she "
            "walked me through their churn model”). I'll turn it into good English.")


def preview(text: str, turn: Turn, *names: str) -> tuple[bool, str]:
    """(safe, the sentence the letter will use) for this note."""
    shaped = shape(text, lexicon=Lexicon(list(turn.user.words or [])),
                   known=accepted([turn.user.display_name or "", *names]))
    if not shaped:
        return False, ""
    if shaped.kind == "clause":
        return shaped.safe, f"One part of our conversation stayed with me: {shaped.text}."
    return shaped.safe, f"I especially enjoyed our conversation about {shaped.text}."


def learn(turn: Turn, note: str, name: str) -> str:
    """The user's own capitalised words ("Snowplow", "XGBoost") join their lexicon, so the
    same word typed in lower case later is written their way; the note is returned."""
    known = {w.casefold() for w in f"{name} {turn.user.display_name or ''}".split()}
    words = [w for w in user_words(note) if w.casefold() not in known]
    if words:
        turn.user.words = merged(list(turn.user.words or []), words)[:500]
    return note


def checked_note(text: str, turn: Turn, name: str, limit: int = 1000) -> str:
    """The note as typed, once it shapes safely or the user said OK to its sentence."""
    stripped = " ".join(text.split())
    pending = turn.slots.get(PENDING)
    if stripped.casefold() in (OK, "ok", "okay", "ok, use it", "fine", "yes") and pending:
        turn.slots.pop(PENDING, None)
        return learn(turn, str(pending), name)
    if not stripped:
        raise ParseError("Please type a point from your conversation (or “skip”).")
    if len(stripped) > limit:
        stripped = stripped[:limit]
    safe, sentence = preview(stripped, turn, name)
    if not sentence:
        raise ParseError("I couldn't find a point to mention in that — what did you talk "
                         "about? e.g. “their move to streaming”. (Or “skip”.)")
    if safe:
        turn.slots.pop(PENDING, None)
        return learn(turn, stripped, name)
    turn.slots[PENDING] = stripped
    raise ParseError(f"In {name}'s letter it will read:\n“{sentence}”\nOK — or type the point "
                     "again to rewrite it.", (("OK, use it", OK),))
