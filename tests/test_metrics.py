"""Metrics an operator alerts on: how long turns take per platform, how long understanding a
sentence takes, every platform API call's latency and outcome, how late nudges go out, how many
are due and not sent, how many people are paused — and the process's own CPU and memory, on the
web process's `/metrics` and on the worker's `METRICS_PORT`."""

from __future__ import annotations

import asyncio
import threading
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select, update
from telegram.error import Forbidden, RetryAfter

from adapters.slack import SlackAdapter
from adapters.telegram_flood import FloodLimiter
from afterview.runtime import Runtime
from afterview.settings import Settings
from bot import metrics
from bot.clock import FixedClock
from bot.conversation.buttons import ButtonVault
from bot.conversation.engine import Engine
from bot.messages import Reply, UserKey
from bot.nudges.gauges import read_gauges
from bot.nudges.scheduler import Scheduler
from storage.db import Database
from storage.models import Nudge, User
from tests.fakes.slack_api import FakeSlack
from tests.processes import free_port
from tests.slack_harness import settings_for
from tests.story import Seeker, debrief, onboard

MONDAY_1130 = datetime(2026, 11, 23, 11, 30, tzinfo=UTC)


def sample(name: str, **labels: str) -> float:
    return metrics.REGISTRY.get_sample_value(name, labels) or 0.0


@pytest.fixture
def database(sqlite_url: str) -> Iterator[Database]:
    db = Database(sqlite_url)
    yield db
    db.dispose()


def test_a_turn_is_timed_by_platform_and_a_sentence_by_the_understanding(
        database: Database) -> None:
    engine = Engine(database, FixedClock(MONDAY_1130))
    turns = sample("afterview_turn_seconds_count", platform="telegram")
    readings = sample("afterview_understanding_seconds_count")

    jane = Seeker(engine, "42", platform="telegram")
    onboard(jane)
    jane.says("acme said no")

    assert sample("afterview_turn_seconds_count", platform="telegram") == turns + 7
    assert sample("afterview_turn_seconds_sum", platform="telegram") > 0
    assert sample("afterview_understanding_seconds_count") > readings


def test_nudge_lateness_is_sent_minus_due(database: Database) -> None:
    clock = FixedClock(MONDAY_1130)
    engine = Engine(database, clock)
    jane = Seeker(engine, "jane")
    onboard(jane)
    debrief(jane)
    with database.session() as session:
        due = min(session.scalars(select(Nudge.due_at).where(Nudge.state == "pending")))
        count = len(list(session.scalars(select(Nudge.id).where(Nudge.due_at == due))))
    clock.set(due + timedelta(seconds=90))
    before = (sample("afterview_nudge_lateness_seconds_count"),
              sample("afterview_nudge_lateness_seconds_sum"))
    before_60 = sample("afterview_nudge_lateness_seconds_bucket", le="60.0")
    before_120 = sample("afterview_nudge_lateness_seconds_bucket", le="120.0")

    report = Scheduler(database, lambda user, replies: None, clock).tick()

    assert report.sent == count >= 1
    assert sample("afterview_nudge_lateness_seconds_count") == before[0] + count
    assert sample("afterview_nudge_lateness_seconds_sum") == pytest.approx(
        before[1] + 90 * count)
    assert sample("afterview_nudge_lateness_seconds_bucket", le="60.0") == before_60
    assert sample("afterview_nudge_lateness_seconds_bucket", le="120.0") == before_120 + count
    with database.session() as session:  # recorded as sent when it went out
        assert set(session.scalars(select(Nudge.sent_at).where(Nudge.state == "sent"))) == {
            due + timedelta(seconds=90)}


def test_the_database_gauges_count_the_backlog_and_the_paused(database: Database) -> None:
    clock = FixedClock(MONDAY_1130)
    engine = Engine(database, clock)
    for name in ("ann", "ben", "cat"):
        seeker = Seeker(engine, name)
        onboard(seeker)
        debrief(seeker)
    Seeker(engine, "cat").runs("pause")
    with database.session() as session:
        first = min(session.scalars(select(Nudge.due_at).where(Nudge.state == "pending")))
        due_now = len(list(session.scalars(select(Nudge.id).where(
            Nudge.state == "pending", Nudge.due_at <= first + timedelta(minutes=1)))))
        session.execute(update(User).where(User.external_id == "ben").values(unreachable=True))

    assert read_gauges(database, first - timedelta(seconds=1)) == (0, 2)
    assert read_gauges(database, first + timedelta(minutes=1)) == (due_now, 2)
    assert due_now >= 2  # ann's and ben's (cat's were cancelled when she paused)


def test_every_slack_call_is_timed_by_method_and_outcome(database: Database) -> None:
    with FakeSlack() as fake:
        clock = FixedClock(MONDAY_1130)
        adapter = SlackAdapter(settings_for(fake, database.url), Engine(database, clock),
                               ButtonVault(database, clock))
        try:
            ok = sample("afterview_delivery_seconds_count", platform="slack",
                        method="chat.postMessage", outcome="ok")
            limited = sample("afterview_delivery_seconds_count", platform="slack",
                             method="chat.postMessage", outcome="limited")
            fake.fail_next("chat.postMessage", 429)
            adapter.deliver(UserKey("slack", "T1", "U1"), [Reply("Send your thank-yous")])
        finally:
            adapter.stop()

    assert sample("afterview_delivery_seconds_count", platform="slack",
                  method="chat.postMessage", outcome="ok") == ok + 1
    assert sample("afterview_delivery_seconds_count", platform="slack",
                  method="chat.postMessage", outcome="limited") == limited + 1


def test_every_telegram_call_is_timed_by_endpoint_and_outcome() -> None:
    limiter = FloodLimiter(per_second=1000, per_chat_interval=0.0)
    before = {o: sample("afterview_delivery_seconds_count", platform="telegram",
                        method="sendMessage", outcome=o) for o in ("ok", "limited", "refused")}
    outcomes: list[Any] = [RetryAfter(0), True, Forbidden("bot was blocked by the user")]

    async def call() -> bool:
        result = outcomes.pop(0)
        if isinstance(result, Exception):
            raise result
        return bool(result)

    async def send_twice() -> None:
        await limiter.process_request(call, (), {}, "sendMessage", {"chat_id": 1}, None)
        with pytest.raises(Forbidden):
            await limiter.process_request(call, (), {}, "sendMessage", {"chat_id": 1}, None)

    asyncio.run(send_twice())

    for outcome in ("ok", "limited", "refused"):
        assert sample("afterview_delivery_seconds_count", platform="telegram",
                      method="sendMessage", outcome=outcome) == before[outcome] + 1


def _get(url: str) -> tuple[int, str, str]:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.status, response.headers["Content-Type"], response.read().decode()


def test_the_worker_serves_metrics_on_its_own_port(database: Database) -> None:
    port = free_port()
    settings = Settings(_env_file=None, **{  # type: ignore[call-arg]
        "DATABASE_URL": database.url, "METRICS_PORT": port, "PORT": free_port()})
    runtime = Runtime(settings, web=False, worker=True, tick_seconds=3600)
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    try:
        asyncio.run_coroutine_threadsafe(runtime.start(), loop).result(10)
        status, kind, body = _get(f"http://127.0.0.1:{port}/metrics")
    finally:
        asyncio.run_coroutine_threadsafe(runtime.stop(), loop).result(15)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(5)
        loop.close()

    assert status == 200 and kind.startswith("text/plain")
    for name in ("afterview_nudges_due 0.0", "afterview_users_paused 0.0",
                 "process_cpu_seconds_total", "process_resident_memory_bytes",
                 "# TYPE afterview_turn_seconds histogram",
                 "# TYPE afterview_nudge_lateness_seconds histogram",
                 "# TYPE afterview_delivery_seconds histogram",
                 "afterview_turns_total"):
        assert name in body, name


def test_the_dashboard_and_the_alerts_ask_only_for_metrics_we_export() -> None:
    import json
    import re
    from pathlib import Path

    import yaml

    folder = Path(__file__).resolve().parent.parent / "docs" / "monitoring"
    rules = yaml.safe_load((folder / "alerts.yml").read_text())["groups"][0]["rules"]
    board = json.loads((folder / "grafana-dashboard.json").read_text())
    asked = " ".join([r["expr"] for r in rules]
                     + [t["expr"] for p in board["panels"] for t in p["targets"]])
    exported = {family.name + suffix for family in metrics.REGISTRY.collect()
                for suffix in ("", "_total", "_bucket", "_count", "_sum")}
    names = set(re.findall(r"\b(?:afterview|process)_[a-z_]+", asked))

    assert len(rules) == 3
    assert names and names <= exported, names - exported
