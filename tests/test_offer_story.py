"""The offer story end to end through the real `afterview chat --json` in a subprocess: four
interviews, one offer declined (that application is closed), then an offer at Acme countered
with two arguments and accepted — withdrawal letters go to exactly the two other active
applications, and the resignation's last day is ten business days after the notice."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

NOW = "2026-12-18T14:00:00+00:00"  # a Friday; London = UTC in December
REPO_ROOT = Path(__file__).resolve().parent.parent

ONBOARDING = ["hello", "Jane Doe", "jane.doe@example.com · +44 7700 900123", "London", "9",
              "21-8"]


def _debrief(company: str, *people: str) -> list[str]:
    lines = ["debrief", company, "Data Analyst", "today 11am", "first", "video"]
    for person in people:
        lines += [person, "skip", "skip", "skip", f"her team's work on {company} data"]
    return lines + ["done", "4", "skip", "skip", "skip", "skip", "skip", "next Friday", "2",
                    "skip"]


def _terms(salary: str, start: str = "skip") -> list[str]:
    # salary, bonus, signing bonus, equity, vacation, benefits, relocation, start date,
    # reply deadline, in writing, commute, flexibility
    return [salary, "10%", "skip", "skip", "25", "skip", "skip", start, "don't know", "no",
            "skip", "skip"]


SCRIPT = [
    *ONBOARDING,
    *_debrief("Umbrella", "Dana Fox"),
    *_debrief("Acme", "Katherine Lee"),
    *_debrief("Globex", "Bob Stone", "Ann Lee"),
    *_debrief("Initech", "Carl Ray"),
    # an offer from Umbrella, declined: that application is closed before Acme's offer
    "offer Umbrella", *_terms("EUR 80,000"), "EUR 90,000", "Decline", "Yes, decline",
    "I have chosen a role closer to my long-term goals", "no",
    # the offer from Acme: counter with two arguments, then accept
    "offer Acme", *_terms("EUR 85,000", start="Jan 11"),
    "Negotiate", "Market research", "Relevant degree", "Done",
    "EUR 95,000 (Glassdoor, Berlin, 2026)", "EUR 92,000",
    "Accept", "My counter: EUR 92,000", "Yes, accept",
    "Initrode", "Senior Analyst", "Peter Gibbons", "2026-12-21",
]


@pytest.fixture(scope="module")
def messages(tmp_path_factory) -> list[dict[str, Any]]:  # type: ignore[no-untyped-def]
    url = f"sqlite:///{tmp_path_factory.mktemp('offer_story') / 'afterview.db'}"
    done = subprocess.run(
        [sys.executable, "-m", "afterview", "chat", "--json", "--db", url, "--now", NOW],
        input="\n".join(SCRIPT) + "\n", capture_output=True, text=True, timeout=90,
        cwd=REPO_ROOT, check=False,
    )
    assert done.returncode == 0, done.stderr
    return [json.loads(line) for line in done.stdout.splitlines() if line.strip()]


def _drafts(messages: list[dict[str, Any]], subject_start: str) -> list[dict[str, Any]]:
    return [m["draft"] for m in messages
            if m.get("draft") and m["draft"]["subject"].startswith(subject_start)]


def test_nothing_went_wrong_on_the_way(messages):
    texts = [m["text"] for m in messages]
    assert not [t for t in texts if "something went wrong" in t or "didn't catch" in t]
    assert not [t for t in texts if t.startswith("I couldn't read")]


def test_the_reply_deadline_defaults_to_two_business_days(messages):
    assert any("I'll assume two business days: Tue 22 Dec" in m["text"] for m in messages)
    [umbrella, acme] = _drafts(messages, "Data Analyst offer – thank you")
    assert "Tuesday 22 December" in acme["body"]


def test_the_counter_offer_uses_the_two_arguments_chosen(messages):
    [counter] = _drafts(messages, "Data Analyst offer – salary")
    body = counter["body"]
    assert "EUR 92,000" in body and "EUR 85,000" in body
    assert "in this area at EUR 95,000 (Glassdoor, Berlin, 2026)" in body
    assert "My degree is directly relevant" in body
    assert "relocating" not in body and "certifications" not in body
    assert counter["problems"] == []


def test_the_acceptance_restates_the_agreed_terms(messages):
    [accepted] = _drafts(messages, "Acceptance of the Data Analyst offer")
    assert accepted["body"].startswith("Dear Katherine,")
    assert "Base salary: EUR 92,000 per year" in accepted["body"]
    assert "Bonus: 10%" in accepted["body"]
    assert "Start date: Monday 11 January 2027" in accepted["body"]


def test_withdrawals_go_to_exactly_the_other_active_applications(messages):
    withdrawals = _drafts(messages, "Withdrawing my application")
    companies = sorted(d["body"].split(" position at ")[1].split(".")[0] for d in withdrawals)
    assert companies == ["Globex", "Initech"]  # not Umbrella (closed), not Acme (accepted)
    assert {d["body"].splitlines()[0] for d in withdrawals} == {"Dear Bob,",
                                                                "Dear Carl,"}
    [note] = _drafts(messages, "Thank you – Data Analyst at Globex")
    assert note["body"].startswith("Dear Ann,")


def test_the_resignation_ends_ten_business_days_after_the_notice(messages):
    [letter] = _drafts(messages, "Resignation – Jane Doe")
    body = letter["body"]
    assert body.startswith("Monday 21 December 2026")
    assert "Dear Peter," in body
    assert "Senior Analyst at Initrode" in body
    # issue 16: ten business days in London skip Christmas, Boxing Day and New Year's Day
    assert "two weeks' notice, so my last working day will be Thursday 7 January 2027" in body
    assert letter["problems"] == []
    advice = [m["text"] for m in messages if "start date" in m["text"].casefold()]
    assert any("Mon 11 Jan" in text and "days off" in text for text in advice)


def test_the_declined_offer_was_declined_politely(messages):
    [decline] = [d for d in _drafts(messages, "Data Analyst offer")
                 if d["subject"] == "Data Analyst offer"]
    assert "decline the offer" in decline["body"]
    assert "I have chosen a role closer to my long-term goals." in decline["body"]
