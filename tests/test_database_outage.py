"""A database outage: users hear "try again in a moment", the scheduler retries, and everything
resumes when PostgreSQL is back — nothing answered before the outage is lost."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit, urlunsplit

import pytest

from bot.clock import FixedClock
from bot.conversation.engine import TRY_AGAIN, Engine
from storage.db import Database
from storage.models import Nudge
from tests.fakes.tcp_proxy import TcpProxy
from tests.nudging import scheduler_for
from tests.story import Seeker, debrief, onboard

MONDAY = datetime(2026, 11, 23, 11, 30, tzinfo=UTC)


@pytest.fixture
def proxied(pg_url):  # type: ignore[no-untyped-def]
    parts = urlsplit(pg_url)
    proxy = TcpProxy(parts.hostname or "127.0.0.1", parts.port or 5432)
    netloc = f"{parts.username}@127.0.0.1:{proxy.port}" if parts.username else \
        f"127.0.0.1:{proxy.port}"
    url = urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))
    yield url, proxy
    proxy.close()


def test_while_the_database_is_down_the_user_is_asked_to_try_again(proxied):
    url, proxy = proxied
    clock = FixedClock(MONDAY)
    db = Database(url, connect_args={"connect_timeout": 2})
    jane = Seeker(Engine(db, clock))
    onboard(jane)
    jane.runs("debrief")
    jane.answers("Acme", "Data Analyst")
    proxy.down()
    jane.says("today 11am")
    assert jane.last == TRY_AGAIN
    proxy.up()
    jane.says("today 11am")
    assert "Which round" in jane.last  # resumed right where the outage hit: company and role kept
    db.dispose()


def test_the_scheduler_survives_an_outage_and_delivers_afterwards(proxied):
    url, proxy = proxied
    clock = FixedClock(MONDAY)
    db = Database(url, connect_args={"connect_timeout": 2})
    jane = Seeker(Engine(db, clock))
    onboard(jane)
    debrief(jane)
    scheduler, inbox = scheduler_for(db, clock)
    clock.set(datetime(2026, 11, 23, 18, 0, tzinfo=UTC))
    proxy.down()
    with pytest.raises(Exception):  # noqa: B017 - the tick fails; the worker's next tick retries
        scheduler.tick()
    assert inbox.messages == []
    proxy.up()
    clock.advance(timedelta(minutes=1))
    scheduler.tick()
    assert len(inbox.messages) == 1 and "thank-you" in inbox.messages[0].reply.text
    with db.session() as session:
        assert session.query(Nudge).filter(Nudge.state == "sent").count() == 1
    db.dispose()
