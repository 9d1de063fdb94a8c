"""People in letters: the greeting from a parsed name, contacts typed as "Name, email (role)",
phone numbers and emails checked and formatted, a signature that never repeats the name."""

from __future__ import annotations

import re
from dataclasses import dataclass

import phonenumbers
from email_validator import EmailNotValidError, validate_email
from nameparser import HumanName

NO_NAME = "Hiring Team"
SALUTATIONS = ("Ms", "Mr", "Mx", "Dr", "Prof")
_NOT_A_NAME = re.compile(
    r"(?i)^(?:hr|human resources|recruit(?:er|ing|ment)(?: team)?|talent(?: acquisition)?"
    r"(?: team)?|hiring (?:team|manager)|the team|team|people team|none|n/?a|unknown|-)$")
_EMAIL = re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+")
_PHONE = re.compile(r"\+?\d[\d ().-]{5,}\d")


def is_name(name: str) -> bool:
    """A person's name, not "HR", "recruiter", "None" or nothing."""
    name = " ".join((name or "").split()).strip(" ,;:-–()")
    return bool(name) and not _NOT_A_NAME.match(name) and any(c.isalpha() for c in name)


def first_name(name: str) -> str:
    """ "Katherine" from "Katherine O'Neill", "Rahul" from "Dr Rahul Mehta"."""
    parsed = HumanName(name)
    return parsed.first or name.split()[0]


def greeting(name: str, *, formal: bool = False, salutation: str = "") -> str:
    """ "Dear Katherine," by default; "Dear Ms O'Neill," when formal (the title the user gave,
    or one in the name such as "Dr"); "Dear Katherine O'Neill," formal without a title;
    "Dear Hiring Team," when there is no name."""
    name = " ".join((name or "").split())
    if not is_name(name):
        return f"Dear {NO_NAME},"
    parsed = HumanName(name)
    if not formal:
        return f"Dear {parsed.first or name.split()[0]},"
    title = (salutation or parsed.title).strip().rstrip(".")
    last = parsed.last or ""
    if title and last:
        return f"Dear {title} {last},"
    return f"Dear {name},"


@dataclass(frozen=True)
class Contact:
    name: str = ""
    email: str = ""
    phone: str = ""
    role: str = ""


def parse_contact(text: str) -> Contact:
    """ "Priya Shah, priya@x.example (recruiter)" → name, email and role in their places;
    "HR, jobs@acme.example" → no name (the letter says "Hiring Team"), the email kept."""
    text = " ".join((text or "").split())
    email = _EMAIL.search(text)
    rest = text.replace(email.group(0), " ") if email else text
    phone = _PHONE.search(rest)
    if phone:
        rest = rest.replace(phone.group(0), " ")
    role = ""
    bracket = re.search(r"\(([^()]*)\)", rest)
    if bracket:
        role = bracket.group(1).strip(" ,;")
        rest = rest.replace(bracket.group(0), " ")
    parts = [p.strip(" -–:;<>·|") for p in re.split(r"[,;·|]| - | – ", rest)]
    parts = [p for p in parts if p]
    name = parts[0] if parts else ""
    if not role and len(parts) > 1:
        role = parts[1]
    if name and not is_name(name):
        role, name = role or name, ""
    return Contact(name=name, email=email.group(0) if email else "",
                   phone=phone.group(0).strip() if phone else "", role=role)


def email_address(text: str) -> str:
    """A normalised email address, or ValueError with a message the user can act on."""
    text = (text or "").strip().strip("<>").strip()
    try:
        return validate_email(text, check_deliverability=False).normalized
    except EmailNotValidError as error:
        raise ValueError(f"“{text}” isn't a valid email address ({error}). It should look "
                         "like jane.smith@acme.com.") from None


def phone_number(text: str, region: str = "") -> str:
    """A phone number in international format (+44 20 7946 0321); ValueError when it is not
    one. `region` (an ISO country code) reads numbers typed without their country code."""
    text = (text or "").strip()
    try:
        parsed = phonenumbers.parse(text, (region or "").upper() or None)
    except phonenumbers.NumberParseException:
        raise ValueError(f"“{text}” doesn't look like a phone number. Type it with the country "
                         "code, e.g. +44 20 7946 0321.") from None
    if not phonenumbers.is_possible_number(parsed):
        raise ValueError(f"“{text}” has too few or too many digits for a phone number.")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def tidy_phone(text: str, region: str = "") -> str:
    """A phone number in international format when it can be read, else as typed (an email,
    or a number without its country code when the country is not known, is left alone)."""
    if not (text.strip().startswith("+") or region):
        return text
    try:
        return phone_number(text, region)
    except ValueError:
        return text


def signature_line(name: str, signature: str, region: str = "") -> str:
    """The contact line under the name, without the name repeated at its start, and with
    phone numbers in international format where they can be read (those typed without their
    country code in `region`'s)."""
    line = " ".join((signature or "").split())
    if name and line.casefold().startswith(name.casefold()):
        line = line[len(name):].lstrip(" ,;:-–·|")
    if line.casefold() == name.casefold():
        return ""

    return _PHONE.sub(lambda match: tidy_phone(match.group(0), region), line)
