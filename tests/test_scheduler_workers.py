"""Exactly once with several workers: two worker processes tick one database and every due
nudge reaches its user once — on PostgreSQL (FOR UPDATE SKIP LOCKED) and on a SQLite file
(a conditional UPDATE … RETURNING under BEGIN IMMEDIATE).

The due nudges are follow-ups whose decision dates have passed, seeded row by row for many
job seekers with several applications each, exactly as the rules plan them (so the re-planning
after each delivery keeps them as they are). Each worker is a real process that builds
`Scheduler(Database(url), deliver, FixedClock(…))`, starts when both are ready, ticks until a
tick finds nothing due, and writes down every nudge it delivered.
"""

from __future__ import annotations

import multiprocessing
import re
import time
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import insert, select

from bot.clock import FixedClock
from bot.messages import Reply, UserKey
from bot.nudges.rules import ApplicationFacts, Prefs, plan_application
from bot.nudges.scheduler import Scheduler
from storage.db import Database
from storage.models import Application, Interview, Nudge, User

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)  # a Wednesday: no digest is due
NUDGE_ID = re.compile(r"^n:(\d+):")


def seed_due_follow_ups(url: str, users: int, apps_per_user: int) -> set[int]:
    """`users` job seekers, each waiting on `apps_per_user` decisions that have passed; returns
    the ids of the follow-up nudges now due. Each user has their own due moment (nudge hour and
    decision date), so one user's follow-ups are claimed together, as in real life."""
    db = Database(url)
    with db.session() as session:
        user_ids = session.scalars(insert(User).returning(User.id, sort_by_parameter_order=True), [
            {"platform": "console", "workspace": "local", "external_id": f"seeker{n:05d}",
             "display_name": f"Seeker {n}", "timezone": "UTC", "nudge_hour": n % 24,
             "quiet_start": None, "quiet_end": None, "onboarded": True}
            for n in range(users)]).all()
        decisions = {uid: NOW.date() - timedelta(days=7 + n // 24)
                     for n, uid in enumerate(user_ids)}
        app_rows = [{"user_id": uid, "company": f"Company {k}", "role": "Analyst",
                     "created_at": NOW - timedelta(days=60), "updated_at": NOW - timedelta(days=60)}
                    for uid in user_ids for k in range(apps_per_user)]
        app_ids = session.scalars(
            insert(Application).returning(Application.id, sort_by_parameter_order=True),
            app_rows).all()
        owners = [row["user_id"] for row in app_rows]
        session.execute(insert(Interview), [
            {"user_id": uid, "application_id": aid, "round": "first", "format": "video",
             "starts_at": _at(decisions[uid] - timedelta(days=5), 10),
             "recorded_at": _at(decisions[uid] - timedelta(days=5), 11),
             "decision_expected": decisions[uid]}
            for uid, aid in zip(owners, app_ids, strict=True)])
        hours = {uid: n % 24 for n, uid in enumerate(user_ids)}
        nudges = []
        for uid, aid in zip(owners, app_ids, strict=True):
            facts = ApplicationFacts(aid, decision_expected=decisions[uid])
            [follow_up] = plan_application(facts, Prefs(UTC, hours[uid], None), NOW)
            assert follow_up.due_at <= NOW
            nudges.append({"user_id": uid, "application_id": aid, "kind": follow_up.kind,
                           "key": follow_up.key, "due_at": follow_up.due_at,
                           "state": "pending", "payload": follow_up.payload,
                           "created_at": NOW - timedelta(days=1)})
        ids = set(session.scalars(insert(Nudge).returning(Nudge.id), nudges).all())
    db.dispose()
    return ids


def _at(day: date, hour: int) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


# ---- the worker process -------------------------------------------------------------------------

def work(url: str, name: str, out: str, ready, go) -> None:  # type: ignore[no-untyped-def]
    """One worker process: deliver whatever is due at NOW, noting each nudge id delivered."""
    db = Database(url, upgrade=False)
    with open(out, "a", encoding="utf-8") as log:
        def deliver(user: UserKey, replies: list[Reply]) -> None:
            time.sleep(0.003)  # a platform's round trip: the other worker gets its turns
            # the nudges a message carries: those this worker holds for the user now (a merged
            # message shows at most five buttons, so not every id is on one)
            with db.session() as session:
                held = set(session.scalars(select(Nudge.id).join(User).where(
                    User.external_id == user.user_id, Nudge.state == "claimed",
                    Nudge.claimed_by == name)))
            for reply in replies:  # one line a message: who, and the nudges it carries
                shown = {int(m[1]) for b in reply.buttons if (m := NUDGE_ID.match(b.value))}
                assert shown <= held, (shown, held)
                ids = sorted(held)
                log.write(f"{user.user_id} {' '.join(map(str, ids))}\n")
                log.flush()

        scheduler = Scheduler(db, deliver, FixedClock(NOW), batch=50, worker_id=name)
        ready.set()
        go.wait(60)
        while scheduler.tick().claimed:
            pass
    db.dispose()


Messages = dict[str, list[tuple[str, list[int]]]]  # worker -> [(user, nudge ids)]


def run_two_workers(url: str, folder: Path) -> Messages:
    context = multiprocessing.get_context("spawn")
    go = context.Event()
    workers, readies, outs = [], [], {}
    for name in ("worker-a", "worker-b"):
        ready = context.Event()
        outs[name] = folder / f"{name}.txt"
        outs[name].write_text("")
        process = context.Process(target=work, args=(url, name, str(outs[name]), ready, go))
        process.start()
        workers.append(process)
        readies.append(ready)
    for ready in readies:
        assert ready.wait(60), "a worker did not start"
    go.set()
    for process in workers:
        process.join(120)
        assert process.exitcode == 0, f"a worker failed (exit code {process.exitcode})"
    return {name: [(line.split()[0], [int(i) for i in line.split()[1:]])
                   for line in path.read_text().splitlines()] for name, path in outs.items()}


def assert_each_delivered_once(url: str, due: set[int], delivered: Messages) -> None:
    counts = Counter(nudge for lines in delivered.values() for _, ids in lines for nudge in ids)
    twice = {nudge: n for nudge, n in counts.items() if n > 1}
    assert not twice, f"{len(twice)} nudges delivered more than once, e.g. {list(twice)[:5]}"
    assert set(counts) == due, f"{len(due - set(counts))} due nudges never delivered"
    assert all(delivered.values()), {name: len(lines) for name, lines in delivered.items()}
    db = Database(url, upgrade=False)
    with db.session() as session:
        states = Counter(session.scalars(select(Nudge.state).where(Nudge.id.in_(due))))
    db.dispose()
    assert states == {"sent": len(due)}


def test_two_worker_processes_on_postgresql_deliver_5000_due_nudges_exactly_once(
        pg_url, tmp_path):
    due = seed_due_follow_ups(pg_url, users=500, apps_per_user=10)
    assert len(due) == 5000
    delivered = run_two_workers(pg_url, tmp_path)
    assert_each_delivered_once(pg_url, due, delivered)
    # and no burst: a seeker's ten follow-ups came merged (in two when a batch split them)
    messages = Counter(user for lines in delivered.values() for user, _ in lines)
    assert len(messages) == 500 and max(messages.values()) <= 2


def test_two_worker_processes_on_one_sqlite_file_deliver_each_due_nudge_exactly_once(
        sqlite_url, tmp_path):
    due = seed_due_follow_ups(sqlite_url, users=120, apps_per_user=5)
    delivered = run_two_workers(sqlite_url, tmp_path)
    assert_each_delivered_once(sqlite_url, due, delivered)


pytestmark = pytest.mark.timeout(300)
