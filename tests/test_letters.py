"""The letters a job seeker sends after an interview: thank-yous, follow-ups, offers, goodbyes."""

from __future__ import annotations

import ast
import dataclasses
import datetime
import re
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import bot.letters
from bot.letters import (
    COUNTER_ARGUMENTS,
    InterviewFacts,
    OfferTerms,
    Person,
    Sender,
    acceptance,
    add_business_days,
    after_rejection,
    ask_for_time,
    business_days_between,
    check_in,
    counter_offer,
    decline_offer,
    follow_up,
    follow_up_phone_script,
    last_working_day,
    mailto,
    note_to_other_interviewer,
    proofread,
    resignation,
    thank_you,
    withdrawal,
)
from bot.letters.people import greeting
from bot.letters.render import money
from bot.messages import Draft
from tests.examples import render_examples
from tests.examples.render_examples import (
    AGREED,
    ELENA,
    JANE,
    KATHERINE,
    NORTHWIND,
    OFFER,
    PRIYA,
    RAHUL,
)

TEMPLATES = Path(bot.letters.__file__).parent / "templates"
EXAMPLES = Path(render_examples.__file__).parent

# The same story with nothing optional recorded: no notes, titles, emails, contact or terms.
BARE_SENDER = Sender("Sam Lee", "")
BARE_INTERVIEW = InterviewFacts("Acme", "Analyst", datetime.date(2026, 3, 4))
BARE_PERSON = Person("Alex Green")
BARE_OFFER = OfferTerms("Acme", "Analyst")
NOTICE = datetime.date(2026, 3, 30)

LetterMaker = Callable[[], Draft]

FIGURES = {
    "market": "£72,000 to £78,000 (Glassdoor and Hays, Manchester, 2026)",
    "relocation": "about £4,000",
    "commute": "an extra hour a day and £180 a month in train fares",
    "certifications": "dbt Analytics Engineering",
    "degree": "MSc in Statistics",
}

FULL: dict[str, LetterMaker] = {
    "thank_you": lambda: thank_you(JANE, NORTHWIND, KATHERINE),
    "follow_up": lambda: follow_up(JANE, NORTHWIND, PRIYA),
    "check_in": lambda: check_in(JANE, NORTHWIND, PRIYA, 3),
    "after_rejection": lambda: after_rejection(JANE, NORTHWIND, KATHERINE),
    "ask_for_time": lambda: ask_for_time(JANE, OFFER, datetime.date(2026, 3, 26)),
    "counter_offer": lambda: counter_offer(
        JANE,
        OFFER,
        target_salary=Decimal("74000"),
        arguments=["market", "certifications", "competing_offer"],
        competing="Contoso Retail",
        figures=FIGURES,
        competing_salary=Decimal("71000"),
    ),
    "acceptance": lambda: acceptance(JANE, AGREED),
    "decline_offer": lambda: decline_offer(JANE, OFFER, "I have chosen a role closer to home"),
    "withdrawal": lambda: withdrawal(JANE, "Contoso Retail", "Data Analyst", PRIYA),
    "note_to_other_interviewer": lambda: note_to_other_interviewer(
        JANE, "Contoso Retail", "Data Analyst", ELENA
    ),
    "resignation": lambda: resignation(
        JANE,
        employer="Fabrikam Insurance",
        manager="Simon Clarke",
        position="Data Analyst",
        notice_date=NOTICE,
        last_day=last_working_day(NOTICE),
    ),
}

BARE: dict[str, LetterMaker] = {
    "thank_you": lambda: thank_you(BARE_SENDER, BARE_INTERVIEW, BARE_PERSON),
    "follow_up": lambda: follow_up(BARE_SENDER, BARE_INTERVIEW, None),
    "check_in": lambda: check_in(BARE_SENDER, BARE_INTERVIEW, None, 1),
    "after_rejection": lambda: after_rejection(BARE_SENDER, BARE_INTERVIEW, None),
    "ask_for_time": lambda: ask_for_time(BARE_SENDER, BARE_OFFER, datetime.date(2026, 3, 6)),
    "counter_offer": lambda: counter_offer(
        BARE_SENDER, BARE_OFFER, target_salary=Decimal("50000"), arguments=[]
    ),
    "acceptance": lambda: acceptance(BARE_SENDER, BARE_OFFER),
    "decline_offer": lambda: decline_offer(BARE_SENDER, BARE_OFFER),
    "withdrawal": lambda: withdrawal(BARE_SENDER, "Acme", "Analyst", None),
    "note_to_other_interviewer": lambda: note_to_other_interviewer(
        BARE_SENDER, "Acme", "Analyst", BARE_PERSON
    ),
    "resignation": lambda: resignation(
        BARE_SENDER,
        employer="Acme",
        manager="Alex Green",
        position="Analyst",
        notice_date=NOTICE,
        last_day=last_working_day(NOTICE),
    ),
}


def assert_reads_cleanly(draft: Draft, sender: Sender) -> None:
    text = f"{draft.subject}\n{draft.body}"
    assert draft.subject and "\n" not in draft.subject
    assert "None" not in text
    for leftover in ("{{", "}}", "{%", "%}", "{#"):
        assert leftover not in text
    assert "\n\n\n" not in draft.body, "at most one blank line in a row"
    assert "  " not in draft.body, "no double spaces"
    assert not re.search(r" [.,;:?]", text), "no gap before punctuation (an empty field)"
    assert not re.search(r"[ \t]$", draft.body, re.MULTILINE), "no trailing spaces"
    assert not re.search(r"\*\*|^#|^[-*] |`", draft.body, re.MULTILINE), "plain text, no markdown"
    assert draft.body.endswith("\n") and not draft.body.startswith("\n")
    ending = f"{sender.name}\n{sender.signature}\n" if sender.signature else f"{sender.name}\n"
    assert draft.body.endswith(ending), "the letter ends with the name and the signature line"
    assert draft.problems == ()


# --- every template, with and without the optional fields ---------------------------------


@pytest.mark.parametrize("letter", sorted(FULL))
def test_every_letter_reads_cleanly_with_everything_recorded(letter: str) -> None:
    assert_reads_cleanly(FULL[letter](), JANE)


@pytest.mark.parametrize("letter", sorted(BARE))
def test_every_letter_reads_cleanly_with_nothing_optional_recorded(letter: str) -> None:
    assert_reads_cleanly(BARE[letter](), BARE_SENDER)


@pytest.mark.parametrize("number", range(1, 8))
def test_every_weekly_check_in_reads_cleanly(number: int) -> None:
    assert_reads_cleanly(check_in(JANE, NORTHWIND, PRIYA, number), JANE)


def test_every_template_file_is_exercised_by_these_tests() -> None:
    templates = {p.stem for p in TEMPLATES.glob("*.j2") if not p.name.startswith("_")}
    assert templates == set(FULL) | {"follow_up_phone_script"}


def test_the_letter_goes_to_the_recorded_email_with_a_mailto_link() -> None:
    draft = follow_up(JANE, NORTHWIND, PRIYA)
    assert draft.to == "priya.shah@northwind.example"
    assert draft.mailto == mailto(draft.to, draft.subject, draft.body)


def test_without_an_email_there_is_no_recipient_and_no_mailto_link() -> None:
    draft = follow_up(JANE, NORTHWIND, None)
    assert draft.to is None and draft.mailto is None
    assert draft.body.startswith("Dear Hiring Team,\n")


def test_a_company_with_an_ampersand_is_written_as_is_not_html_escaped() -> None:
    interview = dataclasses.replace(NORTHWIND, company="Smith & Sons <UK>")
    assert "Smith & Sons <UK>" in thank_you(JANE, interview, RAHUL).body


# --- thank-you letters ---------------------------------------------------------------------


def test_two_interviewers_get_different_letters_each_with_their_own_point() -> None:
    to_katherine = thank_you(JANE, NORTHWIND, KATHERINE)
    to_rahul = thank_you(JANE, NORTHWIND, RAHUL)
    assert to_katherine.body != to_rahul.body
    assert to_katherine.body.startswith("Dear Katherine,\n")
    assert to_rahul.body.startswith("Dear Rahul,\n")
    assert "your team's move from nightly batch jobs to streaming" in to_katherine.body
    assert "mentoring juniors through code review" in to_rahul.body
    assert "Rahul" not in to_katherine.body and "Katherine" not in to_rahul.body
    assert (to_katherine.to, to_rahul.to) == (KATHERINE.email, RAHUL.email)


def test_interviewers_without_notes_still_get_different_wording_not_just_another_name() -> None:
    people = (Person("Ann Poe"), Person("Bo Chan"), Person("Cy Diaz"), Person("Di Egan"))
    interview = dataclasses.replace(NORTHWIND, interviewers=people)
    bodies = [thank_you(JANE, interview, p).body.split("\n", 1)[1] for p in people]
    assert len(set(bodies)) == len(people)
    first_paragraphs = [body.strip().split("\n")[0] for body in bodies[:3]]
    assert len(set(first_paragraphs)) == 3, "the first three differ in every sentence"


def test_without_notes_the_letter_draws_on_the_interviewers_title() -> None:
    head_of_data = dataclasses.replace(KATHERINE, notes="")
    body = thank_you(JANE, NORTHWIND, head_of_data).body
    assert "your perspective as Head of Data" in body


def test_the_thank_you_names_role_company_and_day() -> None:
    body = thank_you(JANE, NORTHWIND, KATHERINE).body
    assert "Senior Data Analyst position at Northwind Analytics" in body
    assert "Tuesday 3 March" in body


def test_the_thank_you_re_emphasises_strengths_and_adds_what_was_missed() -> None:
    body = thank_you(JANE, NORTHWIND, KATHERINE).body
    assert NORTHWIND.strengths in body
    assert "did not get to mention: I also led my team's migration" in body


def test_without_strengths_the_thank_you_recalls_what_went_well() -> None:
    interview = dataclasses.replace(NORTHWIND, strengths="")
    body = thank_you(JANE, interview, KATHERINE).body
    assert "the walk-through of my churn-prediction project" in body


def test_a_second_round_thank_you_says_so_in_the_subject() -> None:
    interview = dataclasses.replace(NORTHWIND, round="second")
    assert thank_you(JANE, interview, KATHERINE).subject.endswith("second interview")


def test_someone_not_listed_among_the_interviewers_gets_the_same_draft_every_time() -> None:
    outsider = Person("Morgan Blake", title="Recruiter")
    first = thank_you(JANE, NORTHWIND, outsider)
    assert first == thank_you(JANE, NORTHWIND, outsider)
    assert first.body.startswith("Dear Morgan,")


printable = st.text(st.characters(blacklist_categories=("Cc", "Cs")), min_size=1)


@settings(deadline=None, max_examples=60)
@given(name=printable, company=printable, notes=st.text(), title=st.text())
def test_any_name_and_company_appear_exactly_as_recorded_in_a_thank_you(
    name: str, company: str, notes: str, title: str
) -> None:
    person = Person(name, title=title, notes=notes)
    interview = InterviewFacts(
        company, "Analyst", datetime.date(2026, 3, 3), interviewers=(person,)
    )
    draft = thank_you(JANE, interview, person)
    assert greeting(name) in draft.body and company in draft.body
    assert draft.body.endswith(f"{JANE.name}\n{JANE.signature}\n")


# --- waiting: follow-up, phone script, check-ins, rejection ----------------------------------


def test_the_follow_up_states_name_interview_date_and_position_and_asks_for_a_decision() -> None:
    body = follow_up(JANE, NORTHWIND, PRIYA).body
    assert "My name is Jane Doe" in body
    assert "Senior Data Analyst position at Northwind Analytics on Tuesday 3 March" in body
    assert "whether one has been made" in body and "update on the timeline" in body


def test_a_follow_up_to_an_interviewer_speaks_of_meeting_you() -> None:
    body = follow_up(JANE, NORTHWIND, RAHUL).body
    assert "meeting you and Katherine O'Neill" in body


def test_the_phone_script_opens_with_who_when_and_which_position() -> None:
    script = follow_up_phone_script(JANE, NORTHWIND, PRIYA)
    assert (
        '"Hello, this is Jane Doe. I interviewed on Tuesday 3 March for the '
        "Senior Data Analyst position" in script
    )
    assert "Ask for: Priya Shah (Talent Acquisition Partner), +44 20 7946 0321" in script


def test_the_voicemail_line_gives_the_phone_number_from_the_signature() -> None:
    assert "You can reach me on +44 7700 900123." in follow_up_phone_script(JANE, NORTHWIND, None)
    assert "reach me" not in follow_up_phone_script(BARE_SENDER, BARE_INTERVIEW, None)


def test_each_weekly_check_in_reads_differently_from_the_week_before() -> None:
    drafts = [check_in(JANE, NORTHWIND, PRIYA, n) for n in range(1, 9)]
    for before, after in zip(drafts, drafts[1:], strict=False):
        assert before.body != after.body and before.subject != after.subject
    assert all("interest" in d.body or "keen" in d.body or "news" in d.body for d in drafts)


def test_check_ins_are_counted_from_one() -> None:
    with pytest.raises(ValueError):
        check_in(JANE, NORTHWIND, PRIYA, 0)


def test_after_a_rejection_the_letter_thanks_asks_for_feedback_and_keeps_the_door_open() -> None:
    body = after_rejection(JANE, NORTHWIND, PRIYA).body
    assert body.count("Thank you") >= 2
    assert "any feedback on how I could strengthen my candidacy" in body
    assert "kept in mind for future openings" in body
    for bitter in ("unfair", "mistake", "wrong", "shame"):
        assert bitter not in body.lower()


# --- offers ------------------------------------------------------------------------------------


def test_asking_for_time_names_the_day_and_asks_for_the_offer_in_writing() -> None:
    body = ask_for_time(JANE, OFFER, datetime.date(2026, 3, 26)).body
    assert "give you my answer by Thursday 26 March" in body
    assert "offer in writing" in body


def test_an_offer_already_in_writing_is_not_asked_for_again() -> None:
    draft = ask_for_time(JANE, OFFER, datetime.date(2026, 3, 26), in_writing=True)
    assert "in writing" not in draft.body


def test_asking_past_the_employers_deadline_is_pointed_out() -> None:
    draft = ask_for_time(JANE, OFFER, datetime.date(2026, 3, 31))
    assert any("after their deadline of Friday 27 March" in p for p in draft.problems)


@pytest.mark.parametrize("argument", list(COUNTER_ARGUMENTS))
def test_each_counter_offer_argument_adds_its_own_sentence(argument: str) -> None:
    def body(arguments: list[str]) -> str:
        return counter_offer(JANE, OFFER, target_salary=Decimal("74000"), arguments=arguments,
                             figures=FIGURES, competing_salary=Decimal("71000")).body

    without, with_it = body([]), body([argument])
    assert len(with_it) > len(without) + 40
    assert "£74,000" in with_it and "£68,000" in with_it
    if argument in FIGURES:
        assert FIGURES[argument] in with_it, "the user's own figure is cited"


@pytest.mark.parametrize("argument", ["market", "relocation", "commute", "certifications"])
def test_an_argument_without_the_users_figure_is_left_out_and_said(argument: str) -> None:
    draft = counter_offer(JANE, OFFER, target_salary=Decimal("74000"), arguments=[argument])
    assert draft.body == counter_offer(JANE, OFFER, target_salary=Decimal("74000"),
                                       arguments=[]).body
    assert any("needs your own figure" in p for p in draft.problems)


@pytest.mark.parametrize("recorded", [None, Decimal("60000"), Decimal("68000")])
def test_a_competing_offer_is_mentioned_only_when_the_record_shows_it_is_better(
        recorded: Decimal | None) -> None:
    draft = counter_offer(JANE, OFFER, target_salary=Decimal("74000"),
                          arguments=["competing_offer"], competing="Initech",
                          competing_salary=recorded)
    assert "Initech" not in draft.body and "another offer" not in draft.body
    assert any("competing offer" in p for p in draft.problems)


def test_a_competing_offer_is_not_named_unless_the_user_names_it() -> None:
    def body(competing: str) -> str:
        return counter_offer(
            JANE,
            OFFER,
            target_salary=Decimal("74000"),
            arguments=["competing_offer"],
            competing=competing,
            competing_salary=Decimal("71000"),
        ).body

    assert "received another offer with a base salary of £71,000" in body("")
    assert "received an offer from Contoso Retail with a base salary of £71,000" in \
        body("Contoso Retail")


def test_an_unknown_counter_offer_argument_is_refused() -> None:
    with pytest.raises(ValueError, match="feelings"):
        counter_offer(JANE, OFFER, target_salary=Decimal("74000"), arguments=["feelings"])


def test_a_counter_offer_below_the_offer_is_pointed_out() -> None:
    draft = counter_offer(JANE, OFFER, target_salary=Decimal("60000"), arguments=["market"],
                          figures=FIGURES)
    assert draft.problems == ("The salary you ask for (£60,000) is not above the offer (£68,000).",)


def test_the_acceptance_restates_every_recorded_term_and_asks_for_confirmation() -> None:
    body = acceptance(JANE, AGREED).body
    for line in (
        "Position: Senior Data Analyst",
        "Base salary: £72,000 per year",
        "Bonus: up to 10% of base salary, based on company performance",
        "Signing bonus: £3,000",
        "Vacation: 27 days per year",
        "Benefits: private medical insurance and a 6% employer pension contribution",
        "Start date: Monday 20 April 2026",
    ):
        assert f"\n{line}\n" in body
    assert "confirm these terms in writing" in body


def test_an_acceptance_with_no_terms_recorded_asks_for_them_in_writing() -> None:
    body = acceptance(JANE, OfferTerms("Acme", "Analyst")).body
    assert "Position:" not in body
    assert "confirm the terms of the offer in writing" in body


def test_the_acceptance_lists_only_the_terms_that_were_recorded() -> None:
    body = acceptance(JANE, OfferTerms("Acme", "Analyst", salary=Decimal(85000), currency="EUR"))
    assert "Base salary: EUR 85,000 per year" in body.body
    for absent in ("Bonus:", "Signing bonus:", "Equity:", "Vacation:", "Start date:"):
        assert absent not in body.body


@pytest.mark.parametrize(
    ("amount", "currency", "written"),
    [
        (Decimal("85000"), "EUR", "EUR 85,000"),
        (Decimal("120000"), "$", "$120,000"),
        (Decimal("68500.5"), "£", "£68,500.50"),
        (Decimal("1000"), "", "1,000"),
    ],
)
def test_salaries_are_written_with_their_currency(
    amount: Decimal, currency: str, written: str
) -> None:
    assert money(amount, currency) == written


def test_a_decline_gives_the_users_positive_reason_as_a_sentence() -> None:
    body = decline_offer(JANE, OFFER, "i have chosen a role closer to home").body
    assert "decline the offer. I have chosen a role closer to home." in body
    assert "every success" in body


# --- after accepting -----------------------------------------------------------------------


def test_each_other_application_gets_its_own_withdrawal() -> None:
    applications = [("Contoso Retail", "Data Analyst"), ("Globex Health", "BI Analyst")]
    drafts = [withdrawal(JANE, company, role, None) for company, role in applications]
    for (company, role), draft in zip(applications, drafts, strict=True):
        assert f"{role} position at {company}" in draft.body
        assert "withdraw my application" in draft.body
        assert draft.problems == ()


def test_a_note_to_another_interviewer_recalls_the_conversation() -> None:
    body = note_to_other_interviewer(JANE, "Contoso Retail", "Data Analyst", ELENA).body
    assert "our conversation about your work on the pricing experiments" in body
    assert "accepted a position elsewhere" in body


def test_the_resignation_gives_two_weeks_notice_and_the_last_working_day() -> None:
    draft = FULL["resignation"]()
    assert draft.body.startswith("Monday 30 March 2026\n\nDear Simon,")
    assert "two weeks' notice, so my last working day will be Monday 13 April 2026." in draft.body
    assert "transition" in draft.body


def test_a_resignation_with_short_notice_does_not_claim_two_weeks() -> None:
    draft = resignation(
        JANE,
        employer="Fabrikam Insurance",
        manager="Simon Clarke",
        position="Data Analyst",
        notice_date=NOTICE,
        last_day=datetime.date(2026, 4, 3),
    )
    assert "two weeks" not in draft.body
    assert "My last working day will be Friday 3 April 2026." in draft.body
    assert draft.problems and "only 4 business days" in draft.problems[0]


# --- business days -------------------------------------------------------------------------


def d(text: str) -> datetime.date:
    return datetime.date.fromisoformat(text)


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        ("2026-03-06", 1, "2026-03-09"),  # Friday + 1 = Monday
        ("2026-03-07", 1, "2026-03-09"),  # Saturday + 1 = Monday
        ("2026-03-08", 1, "2026-03-09"),  # Sunday + 1 = Monday
        ("2026-03-07", 5, "2026-03-13"),  # Saturday + 5 = next Friday
        ("2026-03-04", 2, "2026-03-06"),  # Wednesday + 2 = Friday
        ("2026-03-05", 2, "2026-03-09"),  # Thursday + 2 = Monday
        ("2026-12-28", 10, "2027-01-11"),  # across the year end
        ("2026-03-04", 0, "2026-03-04"),  # a business day itself
        ("2026-03-07", 0, "2026-03-09"),  # a weekend rolls to Monday
    ],
)
def test_business_days_skip_weekends(start: str, n: int, expected: str) -> None:
    assert add_business_days(d(start), n) == d(expected)


def test_two_weeks_notice_given_before_christmas_ends_in_the_new_year() -> None:
    assert last_working_day(d("2026-12-21")) == d("2027-01-04")


def test_a_negative_number_of_business_days_is_refused() -> None:
    with pytest.raises(ValueError):
        add_business_days(d("2026-03-04"), -1)


@settings(max_examples=200)
@given(
    start=st.dates(datetime.date(2000, 1, 1), datetime.date(2100, 1, 1)),
    n=st.integers(0, 400),
)
def test_business_days_agree_with_counting_one_day_at_a_time(start: datetime.date, n: int) -> None:
    result = add_business_days(start, n)
    assert result.weekday() < 5
    day, counted = start, 0
    while counted < n or day.weekday() >= 5:
        day += datetime.timedelta(days=1)
        counted += day.weekday() < 5
    if n == 0 and start.weekday() < 5:
        day = start
    assert result == day
    if n:
        assert business_days_between(start, result) == n


# --- proofreading --------------------------------------------------------------------------

CLEAN = thank_you(JANE, NORTHWIND, KATHERINE)
NAMES = [JANE.name, KATHERINE.name]


def check(body: str, subject: str = CLEAN.subject) -> tuple[str, ...]:
    return proofread(
        subject, body, names=NAMES, company="Northwind Analytics", role="Senior Data Analyst"
    )


def test_a_clean_letter_has_no_problems() -> None:
    assert check(CLEAN.body) == ()


def test_proofreading_catches_a_misspelled_name() -> None:
    problems = check(CLEAN.body.replace("Dear Katherine", "Dear Kathrine"))
    assert problems == (
        '"Kathrine" looks like a misspelling of "Katherine": spell names exactly as recorded.',
    )


@pytest.mark.parametrize(
    "leftover", ["[Name]", "{{ name }}", "{name}", "<Company>", "XXX", "TODO", "}}"]
)
def test_proofreading_catches_a_leftover_placeholder(leftover: str) -> None:
    problems = check(CLEAN.body.replace("Dear Katherine", f"Dear {leftover}"))
    assert any(f'placeholder "{leftover}"' in p for p in problems), problems


def test_an_email_address_in_angle_brackets_is_not_a_placeholder() -> None:
    assert check(CLEAN.body + "Katherine O'Neill <katherine.oneill@northwind.example>\n") == ()


def test_proofreading_catches_the_company_in_the_wrong_case() -> None:
    problems = check(CLEAN.body.replace("join Northwind Analytics", "join northwind analytics"))
    assert problems == (
        'Write the company as recorded: "Northwind Analytics", not "northwind analytics".',
    )


def test_proofreading_catches_a_misspelled_company() -> None:
    problems = check(CLEAN.body.replace("Northwind Analytics", "Northwind Analitics"))
    assert problems == (
        '"Northwind Analitics" looks like a misspelling of the company "Northwind Analytics".',
    )


def test_proofreading_notices_a_letter_that_never_names_the_company() -> None:
    problems = check(CLEAN.body.replace("Northwind Analytics", "your company"))
    assert problems == ('The company "Northwind Analytics" is not named in the letter.',)


def test_proofreading_notices_a_letter_that_never_names_the_role() -> None:
    problems = proofread(
        "Thanks", "Dear Katherine O'Neill,\nat Acme", names=NAMES, company="Acme", role="Analyst"
    )
    assert problems == ('The role "Analyst" is not mentioned.',)


@pytest.mark.parametrize(
    "slang", ["thx", "Pls", "gonna", "ASAP", "btw", "lol", "tbh", "cheers mate"]
)
def test_proofreading_catches_slang(slang: str) -> None:
    problems = check(CLEAN.body.replace("Kind regards,", f"{slang},"))
    assert len(problems) == 1 and f'"{slang}" is too informal' in problems[0]


def test_a_name_that_looks_like_slang_is_not_slang() -> None:
    ty = Person("Ty Awesome")
    interview = dataclasses.replace(NORTHWIND, company="Hey Games", interviewers=(ty,))
    assert thank_you(JANE, interview, ty).problems == ()


def test_u_for_you_is_slang_but_the_us_market_and_the_r_language_are_not() -> None:
    assert check(CLEAN.body + "see u soon\n")
    assert check(CLEAN.body + "I know the U.S. market and R.\n") == ()


# --- mailto --------------------------------------------------------------------------------


def test_a_mailto_link_round_trips_subject_and_body_exactly() -> None:
    subject = "Thank you – Senior Data Analyst & more?"
    body = "Dear Elena García,\n\nA+B = 100% #1; see https://x.example/?a=1&b=2\n"
    link = mailto("elena.garcia@contoso.example", subject, body)
    parts = urlsplit(link)
    assert parts.scheme == "mailto" and unquote(parts.path) == "elena.garcia@contoso.example"
    query = parse_qs(parts.query, keep_blank_values=True)
    assert query == {"subject": [subject], "body": [body]}


def test_a_mailto_link_encodes_spaces_as_percent_20_and_newlines_as_percent_0a() -> None:
    link = mailto("a@b.example", "Hello there", "line one\nline two")
    assert "+" not in link
    assert "Hello%20there" in link and "line%20one%0Aline%20two" in link


@settings(max_examples=100)
@given(subject=st.text(), body=st.text())
def test_any_subject_and_body_survive_the_mailto_link(subject: str, body: str) -> None:
    query = parse_qs(urlsplit(mailto("a@b.example", subject, body)).query, keep_blank_values=True)
    assert query.get("subject", [""]) == [subject] and query.get("body", [""]) == [body]


# --- examples for reviewers and the package's boundaries ------------------------------------


def test_the_committed_examples_are_up_to_date_with_the_templates() -> None:
    expected = render_examples.render_examples()
    on_disk = {p.name: p.read_text(encoding="utf-8") for p in EXAMPLES.glob("*.txt")}
    assert on_disk == expected, "run: python -m tests.examples.render_examples"


EXPECTED_NOTES = {
    "19_counter_offer_competing_not_better": (
        "I left out the competing offer: your records don't show it paying more than this one.",),
}


def test_the_example_letters_need_no_corrections() -> None:
    for name, draft in render_examples.drafts().items():
        assert draft.problems == EXPECTED_NOTES.get(name, ()), name


def test_the_letters_package_imports_no_storage_or_platform_code() -> None:
    for source in Path(bot.letters.__file__).parent.glob("*.py"):
        tree = ast.parse(source.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                modules = [node.module or ""]
            else:
                continue
            for module in modules:
                assert not module.startswith(("storage", "telegram", "slack", "adapters")), source


@pytest.mark.parametrize("letter", sorted(BARE))
def test_every_letter_has_an_addressee_or_dear_hiring_team(letter: str) -> None:
    greeting = next(line for line in BARE[letter]().body.split("\n") if line.startswith("Dear "))
    assert greeting.endswith(",") and "None" not in greeting and "(" not in greeting
    full = next(line for line in FULL[letter]().body.split("\n") if line.startswith("Dear "))
    assert full != "Dear Hiring Team,", full
