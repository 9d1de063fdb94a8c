"""Messages once (issue 12): `/status chart` sends its caption once (as the photo's caption on
Telegram, the file's comment on Slack); a read-only command inside an open flow answers and
re-asks the pending question in one line, not the whole letter; a wrong answer to a letter's
question does not post the letter again; the wording about the proofreading notes is true on
every platform."""

from __future__ import annotations

import os
from collections.abc import Iterator

os.environ.setdefault("PTB_TIMEDELTA", "1")  # before telegram is imported

import pytest  # noqa: E402

from bot.clock import FixedClock  # noqa: E402
from tests.fakes.slack_api import FakeSlack  # noqa: E402
from tests.fakes.telegram_api import FakeTelegram  # noqa: E402
from tests.slack_harness import SlackBot, SlackUser, texts, wait_until  # noqa: E402
from tests.story import ONBOARDING_ANSWERS, Seeker, debrief, make_engine  # noqa: E402
from tests.telegram_harness import JANE, MONDAY_1130, running, settings_for, shown  # noqa: E402
from tests.telegram_harness import Seeker as TelegramSeeker  # noqa: E402

pytestmark = pytest.mark.timeout(60)


def _thanks_open(url: str) -> Seeker:
    engine, _, _ = make_engine(url, MONDAY_1130)
    jane = Seeker(engine)
    jane.says("hello")
    jane.answers(*ONBOARDING_ANSWERS)
    debrief(jane, "Acme", ("Mia Wong",))
    jane.runs("thanks")
    assert any(r.draft is not None for r in jane.replies)
    return jane


def test_status_during_thanks_answers_then_reasks_in_one_line(sqlite_url: str) -> None:
    jane = _thanks_open(sqlite_url)
    replies = jane.runs("status")
    assert "Your pipeline" in replies[0].text
    assert not any(r.draft is not None for r in replies)  # the letter is not posted again
    assert len(replies) == 2 and "\n" not in replies[-1].text
    assert replies[-1].text.startswith("(We're still writing your thank-you letters to Acme.")
    assert "Mark sent" in [b.label for b in replies[-1].buttons]


def test_a_wrong_answer_to_the_letters_question_does_not_repost_the_letter(
        sqlite_url: str) -> None:
    jane = _thanks_open(sqlite_url)
    replies = jane.says("purple elephant")
    assert replies[0].text.startswith("I didn't catch that for your letter to ")
    assert not any(r.draft is not None for r in replies)
    assert "Mark sent" in jane.buttons


def test_proofreading_notes_are_not_placed_by_a_direction(sqlite_url: str) -> None:
    jane = _thanks_open(sqlite_url)  # the letter to Mia was just shown
    jane.runs("letter")  # and the user sends their own version, with two mistakes
    mine = "Dear Mia,\n\nThank you for the realy interesting conversation about the the " \
        "pipelines.\n\nKind regards,\nJane Doe"
    jane.says(mine)
    said = jane.text
    assert "My proofreading found" in said
    # Telegram shows the notes above the letter, Slack and the terminal below: say neither
    assert "under the letter" not in said and "above the letter" not in said
    assert "(marked ⚠ with the letter)" in said


# ---- the chart caption, once --------------------------------------------------------------------

@pytest.fixture
def telegram() -> Iterator[FakeTelegram]:
    with FakeTelegram() as server:
        yield server


def test_the_chart_caption_is_sent_once_on_telegram(telegram: FakeTelegram,
                                                     sqlite_url: str) -> None:
    with running(settings_for(telegram, sqlite_url), FixedClock(MONDAY_1130)) as runtime:
        jane = TelegramSeeker(telegram, runtime)
        jane.says("hello")
        jane.answers(*ONBOARDING_ANSWERS)
        sent = jane.says("/status chart")
        [photo] = [m for m in sent if m.method == "sendPhoto"]
        caption = shown(photo)
        assert caption and ("pipeline" in caption.casefold() or "empty" in caption)
        assert [m for m in sent if m.method == "sendMessage" and shown(m) == caption] == []
        assert len(sent) == 1, [shown(m) for m in telegram.sent_messages(JANE)][-3:]


def test_the_chart_caption_is_sent_once_on_slack(slack_app: tuple[FakeSlack, SlackBot]) -> None:
    fake, bot = slack_app
    jane = SlackUser(bot, "U1")
    jane.says("hello")
    jane.answers(*ONBOARDING_ANSWERS)
    before = len(jane.messages())
    jane.runs("status chart")
    [upload] = wait_until(fake.uploaded_files, what="the chart upload")
    bot.settle()
    assert upload.initial_comment and upload.filename.endswith(".png")
    posted = [texts(m) for m in jane.messages()[before:]]
    assert not any(upload.initial_comment.split("\n")[0] in text for text in posted), posted
