"""Afterview in Slack, end to end: the real Bolt app on its HTTP port, requests signed with the
real algorithm, every answer observed at the fake Slack Web API."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy import func, select

from storage.models import Application, Interview, Interviewer, Nudge, ProcessedUpdate, User
from tests.fakes.slack_api import FakeSlack
from tests.fakes.slack_signing import (
    app_home_opened_event,
    block_action_body,
    bot_message_event,
    date_value,
    dm_message_event,
    event_body,
    message_changed_event,
    new_event_id,
    select_value,
    text_value,
    view_submission_body,
)
from tests.slack_harness import (
    SlackBot,
    SlackUser,
    button_labels,
    find_button,
    texts,
    wait_until,
)

MONDAY = date(2026, 11, 23)


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    with FakeSlack() as server:
        yield server


@pytest.fixture
def bot(fake: FakeSlack, sqlite_url: str) -> Iterator[SlackBot]:
    running = SlackBot(fake, sqlite_url).start()
    running.adapter.per_channel_interval = 0.0  # tests type faster than people; see delivery tests
    yield running
    running.stop()


def count(bot: SlackBot, model: Any, *where: Any) -> int:
    with bot.db.session() as session:
        return int(session.scalar(select(func.count()).select_from(model).where(*where)) or 0)


def applications_of(bot: SlackBot, team: str, user_id: str) -> list[str]:
    with bot.db.session() as session:
        user = session.scalars(select(User).where(
            User.platform == "slack", User.workspace == team, User.external_id == user_id)
        ).one_or_none()
        if user is None:
            return []
        return [a.company for a in session.scalars(
            select(Application).where(Application.user_id == user.id))]


def onboard(jane: SlackUser) -> None:
    jane.says("hello")
    replies = jane.answers("Jane Doe", "jane.doe@example.com · +44 7700 900123", "London", "9",
                           "21-8")
    assert "All set" in texts(replies[-1]) or "all set" in texts(replies[-1]).casefold()


def modal_values(**overrides: Any) -> dict[str, dict[str, dict[str, Any]]]:
    """A filled-in debrief modal as Slack sends its state; override any field by block id."""
    fields: dict[str, Any] = {
        "company": text_value("Acme"),
        "role": text_value("Data Analyst"),
        "date": date_value(MONDAY),
        "time": {"type": "timepicker", "selected_time": "11:00"},
        "round": select_value("first", "First"),
        "format": select_value("video", "Video"),
        "iv1_name": text_value("Katherine O'Neill"),
        "iv1_title": text_value("Head of Data"),
        "iv1_email": text_value("k.oneill@acme.example"),
        "iv1_notes": text_value("streaming pipelines"),
        "iv2_name": text_value("Rahul Mehta"),
        "rating": select_value("4", "4"),
        "went_well": text_value("the SQL exercise"),
        "decision_date": date_value(date(2026, 11, 27)),
        "steps_remaining": {"type": "number_input", "value": "1"},
        "news_contact": text_value("Sam at HR"),
    }
    fields.update(overrides)
    return {block: {"value": state} for block, state in fields.items()}


def open_modal(bot: SlackBot, user: SlackUser) -> str:
    before = len(bot.fake.calls("views.open"))
    status, body, _ = user.runs("debrief")
    assert status == 200
    opened = bot.fake.wait_for_calls("views.open", before + 1)[-1]
    assert opened.params["view"]["callback_id"] == "afterview_debrief"
    return str(opened.response["view"]["id"])


def submit(bot: SlackBot, user: SlackUser, view_id: str, **overrides: Any) -> tuple[int, str]:
    return bot.post(view_submission_body(user.user_id, user.team, "afterview_debrief",
                                         modal_values(**overrides), view_id=view_id))


# ---- slash commands ---------------------------------------------------------------------------

def test_a_slash_command_is_acknowledged_within_three_seconds_and_answered_in_the_dm(
        bot: SlackBot) -> None:
    jane = SlackUser(bot, "U1")
    status, body, took = jane.runs("status")

    assert status == 200 and took < 3.0, took
    assert "direct message" in json.loads(body)["text"]
    reply = wait_until(jane.messages, what="the status in the DM")[-1]
    assert "pipeline is empty" in texts(reply)
    assert bot.fake.calls("conversations.open")[0].params["users"] == "U1"


def test_afterview_alone_shows_help_in_the_dm(bot: SlackBot) -> None:
    jane = SlackUser(bot, "U1")
    status, _, took = jane.runs("")
    assert status == 200 and took < 3.0
    reply = wait_until(jane.messages, what="help in the DM")[-1]
    assert "Commands:" in texts(reply) and "debrief" in texts(reply)
    assert "Record an interview" in button_labels(reply)


# ---- direct messages --------------------------------------------------------------------------

def test_a_debrief_typed_in_the_dm_is_recorded_step_by_step(bot: SlackBot) -> None:
    jane = SlackUser(bot, "U2")
    onboard(jane)
    jane.says("debrief")
    assert "Which company" in texts(jane.messages()[-1])
    jane.answers("Acme", "Data Analyst", "today 11:00", "first", "video",
                 "Katherine O'Neill", "Head of Data", "k.oneill@acme.example", "skip",
                 "streaming", "done", "4", "skip", "skip", "skip", "skip", "skip", "Friday",
                 "1")
    final = jane.says("Sam at HR")

    assert "Well done" in texts(final[0])
    assert applications_of(bot, "T1", "U2") == ["Acme"]
    assert count(bot, Interviewer, Interviewer.email == "k.oneill@acme.example") == 1


def test_the_bots_own_messages_and_edits_are_ignored(bot: SlackBot, fake: FakeSlack) -> None:
    for event in (bot_message_event("I'm the bot", "DU3"),
                  message_changed_event("U3", "edited", "1.000001", "DU3"),
                  dm_message_event("UBOT", "my own echo", "DU3")):
        status, _ = bot.post(event_body(event))
        assert status == 200
    time.sleep(0.3)
    bot.settle()
    assert fake.posted_messages() == []
    assert count(bot, User) == 0


# ---- buttons ----------------------------------------------------------------------------------

def test_pressing_a_button_runs_its_choice_and_removes_the_buttons(
        bot: SlackBot, fake: FakeSlack) -> None:
    jane = SlackUser(bot, "U1")
    jane.runs("help")
    help_message = wait_until(jane.messages)[-1]
    assert find_button(help_message, "My pipeline")["value"] != "/status"  # an opaque token

    replies = jane.presses("My pipeline", help_message)

    assert "pipeline is empty" in texts(replies[-1])
    update = fake.wait_for_calls("chat.update")[0].params
    assert update["channel"] == "DU1"
    assert not [b for b in update["blocks"] if b["type"] == "actions"]
    assert "My pipeline" in texts(update) and "Commands:" in texts(update)


def test_a_forged_or_foreign_button_value_changes_nothing(bot: SlackBot, fake: FakeSlack) -> None:
    jane, mallory = SlackUser(bot, "U1"), SlackUser(bot, "U9")
    jane.runs("pause")
    paused = wait_until(jane.messages)[-1]
    resume = find_button(paused, "Resume reminders")

    for value in (resume["value"], "forged-token", "/resume"):
        before = len(mallory.messages())
        status, _ = bot.post(block_action_body("U9", "T1", resume["action_id"], value,
                                               channel="DU9", message_ts="1700000000.000001"))
        assert status == 200
        answer = mallory.reply_after(before)
        assert "isn't yours" in texts(answer[-1])

    assert fake.calls("chat.update") == []
    with bot.db.session() as session:
        jane_row = session.scalars(select(User).where(User.external_id == "U1")).one()
        assert jane_row.paused is True


# ---- the debrief modal ------------------------------------------------------------------------

def test_the_debrief_modal_shows_field_errors_then_saves_and_celebrates_in_the_dm(
        bot: SlackBot, fake: FakeSlack) -> None:
    fake.add_user("U5", tz="Europe/Berlin")
    jane = SlackUser(bot, "U5")
    view_id = open_modal(bot, jane)
    modal = fake.opened_views()[-1]
    block_ids = {b.get("block_id") for b in modal["blocks"]}
    assert {"company", "date", "time", "round", "iv1_name", "iv4_email",
            "decision_date"} <= block_ids

    status, body = submit(bot, jane, view_id, date=date_value(date(2026, 11, 25)))
    assert status == 200
    answer = json.loads(body)
    assert answer["response_action"] == "errors" and "future" in answer["errors"]["date"]

    status, body = submit(bot, jane, view_id, company=text_value(""),
                          iv2_email=text_value("rahul@"),
                          decision_date=date_value(date(2026, 11, 20)))
    errors = json.loads(body)["errors"]
    assert set(errors) == {"company", "iv2_email", "decision_date"}
    assert "before the interview" in errors["decision_date"]
    assert count(bot, Application) == 0

    status, body = submit(bot, jane, view_id)
    assert status == 200 and body == ""
    celebration = wait_until(jane.messages, what="the celebration in the DM")[-1]
    bot.settle()
    assert "Well done" in texts(celebration)
    assert "Katherine O'Neill and Rahul Mehta" in texts(celebration)
    assert applications_of(bot, "T1", "U5") == ["Acme"]
    with bot.db.session() as session:
        interview = session.scalars(select(Interview)).one()
        # the form is read in the time zone of her Slack profile: 11:00 in Berlin
        assert interview.starts_at == datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
        assert session.scalars(select(User.timezone)).one() == "Europe/Berlin"
        assert interview.decision_expected == date(2026, 11, 27)
    assert count(bot, Nudge, Nudge.kind == "thank_you") >= 1

    submit(bot, jane, view_id)  # the same view submitted again: saved once
    bot.settle()
    assert count(bot, Interview) == 1


def test_an_empty_decision_date_assumes_a_week_and_says_to_ask(bot: SlackBot) -> None:
    jane = SlackUser(bot, "U6")
    view_id = open_modal(bot, jane)
    status, body = submit(bot, jane, view_id, decision_date=date_value(None))
    assert (status, body) == (200, "")
    wait_until(lambda: len(jane.messages()) >= 2)
    bot.settle()
    assert "next steps" in texts(jane.messages()[0]) and "Mon 30 Nov" in texts(jane.messages()[0])


def test_when_the_form_cannot_open_the_debrief_continues_in_the_dm(
        bot: SlackBot, fake: FakeSlack) -> None:
    jane = SlackUser(bot, "U6")
    fake.fail_next("views.open", 500)
    status, _, _ = jane.runs("debrief")
    assert status == 200
    question = wait_until(jane.messages, what="the chat-style debrief")[-1]
    assert "Which company" in texts(question)


# ---- App Home ---------------------------------------------------------------------------------

def test_app_home_shows_the_pipeline_and_opens_the_debrief_form(
        bot: SlackBot, fake: FakeSlack) -> None:
    jane = SlackUser(bot, "U5")
    submit(bot, jane, open_modal(bot, jane))
    bot.settle()

    status, _ = bot.post(event_body(app_home_opened_event("U5")))
    assert status == 200
    home = fake.wait_for(lambda: fake.home_views("U5"), message="views.publish for U5")
    shown = texts(home)
    assert "Acme" in shown and "interviewing" in shown
    assert "send thank-you letters to Katherine O'Neill, Rahul Mehta" in shown
    assert "Mon 23 Nov" in shown and "Thank-you letters pending" in shown
    labels = [e["text"]["text"] for b in home["blocks"] for e in
              (b.get("elements") or []) + ([b["accessory"]] if b.get("accessory") else [])
              if e.get("type") == "button"]
    assert {"Record an interview", "Draft thank-yous", "Status"} <= set(labels)

    record = find_button(home, "Record an interview")
    opened_before = len(fake.opened_views())
    bot.post(block_action_body("U5", "T1", record["action_id"], record["value"]))
    fake.wait_for(lambda: len(fake.opened_views()) > opened_before, message="the modal")

    published = len(fake.calls("views.publish"))
    submit(bot, jane, open_modal(bot, jane), company=text_value("Globex"))
    fake.wait_for(lambda: len(fake.calls("views.publish")) > published, message="a new Home")
    assert "Globex" in texts(fake.home_views("U5") or {})

    status_button = find_button(home, "Status")
    before = len(jane.messages())
    bot.post(block_action_body("U5", "T1", status_button["action_id"], status_button["value"]))
    wait_until(lambda: len(jane.messages()) > before)
    assert "2 active applications" in texts(jane.messages()[-1])


# ---- nudges -----------------------------------------------------------------------------------

def test_a_scheduler_tick_delivers_the_thank_you_nudge_to_the_dm(
        bot: SlackBot, fake: FakeSlack) -> None:
    jane = SlackUser(bot, "U5")
    submit(bot, jane, open_modal(bot, jane))
    bot.settle()
    before = len(jane.messages())

    bot.clock.set(datetime(2026, 11, 23, 18, 0, tzinfo=UTC))
    report = bot.runtime.scheduler.tick()

    assert report.sent >= 1 and report.failed == 0
    nudge = jane.messages()[before]
    assert "Send your thank-yous today" in texts(nudge)
    assert "Done — all sent" in button_labels(nudge)

    replies = jane.presses("Done — all sent", nudge)
    assert "marked as sent" in texts(replies[-1])


# ---- security and duplicates ------------------------------------------------------------------

def test_a_bad_signature_or_a_stale_timestamp_is_refused_and_changes_nothing(
        bot: SlackBot, fake: FakeSlack) -> None:
    body = event_body(dm_message_event("U7", "hello"))
    assert bot.post(body, secret="not-the-secret")[0] == 401
    assert bot.post(body, timestamp=int(time.time()) - 6 * 60)[0] == 401
    command = "command=%2Fafterview&text=pause&user_id=U7&team_id=T1&trigger_id=1.2.x"
    assert bot.post(command, secret="wrong")[0] == 401
    time.sleep(0.2)

    assert count(bot, User) == 0 and count(bot, ProcessedUpdate) == 0
    assert fake.posted_messages() == []


def test_slacks_url_verification_challenge_is_answered(bot: SlackBot) -> None:
    body = json.dumps({"token": "unused", "challenge": "ch4llenge", "type": "url_verification"})
    status, text = bot.post(body)
    assert status == 200 and "ch4llenge" in text


def test_a_retried_event_is_processed_once(bot: SlackBot, fake: FakeSlack) -> None:
    jane = SlackUser(bot, "U8")
    event_id = new_event_id()
    first = jane.says("hello", event_id=event_id)
    body = event_body(dm_message_event("U8", "Jane Doe"), event_id=event_id)

    status, text = bot.post(body, retry_num=1)
    assert (status, text) == (200, "")
    bot.adapter._seen.clear()  # as after a restart: the database still knows the event
    assert bot.post(body, retry_num=2)[0] == 200
    time.sleep(0.3)
    bot.settle()

    assert len(jane.messages()) == len(first)
    assert count(bot, ProcessedUpdate, ProcessedUpdate.key == f"event:{event_id}") == 1


def test_two_workspaces_with_the_same_user_id_see_separate_data(bot: SlackBot) -> None:
    in_one = SlackUser(bot, "U1", "T1")
    in_two = SlackUser(bot, "U1", "T2")
    submit(bot, in_one, open_modal(bot, in_one))
    bot.settle()

    status, _, _ = in_two.runs("status")
    assert status == 200
    wait_until(lambda: "pipeline is empty" in texts(in_two.messages()[-1]))
    assert applications_of(bot, "T1", "U1") == ["Acme"]
    assert applications_of(bot, "T2", "U1") == []
    assert count(bot, User, User.external_id == "U1") == 2
