"""Telegram rendering, pure: a `Reply` becomes Telegram messages — HTML-escaped text split
under the length limit, inline keyboards of vault tokens, drafts easy to copy, files."""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass

from bot.messages import Attachment, Button, Draft, Reply

MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_CALLBACK_DATA = 64


# ---- rendering: Reply -> Telegram messages (pure) ----------------------------------------------


@dataclass(frozen=True)
class Outgoing:
    """One Telegram message: HTML text (or a file with an HTML caption) and its keyboard rows of
    (label, callback_data)."""

    html: str
    keyboard: tuple[tuple[tuple[str, str], ...], ...] = ()
    attachment: Attachment | None = None

    @property
    def visible(self) -> int:
        """What Telegram counts against its limits: the UTF-16 length of the text as shown."""
        return utf16_len(visible_text(self.html))


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def visible_text(markup: str) -> str:
    """The text of our own HTML as the user sees it (tags dropped, entities decoded)."""
    return html.unescape(re.sub(r"<[^>]*>", "", markup))


def escape(text: str) -> str:
    return html.escape(text, quote=False)


def split_text(text: str, limit: int = MAX_TEXT) -> list[str]:
    """Pieces of at most `limit` UTF-16 units: cut at paragraphs, then lines, then words, then
    anywhere (never inside a character). Blank pieces are dropped: Telegram refuses them."""
    return [piece for piece in _split(text, limit, ("\n\n", "\n", " ")) if piece.strip()]


def _split(text: str, limit: int, separators: tuple[str, ...]) -> list[str]:
    if utf16_len(text) <= limit:
        return [text]
    if not separators:
        return _hard_split(text, limit)
    separator, finer = separators[0], separators[1:]
    pieces: list[str] = []
    current: list[str] = []
    size = 0
    for part in text.split(separator):
        part_size = utf16_len(part)
        if part_size > limit:
            if current:
                pieces.append(separator.join(current))
                current, size = [], 0
            pieces.extend(_split(part, limit, finer))
            continue
        joined = size + (len(separator) if current else 0) + part_size
        if current and joined > limit:
            pieces.append(separator.join(current))
            current, size = [part], part_size
        else:
            current.append(part)
            size = joined
    if current:
        pieces.append(separator.join(current))
    return pieces


def _hard_split(text: str, limit: int) -> list[str]:
    pieces: list[str] = []
    start = size = 0
    for index, char in enumerate(text):
        width = 2 if ord(char) > 0xFFFF else 1
        if size + width > limit:
            pieces.append(text[start:index])
            start, size = index, 0
        size += width
    pieces.append(text[start:])
    return pieces


def keyboard_rows(buttons: Sequence[Button], width: int = 40, most: int = 5) -> list[list[Button]]:
    """Buttons packed into rows that fit a phone screen. Telegram gives the buttons of a row
    equal widths, so a row fits when (buttons × (longest label + padding)) fits the width."""
    rows: list[list[Button]] = []
    row: list[Button] = []
    for button in buttons:
        widest = max([len(b.label) for b in row] + [len(button.label)]) + 4
        if row and (len(row) >= most or (len(row) + 1) * widest > width):
            rows.append(row)
            row = []
        row.append(button)
    if row:
        rows.append(row)
    return rows


def render(replies: Sequence[Reply], tokens: Sequence[str]) -> list[Outgoing]:
    """The messages for a turn's replies; `tokens` are the vault tokens of all their buttons, in
    order. Consecutive plain texts are merged into one message when they fit (fewer pings, and
    fewer sends against the per-chat limit); each reply's keyboard rides on its last message."""
    tokens_left = iter(tokens)
    messages: list[Outgoing] = []
    for reply in replies:
        keyboard = tuple(
            tuple((_label(button.label), _callback_data(next(tokens_left))) for button in row)
            for row in keyboard_rows(reply.buttons)
        )
        parts = _reply_parts(reply)
        if not parts and keyboard:
            parts = [Outgoing("Choose:")]
        if parts and keyboard:
            last = parts[-1]
            parts[-1] = Outgoing(last.html, keyboard, last.attachment)
        messages.extend(parts)
    return _merge(messages)


def _label(label: str) -> str:
    label = " ".join(label.split()) or "…"
    return label if len(label) <= 64 else label[:63] + "…"


def _callback_data(token: str) -> str:
    if not 1 <= len(token.encode()) <= MAX_CALLBACK_DATA:
        raise ValueError(f"callback data must be 1-{MAX_CALLBACK_DATA} bytes, got {len(token)}")
    return token


def _texts(text: str) -> list[Outgoing]:
    return [Outgoing(escape(piece)) for piece in split_text(text.strip())]


def _reply_parts(reply: Reply) -> list[Outgoing]:
    # a file whose caption is the reply's text is sent once, the text as its caption
    said_by_caption = reply.attachment is not None and reply.text.strip() == \
        reply.attachment.caption.strip()
    parts = [] if said_by_caption else _texts(reply.text)
    if reply.draft is not None:
        parts.extend(render_draft(reply.draft))
    if reply.attachment is not None:
        parts.extend(render_attachment(reply.attachment))
    return parts


def render_draft(draft: Draft) -> list[Outgoing]:
    """A letter: To, Subject and the mail-app link as text, then the body in a <pre> block —
    one tap on it copies the whole letter."""
    lines: list[str] = []
    if draft.to:
        lines.append(f"✉️ <b>To:</b> <code>{escape(draft.to)}</code>")
    lines.append(f"<b>Subject:</b> <code>{escape(draft.subject)}</code>")
    if draft.link:  # https (PUBLIC_URL): Telegram does not list mailto: among its link types
        lines.append(f'<a href="{html.escape(draft.link, quote=True)}">Open it in your mail '
                     "app</a>")
    for problem in draft.problems:
        lines.append(f"⚠️ {escape(problem)}")
    lines.append("Tap the letter below to copy it:")
    header = Outgoing("\n".join(lines))
    parts = [header] if header.visible <= MAX_TEXT else _texts(visible_text(header.html))
    body = draft.body.strip("\n")
    parts.extend(Outgoing(f"<pre>{escape(piece)}</pre>") for piece in split_text(body))
    return parts


def render_attachment(attachment: Attachment) -> list[Outgoing]:
    """A file with its caption; a caption too long for one goes in a message before it."""
    caption = attachment.caption.strip()
    if utf16_len(caption) <= MAX_CAPTION:
        return [Outgoing(escape(caption), attachment=attachment)]
    return [*_texts(caption), Outgoing("", attachment=attachment)]


def _merge(messages: list[Outgoing]) -> list[Outgoing]:
    merged: list[Outgoing] = []
    for message in messages:
        if merged:
            last = merged[-1]
            if (last.attachment is None and message.attachment is None and not last.keyboard
                    and last.visible + 2 + message.visible <= MAX_TEXT):
                merged[-1] = Outgoing(f"{last.html}\n\n{message.html}", message.keyboard)
                continue
        merged.append(message)
    return merged


