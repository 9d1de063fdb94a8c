"""The rules every conversation follows: back, skip, cancel and help at any question; bad input
re-asked without losing answers; a restart or a reply days later resumes where the user was;
commands in the middle of a flow; pause and resume."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bot.clock import FixedClock
from bot.conversation.engine import Engine
from storage.db import Database
from storage.models import Nudge
from storage.repository import Repository
from tests.story import Seeker, debrief, make_engine, onboard

MONDAY_1130 = datetime(2026, 11, 23, 11, 30, tzinfo=UTC)
COMPANY_PROMPT = "Which company was it with?"
ROLE_PROMPT = "What's the role?"
WHEN_PROMPT = "When was the interview?"
ROUND_PROMPT = "Which round was it?"
FORMAT_PROMPT = "How was it held?"


@pytest.fixture(scope="module")
def migrated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One SQLite file, migrated and with Jane onboarded once; each test gets its own copy."""
    path = tmp_path_factory.mktemp("template") / "afterview.db"
    engine, _clock, database = make_engine(f"sqlite:///{path}", MONDAY_1130)
    onboard(Seeker(engine))  # Jane Doe, London, reminders at 09:00, quiet 21–08
    database.dispose()
    return path


@pytest.fixture
def url(migrated: Path, tmp_path: Path) -> str:
    shutil.copyfile(migrated, tmp_path / "afterview.db")
    return f"sqlite:///{tmp_path / 'afterview.db'}"


@pytest.fixture
def bot(url: str) -> Iterator[tuple[Engine, FixedClock, Database]]:
    engine, clock, database = make_engine(url, MONDAY_1130)
    yield engine, clock, database
    database.dispose()


@pytest.fixture
def jane(bot: tuple[Engine, FixedClock, Database]) -> Seeker:
    return Seeker(bot[0])  # onboarded in the template


def state_of(database: Database, seeker: Seeker) -> tuple[str, str, dict[str, Any]] | None:
    """(flow, step, slots) of the user's conversation as stored, or None outside a flow."""
    with database.session() as session:
        repo = Repository.for_key(session, seeker.key.platform, seeker.key.workspace,
                                  seeker.key.user_id, create=False)
        assert repo is not None
        row = repo.conversation()
        return None if row is None else (row.flow, row.step, dict(row.slots))


def companies(database: Database, seeker: Seeker) -> list[str]:
    with database.session() as session:
        repo = Repository.for_key(session, seeker.key.platform, seeker.key.workspace,
                                  seeker.key.user_id, create=False)
        assert repo is not None
        return sorted(a.company for a in repo.applications())


def start_debrief(seeker: Seeker, *answers: str) -> None:
    seeker.runs("debrief")
    seeker.answers(*answers)


# ---- back ----------------------------------------------------------------------------------------

def test_back_on_the_first_question_says_there_is_nothing_to_go_back_to(jane: Seeker) -> None:
    jane.runs("debrief")
    jane.says("back")

    assert "This is the first question — nothing to go back to." in jane.text
    assert COMPANY_PROMPT in jane.last


def test_back_reasks_the_previous_question_and_forgets_only_that_answer(bot,
                                                                      jane: Seeker) -> None:
    start_debrief(jane, "Acme Corp", "Data Analyst", "today 11am")
    jane.says("back")

    assert WHEN_PROMPT in jane.last
    state = state_of(bot[2], jane)
    assert state is not None
    assert "when" not in state[2]
    assert (state[2]["company"], state[2]["role"]) == ("Acme Corp", "Data Analyst")


def test_back_twice_then_new_answers_replace_the_old_ones(bot, jane: Seeker) -> None:
    start_debrief(jane, "Acme Corp", "Data Analyst", "today 11am", "first")
    jane.answers("back", "back")
    assert WHEN_PROMPT in jane.last

    jane.answers("yesterday 4pm", "second")

    assert FORMAT_PROMPT in jane.last
    state = state_of(bot[2], jane)
    assert state is not None
    slots = state[2]
    assert (slots["company"], slots["role"], slots["round"]) == ("Acme Corp", "Data Analyst",
                                                                "second")
    assert datetime.fromisoformat(slots["when"]) == datetime(2026, 11, 22, 16, 0, tzinfo=UTC)


@pytest.mark.parametrize("word", ["back", "Go back", "undo", "PREVIOUS"])
def test_every_way_of_saying_back_goes_back(jane: Seeker, word: str) -> None:
    start_debrief(jane, "Acme Corp")
    jane.says(word)

    assert COMPANY_PROMPT in jane.last


# ---- skip ----------------------------------------------------------------------------------------

def test_skip_on_a_required_question_is_refused_and_the_question_repeats(jane: Seeker) -> None:
    start_debrief(jane, "Acme Corp")
    jane.says("skip")

    assert "This one can't be skipped — I need it to help you later." in jane.text
    assert ROLE_PROMPT in jane.last


def test_skip_on_an_optional_question_moves_on_and_leaves_it_empty(bot, jane: Seeker) -> None:
    start_debrief(jane, "Acme Corp", "Data Analyst", "today 11am", "first", "video",
                  "Priya Raman")
    jane.says("skip")

    assert "Priya Raman's email?" in jane.last
    state = state_of(bot[2], jane)
    assert state is not None and state[2]["current"] == {"name": "Priya Raman", "title": ""}


def test_the_skip_button_skips_too(jane: Seeker) -> None:
    start_debrief(jane, "Acme Corp", "Data Analyst", "today 11am", "first", "video",
                  "Priya Raman")
    jane.presses("Skip")

    assert "Priya Raman's email?" in jane.last


# ---- help ----------------------------------------------------------------------------------------

def test_help_inside_a_question_explains_it_and_asks_again(jane: Seeker) -> None:
    start_debrief(jane, "Acme Corp", "Data Analyst")
    jane.says("help")

    assert "A day and time, like “today 11am”, “yesterday”, “Dec 5 2pm”." in jane.text
    assert "You can also say “back” to change the previous answer or “cancel” to stop." \
        in jane.text
    assert WHEN_PROMPT in jane.last


def test_help_on_an_optional_question_says_it_can_be_skipped(jane: Seeker) -> None:
    start_debrief(jane, "Acme Corp", "Data Analyst", "today 11am", "first", "video",
                  "Priya Raman")
    jane.says("?")

    assert "This one is optional: “skip” leaves it out." in jane.text
    assert "Priya Raman's job title?" in jane.last


def test_help_outside_a_flow_lists_every_command(jane: Seeker) -> None:
    jane.runs("help")

    for word in ("start", "debrief (or new)", "status", "settings", "pause", "resume", "help",
                 "cancel"):
        assert f"• {word} — " in jane.last, word
    assert jane.buttons == ["Record an interview", "My pipeline"]


def test_the_help_command_in_a_flow_lists_commands_then_asks_the_question_again(
    jane: Seeker,
) -> None:
    start_debrief(jane, "Acme Corp")
    jane.runs("help")

    assert "• debrief (or new) — record an interview you just had" in jane.text
    # the question again in one line (issue 12), its buttons with it
    assert jane.last == f"(We're still recording your interview at Acme Corp. {ROLE_PROMPT})"


# ---- cancel --------------------------------------------------------------------------------------

def test_cancel_outside_a_flow_says_there_is_nothing_to_cancel(jane: Seeker) -> None:
    jane.runs("cancel")

    assert jane.last == "Nothing to cancel — we weren't in the middle of anything."


def test_typing_cancel_outside_a_flow_says_there_is_nothing_to_cancel(jane: Seeker) -> None:
    jane.says("cancel")

    assert jane.last == "Nothing to cancel — we weren't in the middle of anything."


@pytest.mark.parametrize("word", ["cancel", "Quit", "abort", "/cancel"])
def test_every_way_of_saying_cancel_ends_the_debrief(bot, jane: Seeker, word: str) -> None:
    start_debrief(jane, "Acme Corp", "Data Analyst")
    jane.says(word)

    assert "Cancelled — nothing from this debrief was saved." in jane.last
    assert state_of(bot[2], jane) is None


def test_cancelling_a_debrief_keeps_interviews_recorded_before(bot, jane: Seeker) -> None:
    debrief(jane, company="Globex")
    start_debrief(jane, "Initech", "Engineer", "today 9am")
    jane.runs("cancel")

    assert companies(bot[2], jane) == ["Globex"]


# ---- bad input -----------------------------------------------------------------------------------

def test_after_a_bad_date_a_good_one_continues_with_the_next_question(bot,
                                                                    jane: Seeker) -> None:
    start_debrief(jane, "Acme Corp", "Data Analyst")
    jane.says("the day after the party")
    assert WHEN_PROMPT in jane.last

    jane.says("today 10am")

    assert ROUND_PROMPT in jane.last
    state = state_of(bot[2], jane)
    assert state is not None and state[2]["company"] == "Acme Corp"


def test_a_message_of_only_control_characters_counts_as_empty(jane: Seeker) -> None:
    start_debrief(jane, "Acme Corp")
    jane.says("\x00\x07\x1b")

    assert "Please type an answer" in jane.text
    assert ROLE_PROMPT in jane.last


def test_a_message_that_is_too_long_changes_nothing(bot, jane: Seeker) -> None:
    start_debrief(jane, "Acme Corp")
    before = state_of(bot[2], jane)
    jane.says("x" * 5000)

    assert "That message is too long for me (5000 characters)" in jane.last
    assert state_of(bot[2], jane) == before


def test_an_answer_too_long_for_the_question_is_re_asked(jane: Seeker) -> None:
    start_debrief(jane, "Acme Corp")
    jane.says("Chief " * 60)

    assert "That's long for a role — please keep it under 200 characters." in jane.text
    assert ROLE_PROMPT in jane.last


def test_a_sentence_the_bot_does_not_understand_outside_a_flow_gets_the_menu(
    jane: Seeker,
) -> None:
    jane.says("what's the weather like")

    assert jane.last.startswith("I'm not sure what you mean — nothing changed.")
    assert len(jane.buttons) == 3 and "Record an interview" in jane.buttons


def test_pressing_a_button_of_a_finished_conversation_is_explained(jane: Seeker) -> None:
    jane.press_value("video")

    assert jane.last.startswith("That button belongs to a conversation that has already ended")


def test_an_unknown_command_is_named_in_the_answer(jane: Seeker) -> None:
    jane.runs("nonsense")

    assert jane.last.startswith("I don't know the command “nonsense”.")


# ---- resume after a restart ---------------------------------------------------------------------

def test_a_debrief_continues_after_the_bot_restarts(url: str, bot, jane: Seeker) -> None:
    start_debrief(jane, "Acme Corp", "Data Analyst", "today 11am", "first", "video",
                  "Priya Raman", "skip", "skip", "skip", "skip")
    bot[2].dispose()

    engine, _clock, database = make_engine(url, MONDAY_1130 + timedelta(minutes=5))
    jane.engine = engine
    jane.says("Tom O'Neil")
    assert "Tom O'Neil's job title?" in jane.last
    jane.answers("skip", "skip", "skip", "skip", "done", "4", "skip", "skip", "skip", "skip",
                 "skip", "next Friday", "skip", "skip")

    assert "• Interviewers: Priya Raman and Tom O'Neil" in jane.last
    assert companies(database, jane) == ["Acme Corp"]
    database.dispose()


def test_onboarding_continues_after_the_bot_restarts(url: str, bot) -> None:
    newcomer = Seeker(bot[0], user_id="sam")
    newcomer.says("hi")
    newcomer.answers("Sam Lee", "sam@example.com")
    bot[2].dispose()

    engine, _clock, database = make_engine(url, MONDAY_1130)
    newcomer.engine = engine
    newcomer.answers("Paris", "skip", "skip")

    assert "All set, Sam!" in newcomer.last
    assert "• Signature line: sam@example.com" in newcomer.last
    database.dispose()


def test_every_step_is_stored_so_a_restart_loses_nothing(url: str, bot, jane: Seeker) -> None:
    start_debrief(jane, "Acme Corp", "Data Analyst", "today 11am")
    bot[2].dispose()

    database = Database(url)
    state = state_of(database, jane)
    database.dispose()
    assert state is not None
    flow, step, slots = state
    assert (flow, step, slots["company"], slots["role"]) == ("debrief", "round", "Acme Corp",
                                                             "Data Analyst")


# ---- a reply days later ------------------------------------------------------------------------

def interrupted_for_three_days(bot, jane: Seeker) -> None:
    start_debrief(jane, "Acme Corp", "Data Analyst", "today 11am")
    bot[1].advance(timedelta(days=3))
    jane.says("second")


def test_a_debrief_interrupted_for_three_days_offers_to_continue(bot, jane: Seeker) -> None:
    interrupted_for_three_days(bot, jane)

    assert jane.last == ("Welcome back! We were recording your interview at Acme Corp. "
                         "Continue where we left off?")
    assert jane.buttons == ["Continue", "Start over", "Drop it"]


def test_continue_after_three_days_asks_the_question_where_it_stopped(bot,
                                                                    jane: Seeker) -> None:
    interrupted_for_three_days(bot, jane)
    jane.presses("Continue")

    assert ROUND_PROMPT in jane.last
    state = state_of(bot[2], jane)
    assert state is not None and state[2]["role"] == "Data Analyst"


def test_typing_yes_after_three_days_continues_too(bot, jane: Seeker) -> None:
    interrupted_for_three_days(bot, jane)
    jane.says("yes")
    jane.says("second")

    assert FORMAT_PROMPT in jane.last


def test_start_over_after_three_days_begins_a_fresh_debrief(bot, jane: Seeker) -> None:
    interrupted_for_three_days(bot, jane)
    jane.presses("Start over")

    assert COMPANY_PROMPT in jane.last
    state = state_of(bot[2], jane)
    assert state is not None and "company" not in state[2]


def test_drop_it_after_three_days_cancels_the_debrief(bot, jane: Seeker) -> None:
    interrupted_for_three_days(bot, jane)
    jane.presses("Drop it")

    assert "Cancelled — nothing from this debrief was saved." in jane.last
    assert state_of(bot[2], jane) is None


def test_cancel_after_three_days_cancels_without_a_welcome_back(bot, jane: Seeker) -> None:
    start_debrief(jane, "Acme Corp")
    bot[1].advance(timedelta(days=3))
    jane.says("cancel")

    assert "Cancelled" in jane.last
    assert state_of(bot[2], jane) is None


def test_a_reply_an_hour_later_just_continues(bot, jane: Seeker) -> None:
    start_debrief(jane, "Acme Corp", "Data Analyst", "today 11am")
    bot[1].advance(timedelta(hours=1))
    jane.says("second")

    assert FORMAT_PROMPT in jane.last


def test_a_stale_button_press_also_gets_the_welcome_back(bot, jane: Seeker) -> None:
    start_debrief(jane, "Acme Corp", "Data Analyst", "today 11am")
    bot[1].advance(timedelta(days=3))
    jane.presses("Second")

    assert jane.last.startswith("Welcome back!")


def test_an_interrupted_onboarding_is_described_as_setting_up_the_profile(bot) -> None:
    newcomer = Seeker(bot[0], user_id="sam")
    newcomer.says("hi")
    newcomer.says("Sam Lee")
    bot[1].advance(timedelta(days=2))
    newcomer.says("sam@example.com")

    assert "We were setting up your profile." in newcomer.last


# ---- commands in the middle of a flow ------------------------------------------------------------

def test_status_in_the_middle_of_a_debrief_shows_the_pipeline_then_the_question(
    jane: Seeker,
) -> None:
    debrief(jane, company="Globex")
    start_debrief(jane, "Acme Corp")
    jane.runs("status")

    assert "• Globex — Data Analyst: interviewing." in jane.text
    # the question again in one line (issue 12), its buttons with it
    assert jane.last == f"(We're still recording your interview at Acme Corp. {ROLE_PROMPT})"


def test_a_slash_command_typed_in_a_flow_is_a_command_not_an_answer(bot, jane: Seeker) -> None:
    start_debrief(jane, "Acme Corp")
    jane.says("/status")

    assert "Your pipeline is empty." in jane.text
    assert ROLE_PROMPT in jane.last
    state = state_of(bot[2], jane)
    assert state is not None and "role" not in state[2]


def test_debrief_in_the_middle_of_a_debrief_asks_before_starting_again(jane: Seeker) -> None:
    start_debrief(jane, "Acme Corp")
    jane.runs("debrief")

    assert jane.last == ("We're in the middle of recording your interview at Acme Corp. "
                         "Continue, or start a new one?")
    assert jane.buttons == ["Continue", "Start a new one"]


def test_continue_keeps_the_debrief_in_progress(bot, jane: Seeker) -> None:
    start_debrief(jane, "Acme Corp")
    jane.runs("new")
    jane.presses("Continue")

    assert ROLE_PROMPT in jane.last
    state = state_of(bot[2], jane)
    assert state is not None and state[2]["company"] == "Acme Corp"


def test_start_a_new_one_replaces_the_debrief_in_progress(bot, jane: Seeker) -> None:
    start_debrief(jane, "Acme Corp")
    jane.runs("debrief")
    jane.presses("Start a new one")

    assert COMPANY_PROMPT in jane.last
    state = state_of(bot[2], jane)
    assert state is not None and "company" not in state[2]


def test_settings_in_the_middle_of_a_debrief_offers_to_drop_it(bot, jane: Seeker) -> None:
    start_debrief(jane, "Acme Corp")
    jane.runs("settings")
    assert "Continue, or drop it and change your name, signature, time zone or reminder hours?" \
        in jane.last

    jane.presses("Drop it")

    assert "What would you like to change?" in jane.last
    state = state_of(bot[2], jane)
    assert state is not None and state[0] == "settings"


def test_pause_in_the_middle_of_a_debrief_pauses_and_asks_the_question_again(
    jane: Seeker,
) -> None:
    start_debrief(jane, "Acme Corp")
    jane.runs("pause")

    assert "Reminders paused." in jane.text
    assert ROLE_PROMPT in jane.last


# ---- pause and resume ----------------------------------------------------------------------------

def open_nudges(database: Database) -> dict[str, str]:
    with database.session() as session:
        return {f"{n.kind}@{n.due_at:%d %H:%M}": n.state for n in session.scalars(select(Nudge))}


def test_pause_stops_every_pending_reminder(bot, jane: Seeker) -> None:
    debrief(jane)
    assert "pending" in open_nudges(bot[2]).values()
    jane.runs("pause")

    assert jane.last.startswith("Reminders paused. Your data stays as it is")
    assert jane.buttons == ["Resume reminders"]
    assert "pending" not in open_nudges(bot[2]).values()


def test_resume_brings_the_reminders_back(bot, jane: Seeker) -> None:
    debrief(jane)
    planned = open_nudges(bot[2])
    jane.runs("pause")
    jane.presses("Resume reminders")

    assert jane.last.startswith("Reminders are back on.")
    assert open_nudges(bot[2]) == planned


def test_paused_reminders_show_in_settings(jane: Seeker) -> None:
    jane.runs("pause")
    jane.runs("settings")

    assert "• Reminders: paused" in jane.last


# ---- forged buttons and newcomers ----------------------------------------------------------------

def test_a_forged_drop_button_for_an_unknown_command_keeps_the_debrief(bot,
                                                                      jane: Seeker) -> None:
    start_debrief(jane, "Acme Corp", "Data Analyst")
    jane.press_value("flow:drop:xyz")

    assert "That question has moved on — nothing changed." in jane.text
    assert WHEN_PROMPT in jane.last
    state = state_of(bot[2], jane)
    assert state is not None and state[2]["role"] == "Data Analyst"


def test_after_cancelling_onboarding_typing_status_shows_the_pipeline(bot) -> None:
    newcomer = Seeker(bot[0], user_id="sam")
    newcomer.says("hi")
    newcomer.says("cancel")
    newcomer.says("status")

    assert "Your pipeline is empty." in newcomer.last


def test_a_newcomer_typing_help_gets_the_commands_not_a_questionnaire(bot) -> None:
    newcomer = Seeker(bot[0], user_id="sam")
    newcomer.says("help")

    assert "• debrief (or new) — record an interview you just had" in newcomer.last
    assert state_of(bot[2], newcomer) is None


def test_a_newcomer_can_debrief_before_setting_up_a_profile(bot) -> None:
    newcomer = Seeker(bot[0], user_id="sam")
    newcomer.says("debrief")

    assert COMPANY_PROMPT in newcomer.last


# ---- command words and answers -------------------------------------------------------------------

def test_typing_status_in_the_middle_of_a_debrief_shows_the_pipeline_and_asks_again(
        bot, jane: Seeker) -> None:
    start_debrief(jane, "Acme Corp", "Data Analyst")
    jane.says("status")

    assert "Your pipeline" in jane.text
    assert "When was the interview?" in jane.last
    assert state_of(bot[2], jane)[2]["role"] == "Data Analyst"


def test_a_command_word_that_cannot_be_the_answer_runs_the_command(bot, jane: Seeker) -> None:
    start_debrief(jane, "Acme Corp", "Data Analyst")
    jane.says("settings")  # not a date: the user wants their settings

    assert "We're in the middle of recording your interview at Acme Corp" in jane.text
    assert "Continue" in jane.buttons


def test_an_unknown_command_in_the_middle_of_a_debrief_repeats_the_question(
        bot, jane: Seeker) -> None:
    start_debrief(jane, "Acme Corp", "Data Analyst")
    jane.says("/frobnicate")

    assert "I don't know the command “frobnicate”" in jane.text
    assert "When was the interview?" in jane.last


def test_an_old_drop_button_pressed_after_answering_keeps_the_debrief(bot, jane: Seeker) -> None:
    start_debrief(jane, "Acme Corp")
    jane.runs("start now")
    assert "Drop it" in jane.buttons
    jane.answers("Data Analyst")  # the user answers instead of pressing
    jane.press_value("flow:drop:start now")

    assert "That question has moved on — nothing changed." in jane.text
    state = state_of(bot[2], jane)
    assert state is not None and state[2]["role"] == "Data Analyst"


def test_a_command_typed_instead_of_continue_runs_and_is_not_stored_as_an_answer(
        bot, jane: Seeker) -> None:
    start_debrief(jane, "Acme Corp")
    bot[1].advance(timedelta(days=3))
    jane.says("status")
    assert "Continue where we left off?" in jane.text
    jane.says("settings")

    assert "We're in the middle of recording your interview at Acme Corp" in jane.text
    state = state_of(bot[2], jane)
    assert state is not None and "role" not in state[2]
