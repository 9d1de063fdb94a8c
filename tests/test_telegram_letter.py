"""Editing a letter on Telegram by replying to the draft: the reply's text replaces that letter
(not the one shown last), is proofread again and comes back with its one-tap fixes."""

from __future__ import annotations

import os
from collections.abc import Iterator

os.environ.setdefault("PTB_TIMEDELTA", "1")  # before telegram is imported

import pytest  # noqa: E402
from sqlalchemy import select  # noqa: E402

from afterview.runtime import Runtime  # noqa: E402
from bot.clock import FixedClock  # noqa: E402
from storage.models import Letter  # noqa: E402
from tests.fakes.telegram_api import FakeTelegram  # noqa: E402
from tests.outcomes import ACME_DEBRIEF  # noqa: E402
from tests.story import ONBOARDING_ANSWERS  # noqa: E402
from tests.telegram_harness import (  # noqa: E402
    MONDAY_1130,
    Seeker,
    running,
    settings_for,
)

pytestmark = pytest.mark.timeout(90)


@pytest.fixture
def bot(tmp_path) -> Iterator[tuple[FakeTelegram, Runtime]]:  # type: ignore[no-untyped-def]
    database = f"sqlite:///{tmp_path / 'afterview.db'}"
    with FakeTelegram() as fake, \
            running(settings_for(fake, database), FixedClock(MONDAY_1130)) as runtime:
        yield fake, runtime


def test_replying_to_a_draft_replaces_that_letter(bot: tuple[FakeTelegram, Runtime]) -> None:
    fake, runtime = bot
    jane = Seeker(fake, runtime)
    jane.says("hello")
    jane.answers(*ONBOARDING_ANSWERS)
    jane.says("/debrief")
    jane.answers(*ACME_DEBRIEF)
    before = len(fake.sent_messages(jane.chat_id))
    jane.says("/thanks")
    sent = fake.sent_messages(jane.chat_id)[before:]
    bodies = [m for m in sent if "<pre>Dear " in (m.text or "")]
    assert bodies, [(m.plain_text or "")[:80] for m in sent]
    draft = bodies[0]  # the header and the letter, as one message
    letter = (draft.plain_text or "").split("Tap the letter below to copy it:", 1)[1].strip()
    mine = letter.replace("Kind regards,", "I realy look forward to it.\n\nKind regards,")
    update = fake.make_update(jane.chat_id, mine)
    update["message"]["reply_to_message"] = fake.message(jane.chat_id, draft.message_id)
    update["message"]["reply_to_message"]["from"] = fake.bot_user
    answer = jane.replays(update)
    text = "\n".join(m.plain_text or "" for m in answer)
    assert "Saved your version" in text and '"realy" looks misspelled' in text
    with runtime.db.session() as session:
        edited = [e for e in session.scalars(select(Letter.edited)) if e]
    assert len(edited) == 1 and "I realy look forward to it." in edited[0]
