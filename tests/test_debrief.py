"""The debrief (`debrief`/`new`): right after an interview the job seeker records the company,
the role, each interviewer and their impressions; Afterview celebrates, sums up and says what
happens next. Every step, every stored value, the interviewer loop and `status`."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bot.clock import FixedClock
from bot.conversation.engine import Engine
from storage.db import Database
from storage.models import Application, Event, Interview, Interviewer, Nudge
from storage.repository import Repository
from tests.story import Seeker, debrief, make_engine, onboard

MONDAY_1130 = datetime(2026, 11, 23, 11, 30, tzinfo=UTC)  # London is on UTC in November
NEXT_FRIDAY = date(2026, 11, 27)

# every question of a debrief with two interviewers, in order, and the answer Jane gives
STORY: list[tuple[str, str]] = [
    ("Which company was it with?", "Acme Corp"),
    ("What's the role?", "Senior Data Analyst"),
    ("When was the interview?", "today 11am"),
    ("Which round was it?", "first"),
    ("How was it held?", "video"),
    ("Who interviewed you?", "Priya Raman"),
    ("Priya Raman's job title?", "Head of Data"),
    ("Priya Raman's email?", "priya.raman@acme.example"),
    ("Priya Raman's phone number?", "+44 20 7946 0018"),
    ("Finish the sentence for Priya Raman's letter", "her move from Leeds; the dbt migration"),
    ("Got Priya Raman. Anyone else?", "Tom O'Neil"),
    ("Tom O'Neil's job title?", "skip"),
    ("Tom O'Neil's email?", "skip"),
    ("Tom O'Neil's phone number?", "skip"),
    ("Finish the sentence for Tom O'Neil's letter", "cycling to work"),
    ("Got Priya Raman, Tom O'Neil. Anyone else?", "done"),
    ("How did it go, from 1 (badly) to 5 (great)?", "4"),
    ("What went well?", "the SQL exercise"),
    ("Your strongest qualification for this role", "ten years of analytics"),
    ("What would you improve next time?", "shorter answers"),
    ("Which questions did they ask, and how did you answer?", "why Acme? — the data platform"),
    ("Anything you missed or wish you had said?", "my Tableau certification"),
    ("When do they expect to decide?", "next Friday"),
    ("How many steps remain in their process?", "2"),
    ("Who should you contact for news?", "Sam Lee, HR, sam.lee@acme.example"),
]


@pytest.fixture(scope="module")
def migrated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One SQLite file, migrated and with Jane onboarded once; each test gets its own copy."""
    path = tmp_path_factory.mktemp("template") / "afterview.db"
    engine, _clock, database = make_engine(f"sqlite:///{path}", MONDAY_1130)
    onboard(Seeker(engine))  # Jane Doe, London, reminders at 09:00, quiet 21–08
    database.dispose()
    return path


@pytest.fixture
def bot(migrated: Path, tmp_path: Path) -> Iterator[tuple[Engine, FixedClock, Database]]:
    shutil.copyfile(migrated, tmp_path / "afterview.db")
    engine, clock, database = make_engine(f"sqlite:///{tmp_path / 'afterview.db'}", MONDAY_1130)
    yield engine, clock, database
    database.dispose()


@pytest.fixture
def jane(bot: tuple[Engine, FixedClock, Database]) -> Seeker:
    return Seeker(bot[0])  # onboarded in the template


@dataclass
class Recorded:
    applications: list[Application]
    interviews: list[Interview]
    people: list[Interviewer]
    events: list[Event]
    conversation: dict[str, Any] | None
    step: str | None


def recorded(database: Database, seeker: Seeker) -> Recorded:
    with database.session() as session:
        repo = Repository.for_key(session, seeker.key.platform, seeker.key.workspace,
                                  seeker.key.user_id, create=False)
        assert repo is not None
        interviews = repo.interviews()
        state = repo.conversation()
        return Recorded(repo.applications(), interviews,
                        [p for i in interviews for p in repo.interviewers(i)], repo.events(),
                        dict(state.slots) if state else None, state.step if state else None)


@dataclass
class Told:
    """The whole STORY told once; tests below only read what it left behind."""

    rec: Recorded
    summary: str
    buttons: list[str]


@pytest.fixture(scope="module")
def told(migrated: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Told]:
    path = tmp_path_factory.mktemp("told") / "afterview.db"
    shutil.copyfile(migrated, path)
    engine, _clock, database = make_engine(f"sqlite:///{path}", MONDAY_1130)
    seeker = Seeker(engine)
    tell_whole_story(seeker)
    yield Told(recorded(database, seeker), seeker.last, seeker.buttons)
    database.dispose()


def tell_story_until(seeker: Seeker, prompt: str) -> None:
    """Run `debrief` and answer STORY until the bot asks `prompt`."""
    seeker.runs("debrief")
    for question, answer in STORY:
        if question in seeker.last:
            if question == prompt:
                return
            seeker.says(answer)
    assert prompt in seeker.last, f"never asked {prompt!r}; last: {seeker.last!r}"


def tell_whole_story(seeker: Seeker) -> None:
    seeker.runs("debrief")
    for question, answer in STORY:
        assert question in seeker.last, f"expected {question!r}, got {seeker.last!r}"
        seeker.says(answer)
    assert "Well done" in seeker.last


# ---- every step, in order --------------------------------------------------------------------

def test_debrief_asks_every_question_in_order_and_ends_with_a_celebration(jane: Seeker) -> None:
    jane.runs("debrief")
    asked = []
    for question, answer in STORY:
        asked.append(question if question in jane.last else f"MISSING {question}: {jane.last}")
        jane.says(answer)

    assert asked == [question for question, _ in STORY]
    assert jane.last.startswith("🎉 Well done — your first interview at Acme Corp is behind you.")


def test_the_first_question_congratulates_before_asking_for_the_company(jane: Seeker) -> None:
    jane.runs("debrief")

    assert jane.last.startswith("Congratulations on getting through an interview!")


def test_new_is_an_alias_of_debrief(jane: Seeker) -> None:
    jane.runs("new")

    assert "Which company was it with?" in jane.last


def test_the_company_can_come_with_the_command(bot, jane: Seeker) -> None:
    jane.runs("debrief", "Acme Corp")

    assert "What's the role?" in jane.last
    assert recorded(bot[2], jane).conversation["company"] == "Acme Corp"  # type: ignore[index]


# ---- each answer lands in the database with the right value ------------------------------------

INTERVIEW_FIELDS = [
    ("round", "first"),
    ("format", "video"),
    ("starts_at", datetime(2026, 11, 23, 11, 0, tzinfo=UTC)),
    ("recorded_at", MONDAY_1130),
    ("rating", 4),
    ("went_well", "the SQL exercise"),
    ("strengths", "ten years of analytics"),
    ("to_improve", "shorter answers"),
    ("questions", "why Acme? — the data platform"),
    ("missed", "my Tableau certification"),
    ("decision_expected", NEXT_FRIDAY),
    ("decision_assumed", False),
    ("steps_remaining", 2),
    ("news_contact", "Sam Lee, HR, sam.lee@acme.example"),
]


@pytest.mark.parametrize(("field", "value"), INTERVIEW_FIELDS, ids=[f for f, _ in INTERVIEW_FIELDS])
def test_each_debrief_answer_is_stored_on_the_interview(told: Told, field: str,
                                                       value: object) -> None:
    (interview,) = told.rec.interviews
    assert getattr(interview, field) == value


def test_the_debrief_creates_an_active_application_for_the_company_and_role(told: Told) -> None:
    (app,) = told.rec.applications
    assert (app.company, app.role, app.status) == ("Acme Corp", "Senior Data Analyst", "active")


def test_each_interviewer_is_stored_in_the_order_given_with_their_details(told: Told) -> None:
    people = told.rec.people
    assert [(p.position, p.name, p.title, p.email, p.phone, p.notes) for p in people] == [
        (0, "Priya Raman", "Head of Data", "priya.raman@acme.example", "+44 20 7946 0018",
         "her move from Leeds; the dbt migration"),
        (1, "Tom O'Neil", "", "", "", "cycling to work"),
    ]


def test_every_interviewer_starts_with_a_pending_thank_you(told: Told) -> None:
    assert {p.thank_you_state for p in told.rec.people} == {"pending"}


def test_the_debrief_is_written_to_the_event_log(told: Told) -> None:
    rec = told.rec
    (event,) = [e for e in rec.events if e.kind == "interview"]
    assert event.application_id == rec.applications[0].id
    assert event.data == {"interview_id": rec.interviews[0].id, "round": "first"}


def test_after_the_debrief_the_conversation_is_closed(told: Told) -> None:
    assert told.rec.conversation is None


def test_the_debrief_plans_the_thank_you_nudge(bot, jane: Seeker) -> None:
    tell_whole_story(jane)

    with bot[2].session() as session:
        kinds = {n.kind for n in session.scalars(select(Nudge).where(Nudge.state == "pending"))}
    assert "thank_you" in kinds


# ---- the celebration and summary -------------------------------------------------------------

def test_after_a_debrief_at_11_the_summary_names_both_interviewers(told: Told) -> None:
    assert "• Interviewers: Priya Raman and Tom O'Neil" in told.summary
    assert "• Mon 23 Nov at 11:00, rated 4/5" in told.summary


def test_the_summary_shows_company_role_round_and_format(told: Told) -> None:
    assert "• Acme Corp — Senior Data Analyst (first round, video)" in told.summary


def test_the_summary_shows_the_decision_date_steps_and_contact(told: Told) -> None:
    assert "• Decision expected: Fri 27 Nov" in told.summary
    assert "(assumed)" not in told.summary
    assert "• Steps remaining: 2" in told.summary
    assert "• Contact for news: Sam Lee, HR, sam.lee@acme.example" in told.summary


def test_what_happens_next_is_a_thank_you_to_each_and_keeping_the_search_alive(
    told: Told,
) -> None:
    assert ("1. Send a personal thank-you letter to Priya Raman and Tom O'Neil — today, or "
            "tomorrow at the latest.") in told.summary
    assert "2. Until Fri 27 Nov: keep your search going" in told.summary


def test_celebration_says_not_to_fret(told: Told) -> None:
    assert "Finishing an interview is an achievement in itself" in told.summary
    assert "don't fret" in told.summary


def test_see_my_pipeline_after_the_debrief_shows_the_new_application(jane: Seeker) -> None:
    tell_whole_story(jane)
    jane.presses("See my pipeline")

    assert "• Acme Corp — Senior Data Analyst: interviewing." in jane.last


def test_every_button_offered_after_a_debrief_leads_somewhere(bot, jane: Seeker) -> None:
    tell_whole_story(jane)
    for label in list(jane.buttons):
        replay = Seeker(bot[0], user_id=jane.key.user_id)
        replay.replies = list(jane.replies)
        replay.presses(label)
        assert "I don't know the command" not in replay.text, label


# ---- when, round and format are read generously ----------------------------------------------

@pytest.mark.parametrize(("typed", "held"), [
    ("today 11am", datetime(2026, 11, 23, 11, 0, tzinfo=UTC)),
    ("yesterday 3pm", datetime(2026, 11, 22, 15, 0, tzinfo=UTC)),
    ("just now", MONDAY_1130),
    ("last Friday 2pm", datetime(2026, 11, 20, 14, 0, tzinfo=UTC)),
])
def test_the_interview_time_is_read_from_everyday_words(bot, jane: Seeker, typed: str,
                                                        held: datetime) -> None:
    tell_story_until(jane, "When was the interview?")
    jane.says(typed)

    assert "Which round was it?" in jane.last
    slots = recorded(bot[2], jane).conversation
    assert slots is not None and datetime.fromisoformat(slots["when"]) == held


def test_the_interview_time_is_read_in_the_users_time_zone(bot) -> None:
    berliner = Seeker(bot[0], user_id="klaus")
    berliner.says("hallo")
    berliner.answers("Klaus Berg", "skip", "Berlin", "skip", "skip")
    berliner.runs("debrief")
    berliner.answers("Siemens", "Engineer", "today 11am")

    slots = recorded(bot[2], berliner).conversation
    assert slots is not None
    assert datetime.fromisoformat(slots["when"]) == datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


def test_the_just_now_button_records_the_current_time(bot, jane: Seeker) -> None:
    tell_story_until(jane, "When was the interview?")
    jane.presses("Just now")

    slots = recorded(bot[2], jane).conversation
    assert slots is not None and datetime.fromisoformat(slots["when"]) == MONDAY_1130


def test_an_interview_in_the_future_is_refused_and_the_role_is_kept(bot, jane: Seeker) -> None:
    tell_story_until(jane, "When was the interview?")
    jane.says("tomorrow 3pm")

    assert "Tue 24 Nov 2026, 15:00 is still ahead" in jane.text
    assert "When was the interview?" in jane.last
    slots = recorded(bot[2], jane).conversation
    assert slots is not None and slots["role"] == "Senior Data Analyst"


def test_an_interview_more_than_a_year_ago_is_refused(jane: Seeker) -> None:
    tell_story_until(jane, "When was the interview?")
    jane.says("Nov 1 2024")

    assert "more than a year ago" in jane.text
    assert "When was the interview?" in jane.last


def test_an_unreadable_time_is_re_asked_with_examples(jane: Seeker) -> None:
    tell_story_until(jane, "When was the interview?")
    jane.says("32nd Smarch")

    assert "I couldn't read “32nd Smarch” as a date and time" in jane.text
    assert "When was the interview?" in jane.last


@pytest.mark.parametrize(("typed", "stored"), [("2", "second"), ("Final", "final"),
                                               ("panel", "panel"), ("3rd", "third")])
def test_the_round_is_understood_from_a_number_or_a_word(bot, jane: Seeker, typed: str,
                                                        stored: str) -> None:
    tell_story_until(jane, "Which round was it?")
    jane.says(typed)

    slots = recorded(bot[2], jane).conversation
    assert slots is not None and slots["round"] == stored


@pytest.mark.parametrize(("typed", "stored"), [("in person", "on-site"), ("Phone", "phone"),
                                               ("onsite", "on-site"), ("Teams call", "Teams call")])
def test_the_format_is_understood_from_everyday_words(bot, jane: Seeker, typed: str,
                                                      stored: str) -> None:
    tell_story_until(jane, "How was it held?")
    jane.says(typed)

    slots = recorded(bot[2], jane).conversation
    assert slots is not None and slots["format"] == stored


# ---- the interviewer loop ----------------------------------------------------------------------

def test_interviewers_are_asked_one_at_a_time_until_done(jane: Seeker) -> None:
    tell_story_until(jane, "Who interviewed you?")
    assert "spelled exactly as on their business card" in jane.last
    for name in ("Ann Lee", "Bo Chan", "Cy Dorn"):
        jane.answers(name, "skip", "skip", "skip", "skip")

    assert "Got Ann Lee, Bo Chan, Cy Dorn. Anyone else?" in jane.last
    assert jane.buttons == ["Done"]


def test_the_same_interviewer_cannot_be_added_twice(bot, jane: Seeker) -> None:
    tell_story_until(jane, "Got Priya Raman. Anyone else?")
    jane.says("priya raman")

    assert "You already added Priya Raman. Type another name, or “done”." in jane.text
    slots = recorded(bot[2], jane).conversation
    assert slots is not None and [p["name"] for p in slots["interviewers"]] == ["Priya Raman"]


def test_not_knowing_the_interviewers_names_still_records_the_interview(bot,
                                                                      jane: Seeker) -> None:
    tell_story_until(jane, "Who interviewed you?")
    jane.presses("I don't know their names")
    assert "How did it go" in jane.last
    jane.answers("3", "skip", "skip", "skip", "skip", "skip", "next Friday", "skip", "skip")

    assert "• Interviewers: none noted" in jane.last
    assert "If you can find your interviewers' names" in jane.last
    assert recorded(bot[2], jane).people == []


def test_a_bad_interviewer_email_is_re_asked_and_the_title_is_kept(bot, jane: Seeker) -> None:
    tell_story_until(jane, "Priya Raman's email?")
    jane.says("priya at acme")

    assert "“priya at acme” isn't an email address — it should look like jane@example.com." \
        in jane.text
    assert "Priya Raman's email?" in jane.last
    slots = recorded(bot[2], jane).conversation
    assert slots is not None
    assert slots["current"] == {"name": "Priya Raman", "title": "Head of Data"}


def test_a_bad_phone_number_is_re_asked(jane: Seeker) -> None:
    tell_story_until(jane, "Priya Raman's phone number?")
    jane.says("call her")

    assert "doesn't look like a phone number" in jane.text
    assert "Priya Raman's phone number?" in jane.last


def test_back_after_the_second_name_restores_the_list_with_only_the_first(bot,
                                                                         jane: Seeker) -> None:
    tell_story_until(jane, "Got Priya Raman. Anyone else?")
    jane.says("Tom O'Neil")
    assert "Tom O'Neil's job title?" in jane.last

    jane.says("back")

    assert "Got Priya Raman. Anyone else?" in jane.last
    slots = recorded(bot[2], jane).conversation
    assert slots is not None
    assert [p["name"] for p in slots["interviewers"]] == ["Priya Raman"]
    assert "current" not in slots


def test_back_from_the_next_name_reopens_the_previous_interviewers_notes(bot,
                                                                        jane: Seeker) -> None:
    tell_story_until(jane, "Got Priya Raman. Anyone else?")
    jane.says("back")

    assert "Finish the sentence for Priya Raman's letter" in jane.last
    slots = recorded(bot[2], jane).conversation
    assert slots is not None
    assert slots.get("interviewers", []) == []
    assert slots["current"] == {"name": "Priya Raman", "title": "Head of Data",
                                "email": "priya.raman@acme.example", "phone": "+44 20 7946 0018"}


def test_corrected_notes_after_back_replace_the_first_ones(bot, jane: Seeker) -> None:
    tell_story_until(jane, "Got Priya Raman. Anyone else?")
    jane.says("back")
    jane.says("the Looker rollout")

    slots = recorded(bot[2], jane).conversation
    assert slots is not None
    assert slots["interviewers"] == [{"name": "Priya Raman", "title": "Head of Data",
                                      "email": "priya.raman@acme.example",
                                      "phone": "+44 20 7946 0018",
                                      "notes": "the Looker rollout"}]


def test_back_from_the_rating_returns_to_the_interviewer_list(bot, jane: Seeker) -> None:
    tell_story_until(jane, "How did it go, from 1 (badly) to 5 (great)?")
    jane.says("back")

    assert "Got Priya Raman, Tom O'Neil. Anyone else?" in jane.last
    jane.says("Uma Ng")
    jane.answers("skip", "skip", "skip", "skip", "done")

    slots = recorded(bot[2], jane).conversation
    assert slots is not None
    assert [p["name"] for p in slots["interviewers"]] == ["Priya Raman", "Tom O'Neil", "Uma Ng"]


def test_back_through_the_whole_loop_undoes_one_answer_at_a_time(bot, jane: Seeker) -> None:
    tell_story_until(jane, "Got Priya Raman, Tom O'Neil. Anyone else?")
    prompts = []
    for _ in range(6):
        jane.says("back")
        prompts.append(jane.last)

    assert [p.split("?")[0].split(":")[0] for p in prompts] == [
        "Finish the sentence for Tom O'Neil's letter", "Tom O'Neil's phone number",
        "Tom O'Neil's email", "Tom O'Neil's job title", "Got Priya Raman. Anyone else",
        "Finish the sentence for Priya Raman's letter",
    ]


def test_the_contact_for_news_offers_the_interviewers_as_buttons(jane: Seeker) -> None:
    tell_story_until(jane, "Who should you contact for news?")

    assert jane.buttons == ["Priya Raman", "Tom O'Neil", "Skip"]


# ---- impressions and next steps ---------------------------------------------------------------

@pytest.mark.parametrize("typed", ["0", "6", "great"])
def test_a_rating_outside_one_to_five_is_re_asked(jane: Seeker, typed: str) -> None:
    tell_story_until(jane, "How did it go, from 1 (badly) to 5 (great)?")
    jane.says(typed)

    assert "Please answer with a number from 1 (badly) to 5 (great)." in jane.text
    assert "How did it go" in jane.last


def test_skipped_impressions_are_stored_empty(bot, jane: Seeker) -> None:
    tell_story_until(jane, "What went well?")
    jane.answers("skip", "skip", "skip", "skip", "skip", "next Friday", "skip", "skip")

    (interview,) = recorded(bot[2], jane).interviews
    assert (interview.went_well, interview.strengths, interview.to_improve, interview.questions,
            interview.missed, interview.steps_remaining, interview.news_contact) == (
        "", "", "", "", "", None, "")


def test_the_decision_date_can_be_given_as_in_two_weeks(bot, jane: Seeker) -> None:
    tell_story_until(jane, "When do they expect to decide?")
    jane.says("in two weeks")

    slots = recorded(bot[2], jane).conversation
    assert slots is not None and slots["decision_date"] == "2026-12-07"


def test_a_decision_date_before_the_interview_is_refused(jane: Seeker) -> None:
    tell_story_until(jane, "When do they expect to decide?")
    jane.says("last Monday")

    assert "Mon 16 Nov 2026 is before the interview (Mon 23 Nov 2026)." in jane.text
    assert "When do they expect to decide?" in jane.last


def test_an_unreadable_decision_date_is_re_asked_and_the_impressions_are_kept(bot,
                                                                             jane: Seeker) -> None:
    tell_story_until(jane, "When do they expect to decide?")
    jane.says("soonish")

    assert "I couldn't read “soonish” as a date" in jane.text
    assert "When do they expect to decide?" in jane.last
    slots = recorded(bot[2], jane).conversation
    assert slots is not None
    assert (slots["rating"], slots["went_well"], slots["missed"]) == (
        4, "the SQL exercise", "my Tableau certification")


def test_not_knowing_the_decision_date_assumes_one_week_and_says_to_ask(bot,
                                                                      jane: Seeker) -> None:
    tell_story_until(jane, "When do they expect to decide?")
    jane.presses("Don't know")

    assert "ask before you leave: “What are the next steps, and when do you expect to decide?”" \
        in jane.text
    assert "I'll assume a week: Mon 30 Nov 2026." in jane.text
    assert "How many steps remain" in jane.last


def test_an_assumed_decision_date_is_stored_as_assumed(bot, jane: Seeker) -> None:
    tell_story_until(jane, "When do they expect to decide?")
    jane.answers("don't know", "skip", "skip")

    (interview,) = recorded(bot[2], jane).interviews
    assert (interview.decision_expected, interview.decision_assumed) == (date(2026, 11, 30), True)
    assert "• Decision expected: Mon 30 Nov (assumed)" in jane.last


def test_back_after_dont_know_forgets_the_assumed_date(bot, jane: Seeker) -> None:
    tell_story_until(jane, "When do they expect to decide?")
    jane.says("idk")
    jane.says("back")
    jane.says("next Friday")

    slots = recorded(bot[2], jane).conversation
    assert slots is not None
    assert (slots["decision_date"], slots["decision_assumed"]) == ("2026-11-27", False)


@pytest.mark.parametrize(("typed", "stored"), [("0", 0), ("three", 3), ("don't know", None)])
def test_the_steps_remaining_are_read_as_a_number_or_dont_know(bot, jane: Seeker, typed: str,
                                                              stored: int | None) -> None:
    tell_story_until(jane, "How many steps remain in their process?")
    jane.answers(typed, "skip")

    (interview,) = recorded(bot[2], jane).interviews
    assert interview.steps_remaining == stored


def test_an_impossible_number_of_steps_is_re_asked(jane: Seeker) -> None:
    tell_story_until(jane, "How many steps remain in their process?")
    jane.says("99")

    assert "from 0 to 20" in jane.text
    assert "How many steps remain" in jane.last


def test_an_empty_answer_is_re_asked_and_nothing_is_lost(bot, jane: Seeker) -> None:
    tell_story_until(jane, "What's the role?")
    jane.says("   ")

    assert "Please type an answer" in jane.text
    assert "What's the role?" in jane.last
    slots = recorded(bot[2], jane).conversation
    assert slots is not None and slots["company"] == "Acme Corp"


def test_cancel_in_the_middle_of_a_debrief_saves_nothing(bot, jane: Seeker) -> None:
    tell_story_until(jane, "How did it go, from 1 (badly) to 5 (great)?")
    jane.says("cancel")

    assert "Cancelled — nothing from this debrief was saved." in jane.last
    rec = recorded(bot[2], jane)
    assert (rec.applications, rec.interviews, rec.people, rec.conversation) == ([], [], [], None)


# ---- a second round at the same company ------------------------------------------------------

def test_a_second_debrief_for_the_same_company_reuses_the_application(bot, jane: Seeker) -> None:
    tell_whole_story(jane)
    jane.runs("debrief")
    assert "Acme Corp" in jane.buttons
    jane.says("acme corp")
    assert "Senior Data Analyst" in jane.buttons  # the known role is offered
    jane.says("Senior Data Analyst")
    jane.says("just now")
    assert jane.buttons[0] == "Second"
    jane.presses("Second")
    jane.answers("on-site", "done", "5", "skip", "skip", "skip", "skip", "skip", "don't know",
                 "skip", "skip")

    rec = recorded(bot[2], jane)
    assert len(rec.applications) == 1
    assert [i.round for i in rec.interviews] == ["first", "second"]
    assert rec.applications[0].status == "second_round"


def test_a_small_typo_in_a_known_company_finds_the_application(bot, jane: Seeker) -> None:
    debrief(jane, company="Globex")
    jane.runs("debrief")
    jane.says("Globx")

    slots = recorded(bot[2], jane).conversation
    assert slots is not None and slots["company"] == "Globex"


def test_a_new_company_starts_a_new_application(bot, jane: Seeker) -> None:
    debrief(jane, company="Globex")
    debrief(jane, company="Initech")

    assert sorted(a.company for a in recorded(bot[2], jane).applications) == ["Globex",
                                                                              "Initech"]


# ---- status: the pipeline --------------------------------------------------------------------

def test_status_with_no_interviews_suggests_a_debrief(jane: Seeker) -> None:
    jane.runs("status")

    assert "Your pipeline is empty." in jane.last
    assert jane.buttons == ["Record an interview"]


def test_status_after_a_debrief_says_to_send_the_thank_yous_first(jane: Seeker) -> None:
    tell_whole_story(jane)
    jane.runs("status")

    assert "Your pipeline — 1 active application:" in jane.last
    assert ("• Acme Corp — Senior Data Analyst: interviewing. Next: send thank-you letters to "
            "Priya Raman, Tom O'Neil (by Tue 24 Nov).") in jane.last  # the next day at the latest


def test_status_the_day_after_yesterdays_interview_says_the_thank_yous_are_due_today(
    jane: Seeker,
) -> None:
    debrief(jane, company="Globex", when="yesterday 4pm")
    jane.runs("status")

    assert "Next: send thank-you letters to Jane Smith, Bob Stone (by Mon 23 Nov)." in jane.last


def _tokyo_seeker(bot) -> Seeker:
    """Kenji in Tokyo, where it is Tuesday 08:30 while it is still Monday 23:30 in UTC."""
    bot[1].set(datetime(2026, 11, 23, 23, 30, tzinfo=UTC))
    kenji = Seeker(bot[0], user_id="kenji")
    kenji.says("hello")
    kenji.answers("Kenji Sato", "skip", "Tokyo", "skip", "skip")
    return kenji


def test_status_counts_the_thank_you_deadline_in_the_users_own_days(bot) -> None:
    kenji = _tokyo_seeker(bot)
    debrief(kenji, company="Rakuten", when="today 8am")  # Tue 08:00 Tokyo = Mon 23:00 UTC
    kenji.runs("status")

    assert "(by Wed 25 Nov)." in kenji.last


def test_just_now_counts_the_week_from_the_users_own_day(bot) -> None:
    kenji = _tokyo_seeker(bot)
    kenji.runs("debrief")
    kenji.answers("Rakuten", "Engineer", "just now", "first", "video", "done", "4", "skip",
                  "skip", "skip", "skip", "skip", "don't know")

    assert "I'll assume a week: Tue 1 Dec 2026." in kenji.text


def _mark_thanks_sent(bot, jane: Seeker) -> None:
    with bot[2].session() as session:
        nudge = session.scalars(select(Nudge).where(Nudge.kind == "thank_you")
                                .order_by(Nudge.due_at)).first()
        assert nudge is not None
        nudge_id = nudge.id
    jane.press_value(f"n:{nudge_id}:done")
    assert "every thank-you marked as sent" in jane.last


def test_status_after_the_thank_yous_says_to_wait_until_the_decision_date(bot,
                                                                        jane: Seeker) -> None:
    tell_whole_story(jane)
    _mark_thanks_sent(bot, jane)
    jane.runs("status")

    assert ("Next: wait for their decision — keep your search going (by Fri 27 Nov)."
            in jane.last)


def test_status_after_the_decision_date_says_to_follow_up(bot, jane: Seeker) -> None:
    tell_whole_story(jane)
    _mark_thanks_sent(bot, jane)
    bot[1].advance(timedelta(days=5))  # Saturday 28 Nov
    jane.runs("status")

    assert "Next: follow up: their decision date has passed (by Fri 27 Nov)." in jane.last


def test_status_lists_the_soonest_deadline_first(jane: Seeker) -> None:
    debrief(jane, company="Globex", decision="in two weeks")
    debrief(jane, company="Initech", when="yesterday 10am")
    jane.runs("status")

    assert "2 active applications" in jane.last
    assert jane.last.index("Initech") < jane.last.index("Globex")


def test_a_name_typed_in_lower_case_with_a_title_is_read_into_both(bot, jane: Seeker) -> None:
    jane.runs("debrief")
    jane.answers("Acme", "Data Analyst", "today 10am", "first", "video",
                 "katherine o'neill (head of data)")
    assert jane.last.startswith("Katherine O'Neill's email?")  # the title is not asked again
    jane.answers("skip", "skip", "the churn model", "tom lee, engineering manager", "skip",
                 "skip", "skip", "done")

    slots = recorded(bot[2], jane).conversation
    assert slots is not None
    assert [(p["name"], p.get("title")) for p in slots["interviewers"]] == [
        ("Katherine O'Neill", "head of data"), ("Tom Lee", "engineering manager")]


@pytest.mark.parametrize("typed", ["2", "OK", "OK, use it", "ok"])
def test_an_answer_typed_where_a_name_is_asked_is_questioned_not_stored(bot, jane: Seeker,
                                                                       typed: str) -> None:
    jane.runs("debrief")
    jane.answers("Acme", "Data Analyst", "today 10am", "first", "video", "Tom Lee", "skip",
                 "skip", "skip", "skip")
    assert jane.last.startswith("Got Tom Lee. Anyone else?")
    jane.says(typed)

    expected = "doesn't look like a name" if typed == "2" else "reads like an answer, not a name"
    assert expected in jane.text
    assert "'s job title?" not in jane.last and "'s email?" not in jane.last
    slots = recorded(bot[2], jane).conversation
    assert slots is not None and "current" not in slots
    assert [p["name"] for p in slots["interviewers"]] == ["Tom Lee"]


def test_the_same_person_typed_twice_with_a_title_is_caught(jane: Seeker) -> None:
    jane.runs("debrief")
    jane.answers("Acme", "Data Analyst", "today 10am", "first", "video",
                 "tom lee, engineering manager", "skip", "skip", "skip")
    jane.says("Tom Lee (EM)")
    assert "You already added Tom Lee." in jane.text


# ---- the notes that go into the letters are shown before use when shaping had to guess ---------

def test_a_strength_with_corrected_words_is_shown_as_the_letter_reads_and_ok_keeps_it(
        bot, jane: Seeker) -> None:
    tell_story_until(jane, "Your strongest qualification for this role")
    jane.says("5 yrs of pythn and sql")

    assert ("In your thank-you letters it will read:\n“I believe my experience – five years of "
            "Python and SQL – would allow me to contribute to the team quickly.”") in jane.text
    assert jane.buttons == ["OK, use it"]
    assert "What would you improve next time?" not in jane.text
    jane.presses("OK, use it")
    assert jane.last.startswith("What would you improve next time?")
    for question, answer in STORY[STORY.index(("What would you improve next time?",
                                               "shorter answers")):]:
        assert question in jane.last
        jane.says(answer)
    (interview,) = recorded(bot[2], jane).interviews
    assert interview.strengths == "5 yrs of pythn and sql"
    jane.runs("thanks")
    letter = next(r.draft for r in jane.replies if r.draft is not None)
    assert "I believe my experience – five years of Python and SQL – would allow me" \
        in letter.body


def test_what_was_missed_can_be_typed_again_instead_of_ok(bot, jane: Seeker) -> None:
    tell_story_until(jane, "Anything you missed or wish you had said?")
    jane.says("i forgot to mention my tablaeu certifcation")
    assert "“One thing I did not get to mention is my Tableau certification.”" in jane.text
    jane.says("my Tableau certificate")  # rewritten: shapes without a guess

    assert jane.last.startswith("When do they expect to decide?")
    slots = recorded(bot[2], jane).conversation
    assert slots is not None and slots["missed"] == "my Tableau certificate"
    assert "_note_pending" not in slots


def test_what_went_well_in_two_sentences_shows_the_one_the_letter_keeps(jane: Seeker) -> None:
    tell_story_until(jane, "What went well?")
    jane.says("the SQL exercise. Also the case study at the end")

    assert ("“I was glad we had the chance to discuss the SQL exercise, and I hope it gave you "
            "a clear picture of how I would approach the work.”") in jane.text


def test_a_note_that_shapes_cleanly_or_says_nothing_is_taken_without_a_question(
        bot, jane: Seeker) -> None:
    tell_story_until(jane, "Anything you missed or wish you had said?")
    jane.says("nothing really")
    assert jane.last.startswith("When do they expect to decide?")
    slots = recorded(bot[2], jane).conversation
    assert slots is not None and slots["missed"] == "nothing really"


def test_an_ok_waiting_for_one_note_never_lands_in_another(bot, jane: Seeker) -> None:
    tell_story_until(jane, "What went well?")
    jane.says("the sql excercise")
    assert "it will read" in jane.text
    jane.says("skip")  # the guess is not approved: went_well stays empty
    assert "Your strongest qualification for this role" in jane.last
    jane.says("ok")

    slots = recorded(bot[2], jane).conversation
    assert slots is not None
    assert slots["went_well"] == "" and slots["strengths"] == "ok"


def test_back_after_ok_asks_the_note_again(bot, jane: Seeker) -> None:
    tell_story_until(jane, "What went well?")
    jane.says("the sql excercise")
    jane.presses("OK, use it")
    assert "Your strongest qualification for this role" in jane.last
    jane.says("back")

    assert jane.last.startswith("What went well?")
    slots = recorded(bot[2], jane).conversation
    assert slots is not None and "went_well" not in slots
