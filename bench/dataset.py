"""A synthetic population for the scheduler benchmarks: users with one application, one
interview and two interviewers each, and a nudge table of a chosen size of which a chosen
number are due now — bulk-inserted in one transaction with plain INSERTs (no COPY).

Rows are written in the order a live system writes them — interleaved across users, not
grouped by user — so one user's nudges are scattered over the table as they would be.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Table, text

from storage.db import Database
from storage.models import Application, Event, Interview, Interviewer, Nudge, User

# a Monday at 10:00 in London (UTC in November): outside quiet hours, at the nudge hour
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
INTERVIEW_AT = NOW - timedelta(days=10)
DECISION = (NOW - timedelta(days=3)).date()
CHUNK = 20_000


def follow_up_key(application_id: int, decision: date = DECISION) -> str:
    """The key the planner gives the follow-up of this application (so replanning keeps it)."""
    return f"follow_up:{application_id}:{decision.isoformat()}"


def _chunks(rows: Iterator[dict[str, Any]], size: int = CHUNK) -> Iterator[list[dict[str, Any]]]:
    chunk: list[dict[str, Any]] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _users(count: int) -> Iterator[dict[str, Any]]:
    for i in range(1, count + 1):
        yield dict(id=i, platform="telegram", workspace="", external_id=str(100_000_000 + i),
                   display_name=f"Seeker {i}", signature="", timezone="Europe/London",
                   nudge_hour=9, quiet_start=21, quiet_end=8, ghost_after=3, paused=False,
                   unreachable=False, onboarded=True, target_salary=None,
                   last_application_id=i, current_employer="", current_position="",
                   manager_name="", created_at=NOW - timedelta(days=60))


def _applications(count: int) -> Iterator[dict[str, Any]]:
    for i in range(1, count + 1):
        yield dict(id=i, user_id=i, company=f"Company {i}", role="Data Analyst",
                   status="active", nudges_stopped=False, next_interview_at=None,
                   next_round="", offer_deadline=None, created_at=INTERVIEW_AT,
                   updated_at=INTERVIEW_AT, closed_at=None)


def _interviews(count: int) -> Iterator[dict[str, Any]]:
    for i in range(1, count + 1):
        yield dict(id=i, user_id=i, application_id=i, round="first", format="video",
                   starts_at=INTERVIEW_AT, recorded_at=INTERVIEW_AT + timedelta(hours=1),
                   rating=4, went_well="the SQL exercise", strengths="ten years of analytics",
                   to_improve="", questions="", missed="", decision_expected=DECISION,
                   decision_assumed=False, steps_remaining=2, news_contact="")


def _interviewers(count: int) -> Iterator[dict[str, Any]]:
    for i in range(1, count + 1):
        for position, name in enumerate(("Priya Raman", "Tom O'Neil")):
            yield dict(id=2 * i - 1 + position, user_id=i, interview_id=i, position=position,
                       name=name, title="", email="", phone="", notes="",
                       thank_you_state="sent", thank_you_sent_at=INTERVIEW_AT + timedelta(
                           hours=5))


def _events(count: int) -> Iterator[dict[str, Any]]:
    for i in range(1, count + 1):
        yield dict(user_id=i, application_id=i, kind="interview",
                   at=INTERVIEW_AT + timedelta(hours=1), data={"interview_id": i})


HISTORY_KINDS = ("thank_you", "check_in", "digest", "thank_you", "prep")
PAYLOADS = tuple(json.dumps({"number": n}) for n in (1, 2, 3))  # JSON as the driver gets it


def due_users(users: int, count: int, offset: int = 0) -> list[int]:
    """`count` user ids spread evenly over 1..users; sets with different offsets are disjoint
    (while offset < users // count)."""
    stride = max(1, users // max(count, 1))
    return [1 + offset + n * stride for n in range(count)]


def _due(user_ids: list[int], at: datetime) -> Iterator[dict[str, Any]]:
    """One follow-up per user, due over the hour before `at`."""
    payload = json.dumps({"decision": DECISION.isoformat()})
    for n, user_id in enumerate(user_ids):
        yield dict(user_id=user_id, application_id=user_id, interview_id=None,
                   kind="follow_up", key=follow_up_key(user_id),
                   due_at=at - timedelta(seconds=1 + (n * 3600) // len(user_ids)),
                   state="pending", attempts=0, claimed_at=None, claimed_by=None, sent_at=None,
                   last_error=None, payload=payload, created_at=INTERVIEW_AT + timedelta(hours=1))


def _history(users: int, first: int, count: int) -> Iterator[dict[str, Any]]:
    """History and future, round-robin over the users: ~70% sent, ~20% cancelled, ~10% pending
    in the future. `first` continues an earlier call's sequence."""
    for serial in range(first, first + count):
        user_id = 1 + serial % users
        generation = serial // users
        kind = HISTORY_KINDS[generation % len(HISTORY_KINDS)]
        roll = ((serial + 1) * 7919) % 10
        created = NOW - timedelta(days=400) + timedelta(hours=serial % 9_000)
        if roll < 7:
            state, due_at, sent_at, error = "sent", created, created, None
        elif roll < 9:
            state, due_at, sent_at, error = "cancelled", created, None, "not needed"
        else:
            state, sent_at, error = "pending", None, None
            due_at = NOW + timedelta(days=1 + serial % 30, minutes=10 * (serial % 60))
        yield dict(user_id=user_id, application_id=None if kind == "digest" else user_id,
                   interview_id=user_id if kind == "thank_you" else None, kind=kind,
                   key=f"{kind}:{user_id}:h{generation}", due_at=due_at, state=state,
                   attempts=1 if sent_at else 0, claimed_at=None, claimed_by=None,
                   sent_at=sent_at, last_error=error, payload=PAYLOADS[generation % 3],
                   created_at=created)


def _converter(postgres: bool) -> Callable[[Any], Any]:
    """Python values as the driver wants them, as SQLAlchemy's types would have bound them:
    naive UTC datetimes (text on SQLite, in SQLAlchemy's format), JSON as text. Timestamps
    repeat a lot here, so their conversions are remembered."""
    seen: dict[Any, Any] = {}

    def convert(value: Any) -> Any:
        kind = type(value)
        if kind is int or kind is str or value is None:
            return value
        if kind is dict:
            return json.dumps(value)
        cached = seen.get(value)
        if cached is not None:
            return cached
        if kind is datetime:
            naive = value.astimezone(UTC).replace(tzinfo=None)
            cached = naive if postgres else naive.strftime("%Y-%m-%d %H:%M:%S.%f")
        elif kind is date:
            cached = value if postgres else value.isoformat()
        elif kind is bool:
            cached = value if postgres else int(value)
        else:
            cached = value
        seen[value] = cached
        return cached

    return convert


def _insert_all(db: Database, plan: list[tuple[Table, Iterator[dict[str, Any]]]]) -> None:
    """One transaction: DBAPI `executemany` on SQLite; on PostgreSQL one `INSERT … SELECT FROM
    unnest(…)` of column arrays a chunk (still no COPY). Foreign-key checks are off while
    loading (the generator keeps them true), as a restore would do."""
    postgres = db.is_postgres
    convert = _converter(postgres)
    raw = db.engine.raw_connection()
    try:
        cursor = raw.cursor()
        if postgres:
            cursor.execute("SET session_replication_role = replica")
        else:
            cursor.execute("PRAGMA foreign_keys=OFF")
            cursor.execute("PRAGMA cache_size=-262144")  # 256 MiB: index pages stay cached
            cursor.execute("BEGIN")
        for table, rows in plan:
            for chunk in _chunks(rows):
                columns = list(chunk[0])
                values = [tuple(map(convert, row.values())) for row in chunk]
                if postgres:  # one INSERT … SELECT FROM unnest(arrays) a chunk
                    types = [table.c[c].type.compile(dialect=db.engine.dialect) for c in columns]
                    arrays = ", ".join(f"%s::{t}[]" for t in types)
                    cursor.execute(f'INSERT INTO {table.name} ({", ".join(columns)}) '
                                   f"SELECT * FROM unnest({arrays})",
                                   [list(column) for column in zip(*values, strict=True)])
                else:
                    cursor.executemany(f'INSERT INTO {table.name} ({", ".join(columns)}) '
                                       f'VALUES ({", ".join(["?"] * len(columns))})', values)
        if postgres:
            cursor.execute("SET session_replication_role = DEFAULT")
            for name in ("users", "applications", "interviews", "interviewers", "events",
                         "nudges"):
                cursor.execute(f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                               f"(SELECT max(id) FROM {name}))")
            raw.commit()
        else:
            cursor.execute("COMMIT")
            cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()
    finally:
        raw.close()


def _analyse(db: Database) -> None:
    if db.is_postgres:  # autovacuum would have analysed a live table; do it now
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM ANALYZE"))


def add_people(db: Database, users: int) -> float:
    """Users 1..users, each with one application, one interview, two interviewers, one event."""
    started = time.perf_counter()
    _insert_all(db, [
        (User.__table__, _users(users)),  # type: ignore[list-item]
        (Application.__table__, _applications(users)),  # type: ignore[list-item]
        (Interview.__table__, _interviews(users)),  # type: ignore[list-item]
        (Interviewer.__table__, _interviewers(users)),  # type: ignore[list-item]
        (Event.__table__, _events(users)),  # type: ignore[list-item]
    ])
    _analyse(db)
    return time.perf_counter() - started


def add_nudges(db: Database, users: int, due: list[int], due_at: datetime, history_first: int,
               history_count: int) -> float:
    """Follow-ups due for `due` users over the hour before `due_at`, and `history_count` rows
    of history and future continuing the sequence at `history_first`."""
    started = time.perf_counter()
    _insert_all(db, [
        (Nudge.__table__, _due(due, due_at)),  # type: ignore[list-item]
        (Nudge.__table__, _history(users, history_first, history_count)),  # type: ignore[list-item]
    ])
    _analyse(db)
    return time.perf_counter() - started
