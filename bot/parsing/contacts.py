"""Email addresses and phone numbers."""

from __future__ import annotations

import unicodedata

from email_validator import EmailNotValidError, validate_email

from bot.parsing.base import ParseError, _prepare, _re, _show

# --------------------------------------------------------------------------- email / phone

_EMAIL = _re(
    r"(?P<local>[a-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*)"
    r"@(?P<domain>(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63})"
)


def parse_email(text: str) -> str:
    """A pragmatic email check; keeps the local part as typed, lower-cases the domain."""
    _prepare(text, "an email address", "“jane@example.com”")
    s = " ".join(unicodedata.normalize("NFKC", text).split())
    s = s.strip(" .,;:")
    if s.lower().startswith("mailto:"):
        s = s[7:]
    if s.startswith("<") and s.endswith(">"):
        s = s[1:-1].strip()
    match = _EMAIL.fullmatch(s)
    if not match or len(s) > 254 or len(match["local"]) > 64:
        raise ParseError(
            f"{_show(text)} isn't an email address — it should look like jane@example.com."
        )
    try:  # the rules of RFC 5321/5322 as email-validator knows them (no network lookup)
        validate_email(s, check_deliverability=False)
    except EmailNotValidError as error:
        raise ParseError(f"{_show(text)} isn't a valid email address: {error} It should look "
                         "like jane@example.com.") from None
    return f"{match['local']}@{match['domain'].lower()}"


_PHONE = _re(r"\+?[0-9 ().\-/]+")


def parse_phone(text: str) -> str:
    """Digits with an optional leading +, spaces, dashes, dots and brackets; 6..15 digits."""
    _prepare(text, "a phone number", "“+1 555 010 2030”")
    shown = _show(text)
    s = " ".join(unicodedata.normalize("NFKC", text).split())
    s = s.removeprefix("tel:").strip()
    if not _PHONE.fullmatch(s):
        raise ParseError(
            f"{shown} doesn't look like a phone number — use digits with an optional + and "
            f"spaces, like “+1 555 010 2030”."
        )
    digits = sum(ch.isdigit() for ch in s)
    if digits < 6:
        raise ParseError(f"{shown} is too short for a phone number — it needs at least 6 digits.")
    if digits > 15:
        raise ParseError(f"{shown} is too long for a phone number — it has over 15 digits.")
    return s


