"""Plain language in a Slack DM, through the real Bolt app and the fake Web API: a one-message
debrief is understood the same way as on the console, saved with one press, and a no typed
afterwards is confirmed before anything changes."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import select

from storage.models import Application
from tests.fakes.slack_api import FakeSlack
from tests.slack_harness import SlackBot, SlackUser, button_labels, texts
from tests.test_slack_app import applications_of, onboard


@pytest.fixture
def bot(fake: FakeSlack, sqlite_url: str) -> Iterator[SlackBot]:
    running = SlackBot(fake, sqlite_url).start()
    running.adapter.per_channel_interval = 0.0
    yield running
    running.stop()


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    with FakeSlack() as server:
        yield server


def test_a_one_message_debrief_and_a_confirmed_no_in_a_slack_dm(bot: SlackBot) -> None:
    jane = SlackUser(bot, "U3")
    onboard(jane)
    asked = jane.says("Interview at Acme Corp for Data Analyst today 11am with Katherine "
                      "O'Neill (Head of Data), they decide next Friday")
    assert "Here's what I understood:" in texts(asked[-1])
    assert button_labels(asked[-1]) == ["Save", "Cancel"]
    saved = jane.presses("Save", asked[-1])
    assert any("Well done" in texts(m) for m in saved)
    assert applications_of(bot, "T1", "U3") == ["Acme Corp"]

    confirm = jane.says("acme said no")
    assert texts(confirm[-1]).startswith("Record that Acme Corp turned you down?")
    with bot.db.session() as session:
        assert session.scalars(select(Application.status)).one() == "active"
    jane.presses("Yes", confirm[-1])
    with bot.db.session() as session:
        assert session.scalars(select(Application.status)).one() == "rejected"
