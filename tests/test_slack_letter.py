"""Editing a letter in Slack: `/afterview letter` opens the last letter in a modal with one
multi-line input; Save keeps the user's version, proofreads it and answers in the DM."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import select

from storage.models import Letter
from tests.fakes.slack_api import FakeSlack
from tests.fakes.slack_signing import block_action_body, text_value, view_submission_body
from tests.slack_harness import (
    SlackBot,
    SlackUser,
    button_labels,
    find_button,
    texts,
    wait_until,
)
from tests.test_slack_app import onboard, open_modal, submit


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    with FakeSlack() as server:
        yield server


@pytest.fixture
def bot(fake: FakeSlack, sqlite_url: str) -> Iterator[SlackBot]:
    running = SlackBot(fake, sqlite_url).start()
    running.adapter.per_channel_interval = 0.0
    yield running
    running.stop()


def with_thank_yous(bot: SlackBot, user_id: str) -> tuple[SlackUser, dict]:
    """A user onboarded, with a debrief from the modal and `thanks` run: them, and the latest
    message with an "Edit this letter" button."""
    jane = SlackUser(bot, user_id)
    onboard(jane)
    submit(bot, jane, open_modal(bot, jane))
    bot.settle()
    jane.runs("thanks")
    bot.settle()
    return jane, next(m for m in reversed(jane.messages())
                      if "Edit this letter" in button_labels(m))


def test_the_letter_modal_is_prefilled_and_its_save_is_kept_and_proofread(bot: SlackBot):
    jane, _ = with_thank_yous(bot, "U7")
    before = len(bot.fake.calls("views.open"))
    status, _, _ = jane.runs("letter")
    assert status == 200
    opened = bot.fake.wait_for_calls("views.open", before + 1)[-1]
    view = opened.params["view"]
    assert view["callback_id"] == "afterview_letter"
    element = view["blocks"][1]["element"]
    assert element["multiline"] is True and element["initial_value"].startswith("Dear ")
    mine = element["initial_value"].replace("Kind regards,", "I realy hope to hear from you.\n\n"
                                            "Kind regards,")
    said_before = len(jane.messages())
    status, body = bot.post(view_submission_body(
        jane.user_id, jane.team, "afterview_letter", {"letter": {"value": text_value(mine)}},
        view["private_metadata"], view_id=str(opened.response["view"]["id"])))
    assert status == 200
    said = wait_until(lambda: [m for m in jane.messages()[said_before:]
                               if "Saved your version" in texts(m)], what="the saved letter")
    assert "My proofreading found" in texts(said[-1])
    assert '"realy" looks misspelled' in str(said[-1])
    with bot.db.session() as session:
        edited = session.scalars(select(Letter.edited)).all()
    assert any("I realy hope to hear from you." in e for e in edited)


def _press_with_trigger(bot: SlackBot, jane: SlackUser, message: dict, label: str,
                        trigger: str) -> None:
    element = find_button(message, label)
    status, _ = bot.post(block_action_body(
        jane.user_id, jane.team, element["action_id"], element.get("value", ""),
        channel=jane.channel, message_ts=jane._ts_of(message), trigger_id=trigger))
    assert status == 200


def _letters(bot: SlackBot) -> list[Letter]:
    with bot.db.session() as session:
        rows = list(session.scalars(select(Letter).order_by(Letter.id)))
        session.expunge_all()
        return rows


def test_the_edit_this_letter_button_opens_the_modal_for_the_letter_it_sits_under(
        bot: SlackBot) -> None:
    jane, katherine = with_thank_yous(bot, "U9")
    jane.presses("Next person")  # Rahul's letter is the latest one now
    first, second = _letters(bot)
    assert "Dear Katherine," in first.original and "Dear Rahul," in second.original
    views_before, said_before = len(bot.fake.calls("views.open")), len(jane.messages())

    _press_with_trigger(bot, jane, katherine, "Edit this letter", "13579.24680.edit")

    opened = bot.fake.wait_for_calls("views.open", views_before + 1)[-1]
    assert opened.params["trigger_id"] == "13579.24680.edit"
    view = opened.params["view"]
    assert view["callback_id"] == "afterview_letter"
    assert view["private_metadata"] == str(first.id)
    assert view["blocks"][1]["element"]["multiline"] is True
    assert view["blocks"][1]["element"]["initial_value"] == first.original
    bot.settle()
    assert len(jane.messages()) == said_before, "the editor opens; the DM does not ask instead"
    assert all(row.awaiting == "" for row in _letters(bot))

    mine = first.original.replace("Kind regards,", "I hope to hear from you soon.\n\n"
                                  "Kind regards,")
    status, _ = bot.post(view_submission_body(
        jane.user_id, jane.team, "afterview_letter", {"letter": {"value": text_value(mine)}},
        view["private_metadata"], view_id=str(opened.response["view"]["id"])))
    assert status == 200
    wait_until(lambda: any("Saved your version" in texts(m)
                           for m in jane.messages()[said_before:]), what="the saved letter")
    first, second = _letters(bot)
    assert "I hope to hear from you soon." in first.edited and second.edited == ""


def test_when_the_modal_cannot_open_the_edit_button_continues_in_the_dm(bot: SlackBot) -> None:
    jane, message = with_thank_yous(bot, "U10")
    bot.fake.fail_next("views.open", 500)
    before = len(jane.messages())

    _press_with_trigger(bot, jane, message, "Edit this letter", "24680.13579.late")

    said = jane.reply_after(before)
    assert any("Send your version of the whole letter" in texts(m) for m in said)


def test_someone_elses_edit_button_opens_nothing(bot: SlackBot) -> None:
    (_, message), mallory = with_thank_yous(bot, "U11"), SlackUser(bot, "U12")
    element = find_button(message, "Edit this letter")
    views_before = len(bot.fake.calls("views.open"))
    status, _ = bot.post(block_action_body(mallory.user_id, mallory.team, element["action_id"],
                                           element["value"], channel=mallory.channel,
                                           trigger_id="11111.22222.forged"))
    assert status == 200
    said = mallory.reply_after(0)
    assert any("isn't yours" in texts(m) for m in said)
    assert len(bot.fake.calls("views.open")) == views_before
