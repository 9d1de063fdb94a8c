"""The scheduler's batch queries use the partial indexes, so a tick's cost follows what is due,
not what is stored (`bench.scheduler_scale` measures it; this keeps the plans from drifting)."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import event

from bot.nudges.rules import CONTACT_KINDS
from storage.models import CONTACTS_SENT
from tests.nudging import scheduler_for
from tests.test_scheduler_recovery import MONDAY_1800, jane_after_an_interview


def test_the_written_out_contact_kinds_are_the_rules_contact_kinds() -> None:
    written = set(re.findall(r"'(\w+)'", CONTACTS_SENT))
    assert written == set(CONTACT_KINDS)


def test_a_tick_claims_and_checks_contacts_through_the_partial_indexes(sqlite_url) -> None:
    jane, clock, db = jane_after_an_interview(sqlite_url, decision="on Wednesday")
    seen: list[tuple[str, Any]] = []

    @event.listens_for(db.engine, "before_cursor_execute")
    def _record(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        seen.append((statement, parameters))

    scheduler, inbox = scheduler_for(db, clock)
    clock.set(MONDAY_1800)
    scheduler.tick()  # the thank-you reminder
    from datetime import timedelta
    clock.set(MONDAY_1800 + timedelta(days=3, hours=-8))  # Thursday 10:00: the follow-up
    scheduler.tick()
    assert any("follow-up" in text for text in inbox.texts()), inbox.texts()

    def plan(fragment: str) -> str:
        statement, parameters = next((s, p) for s, p in seen if fragment in s)
        with db.engine.connect() as connection:
            rows = connection.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)
            return " | ".join(str(row[-1]) for row in rows)

    assert "ix_nudges_due_open" in plan("UPDATE nudges SET state=?, attempts=")
    assert "ix_nudges_contacts_sent" in plan("nudges.sent_at \nFROM nudges")
