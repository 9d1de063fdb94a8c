"""The terminal chat: the same core in a terminal, buttons shown as numbered choices.

In `--json` mode each input line is one message (a button is pressed by its label, its number
or its value) and each bot message is printed as one JSON object per line.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from adapters.base import Adapter
from bot.conversation.engine import Engine
from bot.messages import Button, Incoming, Reply, UserKey

PLATFORM = "console"
WORKSPACE = "local"


def console_user(user_id: str) -> UserKey:
    return UserKey(PLATFORM, WORKSPACE, user_id)


def reply_json(reply: Reply, user: UserKey | None = None) -> str:
    data: dict[str, object] = {}
    if user is not None:
        data["user"] = user.user_id
    data["text"] = reply.text
    data["buttons"] = [{"label": b.label, "value": b.value} for b in reply.buttons]
    if reply.draft is not None:
        data["draft"] = {"subject": reply.draft.subject, "body": reply.draft.body,
                         "to": reply.draft.to, "mailto": reply.draft.mailto,
                         "problems": list(reply.draft.problems)}
    if reply.attachment is not None:
        data["attachment"] = {"filename": reply.attachment.filename,
                              "mime_type": reply.attachment.mime_type}
    return json.dumps(data, ensure_ascii=False)


def reply_text(reply: Reply) -> str:
    parts = [reply.text]
    if reply.draft is not None:
        draft = reply.draft
        parts.append("")
        if draft.to:
            parts.append(f"To: {draft.to}")
        parts.append(f"Subject: {draft.subject}")
        parts.append("")
        parts.append(draft.body.rstrip())
        if draft.mailto:
            parts.append("")
            parts.append(f"Open in your mail app: {draft.mailto}")
        for problem in draft.problems:
            parts.append(f"⚠ {problem}")
    if reply.attachment is not None:
        parts.append(f"[file: {reply.attachment.filename}]")
    for number, button in enumerate(reply.buttons, 1):
        parts.append(f"  {number}. {button.label}")
    return "\n".join(parts)


def read_input(line: str, buttons: Sequence[Button], user: UserKey,
               earlier: Sequence[Button] = ()) -> Incoming:
    """A typed line becomes a button press (label, value or number), a command or text. A
    number counts in the last list shown; a label may be any button of the last answer (a
    letter's "Apply every fix" above the question)."""
    typed = line.strip()
    folded = typed.casefold()
    for button in (*buttons, *earlier):
        if folded in (button.label.casefold(), button.value.casefold()) or \
                _unquoted(folded) == _unquoted(button.label.casefold()):
            return Incoming.press(user, button.value)
    if typed.isdigit() and not any(b.label.strip().isdigit() for b in buttons):
        number = int(typed)
        if 1 <= number <= len(buttons):
            return Incoming.press(user, buttons[number - 1].value)
    if typed.startswith("/") and len(typed) > 1:
        word, _, args = typed[1:].partition(" ")
        return Incoming.command(user, word, args)
    return Incoming.message(user, line.rstrip("\n"))


def _unquoted(label: str) -> str:
    """A label as typed on a keyboard: “Add “Snowplow” to my words” → add snowplow to my words."""
    return " ".join(re.sub(r"[“”„\"'‘’]", "", label).split())


PASTE_END = "."
NOT_A_PASTE = frozenset({"cancel", "back", "help", "skip", "stop", "done", "ok"})


def _starts_paste(line: str, buttons: Sequence[Button]) -> bool:
    """After a question that takes a letter: a line that is no button, number, command or
    keyword starts a multi-line paste."""
    typed = line.strip()
    folded = typed.casefold()
    return not (typed.startswith("/") or typed.isdigit() or folded in NOT_A_PASTE
                or any(folded in (b.label.casefold(), b.value.casefold()) for b in buttons))


def read_paste(first: str, stdin: TextIO) -> str:
    """A multi-line paste: `first` and the lines after it, up to a line holding only "."
    (or the end of input)."""
    lines = [first.rstrip("\n")]
    while True:
        line = stdin.readline()
        if not line or line.strip() == PASTE_END:
            break
        lines.append(line.rstrip("\n"))
    return "\n".join(lines).strip("\n")


class ConsoleAdapter(Adapter):
    """A real adapter over stdin/stdout; also how nudges reach console users in `tick`."""

    platform = PLATFORM

    def __init__(self, engine: Engine | None = None, *, json_mode: bool = False,
                 out: TextIO | None = None, export_dir: Path | None = None) -> None:
        self.engine = engine
        self.json_mode = json_mode
        self.out = out or sys.stdout
        self.export_dir = export_dir or Path.cwd()
        self._buttons: tuple[Button, ...] = ()
        self._multiline = False  # the last question takes a pasted letter: read until "."
        self._earlier: tuple[Button, ...] = ()  # every button of the last answer

    def deliver(self, user: UserKey, replies: Sequence[Reply]) -> None:
        for reply in replies:
            self._print(reply, user)

    def _print(self, reply: Reply, user: UserKey | None = None) -> None:
        if reply.attachment is not None:
            path = self.export_dir / reply.attachment.filename
            path.write_bytes(reply.attachment.content)
            reply = Reply(f"{reply.text}\nSaved to {path}".strip(), reply.buttons, reply.draft)
        if self.json_mode:
            print(reply_json(reply, user), file=self.out, flush=True)
        else:
            print(reply_text(reply) + "\n", file=self.out, flush=True)
        if reply.buttons:
            self._buttons = reply.buttons
            self._earlier = (*self._earlier, *reply.buttons)
        self._multiline = self._multiline or reply.multiline

    def chat(self, user: UserKey, stdin: TextIO | None = None) -> None:
        """Talk until EOF; Ctrl-C ends cleanly too."""
        assert self.engine is not None
        stdin = stdin or sys.stdin
        interactive = not self.json_mode and stdin.isatty()
        if not self.json_mode:
            print("Afterview — type “help” for commands, Ctrl-D to leave.\n", file=self.out)
        try:
            while True:
                if interactive:
                    print("you> ", end="", file=self.out, flush=True)
                line = stdin.readline()
                if not line:
                    break
                if not line.strip():
                    continue
                if self._multiline and _starts_paste(line, self._buttons):
                    incoming = Incoming.message(user, read_paste(line, stdin), None)
                else:
                    incoming = read_input(line, self._buttons, user, self._earlier)
                self._buttons, self._multiline, self._earlier = (), False, ()
                for reply in self.engine.handle(incoming):
                    self._print(reply)
        except KeyboardInterrupt:
            pass
        if not self.json_mode:
            print("\nBye — good luck! Your notes are saved.", file=self.out)
