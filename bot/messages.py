"""Value objects between adapters and the core: who speaks, what came in, what goes out."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


@dataclass(frozen=True, slots=True)
class UserKey:
    """Identifies one job seeker: platform ("console", "telegram", "slack"), workspace, user id.

    Every stored row belongs to exactly one key; nothing reads across keys.
    """

    platform: str
    workspace: str
    user_id: str

    def __str__(self) -> str:
        return f"{self.platform}:{self.workspace}:{self.user_id}"


TOKEN_PREFIX = "~"


class Kind(StrEnum):
    TEXT = "text"
    COMMAND = "command"
    BUTTON = "button"


@dataclass(frozen=True, slots=True)
class Incoming:
    """One thing the user did: typed text, issued a command (with args), pressed a button."""

    user: UserKey
    kind: Kind
    text: str = ""
    display_name: str | None = None
    dedup_key: str | None = None

    @classmethod
    def message(cls, user: UserKey, text: str, display_name: str | None = None,
                dedup_key: str | None = None) -> Incoming:
        return cls(user, Kind.TEXT, text, display_name, dedup_key)

    @classmethod
    def command(cls, user: UserKey, word: str, args: str = "", display_name: str | None = None,
                dedup_key: str | None = None) -> Incoming:
        word = word.strip().lstrip("/").lower()
        return cls(user, Kind.COMMAND, f"{word} {args}".strip(), display_name, dedup_key)

    @classmethod
    def press(cls, user: UserKey, value: str, display_name: str | None = None,
              dedup_key: str | None = None) -> Incoming:
        """A button press. Adapters with opaque callback data pass `TOKEN_PREFIX + token`."""
        return cls(user, Kind.BUTTON, value, display_name, dedup_key)

    @property
    def command_word(self) -> str:
        return self.text.split(" ", 1)[0] if self.kind is Kind.COMMAND else ""

    @property
    def command_args(self) -> str:
        parts = self.text.split(" ", 1)
        return parts[1] if self.kind is Kind.COMMAND and len(parts) > 1 else ""


@dataclass(frozen=True, slots=True)
class Button:
    """A choice offered with a reply. `value` is what comes back in `Incoming.press`."""

    label: str
    value: str


@dataclass(frozen=True, slots=True)
class Fix:
    """A proofreading finding with its correction: replace `old` by `new` in the letter
    (`new` may be ""); with `learn`, the fix is adding that word to the user's own words (the
    letter stays as it is). Neither `old` nor `learn`: no mechanical fix — the user rewrites
    the text. `label` names the one-tap button when "old → new" would not say it."""

    message: str
    old: str = ""
    new: str = ""
    label: str = ""
    learn: str = ""
    alone: bool = False  # only its own button applies it, never "Apply every fix" (shortening)

    @property
    def applies(self) -> bool:
        """Can one tap apply it?"""
        return bool(self.old or self.learn)

    @property
    def with_every(self) -> bool:
        """Is it one of the corrections "Apply every fix" applies (not a word to learn, not a
        shortening)?"""
        return bool(self.old) and not self.alone


@dataclass(frozen=True, slots=True)
class Draft:
    """A letter ready to copy: subject, plain-text body, recipient and a mailto link when known.

    `fixes` are the proofreading findings that can be applied with one tap (their messages are
    in `problems` too); `edited` is True when the text is the user's own version.
    """

    subject: str
    body: str
    to: str | None = None
    mailto: str | None = None
    problems: tuple[str, ...] = ()
    fixes: tuple[Fix, ...] = ()
    edited: bool = False
    facts: tuple[str, ...] = ()  # company, role, then the names: what proofreading checks
    link: str | None = None  # https PUBLIC_URL/mail/<token>: the whole mailto, opened on a phone


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file the adapter should send (a JSON export, an .ics calendar, a PNG chart)."""

    filename: str
    content: bytes
    mime_type: str
    caption: str = ""


@dataclass(frozen=True, slots=True)
class Reply:
    """One bot message: text, optional buttons, optional draft and attachment."""

    text: str
    buttons: tuple[Button, ...] = field(default_factory=tuple)
    draft: Draft | None = None
    attachment: Attachment | None = None
    multiline: bool = False  # the answer may span lines: a terminal reads until a "." line
