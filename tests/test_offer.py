"""The offer flow as a job seeker lives it: record the terms, get the checklist and a reply
asking for time, compare with the target and other offers, then negotiate, accept (closing
every other door, resigning with two weeks' notice) or decline — with a fake clock."""

from __future__ import annotations

import sqlite3
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select

from storage.models import Application, Event, Nudge, Offer, User
from tests.story import Seeker, debrief, make_engine, onboard

FRIDAY = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)  # London = UTC in November
PEOPLE = {"Umbrella": ("Dana Fox",), "Acme": ("Jane Smith",), "Globex": ("Bob Stone", "Ann Lee"),
          "Initech": ("Carl Ray",)}


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:  # type: ignore[no-untyped-def]
    """Jane, onboarded, with four active applications — built once, copied for every test."""
    path = tmp_path_factory.mktemp("offer") / "template.db"
    engine, _, db = make_engine(f"sqlite:///{path}", FRIDAY)
    jane = Seeker(engine)
    onboard(jane)
    for company, people in PEOPLE.items():
        debrief(jane, company, people)
    db.dispose()
    return path


@pytest.fixture
def story(template, sqlite_url):  # type: ignore[no-untyped-def]
    """A fresh copy of the template database, an engine on it at FRIDAY, and Jane."""
    source = sqlite3.connect(template)
    target = sqlite3.connect(sqlite_url.removeprefix("sqlite:///"))
    source.backup(target)
    source.close()
    target.close()
    engine, _, db = make_engine(sqlite_url, FRIDAY)
    yield db, Seeker(engine)
    db.dispose()


def _terms(jane: Seeker, company: str, *, salary: str = "EUR 85,000", bonus: str = "10%",
           signing: str = "5k", start: str = "skip", deadline: str = "don't know",
           writing: str = "no") -> None:
    """`offer <company>` and every term; stops before the target (first time) or the menu."""
    jane.runs("offer", company)
    jane.answers(salary, bonus, signing, "skip", "25", "skip", "skip", start, deadline, writing,
                 "30 min by train", "2 days from home")


def _record(jane: Seeker, company: str, target: str = "EUR 90,000", **terms: str) -> None:
    _terms(jane, company, **terms)
    if "target base salary" in jane.last:
        jane.says(target)


def _app(db, company: str) -> Application:  # type: ignore[no-untyped-def]
    with db.session() as session:
        return session.scalars(select(Application).where(Application.company == company)).one()


def _offers(db) -> list[Offer]:  # type: ignore[no-untyped-def]
    with db.session() as session:
        return list(session.scalars(select(Offer).order_by(Offer.id)))


def _drafts(jane: Seeker):  # type: ignore[no-untyped-def]
    return [r.draft for r in jane.replies if r.draft is not None]


# ---- recording the terms ------------------------------------------------------------------------

def test_an_offer_is_congratulated_and_the_advice_comes_first(story):
    _, jane = story
    jane.runs("offer", "Acme")
    assert "Congratulations" in jane.text
    assert "Don't accept on the spot" in jane.text and "two business days" in jane.text
    assert "in writing" in jane.text
    assert "base salary" in jane.last


def test_the_reply_deadline_defaults_to_two_business_days_friday_to_tuesday(story):
    db, jane = story
    _terms(jane, "Acme")
    app = _app(db, "Acme")
    assert app.status == "offer"
    assert app.offer_deadline == date(2026, 12, 1)
    [offer] = _offers(db)
    assert offer.reply_deadline == date(2026, 12, 1)
    assert offer.salary == Decimal("85000") and offer.currency == "EUR"
    assert offer.bonus == "10%" and offer.signing_bonus == Decimal("5000")
    assert offer.vacation_days == 25 and offer.in_writing is False
    assert offer.commute == "30 min by train" and offer.flexibility == "2 days from home"


def test_the_user_is_told_which_deadline_was_assumed(story):
    _, jane = story
    jane.runs("offer", "Acme")
    jane.answers("85k EUR", "skip", "skip", "skip", "skip", "skip", "skip", "skip")
    assert "Tue 1 Dec" in jane.last  # the question names the default
    jane.says("don't know")
    assert "I'll assume two business days: Tue 1 Dec" in jane.text


def test_deadline_nudges_are_planned_the_day_before_and_the_morning_of(story):
    db, jane = story
    _record(jane, "Acme")
    acme = _app(db, "Acme")
    with db.session() as session:
        rows = session.scalars(select(Nudge).where(Nudge.kind == "offer_deadline",
                                                   Nudge.state == "pending")
                               .order_by(Nudge.due_at)).all()
        due = [row.due_at for row in rows]
        open_contact = session.scalars(select(Nudge).where(
            Nudge.application_id == acme.id, Nudge.kind.in_(("follow_up", "check_in")),
            Nudge.state == "pending")).all()
    assert due == [datetime(2026, 11, 30, 9, 0, tzinfo=UTC),  # Monday, the day before
                   datetime(2026, 12, 1, 9, 0, tzinfo=UTC)]  # Tuesday morning
    assert open_contact == []  # an offer stops the follow-ups


def test_the_checklist_and_the_ask_for_time_letter_follow_the_terms(story):
    _, jane = story
    _terms(jane, "Acme")
    assert "Don't accept on the spot" in jane.text
    assert "Get it in writing" in jane.text and "the reply below asks for it" in jane.text
    assert "salary reviewed" in jane.text and "start" in jane.text
    [letter] = _drafts(jane)
    assert "Tuesday 1 December" in letter.body
    assert "offer in writing" in letter.body
    assert letter.problems == ()


def test_an_offer_already_in_writing_is_not_asked_for_again(story):
    _, jane = story
    _terms(jane, "Acme", writing="yes")
    [letter] = _drafts(jane)
    assert "in writing" not in letter.body


def test_salary_can_be_unknown_yet_and_bad_amounts_are_asked_again(story):
    db, jane = story
    jane.runs("offer", "Acme")
    jane.says("a lot")
    assert "couldn't read “a lot” as an amount" in jane.text
    assert "base salary" in jane.last
    jane.says("85")
    assert "looks too low" in jane.text and "85,000" in jane.text
    jane.says("20 an hour")
    assert "yearly salary" in jane.text
    jane.says("don't know yet")
    assert "bonus" in jane.last.casefold()
    jane.answers("skip", "skip", "skip", "skip", "skip", "skip", "skip", "skip", "skip", "skip",
                 "skip")
    [offer] = _offers(db)
    assert offer.salary is None
    assert "What is the base salary, exactly?" in jane.text


def test_a_monthly_salary_is_counted_yearly(story):
    db, jane = story
    jane.runs("offer", "Acme")
    jane.says("EUR 5,000 a month")
    assert "EUR 60,000" in jane.text


def test_back_during_the_terms_changes_the_previous_answer(story):
    db, jane = story
    jane.runs("offer", "Acme")
    jane.answers("EUR 85,000", "10%")
    jane.says("back")
    assert "bonus" in jane.last.casefold()
    jane.answers("12%", "skip", "skip", "skip", "skip", "skip", "skip", "skip", "no", "skip",
                 "skip")
    [offer] = _offers(db)
    assert offer.bonus == "12%"


def test_the_currency_is_remembered_for_the_next_offer(story):
    db, jane = story
    _record(jane, "Acme")
    jane.press_value("later")
    _record(jane, "Globex", salary="88k", signing="skip")
    offers = _offers(db)
    assert [o.currency for o in offers] == ["EUR", "EUR"]
    assert offers[1].salary == Decimal("88000")


# ---- comparing ----------------------------------------------------------------------------------

def test_the_target_is_asked_once_and_kept(story):
    db, jane = story
    _terms(jane, "Acme")
    assert "target base salary" in jane.last
    jane.says("EUR 90k")
    jane.press_value("later")
    _terms(jane, "Globex", signing="skip")
    assert "target" not in jane.last.casefold()  # straight to the decision
    with db.session() as session:
        assert session.scalars(select(User)).one().target_salary == Decimal("90000")


def test_the_comparison_lists_the_target_and_both_offers_with_total_compensation(story):
    _, jane = story
    _record(jane, "Acme")
    jane.press_value("later")
    _record(jane, "Globex", salary="EUR 88,000", bonus="EUR 2,000", signing="none")
    comparison = next(r.text for r in jane.replies if r.text.startswith("Side by side"))
    assert "Your target: EUR 90,000" in comparison
    globex = comparison.index("▶ Globex")
    acme = comparison.index("▶ Acme")
    assert globex < acme  # the offer at hand first
    assert "EUR 2,000 under your target" in comparison  # Globex 88k vs 90k
    assert "EUR 5,000 under your target" in comparison  # Acme 85k vs 90k
    assert "Total, year one: EUR 98,500" in comparison  # 85,000 + 10% + 5,000 signing
    assert "Total, later years: EUR 93,500" in comparison
    assert "Total, year one: EUR 90,000" in comparison  # 88,000 + 2,000
    assert "Highest total in year one: Acme (EUR 98,500), EUR 8,500 more than Globex" \
        in comparison
    assert "How I count the total" in comparison and "signing bonus spread over year one" \
        in comparison
    assert "Commute: 30 min by train" in comparison
    assert "Flexibility: 2 days from home" in comparison


def test_offer_again_shows_the_comparison_and_the_menu_without_asking_the_terms(story):
    db, jane = story
    _record(jane, "Acme")
    jane.press_value("later")
    assert "remind you the day before" in jane.text
    jane.runs("offer", "Acme")
    assert "Here's Acme's offer" in jane.text
    assert any(r.text.startswith("Side by side") for r in jane.replies)
    assert {"Negotiate", "Accept", "Decline", "Decide later", "More…"} <= set(jane.buttons)
    jane.presses("Update terms")  # on the next page
    assert "now: EUR 85,000" in jane.last
    jane.presses("Keep EUR 85,000")
    assert "now: 10%" in jane.last
    jane.answers("15%", "skip", "skip", "skip", "skip", "skip", "skip", "Dec 4", "skip",
                 "skip", "skip")
    assert "Updated Acme's offer" in jane.text
    [offer] = _offers(db)
    assert offer.bonus == "15%" and offer.signing_bonus == Decimal("5000")
    assert offer.reply_deadline == date(2026, 12, 4)
    assert _app(db, "Acme").offer_deadline == date(2026, 12, 4)


def test_the_nudge_button_offer_starts_the_flow_for_that_application(story):
    db, jane = story
    acme = _app(db, "Acme")
    with db.session() as session:
        nudge = session.scalars(select(Nudge).where(Nudge.application_id == acme.id)).first()
        assert nudge is not None
        nudge_id = nudge.id
    jane.press_value(f"n:{nudge_id}:offer")
    assert "an offer from Acme" in jane.text
    assert "base salary" in jane.last  # no "which application?"


def test_with_several_applications_offer_asks_which(story):
    _, jane = story
    jane.runs("offer")
    assert "Which application" in jane.last
    assert {"Acme — Data Analyst", "Globex — Data Analyst", "Initech — Data Analyst"} <= set(
        jane.buttons)
    jane.presses("Globex — Data Analyst")
    assert "an offer from Globex" in jane.text


def test_an_unknown_company_is_answered_clearly(story):
    _, jane = story
    jane.runs("offer", "Hooli")
    assert "I don't have an application at “Hooli”" in jane.text
    assert "Which application" in jane.last


# ---- deciding -----------------------------------------------------------------------------------

def test_negotiating_toggles_arguments_and_drafts_the_counter_offer(story):
    db, jane = story
    _record(jane, "Acme")
    jane.presses("Negotiate")
    jane.presses("Market research")
    jane.presses("Certifications")
    jane.presses("✓ Certifications")  # changed my mind
    jane.presses("Relevant degree")
    assert "Chosen: Market research, Relevant degree" in jane.last
    jane.says("EUR 80,000")
    assert "Pick the arguments" in jane.text  # text that names no argument
    jane.presses("Done")
    assert "What does your research show" in jane.last
    jane.says("higher than this, I checked")
    assert "I need the figure itself" in jane.text
    jane.says("EUR 95,000 (Glassdoor, Berlin, 2026)")
    assert "What base salary will you ask for?" in jane.last
    jane.says("EUR 84,000")
    assert "isn't above their offer of EUR 85,000" in jane.text
    jane.says("EUR 92,000")
    [draft] = _drafts(jane)
    assert "EUR 92,000" in draft.body and "EUR 85,000" in draft.body
    assert "comparable Data Analyst roles in this area at EUR 95,000 (Glassdoor, Berlin, 2026)" \
        in draft.body and "My degree" in draft.body
    assert "certifications" not in draft.body
    [offer] = _offers(db)
    assert offer.status == "negotiating"
    assert "When they answer your counter-offer" in jane.last


def test_a_counter_offer_needs_at_least_one_argument(story):
    _, jane = story
    _record(jane, "Acme")
    jane.presses("Negotiate")
    jane.presses("Done")
    assert "Pick at least one argument" in jane.text


def test_accepting_closes_exactly_the_other_active_applications(story):
    db, jane = story
    _record(jane, "Umbrella")
    jane.presses("Decline")
    jane.presses("Yes, decline")
    jane.says("skip")
    jane.presses("No")  # Umbrella is now closed
    assert _app(db, "Umbrella").status == "declined"
    _record(jane, "Acme")
    jane.presses("Accept")
    assert "Globex" in jane.last and "Initech" in jane.last and "Umbrella" not in jane.last
    jane.presses("Yes, accept")
    drafts = _drafts(jane)
    acceptance = drafts[0]
    assert acceptance.subject == "Acceptance of the Data Analyst offer"
    assert "Base salary: EUR 85,000 per year" in acceptance.body
    withdrawals = [d for d in drafts if d.subject.startswith("Withdrawing")]
    assert sorted(d.body.split(" position at ")[1].split(".")[0] for d in withdrawals) == [
        "Globex", "Initech"]
    notes = [d for d in drafts if d.subject.startswith("Thank you –")]
    assert [d.body.splitlines()[0] for d in notes] == ["Dear Ann,"]  # Bob got the letter
    statuses = {c: _app(db, c).status for c in ("Acme", "Globex", "Initech", "Umbrella")}
    assert statuses == {"Acme": "accepted", "Globex": "withdrawn", "Initech": "withdrawn",
                        "Umbrella": "declined"}
    with db.session() as session:
        still_open = session.scalars(select(Nudge).where(
            Nudge.state == "pending", Nudge.application_id.is_not(None))).all()
    assert still_open == []  # every application's reminders stopped


def test_accepting_after_a_counter_asks_the_agreed_salary(story):
    db, jane = story
    _record(jane, "Acme")
    jane.presses("Negotiate")
    jane.presses("Market research")
    jane.presses("Done")
    jane.says("skip")  # no figure: the argument is left out, and I am told so
    assert "I leave out" in jane.text
    jane.says("EUR 92,000")
    jane.presses("Accept")
    assert "agree on" in jane.last
    jane.presses("My counter: EUR 92,000")
    jane.presses("Yes, accept")
    assert "Base salary: EUR 92,000 per year" in _drafts(jane)[0].body
    [offer] = _offers(db)
    assert offer.status == "accepted" and offer.salary == Decimal("92000")


def test_not_yet_at_the_confirmation_changes_nothing(story):
    db, jane = story
    _record(jane, "Acme")
    jane.presses("Accept")
    jane.presses("Not yet")
    assert "nothing changed" in jane.text
    assert _app(db, "Globex").status == "active"
    assert "Negotiate" in jane.buttons


def test_the_resignation_gives_ten_business_days_and_warns_about_a_tight_start(story):
    db, jane = story
    _record(jane, "Acme", start="Jan 5 2027")
    jane.presses("Accept")
    jane.presses("Yes, accept")
    assert "current employer" in jane.last
    jane.answers("Initrode", "Analyst", "Peter Gibbons", "2026-12-21")
    [letter] = _drafts(jane)
    assert letter.body.startswith("Monday 21 December 2026")
    assert "Dear Peter" in letter.body
    # issue 16: a London user's business days skip Christmas, Boxing Day (observed) and New
    # Year's Day — and the text names them
    assert "two weeks' notice" in letter.body and "Thursday 7 January 2027" in letter.body
    assert ("last working day is Thu 7 Jan 2027 (not counting Christmas Day on Fri 25 Dec, "
            "Boxing Day observed on Mon 28 Dec or New Year's Day on Fri 1 Jan)") in jane.text
    assert "Mon 11 Jan" in jane.text  # a start that leaves a few days' rest
    assert "References at Initrode" in jane.text
    with db.session() as session:
        user = session.scalars(select(User)).one()
    assert (user.current_employer, user.current_position, user.manager_name) == (
        "Initrode", "Analyst", "Peter Gibbons")


def test_the_current_job_is_remembered_and_offered_again(story):
    db, jane = story
    with db.session() as session:
        user = session.scalars(select(User)).one()
        user.current_employer, user.current_position = "Initrode", "Analyst"
        user.manager_name = "Peter Gibbons"
    _record(jane, "Acme")
    jane.presses("Accept")
    jane.presses("Yes, accept")
    jane.presses("Initrode")
    jane.presses("Analyst")
    jane.presses("Peter Gibbons")
    jane.presses("Today")
    [letter] = _drafts(jane)
    assert "Dear Peter" in letter.body and "Analyst at Initrode" in letter.body
    assert "Friday 11 December 2026" in letter.body  # Fri 27 Nov + ten business days


def test_not_employed_skips_the_resignation(story):
    _, jane = story
    _record(jane, "Acme")
    jane.presses("Accept")
    jane.presses("Yes, accept")
    jane.presses("I'm not employed")
    assert "no resignation to write" in jane.text
    assert "That's everything" in jane.last
    assert _drafts(jane) == []


def test_declining_drafts_a_polite_no_with_the_users_reason(story):
    db, jane = story
    _record(jane, "Acme")
    jane.presses("Decline")
    assert "Are you sure you want to decline" in jane.last
    jane.presses("Yes, decline")
    jane.says("Honestly the commute is awful and the team seemed disorganised")
    assert "would burn a bridge" in jane.last and _drafts(jane) == []
    jane.says("I have accepted a role focused on machine learning")
    assert "Would you like to work with Acme one day" in jane.last
    jane.presses("Yes, keep the door open")
    [draft] = _drafts(jane)
    assert "I hope there will be an opportunity to work together in the future" in draft.body
    assert "awful" not in draft.body and "disorganised" not in draft.body
    assert "decline the offer" in draft.body
    assert "I have accepted a role focused on machine learning." in draft.body
    assert _app(db, "Acme").status == "declined"
    with db.session() as session:
        assert session.scalars(select(Nudge).where(Nudge.kind == "offer_deadline",
                                                   Nudge.state == "pending")).all() == []
        assert [e.kind for e in session.scalars(select(Event).where(
            Event.kind == "offer_declined"))] == ["offer_declined"]


def test_cancel_keeps_the_saved_offer(story):
    db, jane = story
    _record(jane, "Acme")
    jane.says("cancel")
    assert "stays" in jane.text
    assert len(_offers(db)) == 1 and _app(db, "Acme").status == "offer"


def test_back_after_the_terms_are_saved_updates_the_same_offer(story):
    db, jane = story
    _record(jane, "Acme")
    jane.says("back")  # to the target
    jane.says("back")  # to flexibility
    assert "flexibility" in jane.last
    jane.says("fully remote")
    assert len(_offers(db)) == 1
    assert _offers(db)[0].flexibility == "fully remote"
