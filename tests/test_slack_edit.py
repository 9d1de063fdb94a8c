"""Editing in Slack: `/afterview edit` opens a form prefilled with what is stored; what the user
corrects is saved, checked field by field, re-planned and confirmed in the DM with an Undo."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from sqlalchemy import select

from storage.models import Application, Interviewer
from tests.fakes.slack_api import FakeSlack
from tests.fakes.slack_signing import text_value, view_submission_body
from tests.slack_harness import SlackBot, SlackUser, texts, wait_until
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


def _open_edit(bot: SlackBot, jane: SlackUser) -> tuple[str, dict]:  # type: ignore[type-arg]
    before = len(bot.fake.calls("views.open"))
    status, _, _ = jane.runs("edit")
    assert status == 200
    opened = bot.fake.wait_for_calls("views.open", before + 1)[-1]
    view = opened.params["view"]
    assert view["callback_id"] == "afterview_edit"
    return str(opened.response["view"]["id"]), view


def _save(bot: SlackBot, jane: SlackUser, view: dict, view_id: str,  # type: ignore[type-arg]
          **typed: str) -> tuple[int, str]:
    state = {}
    for block in view["blocks"]:
        if block.get("type") == "input":
            initial = block["element"].get("initial_value", "")
            state[block["block_id"]] = {"value": text_value(typed.get(block["block_id"],
                                                                      initial))}
    return bot.post(view_submission_body(jane.user_id, jane.team, "afterview_edit", state,
                                         view["private_metadata"], view_id=view_id))


def test_the_edit_form_is_prefilled_and_saves_a_new_company_name_and_email(bot: SlackBot):
    jane = SlackUser(bot, "U7")
    onboard(jane)
    submit(bot, jane, open_modal(bot, jane))
    bot.settle()
    view_id, view = _open_edit(bot, jane)
    initial = {b["block_id"]: b["element"].get("initial_value") for b in view["blocks"]
               if b.get("type") == "input"}
    assert initial["f:company"] == "Acme" and initial["f:when"] == "2026-11-23 11:00"
    person = [k for k, v in initial.items() if v == "Katherine O'Neill"][0]
    email = person.replace(":name", ":email")

    before = len(jane.messages())
    status, body = _save(bot, jane, view, view_id, **{"f:company": "Acme Analytics",
                                                      email: "not an email"})
    assert json.loads(body)["response_action"] == "errors" and email in json.loads(body)["errors"]

    status, body = _save(bot, jane, view, view_id, **{"f:company": "Acme Analytics",
                                                      email: "katherine@acme.example"})
    assert status == 200 and body == ""
    said = wait_until(lambda: jane.messages()[before:], what="the confirmation")[-1]
    assert "Acme's company name: Acme → Acme Analytics" in texts(said)
    assert "Katherine O'Neill's email" in texts(said)
    with bot.db.session() as session:
        assert session.scalars(select(Application.company)).one() == "Acme Analytics"
        assert "katherine@acme.example" in session.scalars(select(Interviewer.email)).all()


def test_with_two_applications_and_none_named_the_edit_asks_in_the_dm(bot: SlackBot):
    jane = SlackUser(bot, "U8")
    onboard(jane)
    submit(bot, jane, open_modal(bot, jane))
    submit(bot, jane, open_modal(bot, jane), company=text_value("Globex"))
    bot.settle()
    opened = len(bot.fake.calls("views.open"))
    before = len(jane.messages())
    jane.runs("edit")
    asked = wait_until(lambda: jane.messages()[before:], what="the question in the DM")[-1]
    assert "Which application do you want to change?" in texts(asked)
    assert len(bot.fake.calls("views.open")) == opened
