"""Plain language on Telegram, through the real adapter and the fake Bot API: free text is read
the same way as on the console, and the one-tap confirmation works with Telegram's buttons."""

from __future__ import annotations

import os

os.environ.setdefault("PTB_TIMEDELTA", "1")  # before telegram is imported

import pytest  # noqa: E402
from sqlalchemy import select  # noqa: E402

from bot.clock import FixedClock  # noqa: E402
from storage.models import Application  # noqa: E402
from tests.fakes.telegram_api import FakeTelegram  # noqa: E402
from tests.telegram_harness import MONDAY_1130, Seeker, running, settings_for, shown  # noqa: E402
from tests.test_telegram_story import (  # noqa: E402
    debrief_to_the_end,
    debrief_until_the_format,
    onboard,
)

pytestmark = pytest.mark.timeout(60)


def test_a_no_typed_on_telegram_is_confirmed_with_one_tap(sqlite_url: str) -> None:
    clock = FixedClock(MONDAY_1130)
    with FakeTelegram() as fake, running(settings_for(fake, sqlite_url), clock) as runtime:
        jane = Seeker(fake, runtime)
        onboard(jane)
        debrief_until_the_format(jane)
        jane.presses("Video")
        debrief_to_the_end(jane)

        hello = jane.says("hi!")
        assert shown(hello[-1]).startswith("Hi Jane!")
        asked = jane.says("acme said no 😞")
        assert shown(asked[-1]) == "Record that Acme turned you down?"
        assert asked[-1].button_labels == ["Yes", "No"]
        with runtime.db.session() as session:
            assert session.scalars(select(Application.status)).one() == "active"

        done = jane.presses("Yes")
        assert any("not personal" in shown(m) for m in done)
        with runtime.db.session() as session:
            assert session.scalars(select(Application.status)).one() == "rejected"
