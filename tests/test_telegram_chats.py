"""What reaches the core from Telegram, and what does not: private chats only, commands with
the bot's name, forged or foreign button presses, things that are not text."""

from __future__ import annotations

import os
from collections.abc import Iterator

os.environ.setdefault("PTB_TIMEDELTA", "1")  # before telegram is imported

import pytest  # noqa: E402
from sqlalchemy import select  # noqa: E402

from afterview.runtime import Runtime  # noqa: E402
from bot.clock import FixedClock  # noqa: E402
from storage.models import ConversationState, User  # noqa: E402
from tests.fakes.telegram_api import FakeTelegram  # noqa: E402
from tests.telegram_harness import (  # noqa: E402
    MONDAY_1130,
    Seeker,
    adapter_of,
    running,
    settings_for,
    wait_until,
)

pytestmark = pytest.mark.timeout(60)


@pytest.fixture(scope="module")
def bot(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[FakeTelegram, Runtime]]:
    """`afterview run` with long polling, shared by this module's tests (one chat each)."""
    database = f"sqlite:///{tmp_path_factory.mktemp('chats') / 'afterview.db'}"
    with FakeTelegram() as fake, \
            running(settings_for(fake, database), FixedClock(MONDAY_1130)) as runtime:
        yield fake, runtime


def step_of(runtime: Runtime, user_id: int) -> str | None:
    with runtime.db.session() as session:
        user = session.scalar(select(User).where(User.platform == "telegram",
                                                 User.external_id == str(user_id)))
        if user is None:
            return None
        row = session.scalar(select(ConversationState).where(ConversationState.user_id == user.id))
        return f"{row.flow}:{row.step}" if row is not None else ""


def test_in_a_group_the_bot_says_it_works_in_private_and_keeps_nothing(
        bot: tuple[FakeTelegram, Runtime]) -> None:
    fake, runtime = bot
    group, carol = -100777, 5101
    handled = adapter_of(runtime).updates_handled
    fake.user_sends_command(group, "/start@afterview_test_bot", chat_type="supergroup",
                            user_id=carol)
    fake.user_sends_text(group, "what do you do?", chat_type="supergroup", user_id=carol)
    wait_until(lambda: adapter_of(runtime).updates_handled >= handled + 2, fake, "two updates")
    answers = fake.sent_messages(group)
    assert [a.plain_text for a in answers] == [
        "I work in private chats — message me directly: @afterview_test_bot"] * 2
    assert step_of(runtime, carol) is None  # never reached the core


def test_a_command_with_the_bot_name_is_the_command(bot: tuple[FakeTelegram, Runtime]) -> None:
    fake, runtime = bot
    dave = Seeker(fake, runtime, chat_id=5102, first_name="Dave")
    sent = dave.says("/help@afterview_test_bot")
    assert "Commands:" in (sent[-1].plain_text or "")
    assert step_of(runtime, 5102) == ""


def test_a_forged_button_press_changes_nothing(bot: tuple[FakeTelegram, Runtime]) -> None:
    fake, runtime = bot
    erin = Seeker(fake, runtime, chat_id=5103, first_name="Erin")
    asked = erin.says("hello")
    assert step_of(runtime, 5103) == "onboarding:name"
    sent = erin._await_turn(lambda: fake.user_presses(
        5103, asked[-1].message_id, "n:1:stop", force=True, first_name="Erin"))
    assert "expired or isn't yours" in (sent[-1].plain_text or "")
    assert step_of(runtime, 5103) == "onboarding:name"
    assert fake.unanswered_callbacks() == []


def test_a_press_on_another_users_button_changes_nothing(
        bot: tuple[FakeTelegram, Runtime]) -> None:
    fake, runtime = bot
    frank = Seeker(fake, runtime, chat_id=5104, first_name="Frank")
    frank.answers("hello", "Frank Smith", "skip")
    hours = frank.says("London")
    assert hours[-1].button_labels[:3] == ["08:00", "09:00", "10:00"]
    franks_token = hours[-1].callback_data[0]

    grace = Seeker(fake, runtime, chat_id=5105, first_name="Grace")
    graces = grace.says("hello")
    sent = grace._await_turn(lambda: fake.user_presses(
        5105, graces[-1].message_id, franks_token, force=True, first_name="Grace"))
    assert "expired or isn't yours" in (sent[-1].plain_text or "")
    assert step_of(runtime, 5104) == "onboarding:nudge_hour"
    assert step_of(runtime, 5105) == "onboarding:name"
    # Frank's own press still works: nothing was used up
    assert "Quiet hours" in (frank.presses("08:00")[-1].plain_text or "")


def test_a_pressed_keyboard_is_closed_so_it_cannot_be_pressed_twice(
        bot: tuple[FakeTelegram, Runtime]) -> None:
    fake, runtime = bot
    heidi = Seeker(fake, runtime, chat_id=5106, first_name="Heidi")
    heidi.answers("hello", "Heidi Klum", "skip")
    hours = heidi.says("Berlin")[-1]
    heidi.presses("10:00")
    now = fake.message(5106, hours.message_id)
    assert "reply_markup" not in now
    assert now["text"].endswith("→ 10:00")
    with pytest.raises(AssertionError, match="no button '10:00'"):
        fake.user_presses_button(5106, "10:00", message_id=hours.message_id)


def test_a_photo_or_a_location_gets_a_please_type_answer(
        bot: tuple[FakeTelegram, Runtime]) -> None:
    fake, runtime = bot
    ivan = Seeker(fake, runtime, chat_id=5107, first_name="Ivan")
    location = {"message": {
        "message_id": 900, "date": 1, "location": {"latitude": 51.5, "longitude": -0.12},
        "chat": {"id": 5107, "type": "private", "first_name": "Ivan"},
        "from": {"id": 5107, "is_bot": False, "first_name": "Ivan"}}}
    sent = ivan.replays(location)
    assert "I can only read text" in (sent[-1].plain_text or "")
    assert step_of(runtime, 5107) is None
