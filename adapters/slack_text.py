"""Text for Slack's mrkdwn: what the bot echoes of the user's words must show as typed.

Slack has escapes for its three control characters only (`&`, `<`, `>`); `*bold*`, `_italic_`,
`~strike~` and `` `code` `` have none. A formatting character is neutralised where Slack would
read it as a marker — at a word's edge — by a zero-width space between it and the word, so
`*Acme*` shows its asterisks, while `jane_doe@example.com` and `snake_case` stay untouched.
`<!channel>` becomes `&lt;!channel&gt;`: shown, never a mention.
"""

from __future__ import annotations

import re

ZWSP = "\u200b"
MARKERS = "*_~`"
# a marker at a word's edge: after the start, a space or punctuation and before a word character,
# or after a word character and before the end, a space or punctuation
_OPENING = re.compile(rf"(?:^|(?<=[\s(\[{{\"'“‘]))([{re.escape(MARKERS)}]+)(?=\S)", re.M)
_CLOSING = re.compile(rf"(?<=\S)([{re.escape(MARKERS)}]+)(?=$|[\s.,;:!?)\]}}\"'”’])", re.M)


def escape(text: str) -> str:
    """Slack's three control characters, escaped as its mrkdwn requires."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def neutralise(text: str) -> str:
    """Formatting markers at a word's edge kept literal (a zero-width space beside them)."""
    if not any(marker in text for marker in MARKERS):
        return text
    text = _OPENING.sub(lambda m: m.group(1) + ZWSP, text)
    text = _CLOSING.sub(lambda m: ZWSP + m.group(1), text)
    return text.replace("```", f"`{ZWSP}`{ZWSP}`")


def mrkdwn(text: str) -> str:
    """Plain text (the bot's words and the user's, mixed) as mrkdwn that shows it as is."""
    return neutralise(escape(text))


def mrkdwn_len(text: str) -> int:
    return len(mrkdwn(text))


_LINK = re.compile(r"<([^<>|]*)(?:\|([^<>]*))?>")


def link_text(target: str, label: str | None) -> str:
    """What a Slack link in the user's message stands for, as text: the label, with the web
    address beside it when it says something else (so the URL is not lost)."""
    if target.startswith("mailto:"):
        return label or target[len("mailto:"):]
    if label and target.startswith(("http://", "https://")) and label not in target:
        return f"{label} ({target})"
    return label or target
