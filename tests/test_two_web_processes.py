"""Two `afterview serve` processes behind one address, on one PostgreSQL database, and one
worker: Telegram's webhook updates and Slack's signed events land on either process, and each is
delivered twice — to both processes at the same moment, as a redelivery after a timeout that the
load balancer sends to the other process. Every update is answered exactly once, and the worker
sends each nudge once."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterator

os.environ.setdefault("PTB_TIMEDELTA", "1")  # before telegram is imported

import pytest  # noqa: E402

from storage.db import Database  # noqa: E402
from tests.fakes.slack_api import FakeSlack, iter_texts  # noqa: E402
from tests.fakes.slack_signing import dm_message_event, event_body, post_signed  # noqa: E402
from tests.fakes.telegram_api import FakeTelegram  # noqa: E402
from tests.processes import (  # noqa: E402
    SLACK_SIGNING_SECRET,
    SLACK_TOKEN,
    TELEGRAM_TOKEN,
    TELEGRAM_WEBHOOK_SECRET,
    Deployment,
    free_port,
    http_get,
    make_thank_yous_due,
    metric,
    nudge_states,
    wait_until,
)

pytestmark = [pytest.mark.timeout(240), pytest.mark.slow]

JANE = 4343  # on Telegram
SAM, TEAM = "U7", "T1"  # on Slack
NUDGE = "Send your thank-yous today"

# (what the person types, what the bot asks next) — typed, so either process can take any step
SCRIPT = (
    ("hello", "What name should I use"),
    ("Jane Doe", "Your contact line"),
    ("skip", "Which city or time zone"),
    ("skip", "At what hour"),
    ("09:00", "Quiet hours — when"),
    ("no quiet hours", "All set, Jane!"),
    ("debrief", "Which company"),
    ("Acme", "What's the role?"),
    ("Data Analyst", "When was the interview?"),
    ("just now", "Which round was it?"),
    ("first", "How was it held?"),
    ("video", "Who interviewed you?"),
    ("Katherine O'Neill", "job title?"),
    ("skip", "email?"),
    ("skip", "phone number?"),
    ("skip", "I especially enjoyed our conversation about"),
    ("skip", "Anyone else?"),
    ("done", "How did it go"),
    ("4", "What went well?"),
    ("skip", "strongest qualification"),
    ("skip", "improve next time"),
    ("skip", "Which questions"),
    ("skip", "Anything you missed"),
    ("skip", "When do they expect to decide"),
    ("don't know", "How many steps remain"),
    ("don't know", "Who should you contact for news"),
    ("skip", "Well done"),
)


@pytest.fixture
def telegram() -> Iterator[FakeTelegram]:
    with FakeTelegram(token=TELEGRAM_TOKEN) as fake:
        yield fake


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    with FakeSlack(valid_tokens={SLACK_TOKEN}) as fake:
        yield fake


@pytest.fixture
def deployment(tmp_path, pg_url: str, telegram: FakeTelegram,  # type: ignore[no-untyped-def]
               slack: FakeSlack) -> Iterator[Deployment]:
    deployed = Deployment(tmp_path, {
        "DATABASE_URL": pg_url,
        "TELEGRAM_BOT_TOKEN": TELEGRAM_TOKEN,
        "TELEGRAM_API_URL": telegram.api_url,
        "TELEGRAM_WEBHOOK_SECRET": TELEGRAM_WEBHOOK_SECRET,
        "SLACK_BOT_TOKEN": SLACK_TOKEN,
        "SLACK_SIGNING_SECRET": SLACK_SIGNING_SECRET,
        "SLACK_API_URL": slack.api_url,
        "AFTERVIEW_TICK_SECONDS": "1",
        "LOG_FORMAT": "json",
    })
    try:
        yield deployed
    finally:
        deployed.close()


def at_once(*calls: Callable[[], int]) -> list[int]:
    """Run the calls at the same moment (each on its own thread); their results in order."""
    results: list[int] = [0] * len(calls)
    start = threading.Barrier(len(calls))

    def run(index: int) -> None:
        start.wait(5)
        results[index] = calls[index]()

    threads = [threading.Thread(target=run, args=(i,), daemon=True) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return results


def telegram_texts(fake: FakeTelegram) -> list[str]:
    return [m.plain_text or "" for m in fake.sent_messages(JANE)]


def slack_texts(fake: FakeSlack) -> list[str]:
    return ["\n".join(iter_texts([m])) for m in fake.posted_messages(f"D{SAM}")]


def test_two_serve_processes_answer_every_update_once_and_the_worker_nudges_once(
        deployment: Deployment, pg_url: str, telegram: FakeTelegram, slack: FakeSlack) -> None:
    ports = (free_port(), free_port())
    webhook = {"TELEGRAM_WEBHOOK_URL": f"http://127.0.0.1:{ports[0]}/telegram/webhook"}
    serves = [deployment.start("serve", port=port, extra=webhook) for port in ports]
    worker = deployment.start("worker", extra=webhook)
    for serve in serves:
        deployment.wait_healthy(serve)
    deployment.wait_started(worker)
    hooks = [s.url("/telegram/webhook") for s in serves]
    events = [s.url("/slack/events") for s in serves]

    for step, (typed, expect) in enumerate(SCRIPT):
        first, other = step % 2, 1 - step % 2
        tg_before, slack_before = len(telegram_texts(telegram)), len(slack_texts(slack))

        # Telegram: the update reaches both processes at the same moment (a redelivery racing
        # the first attempt); every second step, once more after the answer (a late retry)
        update = telegram.make_update(JANE, typed)
        assert at_once(lambda u=update, f=first: telegram.deliver_webhook(u, url=hooks[f]),
                       lambda u=update, o=other: telegram.deliver_webhook(u, url=hooks[o])) \
            == [200, 200]
        if step % 2:
            assert telegram.deliver_webhook(update, url=hooks[first]) == 200

        # Slack: the event to one process, then Slack's retry (same event id) to the other
        body = event_body(dm_message_event(SAM, typed, f"D{SAM}", team=TEAM), TEAM)
        assert post_signed(events[first], body, SLACK_SIGNING_SECRET)[0] == 200
        assert post_signed(events[other], body, SLACK_SIGNING_SECRET, retry_num=1)[0] == 200

        wait_until(lambda e=expect, b=tg_before: any(
            e in t for t in telegram_texts(telegram)[b:]), 15.0,
            f"Telegram's answer {expect!r}", deployment.diagnostics)
        wait_until(lambda e=expect, b=slack_before: any(
            e in t for t in slack_texts(slack)[b:]), 15.0,
            f"Slack's answer {expect!r}", deployment.diagnostics)

    time.sleep(1.0)  # a late duplicate answer would have arrived by now
    for texts in (telegram_texts(telegram), slack_texts(slack)):
        answered = {expect: sum(expect in t for t in texts) for _, expect in SCRIPT}
        assert answered == dict.fromkeys(answered, 1), answered
    # both processes took turns, and both dropped duplicates
    duplicates = [metric(http_get(s.url("/metrics"))[1], "afterview_duplicate_updates_total")
                  for s in serves]
    turns = [metric(http_get(s.url("/metrics"))[1], "afterview_turns_total") for s in serves]
    assert all(t > 0 for t in turns) and sum(turns) == 2 * len(SCRIPT)
    assert all(d > 0 for d in duplicates)

    db = Database(pg_url, upgrade=False)
    try:
        due = make_thank_yous_due(db)
        assert len(due) == 2
        wait_until(lambda: all(s == ("sent", None) for s in nudge_states(db, due).values()),
                   20.0, "the worker to send both nudges", deployment.diagnostics)
        time.sleep(2.5)  # two more ticks: nothing goes out twice
    finally:
        db.dispose()
    assert sum(NUDGE in t for t in telegram_texts(telegram)) == 1
    assert sum(NUDGE in t for t in slack_texts(slack)) == 1

    exits = deployment.stop(*serves, worker, timeout=20.0)
    assert {code for code, _ in exits.values()} == {0}, deployment.diagnostics()
