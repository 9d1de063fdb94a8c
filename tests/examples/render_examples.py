"""Renders every letter for one realistic job seeker into tests/examples/*.txt for reviewers.

Run `python -m tests.examples.render_examples` after changing a template;
tests/test_letters.py fails while the committed examples are out of date.
"""

from __future__ import annotations

import dataclasses
import datetime
from decimal import Decimal
from pathlib import Path

from bot.letters import (
    InterviewFacts,
    OfferTerms,
    Person,
    Sender,
    acceptance,
    add_business_days,
    after_rejection,
    ask_for_time,
    check_in,
    counter_offer,
    decline_offer,
    follow_up,
    follow_up_phone_script,
    last_working_day,
    note_to_other_interviewer,
    resignation,
    thank_you,
    withdrawal,
)
from bot.messages import Draft

HERE = Path(__file__).parent

JANE = Sender("Jane Doe", "jane.doe@example.com · +44 7700 900123 · linkedin.com/in/janedoe")

KATHERINE = Person(
    "Katherine O'Neill",
    title="Head of Data",
    email="katherine.oneill@northwind.example",
    notes="her team's move from nightly batch jobs to streaming",
)
RAHUL = Person(
    "Rahul Mehta",
    title="Engineering Manager",
    email="rahul.mehta@northwind.example",
    notes="mentoring juniors through code review",
)
PRIYA = Person(
    "Priya Shah",
    title="Talent Acquisition Partner",
    email="priya.shah@northwind.example",
    phone="+44 20 7946 0321",
)

NORTHWIND = InterviewFacts(
    company="Northwind Analytics",
    role="Senior Data Analyst",
    date=datetime.date(2026, 3, 3),
    round="first",
    format="on-site",
    interviewers=(KATHERINE, RAHUL),
    went_well="the walk-through of my churn-prediction project",
    strengths=(
        "five years of SQL and Python analytics, including self-serve dashboards "
        "that 200 colleagues use every day"
    ),
    to_improve="shorter answers to the behavioural questions",
    missed=(
        "I also led my team's migration from spreadsheets to dbt, which halved the time "
        "it takes to prepare our monthly reports"
    ),
    questions="How do you decide which metrics the business owns?",
)

TOM = Person("Tom Baker", title="Recruiter", email="tom.baker@globex.example")
GLOBEX = InterviewFacts(
    company="Globex Health",
    role="Data Analyst",
    date=datetime.date(2026, 2, 24),
    round="second",
    format="video",
    interviewers=(Person("Amara Okafor", title="Analytics Manager"),),
)

OFFER = OfferTerms(
    company="Northwind Analytics",
    role="Senior Data Analyst",
    salary=Decimal("68000"),
    currency="£",
    bonus="up to 10% of base salary, based on company performance",
    signing_bonus=Decimal("3000"),
    vacation_days=27,
    benefits="private medical insurance and a 6% employer pension contribution",
    start_date=datetime.date(2026, 4, 20),
    reply_deadline=datetime.date(2026, 3, 27),
    contact=PRIYA,
)
OFFER_RECEIVED = datetime.date(2026, 3, 24)
AGREED = dataclasses.replace(OFFER, salary=Decimal("72000"))

ELENA = Person(
    "Elena García",
    title="Analytics Lead",
    email="elena.garcia@contoso.example",
    notes="her work on the pricing experiments the team runs every quarter",
)
CONTOSO_RECRUITER = Person("Daniel Kim", title="Recruiter", email="daniel.kim@contoso.example")

NOTICE_GIVEN = datetime.date(2026, 3, 30)


# the notes as people type them (issue 15): shaped into the letter, never pasted as typed
MESSY = InterviewFacts(
    company="Northwind Analytics",
    role="Senior Data Analyst",
    date=datetime.date(2026, 3, 3),
    interviewers=(
        Person("Katherine O'Neill", title="Head of Data",
               email="katherine.oneill@northwind.example",
               notes="She walked me through their churn model"),
        Person("Rahul Mehta", title="Engineering Manager", email="rahul.mehta@northwind.example",
               notes="we talked about his team's A/B testing platform, they struggle with "
                     "peeking"),
    ),
    strengths="python and sql, 5 years",
    missed="I forgot to mention my dbt certification",
)
FORMAL = dataclasses.replace(JANE, formal=True)


def as_text(draft: Draft) -> str:
    """A draft as a reviewer reads it: To, Subject, a blank line, the body."""
    head = f"To: {draft.to}\n" if draft.to else "To: (no email recorded)\n"
    return f"{head}Subject: {draft.subject}\n\n{draft.body}"


def drafts() -> dict[str, Draft]:
    """Every letter of Jane's story, in the order she would send them."""
    return {
        "01_thank_you_katherine_oneill": thank_you(JANE, NORTHWIND, KATHERINE),
        "02_thank_you_rahul_mehta": thank_you(JANE, NORTHWIND, RAHUL),
        "03_follow_up": follow_up(JANE, NORTHWIND, PRIYA),
        "05_check_in_1": check_in(JANE, NORTHWIND, PRIYA, 1),
        "06_check_in_2": check_in(JANE, NORTHWIND, PRIYA, 2),
        "07_after_rejection": after_rejection(JANE, GLOBEX, TOM),
        "08_ask_for_time": ask_for_time(JANE, OFFER, add_business_days(OFFER_RECEIVED, 2)),
        "09_counter_offer": counter_offer(
            JANE,
            OFFER,
            target_salary=Decimal("74000"),
            arguments=["market", "commute", "certifications", "competing_offer"],
            competing="Contoso Retail",
            figures={
                "market": "£72,000 to £78,000 (Glassdoor and Hays, Manchester, 2026)",
                "commute": "an extra hour a day and £180 a month in train fares",
                "certifications": "dbt Analytics Engineering",
            },
            competing_salary=Decimal("71000"),
        ),
        "10_acceptance": acceptance(JANE, AGREED),
        "11_decline_offer": decline_offer(
            JANE,
            OFFER,
            "I have accepted a role focused on machine learning, which is where I most want "
            "to grow over the next few years",
            still_interested=True,
        ),
        "12_withdrawal": withdrawal(JANE, "Contoso Retail", "Data Analyst", CONTOSO_RECRUITER),
        "13_note_to_other_interviewer": note_to_other_interviewer(
            JANE, "Contoso Retail", "Data Analyst", ELENA
        ),
        "15_thank_you_from_typed_notes_katherine": thank_you(JANE, MESSY,
                                                             MESSY.interviewers[0]),
        "16_thank_you_from_typed_notes_rahul": thank_you(JANE, MESSY, MESSY.interviewers[1]),
        "17_thank_you_formal": thank_you(
            FORMAL, NORTHWIND, dataclasses.replace(KATHERINE, salutation="Ms")),
        "18_decline_offer_not_interested": decline_offer(JANE, OFFER),
        "19_counter_offer_competing_not_better": counter_offer(
            JANE, OFFER, target_salary=Decimal("72000"), arguments=["market", "competing_offer"],
            competing="Initech", figures={"market": "£72,000 (Hays salary guide, Manchester)"},
            competing_salary=Decimal("65000")),
        "20_withdrawal_no_contact": withdrawal(JANE, "Initech", "Data Analyst", None),
        "14_resignation": resignation(
            JANE,
            employer="Fabrikam Insurance",
            manager="Simon Clarke",
            position="Data Analyst",
            notice_date=NOTICE_GIVEN,
            last_day=last_working_day(NOTICE_GIVEN),
        ),
    }


def render_examples() -> dict[str, str]:
    """File name -> content of every example, letters and the phone script."""
    files = {f"{name}.txt": as_text(draft) for name, draft in drafts().items()}
    files["04_follow_up_phone_script.txt"] = follow_up_phone_script(JANE, NORTHWIND, PRIYA)
    return dict(sorted(files.items()))


def main() -> None:
    """Write the examples and remove stale ones."""
    files = render_examples()
    for stale in HERE.glob("*.txt"):
        if stale.name not in files:
            stale.unlink()
    for name, content in files.items():
        (HERE / name).write_text(content, encoding="utf-8")
    print(f"wrote {len(files)} examples to {HERE}")


if __name__ == "__main__":
    main()
