"""The user's own words echoed in Slack show as typed (issue 12): `*`, `_`, `~`, backticks and
`&` neutralised or escaped for mrkdwn, `<!channel>` never a mention, a link's address kept; and a
Web API failure inside a turn is logged while the rest of the turn is still delivered."""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

import pytest

from adapters.slack_blocks import plain_text, render_reply
from adapters.slack_text import ZWSP, mrkdwn
from bot.messages import Attachment, Reply, UserKey
from tests.fakes.slack_api import FakeSlack
from tests.slack_harness import SlackBot, SlackUser
from tests.story import ONBOARDING_ANSWERS

ECHO = "*always* ask about _team_ ~size~ `stack` <!channel> & R&D"


def test_mrkdwn_neutralises_formatting_and_escapes_control_characters() -> None:
    shown = mrkdwn(ECHO)
    assert shown == (f"*{ZWSP}always{ZWSP}* ask about _{ZWSP}team{ZWSP}_ ~{ZWSP}size{ZWSP}~ "
                     f"`{ZWSP}stack{ZWSP}` &lt;!channel&gt; &amp; R&amp;D")
    assert shown.replace(ZWSP, "").replace("&lt;", "<").replace("&gt;", ">").replace(
        "&amp;", "&") == ECHO  # nothing but the markers' spacing changes what is read
    # inside words, nothing is touched: addresses and identifiers stay copyable
    assert mrkdwn("jane_doe@example.com snake_case 2*3") == "jane_doe@example.com snake_case 2*3"


def test_a_reply_with_the_users_words_renders_them_literally() -> None:
    [message] = render_reply(Reply(f"Noted: {ECHO}"), [])
    section = message.blocks[0]["text"]["text"]
    assert "<!channel>" not in section and "<!channel>" not in message.text
    assert "&lt;!channel&gt;" in message.text  # the notification text is escaped too
    assert f"*{ZWSP}always{ZWSP}*" in section and "&amp; R&amp;D" in section
    assert "&amp;amp;" not in section


def test_a_link_the_user_sent_keeps_its_address() -> None:
    assert plain_text("see <https://acme.example/jobs/42|the posting> &amp; apply") == (
        "see the posting (https://acme.example/jobs/42) & apply")
    assert plain_text("<mailto:mia@acme.example|mia@acme.example>") == "mia@acme.example"
    assert plain_text("<https://acme.example>") == "https://acme.example"


def test_an_echo_through_the_slack_app_is_escaped(slack_app: tuple[FakeSlack, SlackBot]) -> None:
    fake, bot = slack_app
    jane = SlackUser(bot, "U1")
    jane.says("hello")
    jane.answers(*ONBOARDING_ANSWERS)
    # as Slack sends it: the user's literal "&" and "<" arrive as entities
    journal = jane.says("lessons *always* ask about _team_ ~size~ &amp; R&amp;D")
    posted = json.dumps([m.get("blocks") for m in journal] + [m.get("text") for m in journal],
                        ensure_ascii=False)
    assert f"*{ZWSP}always{ZWSP}*" in posted and f"_{ZWSP}team{ZWSP}_" in posted
    assert "&amp; R&amp;D" in posted and "&amp;amp;" not in posted


def test_a_failed_upload_is_logged_and_the_rest_of_the_turn_still_arrives(
        slack_app: tuple[FakeSlack, SlackBot], caplog: pytest.LogCaptureFixture) -> None:
    fake, bot = slack_app
    adapter: Any = bot.adapter

    async def broken_upload(*args: Any, **kwargs: Any) -> None:
        raise ValueError("not a Slack API error: the file could not be read")

    adapter._upload = broken_upload
    replies = [Reply("Your chart:", attachment=Attachment("chart.png", b"png", "image/png")),
               Reply("And here is what comes after it.")]
    user = SlackUser(bot, "U2")
    caplog.set_level(logging.WARNING)
    asyncio.run_coroutine_threadsafe(adapter._reply(UserKey("slack", "T1", "U2"), replies),
                                     bot.loop).result(10)
    texts = [m.get("text") for m in user.messages()]
    assert "Your chart:" in texts and "And here is what comes after it." in texts
    assert "one part of an answer failed (ValueError" in caplog.text

