"""Greetings from parsed names, contacts typed "Name, email (role)", phone numbers and emails,
a signature that never repeats the name."""

from __future__ import annotations

import pytest

from bot.letters.people import (
    email_address,
    greeting,
    parse_contact,
    phone_number,
    signature_line,
)


@pytest.mark.parametrize(("name", "formal", "salutation", "expected"), [
    ("Katherine O'Neill", False, "", "Dear Katherine,"),
    ("Katherine O'Neill", True, "Ms", "Dear Ms O'Neill,"),
    ("Dr. Rahul Mehta", True, "", "Dear Dr Mehta,"),
    ("Katherine O'Neill", True, "", "Dear Katherine O'Neill,"),
    ("", False, "", "Dear Hiring Team,"),
    ("HR", False, "", "Dear Hiring Team,"),
    ("None", False, "", "Dear Hiring Team,"),
    ("recruiter", True, "Ms", "Dear Hiring Team,"),
    ("Elena García", False, "", "Dear Elena,"),
    ("Priya", True, "Ms", "Dear Priya,"),
])
def test_greetings(name: str, formal: bool, salutation: str, expected: str) -> None:
    assert greeting(name, formal=formal, salutation=salutation) == expected


def test_a_contact_typed_name_email_role_is_split_into_its_parts() -> None:
    contact = parse_contact("Priya Shah, priya@x.example (recruiter)")
    assert (contact.name, contact.email, contact.role) == ("Priya Shah", "priya@x.example",
                                                            "recruiter")
    assert parse_contact("HR, jobs@acme.example").name == ""
    assert parse_contact("Sam Lee - HR - +44 20 7946 0321").phone == "+44 20 7946 0321"


def test_emails_are_validated_with_a_clear_message() -> None:
    assert email_address(" Jane.Doe@Example.COM ") == "Jane.Doe@example.com"
    with pytest.raises(ValueError, match="isn't a valid email address .* jane.smith@acme.com"):
        email_address("jane@@acme")


def test_phone_numbers_are_formatted_and_nonsense_refused() -> None:
    assert phone_number("+442079460321") == "+44 20 7946 0321"
    assert phone_number("020 7946 0321", "GB") == "+44 20 7946 0321"
    with pytest.raises(ValueError, match="doesn't look like a phone number"):
        phone_number("call me")


def test_the_signature_never_repeats_the_name_and_formats_the_phone() -> None:
    assert signature_line("Jane Doe", "Jane Doe · jane@x.example · +447700900123") == \
        "jane@x.example · +44 7700 900123"
    assert signature_line("Jane Doe", "Jane Doe") == ""
    # a number typed without its country code is read in the user's country
    assert signature_line("Maya Patel", "maya@x.example 07700 900123", "GB") == \
        "maya@x.example +44 7700 900123"
    assert signature_line("Maya Patel", "maya@x.example 07700 900123") == \
        "maya@x.example 07700 900123"  # country unknown: left as typed


def test_the_phone_script_formats_the_contacts_number() -> None:
    import datetime

    from bot.letters import InterviewFacts, Person, Sender, follow_up_phone_script

    script = follow_up_phone_script(
        Sender("Jane Doe", "jane@x.example · +447700900123"),
        InterviewFacts("Acme", "Analyst", datetime.date(2026, 3, 3)),
        Person("Priya Shah", title="Recruiter", phone="+442079460321"))
    assert "Ask for: Priya Shah (Recruiter), +44 20 7946 0321" in script
    assert "+44 7700 900123" in script
