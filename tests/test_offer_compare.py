"""The offer maths, pure: what a bonus is worth, total compensation, the comparison a job
seeker reads on a phone, the default reply deadline and a rested start date."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from bot.records.offers import (
    OfferFigures,
    bonus_value,
    checklist,
    comparison_text,
    default_reply_deadline,
    start_date_advice,
    start_too_soon,
    suggested_start,
    total_compensation,
    versus,
)

SALARY = Decimal(85000)
ACME = OfferFigures("Acme", "Data Analyst", SALARY, "EUR", bonus="10%",
                    signing_bonus=Decimal(5000), vacation_days=25, commute="30 min by train",
                    flexibility="2 days from home", start_date=date(2027, 1, 11),
                    reply_deadline=date(2026, 12, 1))
GLOBEX = OfferFigures("Globex", "Analyst", Decimal(88000), "EUR", bonus="EUR 2,000")


# ---- dates --------------------------------------------------------------------------------------

@pytest.mark.parametrize(("today", "deadline"), [
    (date(2026, 11, 27), date(2026, 12, 1)),  # Friday -> Tuesday
    (date(2026, 11, 25), date(2026, 11, 27)),  # Wednesday -> Friday
    (date(2026, 11, 26), date(2026, 11, 30)),  # Thursday -> Monday
    (date(2026, 11, 28), date(2026, 12, 1)),  # a Saturday offer counts from Friday
    (date(2026, 12, 31), date(2027, 1, 4)),  # over the new year
])
def test_the_reply_deadline_is_two_business_days_later(today, deadline):
    assert default_reply_deadline(today) == deadline


def test_a_start_the_day_after_the_last_day_is_too_soon():
    last_day = date(2027, 1, 4)
    assert start_too_soon(date(2027, 1, 5), last_day)
    assert start_too_soon(date(2027, 1, 6), last_day)
    assert not start_too_soon(date(2027, 1, 7), last_day)


@pytest.mark.parametrize(("last_day", "start"), [
    (date(2027, 1, 4), date(2027, 1, 11)),  # last day Monday -> the next Monday
    (date(2027, 1, 8), date(2027, 1, 18)),  # last day Friday -> not the Monday right after
])
def test_the_suggested_start_is_a_monday_after_a_few_days_rest(last_day, start):
    assert suggested_start(last_day) == start
    assert start.weekday() == 0
    assert not start_too_soon(start, last_day)


# ---- what a bonus is worth ----------------------------------------------------------------------

@pytest.mark.parametrize(("bonus", "amount"), [
    ("10%", 8500),
    ("10 percent of base", 8500),
    ("7.5%", 6375),
    ("10-15% target", 8500),  # a range counts at its lower end
    ("up to 15%", 12750),
    ("EUR 5,000", 5000),
    ("5k per year", 5000),
    ("€5k", 5000),
    ("annual bonus of 7,500", 7500),
    ("2 months' salary", 14167),
    ("13th month", 7083),
])
def test_a_bonus_is_read_as_a_yearly_amount(bonus, amount):
    value = bonus_value(bonus, SALARY, "EUR")
    assert value is not None
    assert value.amount == Decimal(amount)


@pytest.mark.parametrize("bonus", ["", "discretionary", "performance-based only", "USD 5,000",
                                   "2", "a nice team"])
def test_a_bonus_that_cannot_be_counted_counts_as_nothing(bonus):
    assert bonus_value(bonus, SALARY, "EUR") is None


def test_a_percentage_bonus_needs_the_salary():
    assert bonus_value("10%", None, "EUR") is None


def test_a_hedged_bonus_says_it_is_not_guaranteed():
    value = bonus_value("up to 15%", SALARY, "EUR")
    assert value is not None and "not guaranteed" in value.how


# ---- total compensation -------------------------------------------------------------------------

def test_total_compensation_adds_the_bonus_and_the_signing_bonus_in_year_one():
    total = total_compensation(ACME)
    assert total is not None
    assert total.year_one == Decimal(98500)  # 85,000 + 8,500 + 5,000
    assert total.recurring == Decimal(93500)  # the signing bonus comes once


def test_equity_and_benefits_are_not_counted():
    rich = OfferFigures("Acme", salary=SALARY, currency="EUR", equity="0.5% over 4 years",
                        benefits="health, pension 8%")
    total = total_compensation(rich)
    assert total is not None and total.year_one == SALARY


def test_without_a_salary_there_is_no_total():
    assert total_compensation(OfferFigures("Acme", bonus="10%")) is None


def test_the_gap_to_the_target_is_an_amount_and_a_share():
    assert versus(Decimal(85000), Decimal(90000), "EUR") == "EUR 5,000 under your target (−5.6%)"
    assert versus(Decimal(99000), Decimal(90000), "$") == "$9,000 over your target (+10.0%)"
    assert versus(Decimal(90000), Decimal(90000), "EUR") == "exactly your target"


# ---- the comparison -----------------------------------------------------------------------------

def test_the_comparison_shows_the_target_and_each_offer_with_its_total():
    text = comparison_text(ACME, [GLOBEX], Decimal(90000))
    assert "🎯 Your target: EUR 90,000 base salary" in text
    acme, globex = text.index("▶ Acme — Data Analyst (this offer)"), text.index("▶ Globex")
    assert acme < globex
    assert "• Salary: EUR 85,000 — EUR 5,000 under your target (−5.6%)" in text
    assert "• Bonus: 10% → EUR 8,500 (10% of the salary)" in text
    assert "• Signing bonus: EUR 5,000 (year one only)" in text
    assert "• Total, year one: EUR 98,500" in text
    assert "• Total, later years: EUR 93,500" in text
    assert "• Salary: EUR 88,000 — EUR 2,000 under your target (−2.2%)" in text
    assert "• Total, year one: EUR 90,000" in text
    assert "Highest total in year one: Acme (EUR 98,500), EUR 8,500 more than Globex." in text
    assert "How I count the total" in text


def test_the_comparison_reads_well_on_a_phone():
    text = comparison_text(ACME, [GLOBEX], Decimal(90000))
    assert "|" not in text and "\t" not in text  # no table that needs a monospace font
    assert max(len(line) for line in text.splitlines() if not line.startswith("How")) <= 90


def test_non_salary_parts_are_listed_to_weigh():
    text = comparison_text(ACME, [], None)
    assert "• Commute: 30 min by train" in text
    assert "• Flexibility: 2 days from home" in text
    assert "25 vacation days · start Mon 11 Jan · reply by Tue 1 Dec · not in writing yet" in text
    assert "No target salary set" in text
    assert "(this offer)" not in text  # alone, it needs no marker


def test_an_unknown_salary_asks_for_it_in_writing():
    text = comparison_text(OfferFigures("Acme", bonus="10%"), [], Decimal(90000))
    assert "Salary: not known yet — ask for it in writing" in text
    assert "(not counted)" in text


def test_offers_in_other_currencies_are_not_ranked_or_compared_with_the_target():
    dollars = OfferFigures("Hooli", salary=Decimal(120000), currency="USD")
    text = comparison_text(ACME, [dollars], Decimal(90000), "EUR")
    assert "Highest total" not in text
    assert "aren't converted" in text
    assert "• Salary: USD 120,000 — your target is in EUR, not compared" in text


# ---- advice -------------------------------------------------------------------------------------

def test_the_checklist_asks_for_time_writing_and_what_the_offer_leaves_open():
    text = checklist(OfferFigures("Acme", salary=None, bonus="10%",
                                  reply_deadline=date(2026, 12, 1)))
    assert "Don't accept on the spot — thank them and ask for time: until Tue 1 Dec." in text
    assert "You don't have it in writing yet" in text
    assert "What is the base salary, exactly?" in text
    assert "When exactly would I start" in text
    assert "How is the bonus decided" in text
    assert "salary reviewed" in text and "probation" in text
    assert "Weigh what money can't measure" in text


def test_the_checklist_does_not_ask_what_is_already_known():
    text = checklist(ACME)
    assert "When exactly would I start" not in text  # the start date is known
    assert "remote and flexible working" not in text  # so is the flexibility
    assert "equity" not in text.casefold()


@pytest.mark.parametrize(("start", "says"), [
    (None, "propose Mon 11 Jan"),
    (date(2027, 1, 4), "is not after your last working day"),
    (date(2027, 1, 6), "is less than 3 days after your last working day"),
    (date(2027, 1, 11), "that leaves 6 days off"),
])
def test_the_start_date_advice_leaves_a_few_days_rest(start, says):
    assert says in start_date_advice("Acme", start, date(2027, 1, 4))
