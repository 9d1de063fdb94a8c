"""A stale button never changes data (issue 12): the data-loss story — "no" typed to "Add another
reference?", then `/delete`, then the old "Add another" pressed — on the Telegram and Slack fakes
and on the console engine; and the rules every press follows."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from typing import Any

os.environ.setdefault("PTB_TIMEDELTA", "1")  # before telegram is imported

import pytest  # noqa: E402
from sqlalchemy import func, select  # noqa: E402

from bot.clock import FixedClock  # noqa: E402
from bot.conversation.buttons import ButtonVault  # noqa: E402
from bot.conversation.questions import MOVED_ON, answer_of  # noqa: E402
from bot.messages import TOKEN_PREFIX  # noqa: E402
from storage.db import Database  # noqa: E402
from storage.models import Application, Reference, User  # noqa: E402
from tests.fakes.slack_api import FakeSlack  # noqa: E402
from tests.fakes.slack_signing import block_action_body  # noqa: E402
from tests.fakes.telegram_api import FakeTelegram  # noqa: E402
from tests.slack_harness import SlackBot, SlackUser, find_button, texts  # noqa: E402
from tests.story import ONBOARDING_ANSWERS, Seeker, debrief, make_engine  # noqa: E402
from tests.telegram_harness import (  # noqa: E402
    JANE,
    MONDAY_1130,
    running,
    settings_for,
    shown,
)
from tests.telegram_harness import Seeker as TelegramSeeker  # noqa: E402

pytestmark = pytest.mark.timeout(90)

REFERENCE = ("references add", "Mary Major", "former manager at Initech", "mary@example.com",
             "no")


def rows(db: Database, model: Any) -> int:
    with db.session() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


# ---- the console engine ---------------------------------------------------------------------

def test_an_old_add_another_pressed_at_the_delete_question_erases_nothing(
        sqlite_url: str) -> None:
    engine, _, db = make_engine(sqlite_url, MONDAY_1130)
    jane = Seeker(engine)
    jane.says("hello")
    jane.answers(*ONBOARDING_ANSWERS, *REFERENCE)
    assert "Add another reference?" in jane.last
    old = next(b.value for b in jane.replies[-1].buttons if b.label == "Add another")
    jane.says("no")  # typed: the message keeps its buttons
    jane.runs("delete")
    assert "Delete everything?" in jane.text

    jane.press_value(old)

    assert MOVED_ON in jane.text and "Delete everything?" in jane.last  # re-asked, one line
    assert "erased" not in jane.text
    assert rows(db, User) == 1 and rows(db, Reference) == 1
    jane.says("keep")
    assert rows(db, User) == 1 and rows(db, Reference) == 1


def test_the_delete_confirmation_takes_its_own_button_or_a_typed_word(sqlite_url: str) -> None:
    engine, _, db = make_engine(sqlite_url, MONDAY_1130)
    jane = Seeker(engine)
    jane.says("hello")
    jane.answers(*ONBOARDING_ANSWERS)
    jane.runs("delete")
    first = next(b.value for b in jane.replies[-1].buttons if b.label == "Yes, delete everything")
    jane.says("keep")  # that confirmation is over
    jane.runs("delete")
    jane.press_value(first)  # the first confirmation's "yes" is not this one's
    assert MOVED_ON in jane.text and rows(db, User) == 1
    jane.presses("Yes, delete everything")  # this confirmation's own button
    assert "erased everything" in jane.text and rows(db, User) == 0


def test_a_stale_answer_button_changes_nothing_and_the_current_one_still_works(
        sqlite_url: str) -> None:
    engine, _, db = make_engine(sqlite_url, MONDAY_1130)
    jane = Seeker(engine)
    jane.says("hello")
    jane.answers(*ONBOARDING_ANSWERS, "references add", "Mary Major", "skip", "skip")
    yes = next(b.value for b in jane.replies[-1].buttons if b.label == "Yes")
    jane.says("no")  # "current employer?" answered by typing
    assert "Add another reference?" in jane.last
    jane.press_value(yes)  # the old "Yes" of the previous question
    assert MOVED_ON in jane.text and "Add another reference?" in jane.last
    jane.presses("Done")
    assert "Your references (1)" in jane.text


def test_a_token_from_before_buttons_were_bound_cannot_answer_a_question(
        sqlite_url: str) -> None:
    engine, _, db = make_engine(sqlite_url, MONDAY_1130)
    jane = Seeker(engine)
    jane.says("hello")
    jane.answers(*ONBOARDING_ANSWERS)
    jane.runs("delete")
    # a token issued before this release carries the bare value; its question is unknown
    [token] = ButtonVault(db, FixedClock(MONDAY_1130)).issue(jane.key, ["delete"])
    jane.press_value(TOKEN_PREFIX + token)
    assert MOVED_ON in jane.text and "Delete everything?" in jane.last
    assert rows(db, User) == 1


def test_standalone_buttons_still_work_outside_their_question(sqlite_url: str) -> None:
    engine, _, db = make_engine(sqlite_url, MONDAY_1130)
    jane = Seeker(engine)
    jane.says("hello")
    jane.answers(*ONBOARDING_ANSWERS)
    jane.runs("help")
    pipeline = next(b.value for b in jane.replies[-1].buttons if b.value == "/status")
    jane.runs("debrief")
    jane.press_value(pipeline)  # a command button: read-only, answered, then back to the debrief
    assert "Which company" in jane.last
    assert answer_of("q:debrief:company:ab:Acme") == "Acme"


# ---- Telegram -------------------------------------------------------------------------------

@pytest.fixture
def telegram() -> Iterator[FakeTelegram]:
    with FakeTelegram() as server:
        yield server


def test_the_data_loss_story_on_telegram(telegram: FakeTelegram, sqlite_url: str) -> None:
    clock = FixedClock(MONDAY_1130)
    with running(settings_for(telegram, sqlite_url), clock) as runtime:
        jane = TelegramSeeker(telegram, runtime)
        jane.says("hello")
        jane.answers(*ONBOARDING_ANSWERS)
        jane.says("/references add")
        asked = jane.answers(*REFERENCE[1:])
        question = next(m for m in asked if "Add another reference?" in shown(m))
        data = question.callback_data[question.button_labels.index("Add another")]
        jane.says("no")
        confirm = jane.says("/delete")
        assert "Delete everything?" in shown(confirm[-1])

        answer = jane.replays(telegram.make_update(JANE, callback_data=data,
                                                   message_id=question.message_id, force=True))

        seen = "\n".join(shown(m) for m in answer)
        assert MOVED_ON in seen and "erased" not in seen
        assert "Delete everything?" in shown(answer[-1])
        db = runtime.db
        assert rows(db, User) == 1 and rows(db, Reference) == 1


# ---- Slack ----------------------------------------------------------------------------------

def test_the_data_loss_story_on_slack(slack_app: tuple[FakeSlack, SlackBot]) -> None:
    fake, bot = slack_app
    jane = SlackUser(bot, "U1")
    jane.says("hello")
    jane.answers(*ONBOARDING_ANSWERS, *REFERENCE)
    question = next(m for m in reversed(jane.messages()) if "Add another reference?" in texts(m))
    jane.says("no")
    confirm = jane.says("delete")
    assert "Delete everything?" in texts(confirm[-1])
    before = len(jane.messages())

    button = find_button(question, "Add another")
    status, _ = bot.post(block_action_body("U1", "T1", button["action_id"], button["value"],
                                           channel="DU1", message_ts="1700000000.000001"))
    assert status == 200
    answer = jane.reply_after(before)

    seen = "\n".join(texts(m) for m in answer)
    assert MOVED_ON in seen and "erased" not in seen
    assert rows(bot.db, User) == 1 and rows(bot.db, Reference) == 1


def test_an_old_withdraw_confirmation_does_not_reclose_an_application(sqlite_url: str) -> None:
    engine, _, db = make_engine(sqlite_url, MONDAY_1130)
    jane = Seeker(engine)
    jane.says("hello")
    jane.answers(*ONBOARDING_ANSWERS)
    debrief(jane)
    jane.says("I withdrew from Acme")
    withdraw = next(b.value for r in jane.replies for b in r.buttons if b.label == "Yes")
    jane.says("acme said no")
    jane.presses("Yes")
    with db.session() as session:
        assert session.scalars(select(Application.status)).one() == "rejected"
    jane.press_value(withdraw)
    assert "already marked rejected — nothing changed" in jane.text
    with db.session() as session:
        assert session.scalars(select(Application.status)).one() == "rejected"


# ---- old keyboards come off when their question ends ----------------------------------------

def test_telegram_takes_the_buttons_off_a_question_answered_by_typing(
        telegram: FakeTelegram, sqlite_url: str) -> None:
    with running(settings_for(telegram, sqlite_url), FixedClock(MONDAY_1130)) as runtime:
        jane = TelegramSeeker(telegram, runtime)
        jane.says("hello")
        jane.answers(*ONBOARDING_ANSWERS)
        pipeline = jane.says("/status")[-1]  # standalone buttons: they stay
        jane.says("/references add")
        asked = jane.answers(*REFERENCE[1:])
        question = next(m for m in asked if "Add another reference?" in shown(m))
        assert telegram.message(JANE, question.message_id).get("reply_markup")
        jane.says("no")  # typed: the question is over

        edits = [c.params for c in telegram.calls("editMessageReplyMarkup")]
        assert any(p and int(p["message_id"]) == question.message_id for p in edits), edits
        assert not telegram.message(JANE, question.message_id).get("reply_markup")
        assert telegram.message(JANE, pipeline.message_id).get("reply_markup")


def test_slack_takes_the_buttons_off_a_question_answered_by_typing(
        slack_app: tuple[FakeSlack, SlackBot]) -> None:
    fake, bot = slack_app
    jane = SlackUser(bot, "U1")
    jane.says("hello")
    jane.answers(*ONBOARDING_ANSWERS, *REFERENCE)
    question = next(m for m in reversed(jane.messages()) if "Add another reference?" in texts(m))
    assert any(b.get("type") == "actions" for b in question["blocks"])
    jane.says("no")
    updates = [c.params for c in fake.calls("chat.update") if c.params]
    closed = [u for u in updates if "Add another reference?" in json.dumps(u)]
    assert closed and not any(b.get("type") == "actions" for b in closed[-1]["blocks"])
