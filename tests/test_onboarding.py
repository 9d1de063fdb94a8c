"""Onboarding (`start`) and `settings`: a new job seeker tells Afterview who they are, how to
sign letters and when reminders may arrive — every step, its defaults, skips and mistakes."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.clock import FixedClock
from bot.conversation.engine import Engine
from storage.db import Database
from storage.models import Nudge, User
from storage.repository import Repository
from tests.story import Seeker, debrief, make_engine, onboard

MONDAY_1130 = datetime(2026, 11, 23, 11, 30, tzinfo=UTC)

NAME_PROMPT = "What name should I use to sign your letters?"
SIGNATURE_PROMPT = "Your contact line for the signature"
TIMEZONE_PROMPT = "Which city or time zone are you in?"
HOUR_PROMPT = "At what hour should morning reminders arrive?"
QUIET_PROMPT = "Quiet hours — when should I never message you?"


@pytest.fixture(scope="module")
def migrated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One SQLite file migrated once; each test gets its own copy (migrating takes ~0.3 s)."""
    path = tmp_path_factory.mktemp("template") / "afterview.db"
    Database(f"sqlite:///{path}").dispose()
    return path


@pytest.fixture
def bot(migrated: Path, tmp_path: Path) -> Iterator[tuple[Engine, FixedClock, Database]]:
    shutil.copyfile(migrated, tmp_path / "afterview.db")
    engine, clock, database = make_engine(f"sqlite:///{tmp_path / 'afterview.db'}", MONDAY_1130)
    yield engine, clock, database
    database.dispose()


@pytest.fixture
def jane(bot: tuple[Engine, FixedClock, Database]) -> Seeker:
    return Seeker(bot[0])


def stored_user(database: Database, seeker: Seeker) -> User:
    with database.session() as session:
        repo = Repository.for_key(session, *_key(seeker), create=False)
        assert repo is not None, "the user row should exist after the first message"
        return repo.user


def conversation_slots(database: Database, seeker: Seeker) -> dict:
    with database.session() as session:
        repo = Repository.for_key(session, *_key(seeker), create=False)
        assert repo is not None
        state = repo.conversation()
        assert state is not None, "expected the user to be in the middle of a flow"
        return dict(state.slots)


def _key(seeker: Seeker) -> tuple[str, str, str]:
    return seeker.key.platform, seeker.key.workspace, seeker.key.user_id


def onboard_until(seeker: Seeker, prompt: str) -> None:
    """Say hello and answer the onboarding questions until `prompt` is asked."""
    seeker.says("hello")
    answers = iter(("Jane Doe", "jane.doe@example.com · +44 7700 900123", "London", "9"))
    while prompt not in seeker.last:
        seeker.says(next(answers))


def finish_with(seeker: Seeker, *answers: str) -> None:
    seeker.answers(*answers)
    assert "All set" in seeker.text, seeker.text


# ---- the path through onboarding ----------------------------------------------------------------

def test_a_first_hello_introduces_afterview_and_asks_for_the_name(jane: Seeker) -> None:
    jane.says("hello")

    assert "I'm Afterview" in jane.replies[0].text
    assert "thank-you letters" in jane.replies[0].text
    assert NAME_PROMPT in jane.last


def test_start_from_a_newcomer_greets_and_asks_for_the_name(jane: Seeker) -> None:
    jane.runs("start")

    assert "I'm Afterview" in jane.replies[0].text
    assert NAME_PROMPT in jane.last


def test_a_deep_link_payload_after_start_is_not_taken_as_the_name(bot, jane: Seeker) -> None:
    jane.runs("start", "campaign-42")

    assert NAME_PROMPT in jane.last
    assert "name" not in conversation_slots(bot[2], jane)


def test_onboarding_asks_name_signature_timezone_hour_and_quiet_hours_in_order(
    jane: Seeker,
) -> None:
    asked = []
    jane.says("hello")
    for answer in ("Jane Doe", "jane.doe@example.com", "London", "9", "21-8"):
        asked.append(jane.last)
        jane.says(answer)

    expected = [NAME_PROMPT, SIGNATURE_PROMPT, TIMEZONE_PROMPT, HOUR_PROMPT, QUIET_PROMPT]
    assert [p for p, prompt in zip(expected, asked, strict=True) if p in prompt] == expected
    assert "All set, Jane!" in jane.last


def test_news_or_a_greeting_during_setup_is_not_taken_for_an_answer(bot, jane: Seeker) -> None:
    """"acme said no" at the name question had become the name "Acme Said No"."""
    onboard_until(jane, NAME_PROMPT)
    jane.says("acme said no")
    assert jane.text.startswith("That sounds like news about Acme")
    assert "tell me again: “acme said no”" in jane.text
    assert NAME_PROMPT in jane.last
    jane.says("Jane Doe")
    jane.says("just had an interview at globex")
    assert "news about Globex" in jane.text and SIGNATURE_PROMPT in jane.last
    jane.says("hello")
    assert jane.text.startswith("Hi") and "setting up your profile" in jane.text
    finish_with(jane, "skip", "skip", "skip", "skip")

    assert stored_user(bot[2], jane).display_name == "Jane Doe"
    assert "All set, Jane!" in jane.last


def test_the_name_lands_in_the_profile_exactly_as_typed(bot, jane: Seeker) -> None:
    onboard_until(jane, NAME_PROMPT)
    jane.says("  Zoë   O'Brien-Łukasz ")
    finish_with(jane, "skip", "skip", "skip", "skip")

    assert stored_user(bot[2], jane).display_name == "Zoë O'Brien-Łukasz"


def test_a_name_typed_in_lower_case_is_written_as_it_signs_letters(bot, jane: Seeker) -> None:
    onboard_until(jane, NAME_PROMPT)
    jane.says("maya mcdonald")
    finish_with(jane, "skip", "skip", "skip", "skip")

    assert stored_user(bot[2], jane).display_name == "Maya McDonald"


def test_the_signature_line_lands_in_the_profile(bot, jane: Seeker) -> None:
    onboard_until(jane, SIGNATURE_PROMPT)
    jane.says("jane.doe@example.com · +44 7700 900123 · linkedin.com/in/janedoe")
    finish_with(jane, "skip", "skip", "skip")

    user = stored_user(bot[2], jane)
    assert user.signature == "jane.doe@example.com · +44 7700 900123 · linkedin.com/in/janedoe"


@pytest.mark.parametrize(("typed", "zone"), [
    ("London", "Europe/London"), ("berlin", "Europe/Berlin"), ("New York", "America/New_York"),
    ("UTC+2", "UTC+02:00"),
])
def test_the_time_zone_is_understood_from_a_city_or_an_offset(bot, jane: Seeker, typed: str,
                                                               zone: str) -> None:
    onboard_until(jane, TIMEZONE_PROMPT)
    jane.says(typed)
    finish_with(jane, "skip", "skip")

    assert stored_user(bot[2], jane).timezone == zone


@pytest.mark.parametrize(("typed", "hour"), [("7am", 7), ("18:00", 18), ("10", 10)])
def test_the_reminder_hour_lands_in_the_profile(bot, jane: Seeker, typed: str, hour: int) -> None:
    onboard_until(jane, HOUR_PROMPT)
    jane.says(typed)
    finish_with(jane, "skip")

    assert stored_user(bot[2], jane).nudge_hour == hour


def test_the_reminder_hour_can_be_picked_with_a_button(bot, jane: Seeker) -> None:
    onboard_until(jane, HOUR_PROMPT)
    assert jane.buttons[:3] == ["08:00", "09:00", "10:00"]
    jane.presses("08:00")
    finish_with(jane, "skip")

    assert stored_user(bot[2], jane).nudge_hour == 8


@pytest.mark.parametrize(("typed", "window"), [
    ("22-7", (22, 7)), ("10pm to 7am", (22, 7)), ("none", (None, None)),
])
def test_quiet_hours_land_in_the_profile(bot, jane: Seeker, typed: str,
                                         window: tuple[int | None, int | None]) -> None:
    onboard_until(jane, QUIET_PROMPT)
    finish_with(jane, typed)

    user = stored_user(bot[2], jane)
    assert (user.quiet_start, user.quiet_end) == window


def test_finishing_onboarding_marks_the_user_onboarded_and_shows_the_settings(bot,
                                                                            jane: Seeker) -> None:
    onboard(jane)

    assert stored_user(bot[2], jane).onboarded
    assert "• Name: Jane Doe" in jane.last
    assert "• Time zone: Europe/London" in jane.last
    assert "• Quiet hours: 21:00–08:00" in jane.last
    assert "Record an interview" in jane.buttons


def test_after_onboarding_the_conversation_is_closed(bot, jane: Seeker) -> None:
    onboard(jane)

    with bot[2].session() as session:
        repo = Repository.for_key(session, *_key(jane), create=False)
        assert repo is not None and repo.conversation() is None


# ---- defaults and skips -------------------------------------------------------------------------

def test_skipping_everything_optional_keeps_sensible_defaults(bot, jane: Seeker) -> None:
    onboard_until(jane, NAME_PROMPT)
    jane.says("Jane Doe")
    finish_with(jane, "skip", "skip", "skip", "skip")

    user = stored_user(bot[2], jane)
    assert (user.signature, user.timezone, user.nudge_hour) == ("", "UTC", 9)
    assert (user.quiet_start, user.quiet_end) == (21, 8)


def test_the_name_cannot_be_skipped(bot, jane: Seeker) -> None:
    onboard_until(jane, NAME_PROMPT)
    jane.says("skip")

    assert "can't be skipped" in jane.text
    assert NAME_PROMPT in jane.last


def test_optional_steps_offer_a_skip_button(jane: Seeker) -> None:
    onboard_until(jane, SIGNATURE_PROMPT)

    assert "Skip" in jane.buttons


def test_the_display_name_known_from_the_platform_is_offered_as_a_button(bot) -> None:
    telegram_jane = Seeker(bot[0], user_id="42", platform="telegram", workspace="",
                           display_name="Jane Doe")
    telegram_jane.says("hi")
    assert telegram_jane.buttons == ["Jane Doe"]

    telegram_jane.presses("Jane Doe")

    assert SIGNATURE_PROMPT in telegram_jane.last
    assert conversation_slots(bot[2], telegram_jane)["name"] == "Jane Doe"


# ---- mistakes are re-asked, nothing is lost ------------------------------------------------------

@pytest.mark.parametrize(("typed", "message"), [
    ("   ", "Please type an answer"),
    ("!!!", "I need a name with at least one letter"),
    ("x" * 130, "longer than a name usually is"),
])
def test_a_bad_name_is_refused_with_a_specific_message(jane: Seeker, typed: str,
                                                      message: str) -> None:
    onboard_until(jane, NAME_PROMPT)
    jane.says(typed)

    assert message in jane.text
    assert NAME_PROMPT in jane.last


def test_a_signature_without_email_or_phone_is_re_asked_and_the_name_is_kept(bot,
                                                                          jane: Seeker) -> None:
    onboard_until(jane, SIGNATURE_PROMPT)
    jane.says("just me")

    assert "include your email or phone" in jane.text
    assert SIGNATURE_PROMPT in jane.last
    assert conversation_slots(bot[2], jane)["name"] == "Jane Doe"


def test_an_unknown_time_zone_is_re_asked_and_earlier_answers_are_kept(bot,
                                                                     jane: Seeker) -> None:
    onboard_until(jane, TIMEZONE_PROMPT)
    jane.says("Narnia")

    assert "I don't know the time zone “Narnia”" in jane.text
    assert TIMEZONE_PROMPT in jane.last
    slots = conversation_slots(bot[2], jane)
    assert slots["name"] == "Jane Doe"
    assert slots["signature"] == "jane.doe@example.com · +44 7700 900123"


def test_an_impossible_hour_is_re_asked(jane: Seeker) -> None:
    onboard_until(jane, HOUR_PROMPT)
    jane.says("25")

    assert "“25”" in jane.text
    assert HOUR_PROMPT in jane.last


def test_unreadable_quiet_hours_are_re_asked_and_the_hour_is_kept(bot, jane: Seeker) -> None:
    onboard_until(jane, QUIET_PROMPT)
    jane.says("whenever")

    assert "I couldn't read “whenever” as quiet hours" in jane.text
    assert QUIET_PROMPT in jane.last
    assert conversation_slots(bot[2], jane)["nudge_hour"] == 9


# ---- back, help and cancel during onboarding -----------------------------------------------------

def test_back_returns_to_the_name_and_a_corrected_name_is_the_one_saved(bot,
                                                                      jane: Seeker) -> None:
    onboard_until(jane, SIGNATURE_PROMPT)
    jane.says("back")
    assert NAME_PROMPT in jane.last

    jane.says("Janet Doe")
    finish_with(jane, "skip", "skip", "skip", "skip")

    assert stored_user(bot[2], jane).display_name == "Janet Doe"


def test_back_from_quiet_hours_reasks_the_reminder_hour_and_keeps_the_time_zone(
    bot, jane: Seeker,
) -> None:
    onboard_until(jane, QUIET_PROMPT)
    jane.says("back")

    assert HOUR_PROMPT in jane.last
    slots = conversation_slots(bot[2], jane)
    assert "nudge_hour" not in slots
    assert slots["timezone"] == "Europe/London"


def test_help_during_onboarding_explains_the_current_question(jane: Seeker) -> None:
    onboard_until(jane, TIMEZONE_PROMPT)
    jane.says("help")

    assert "A city name or a UTC offset" in jane.text
    assert "optional" in jane.text
    assert TIMEZONE_PROMPT in jane.last


def test_cancelling_onboarding_changes_nothing(bot, jane: Seeker) -> None:
    onboard_until(jane, TIMEZONE_PROMPT)
    jane.says("cancel")

    assert "we can finish setting up any time with “start”" in jane.last
    user = stored_user(bot[2], jane)
    assert (user.onboarded, user.display_name, user.signature) == (False, "", "")


def test_start_runs_onboarding_again_to_redo_the_profile(bot, jane: Seeker) -> None:
    onboard(jane)
    jane.runs("start")
    assert NAME_PROMPT in jane.last

    finish_with(jane, "Jane Q. Doe", "skip", "skip", "skip", "skip")

    user = stored_user(bot[2], jane)
    assert user.display_name == "Jane Q. Doe"
    assert user.timezone == "Europe/London"  # skipped: kept from the first onboarding


# ---- settings ------------------------------------------------------------------------------------

SETTINGS_CHANGES = [
    ("Name", "Janet Doe", "display_name", "Janet Doe"),
    ("Signature line", "janet@example.org · +1 555 010 2030", "signature",
     "janet@example.org · +1 555 010 2030"),
    ("Time zone", "Tokyo", "timezone", "Asia/Tokyo"),
    ("Reminder hour", "7am", "nudge_hour", 7),
    ("Quiet hours", "23-6", "quiet_start", 23),
    ("Check-ins", "5", "ghost_after", 5),
]


@pytest.mark.parametrize(("label", "answer", "field", "value"), SETTINGS_CHANGES,
                         ids=[c[0] for c in SETTINGS_CHANGES])
def test_settings_change_one_field_and_keep_the_others(bot, jane: Seeker, label: str,
                                                       answer: str, field: str,
                                                       value: object) -> None:
    onboard(jane)
    before = stored_user(bot[2], jane)
    jane.runs("settings")
    jane.presses(label)
    jane.says(answer)

    assert "Saved. Your settings now:" in jane.last
    after = stored_user(bot[2], jane)
    assert getattr(after, field) == value
    for other in ("display_name", "signature", "timezone", "nudge_hour", "quiet_start",
                  "ghost_after"):
        if other != field:
            assert getattr(after, other) == getattr(before, other), other


def test_settings_show_the_current_values_first(jane: Seeker) -> None:
    onboard(jane)
    jane.runs("settings")

    assert "• Signature line: jane.doe@example.com · +44 7700 900123" in jane.last
    assert "What would you like to change?" in jane.last
    # eight choices: pages of four and "More…" (issue 12: at most five buttons a message)
    assert jane.buttons == ["Name", "Signature line", "Time zone", "Reminder hour", "More…"]
    jane.presses("More…")
    assert "What would you like to change?" in jane.last
    assert jane.buttons == ["Quiet hours", "Check-ins", "Country", "Letter style",  # 16, 15
                            "More…"]
    jane.says("more")  # typed works too, round and round
    assert jane.buttons[0] == "Name"


def test_a_setting_can_be_chosen_by_typing_its_name(bot, jane: Seeker) -> None:
    onboard(jane)
    jane.runs("settings")
    jane.says("time zone")
    jane.says("Berlin")

    assert stored_user(bot[2], jane).timezone == "Europe/Berlin"


def test_an_unknown_setting_is_re_asked_with_the_list(jane: Seeker) -> None:
    onboard(jane)
    jane.runs("settings")
    jane.says("colour")

    assert "Pick one of the settings: Name, Signature line" in jane.text
    assert "What would you like to change?" in jane.last


def test_quiet_hours_can_be_turned_off_in_settings(bot, jane: Seeker) -> None:
    onboard(jane)
    jane.runs("settings")
    jane.presses("Quiet hours")
    jane.presses("No quiet hours")

    user = stored_user(bot[2], jane)
    assert (user.quiet_start, user.quiet_end) == (None, None)


def test_skipping_a_setting_keeps_its_value(bot, jane: Seeker) -> None:
    onboard(jane)
    jane.runs("settings")
    jane.presses("Time zone")
    jane.says("skip")

    assert stored_user(bot[2], jane).timezone == "Europe/London"


def test_a_bad_value_in_settings_is_re_asked(bot, jane: Seeker) -> None:
    onboard(jane)
    jane.runs("settings")
    jane.presses("Check-ins")
    jane.says("eleventy")

    assert "a number of check-ins from 1 to 10" in jane.text
    assert "After how many unanswered weekly check-ins" in jane.last
    assert stored_user(bot[2], jane).ghost_after == 3


def test_cancelling_settings_changes_nothing(bot, jane: Seeker) -> None:
    onboard(jane)
    jane.runs("settings")
    jane.presses("Name")
    jane.says("cancel")

    assert "Okay, your settings are unchanged." in jane.last
    assert stored_user(bot[2], jane).display_name == "Jane Doe"


def test_back_in_settings_returns_to_the_choice_of_setting(bot, jane: Seeker) -> None:
    onboard(jane)
    jane.runs("settings")
    jane.presses("Name")
    jane.says("back")
    assert "What would you like to change?" in jane.last

    jane.presses("Reminder hour")
    jane.says("10")

    user = stored_user(bot[2], jane)
    assert (user.display_name, user.nudge_hour) == ("Jane Doe", 10)


def test_after_saving_a_setting_another_can_be_changed(bot, jane: Seeker) -> None:
    onboard(jane)
    jane.runs("settings")
    jane.presses("Reminder hour")
    jane.says("10")
    jane.presses("Change another")
    jane.presses("Check-ins")
    jane.presses("4")

    user = stored_user(bot[2], jane)
    assert (user.nudge_hour, user.ghost_after) == (10, 4)


def _pending_thank_you_times(database: Database) -> list[datetime]:
    with database.session() as session:
        rows = session.scalars(select(Nudge).where(Nudge.kind == "thank_you",
                                                   Nudge.state == "pending"))
        return sorted(row.due_at for row in rows)


def test_moving_to_tokyo_moves_the_pending_reminders_to_tokyo_mornings(bot,
                                                                      jane: Seeker) -> None:
    onboard(jane)
    debrief(jane)  # 11:00 in London, which is 20:00 in Tokyo: thank-yous go out next morning
    jane.runs("settings")
    jane.presses("Time zone")
    jane.says("Tokyo")

    first = _pending_thank_you_times(bot[2])[0]
    assert first == datetime(2026, 11, 24, 0, 0, tzinfo=UTC)  # Tue 09:00 in Tokyo


def test_a_later_reminder_hour_moves_the_next_morning_reminder(bot, jane: Seeker) -> None:
    onboard(jane)
    debrief(jane)
    jane.runs("settings")
    jane.presses("Reminder hour")
    jane.says("10")

    mornings = [t for t in _pending_thank_you_times(bot[2]) if t.date() > MONDAY_1130.date()]
    assert mornings and all(t.hour == 10 for t in mornings)  # London is on UTC in November


def test_a_reminder_hour_inside_quiet_hours_is_explained() -> None:
    import tempfile
    from datetime import UTC, datetime

    from tests.story import Seeker, make_engine

    with tempfile.TemporaryDirectory() as folder:
        engine, _, db = make_engine(f"sqlite:///{folder}/q.db",
                                    datetime(2026, 11, 23, 11, 30, tzinfo=UTC))
        sam = Seeker(engine, "sam")
        sam.says("hello")
        sam.answers("Sam Lee", "sam@example.com", "London", "7", "21-8")
        assert "07:00 is inside your quiet hours" in sam.last
        assert "at 08:00 instead" in sam.last
        db.dispose()
