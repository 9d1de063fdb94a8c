"""Afterview deployed as the Procfile has it: `afterview serve` and `afterview worker` as real
processes sharing one database (a SQLite file, PostgreSQL), a job seeker on Telegram and one on
Slack talking to them through the fake platform servers, the nudges delivered by the worker —
exactly once, also when the worker is told to stop (SIGTERM) in the middle of a send — and not a
token or a secret in any line they print."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime

os.environ.setdefault("PTB_TIMEDELTA", "1")  # before telegram is imported

import pytest  # noqa: E402

from bot.clock import FixedClock  # noqa: E402
from bot.conversation.engine import Engine  # noqa: E402
from storage.db import Database  # noqa: E402
from tests.fakes.slack_api import FakeSlack, iter_texts  # noqa: E402
from tests.fakes.slack_signing import dm_message_event, event_body, post_signed  # noqa: E402
from tests.fakes.telegram_api import FakeTelegram, SentMessage  # noqa: E402
from tests.processes import (  # noqa: E402
    SLACK_SIGNING_SECRET,
    SLACK_TOKEN,
    TELEGRAM_TOKEN,
    TELEGRAM_WEBHOOK_SECRET,
    Deployment,
    claimed_rows,
    free_port,
    http_get,
    make_thank_yous_due,
    metric,
    nudge_states,
    user_of_nudge,
    wait_until,
)
from tests.story import Seeker  # noqa: E402

pytestmark = pytest.mark.timeout(120)

JANE = 4242  # on Telegram
SAM = "U1"  # on Slack, in workspace T1
TEAM = "T1"
NUDGE = "Send your thank-yous today"
STOP_WITHIN = 20.0  # seconds a platform waits after SIGTERM before it kills (Heroku: 30)

# (answer, what the bot asks next, pressed as a button on Telegram)
ONBOARDING = (
    ("hello", "What name should I use", False),
    ("Jane Doe", "Your contact line", False),
    ("skip", "Which city or time zone", False),
    ("skip", "At what hour", False),
    ("09:00", "Quiet hours", True),
    ("No quiet hours", "All set, Jane!", True),
)
DEBRIEF = (
    ("/debrief", "Which company", False),
    ("Acme", "What's the role?", False),
    ("Data Analyst", "When was the interview?", False),
    ("Just now", "Which round was it?", True),
    ("First", "How was it held?", True),
    ("Video", "Who interviewed you?", True),
    ("Katherine O'Neill", "job title?", False),
    ("skip", "email?", False),
    ("k.oneill@acme.example", "phone number?", False),
    ("skip", "Finish the sentence", False),
    ("skip", "Anyone else?", False),
    ("Done", "How did it go", True),
    ("4", "What went well?", True),
    ("skip", "strongest qualification", False),
    ("skip", "improve next time", False),
    ("skip", "Which questions", False),
    ("skip", "Anything you missed", False),
    ("skip", "When do they expect to decide", False),
    ("Don't know", "How many steps remain", True),
    ("Don't know", "Who should you contact for news", True),
    ("skip", "Well done", False),
)
SLACK_DEBRIEF = (("debrief", "Which company", False), *DEBRIEF[1:])  # typed, no slash


# ---- fixtures -----------------------------------------------------------------------------------


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest) -> str:
    """A SQLite file, or a fresh PostgreSQL schema, shared by all the processes of a test."""
    return str(request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "pg_url"))


@pytest.fixture
def telegram() -> Iterator[FakeTelegram]:
    with FakeTelegram(token=TELEGRAM_TOKEN) as fake:
        yield fake


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    with FakeSlack(valid_tokens={SLACK_TOKEN}) as fake:
        yield fake


@pytest.fixture
def deployment(tmp_path, database_url: str, telegram: FakeTelegram,  # type: ignore[no-untyped-def]
               slack: FakeSlack) -> Iterator[Deployment]:
    """The config vars of one app; the processes it starts are killed (process groups) at the
    end whatever happened."""
    env = {
        "DATABASE_URL": database_url,
        "TELEGRAM_BOT_TOKEN": TELEGRAM_TOKEN,
        "TELEGRAM_API_URL": telegram.api_url,
        "SLACK_BOT_TOKEN": SLACK_TOKEN,
        "SLACK_SIGNING_SECRET": SLACK_SIGNING_SECRET,
        "SLACK_API_URL": slack.api_url,
        "AFTERVIEW_TICK_SECONDS": "1",
        "LOG_FORMAT": "json",
        "LOG_LEVEL": "DEBUG",
    }
    deployed = Deployment(tmp_path, env)
    try:
        yield deployed
    finally:
        deployed.close()


# ---- the people -----------------------------------------------------------------------------


class TelegramChat:
    """A job seeker in a private chat, played at the fake Bot API; the bot is another process, so
    a turn is over when the bot's answer has arrived at the fake."""

    def __init__(self, fake: FakeTelegram, chat_id: int, first_name: str = "Jane") -> None:
        self.fake = fake
        self.chat_id = chat_id
        self.first_name = first_name

    def _turn(self, act: Callable[[], object], expect: str) -> list[SentMessage]:
        before = len(self.fake.sent_messages(self.chat_id))
        act()

        def answered() -> list[SentMessage]:
            new = self.fake.sent_messages(self.chat_id)[before:]
            return new if any(expect in (m.plain_text or "") for m in new) else []

        return self.fake.wait_for(answered, 15.0, what=f"the bot's answer with {expect!r}")

    def says(self, text: str, expect: str) -> list[SentMessage]:
        return self._turn(lambda: self.fake.user_sends_text(self.chat_id, text,
                                                            first_name=self.first_name), expect)

    def presses(self, label: str, expect: str) -> list[SentMessage]:
        return self._turn(lambda: self.fake.user_presses_button(self.chat_id, label,
                                                                first_name=self.first_name),
                          expect)

    def goes_through(self, script: tuple[tuple[str, str, bool], ...]) -> None:
        for answer, expect, pressed in script:
            if pressed:
                self.presses(answer, expect)
            else:
                self.says(answer, expect)


class SlackDM:
    """A job seeker writing to the bot in their Slack DM: events signed with the real algorithm
    and posted to serve's /slack/events, the answers read at the fake Web API."""

    def __init__(self, fake: FakeSlack, events_url: str, user_id: str, team: str) -> None:
        self.fake = fake
        self.events_url = events_url
        self.user_id = user_id
        self.team = team
        self.channel = f"D{user_id}"

    def messages(self) -> list[dict[str, object]]:
        return self.fake.posted_messages(self.channel)

    def says(self, text: str, expect: str) -> None:
        before = len(self.messages())
        body = event_body(dm_message_event(self.user_id, text, self.channel, team=self.team),
                          self.team)
        status, _ = post_signed(self.events_url, body, SLACK_SIGNING_SECRET)
        assert status == 200, f"/slack/events answered {status} to {text!r}"
        self.fake.wait_for(
            lambda: any(expect in t for t in iter_texts(self.messages()[before:])), 15.0,
            f"the bot's answer with {expect!r}")

    def goes_through(self, script: tuple[tuple[str, str, bool], ...]) -> None:
        for answer, expect, _ in script:
            self.says(answer, expect)


def in_background(work: Callable[[], None]) -> Callable[[], None]:
    """Run `work` in a thread; the returned function joins it and re-raises its failure."""
    failure: list[BaseException] = []

    def run() -> None:
        try:
            work()
        except BaseException as error:  # noqa: BLE001 - handed to the joiner
            failure.append(error)

    thread = threading.Thread(target=run, name="second-user", daemon=True)
    thread.start()

    def join() -> None:
        thread.join(60)
        assert not thread.is_alive(), "the second conversation did not finish"
        if failure:
            raise failure[0]

    return join


def nudges_at(fake: FakeTelegram, chat_id: int) -> list[SentMessage]:
    return [m for m in fake.sent_messages(chat_id) if NUDGE in (m.plain_text or "")]


def slack_nudges(fake: FakeSlack, channel: str) -> list[dict[str, object]]:
    return [m for m in fake.posted_messages(channel) if any(NUDGE in t for t in iter_texts([m]))]


def assert_logs_clean(deployment: Deployment) -> None:
    """No token or secret in any line of any process, stdout or stderr, and every log line
    (stderr, LOG_FORMAT=json) one JSON object."""
    assert deployment.line_count() > 20, "the processes printed (almost) nothing to check"
    assert deployment.secret_lines() == []
    assert deployment.non_json_lines(streams=(".stderr",)) == []


# ---- the tests ------------------------------------------------------------------------------


def test_serve_and_worker_deliver_the_nudges_of_a_telegram_and_a_slack_conversation_once(
        deployment: Deployment, database_url: str, telegram: FakeTelegram,
        slack: FakeSlack) -> None:
    serve = deployment.start("serve")
    worker = deployment.start("worker")  # both at once, as a platform starts them
    deployment.wait_healthy(serve)
    deployment.wait_started(worker)
    assert "telegram: long polling" in worker.output()  # no webhook: the worker polls

    # Jane on Telegram (the worker polls her messages) while Sam debriefs in his Slack DM (serve)
    sam = SlackDM(slack, serve.url("/slack/events"), SAM, TEAM)
    sam_done = in_background(lambda: sam.goes_through(SLACK_DEBRIEF))
    TelegramChat(telegram, JANE).goes_through(ONBOARDING + DEBRIEF)
    sam_done()

    # metrics are per process: serve counts the Slack turns (the worker has no HTTP server)
    status, body = http_get(serve.url("/metrics"))
    assert status == 200 and metric(body, "afterview_turns_total") >= len(SLACK_DEBRIEF)

    db = Database(database_url, upgrade=False)
    try:
        due = make_thank_yous_due(db)
        assert sorted(user_of_nudge(db, due).values()) == [("slack", SAM), ("telegram", str(JANE))]
        wait_until(lambda: nudges_at(telegram, JANE) and slack_nudges(slack, f"D{SAM}"), 15.0,
                   "the worker to deliver both thank-you nudges", deployment.diagnostics)
        wait_until(lambda: all(s == ("sent", None) for s in nudge_states(db, due).values()),
                   5.0, "both nudges recorded as sent", deployment.diagnostics)
        time.sleep(1.2)  # another tick: nothing goes out twice
        assert len(nudges_at(telegram, JANE)) == 1
        assert len(slack_nudges(slack, f"D{SAM}")) == 1

        status, health = http_get(serve.url("/healthz"))
        assert status == 200 and '"up"' in health
    finally:
        db.dispose()

    exits = deployment.stop(worker, serve, timeout=STOP_WITHIN)
    assert {code for code, _ in exits.values()} == {0}, deployment.diagnostics()
    assert_logs_clean(deployment)


def debriefed_on_telegram(database_url: str, chat_ids: list[int]) -> None:
    """Job seekers who debriefed an interview just now (recorded here, on the real clock): each
    has thank-you reminders planned for later."""
    db = Database(database_url, upgrade=False)
    try:
        engine = Engine(db, FixedClock(datetime.now(UTC)))
        for chat_id in chat_ids:
            seeker = Seeker(engine, str(chat_id), "telegram", "private")
            seeker.runs("debrief")
            seeker.answers(*[answer for answer, _, _ in DEBRIEF[1:]])
            assert "Well done" in seeker.text
    finally:
        db.dispose()


def test_sigterm_during_a_delivery_loses_nothing_and_duplicates_nothing(
        deployment: Deployment, database_url: str, telegram: FakeTelegram) -> None:
    # a rolling restart in webhook mode: serve takes Telegram's updates, two workers only
    # deliver; the one caught sending is told to stop, the other carries on
    port = free_port()
    webhook = {"TELEGRAM_WEBHOOK_URL": f"http://127.0.0.1:{port}/telegram/webhook",
               "TELEGRAM_WEBHOOK_SECRET": TELEGRAM_WEBHOOK_SECRET}
    serve = deployment.start("serve", port=port, extra=webhook)
    workers = [deployment.start("worker", extra=webhook) for _ in range(2)]
    deployment.wait_healthy(serve)
    for worker in workers:
        deployment.wait_started(worker)
    assert telegram.webhook["url"] == webhook["TELEGRAM_WEBHOOK_URL"]

    # Telegram's webhook reaches serve; a call without the secret is refused
    hello = telegram.make_update(JANE, "hello")
    assert telegram.deliver_webhook(hello, secret_token="not-the-secret") == 403
    assert telegram.deliver_webhook(hello) == 200
    assert "What name should I use" in (telegram.wait_for_messages(JANE)[-1].plain_text or "")

    chats = [5001, 5002, 5003]
    debriefed_on_telegram(database_url, chats)
    db = Database(database_url, upgrade=False)
    try:
        # the first nudge reaches Telegram at once, but its answer takes 2 s (PTB waits 5)
        telegram.hang_seconds = 2.0
        telegram.fail_next("sendMessage", "late")
        due = make_thank_yous_due(db)
        assert len(due) == len(chats)
        chat_of = {nudge: int(user) for nudge, (_, user) in user_of_nudge(db, due).items()}
        [in_flight] = wait_until(lambda: [c for c in chats if nudges_at(telegram, c)], 15.0,
                                 "the first nudge to reach Telegram", deployment.diagnostics)
        [nudge] = [n for n, chat in chat_of.items() if chat == in_flight]
        state, claimed_by = nudge_states(db, [nudge])[nudge]
        assert state == "claimed" and claimed_by, "the send should still be waiting for Telegram"
        [sending] = [w for w in workers if claimed_by.endswith(f":{w.pid}")]

        [(code, took)] = deployment.stop(sending, timeout=STOP_WITHIN).values()

        assert code == 0, sending.tail()
        assert [row for row in claimed_rows(db) if row[1] == claimed_by] == []
        assert nudge_states(db, [nudge])[nudge] == ("sent", None)  # finished, then recorded
        wait_until(lambda: all(s == ("sent", None) for s in nudge_states(db, due).values()),
                   15.0, "every due nudge sent", deployment.diagnostics)
        time.sleep(1.2)  # another tick of the worker that stayed: nothing goes out twice
        assert {chat: len(nudges_at(telegram, chat)) for chat in chats} == dict.fromkeys(chats, 1)
    finally:
        db.dispose()

    [staying] = [w for w in workers if w is not sending]
    exits = deployment.stop(staying, serve, timeout=STOP_WITHIN)
    assert {code for code, _ in exits.values()} == {0}, deployment.diagnostics()
    assert not telegram.calls("getUpdates")  # with a webhook nothing polls
    assert_logs_clean(deployment)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_worker_told_to_stop_finishes_the_send_in_progress_and_releases_the_rest(
        deployment: Deployment, database_url: str, telegram: FakeTelegram) -> None:
    worker = deployment.start("worker")
    deployment.wait_started(worker)
    chats = [6001, 6002, 6003]
    debriefed_on_telegram(database_url, chats)
    db = Database(database_url, upgrade=False)
    try:
        telegram.hang_seconds = 1.5  # a slow Telegram: every answer takes 1.5 s
        telegram.fail_next("sendMessage", "late", count=len(chats))
        due = make_thank_yous_due(db)
        wait_until(lambda: any(nudges_at(telegram, c) for c in chats), 15.0,
                   "the first nudge to reach Telegram", deployment.diagnostics)

        [(code, took)] = deployment.stop(worker, timeout=STOP_WITHIN).values()

        assert code == 0, worker.tail()
        reached = [c for c in chats if nudges_at(telegram, c)]
        assert len(reached) == 1, (
            f"{len(reached) - 1} new sends after SIGTERM; the worker took {took:.1f} s to stop")
        assert sorted(nudge_states(db, due).values()) == [
            ("pending", None), ("pending", None), ("sent", None)]
    finally:
        db.dispose()


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_with_json_logs_every_line_a_process_prints_is_one_json_object(
        deployment: Deployment) -> None:
    serve = deployment.start("serve")
    worker = deployment.start("worker")
    deployment.wait_healthy(serve)
    deployment.wait_started(worker)
    exits = deployment.stop(worker, serve, timeout=STOP_WITHIN)
    assert {code for code, _ in exits.values()} == {0}

    assert deployment.non_json_lines() == []
