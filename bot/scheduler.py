"""The scheduler: claim due nudges atomically, check them, render one message per user, hand it
to the user's adapter outside the claiming transaction, then mark them sent.

Claiming is `SELECT … FOR UPDATE SKIP LOCKED` on PostgreSQL and a conditional
`UPDATE … RETURNING` on SQLite, so several workers never send the same nudge. Rows stuck in
`claimed` (a worker died mid-send) are released after `claim_timeout`.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, select, text, update

from bot import metrics
from bot.clock import Clock, SystemClock
from bot.messages import Reply, UserKey
from bot.nudge_messages import render
from bot.nudges import (
    CONTACT_GAP,
    CONTACT_KINDS,
    DIGEST,
    deferred_for_quiet_or_cap,
    family_of,
    local_day_bounds,
    still_relevant,
)
from bot.planner import CONTACT_EVENT, prefs_for, replan
from storage.db import Database
from storage.models import Application, Event, Nudge, User
from storage.repository import Repository

log = logging.getLogger(__name__)

Deliver = Callable[[UserKey, Sequence[Reply]], None]
MAX_ATTEMPTS = 8
NUDGE_MESSAGE_EVENT = "nudge_message"  # one a delivered message: what the daily cap counts


OPEN_STATES = text("nudges.state IN ('pending', 'snoozed')")


class DeliveryError(Exception):
    """What an adapter raises when a send fails: `retry_after` (seconds) when the platform
    asked us to wait; `permanent` when retrying cannot help (the user blocked the bot)."""

    def __init__(self, message: str, *, retry_after: float | None = None,
                 permanent: bool = False) -> None:
        super().__init__(message)
        self.retry_after = retry_after
        self.permanent = permanent


@dataclass
class TickReport:
    claimed: int = 0
    messages: int = 0
    sent: int = 0
    deferred: int = 0
    dropped: int = 0
    failed: int = 0
    users: list[int] = field(default_factory=list)


@dataclass
class Outgoing:
    user: UserKey
    user_id: int
    nudge_ids: list[int]
    reply: Reply
    # the applications whose next nudge depends on this send (a check-in plans the next one);
    # None: the user's digest chain continues, plan everything
    replan_apps: list[int] | None = field(default_factory=list)


class Scheduler:
    """One pass (`tick`) delivers what is due now; `afterview worker` runs it every minute."""

    def __init__(self, db: Database, deliver: Deliver, clock: Clock | None = None, *,
                 batch: int = 200, claim_timeout: timedelta = timedelta(minutes=5),
                 worker_id: str | None = None) -> None:
        self.db = db
        self.deliver = deliver
        self.clock = clock or SystemClock()
        self.batch = batch
        self.claim_timeout = claim_timeout
        self.worker_id = worker_id or f"{socket.gethostname()}:{os.getpid()}"
        self.stopping = threading.Event()

    # ---- the pass -------------------------------------------------------------------------

    def tick(self, *, max_batches: int | None = None) -> TickReport:
        report = TickReport()
        now = self.clock.now()
        self.release_stale(now)
        batches = 0
        while not self.stopping.is_set():
            claimed = self.claim(now)
            if not claimed:
                break
            report.claimed += len(claimed)
            self._process(claimed, now, report)
            batches += 1
            if max_batches is not None and batches >= max_batches:
                break
        return report

    def release_stale(self, now: datetime) -> int:
        """Give back rows a dead worker claimed and never finished."""
        with self.db.session() as session:
            result = session.execute(
                update(Nudge)
                .where(Nudge.state == "claimed", Nudge.claimed_at < now - self.claim_timeout)
                .values(state="pending", claimed_at=None, claimed_by=None)
                .execution_options(synchronize_session=False)
            )
            return int(getattr(result, "rowcount", 0) or 0)

    def claim(self, now: datetime) -> dict[int, list[int]]:
        """Atomically take up to `batch` due nudges: {user_id: [nudge ids]}."""
        with self.db.session() as session:
            due = (
                select(Nudge.id)
                # written as literals so SQLite matches the partial index on open nudges
                .where(OPEN_STATES, Nudge.due_at <= now)
                # a user's nudges due together stay together (one message), even when a
                # thousand users are due at 09:00 sharp
                .order_by(Nudge.due_at, Nudge.user_id, Nudge.id)
                .limit(self.batch)
            )
            if self.db.is_postgres:
                due = due.with_for_update(skip_locked=True)
            rows = session.execute(
                update(Nudge)
                .where(Nudge.id.in_(due.scalar_subquery()),
                       Nudge.state.in_(("pending", "snoozed")))
                .values(state="claimed", claimed_at=now, claimed_by=self.worker_id,
                        attempts=Nudge.attempts + 1)
                .returning(Nudge.id, Nudge.user_id)
                .execution_options(synchronize_session=False)
            ).all()
        claimed: dict[int, list[int]] = {}
        for nudge_id, user_id in rows:
            claimed.setdefault(user_id, []).append(nudge_id)
        return claimed

    def _process(self, claimed: dict[int, list[int]], now: datetime, report: TickReport) -> None:
        outgoing = []
        for user_id, ids in claimed.items():
            try:
                message = self._prepare(user_id, ids, now, report)
            except Exception:
                log.exception("could not prepare nudges for a user; released for later")
                self._release(ids, now + timedelta(minutes=5), "prepare failed")
                report.failed += len(ids)
                continue
            if message is not None:
                outgoing.append(message)
        for message in outgoing:
            if self.stopping.is_set():  # shutting down: the rest is released, not sent
                break
            self._send(message, now, report)

    # ---- checks and rendering -------------------------------------------------------------

    def _prepare(self, user_id: int, ids: list[int], now: datetime,
                 report: TickReport) -> Outgoing | None:
        with self.db.session() as session:
            user = session.get(User, user_id)
            if user is None:
                return None
            repo = Repository(session, user)
            rows = list(session.scalars(select(Nudge).where(
                Nudge.id.in_(ids), Nudge.user_id == user_id, Nudge.state == "claimed",
                Nudge.claimed_by == self.worker_id)))
            prefs = prefs_for(user)
            # one query, and held for rendering too (the session's identity map is weak: an
            # application nobody holds is read again on every `get`)
            apps = {app.id: app for app in repo.applications()}
            keep: list[Nudge] = []
            for row in rows:
                app = apps.get(row.application_id) if row.application_id else None
                reason = _drop_reason(row, user, app, now)
                if reason:
                    row.state, row.last_error, row.claimed_by = "cancelled", reason, None
                    report.dropped += 1
                else:
                    keep.append(row)
            dropped = len(keep) < len(rows)
            keep = _latest_per_family(keep, report)
            last = _last_contacts(repo) if any(r.kind in CONTACT_KINDS for r in keep) else {}
            keep = [row for row in keep
                    if not self._contact_too_soon(repo, row, last, now, report)]
            if not keep:
                if dropped:  # plan what comes next (a stale digest is followed by next week's)
                    session.flush()
                    replan(repo, now)
                return None
            start, end = local_day_bounds(now, prefs)
            # messages, not rows: a nudge re-delivered after a snooze overwrites its sent_at
            sent_today = session.scalar(
                select(func.count()).select_from(Event).where(
                    Event.user_id == user_id, Event.kind == NUDGE_MESSAGE_EVENT,
                    Event.at >= start, Event.at < end))
            later = deferred_for_quiet_or_cap(now, prefs, int(sent_today or 0))
            if later is not None:
                for row in keep:
                    row.state, row.due_at, row.claimed_by, row.claimed_at = (
                        "pending", later, None, None)
                report.deferred += len(keep)
                return None
            reply = render(repo, keep, now)
            key = UserKey(user.platform, user.workspace, user.external_id)
            if any(row.kind == DIGEST for row in keep):
                follow: list[int] | None = None
            else:
                follow = sorted({row.application_id for row in keep
                                 if row.kind in CONTACT_KINDS and row.application_id})
            return Outgoing(key, user_id, [row.id for row in keep], reply, follow)

    def _contact_too_soon(self, repo: Repository, row: Nudge,
                          contacts: dict[int, list[tuple[int | None, datetime]]], now: datetime,
                          report: TickReport) -> bool:
        """The weekly cap, checked again at delivery: a contact logged since planning wins.
        `contacts`: per application, (contact nudge id or None for a logged contact, when)."""
        if row.kind not in CONTACT_KINDS or row.application_id is None:
            return False
        last = max((at for nudge_id, at in contacts.get(row.application_id, [])
                    if nudge_id != row.id), default=None)  # not its own earlier delivery
        if last is None or now - last >= CONTACT_GAP:
            return False
        session = repo.session
        row.state, row.claimed_by, row.claimed_at = "pending", None, None
        session.flush()
        replan(repo, now, [row.application_id])
        report.deferred += 1
        return True

    # ---- delivery -------------------------------------------------------------------------

    def _send(self, message: Outgoing, now: datetime, report: TickReport) -> None:
        try:
            self.deliver(message.user, [message.reply])
        except Exception as error:  # noqa: BLE001 - every failure is recorded and retried
            self._failed(message, now, error, report)
            return
        with self.db.session() as session:  # recorded at once, on its own: it went out
            session.execute(
                update(Nudge).where(Nudge.id.in_(message.nudge_ids), Nudge.state == "claimed")
                .values(state="sent", sent_at=now, claimed_by=None, last_error=None)
                .execution_options(synchronize_session=False))
            session.add(Event(user_id=message.user_id, kind=NUDGE_MESSAGE_EVENT, at=now,
                              data={"nudges": message.nudge_ids}))
        try:
            if message.replan_apps is None or message.replan_apps:
                with self.db.session() as session:
                    user = session.get(User, message.user_id)
                    if user is not None:
                        replan(Repository(session, user), now, message.replan_apps)
        except Exception:  # noqa: BLE001 - the next turn or delivery plans again
            log.exception("re-planning after a delivery failed")
        report.messages += 1
        report.sent += len(message.nudge_ids)
        metrics.inc("afterview_nudge_messages_total")
        metrics.inc("afterview_nudges_sent_total", len(message.nudge_ids))
        report.users.append(message.user_id)

    def _failed(self, message: Outgoing, now: datetime, error: Exception,
                report: TickReport) -> None:
        report.failed += len(message.nudge_ids)
        metrics.inc("afterview_delivery_failures_total")
        permanent = bool(getattr(error, "permanent", False))
        retry_after = getattr(error, "retry_after", None)
        log.warning("nudge delivery failed (%s): %s", type(error).__name__,
                    "permanent" if permanent else "will retry")
        with self.db.session() as session:
            rows = list(session.scalars(select(Nudge).where(Nudge.id.in_(message.nudge_ids))))
            if permanent:
                user = session.get(User, message.user_id)
                if user is not None:
                    user.unreachable = True
                    user.paused = True
                for row in rows:
                    row.state, row.claimed_by, row.last_error = "cancelled", None, "paused"
                return
            for row in rows:
                if row.attempts >= MAX_ATTEMPTS:
                    row.state, row.last_error = "cancelled", f"failed: {type(error).__name__}"
                    continue
                metrics.inc("afterview_delivery_retries_total")
                wait = retry_after if retry_after else min(60 * 2 ** (row.attempts - 1), 3600)
                row.state, row.due_at = "pending", now + timedelta(seconds=float(wait))
                row.claimed_by, row.claimed_at = None, None
                row.last_error = type(error).__name__[:300]

    def _release(self, ids: list[int], due: datetime, reason: str) -> None:
        with self.db.session() as session:
            session.execute(
                update(Nudge).where(Nudge.id.in_(ids), Nudge.state == "claimed")
                .values(state="pending", due_at=due, claimed_by=None, claimed_at=None,
                        last_error=reason)
                .execution_options(synchronize_session=False))

    def release_mine(self) -> None:
        """On shutdown: give back whatever this worker claimed but did not send."""
        with self.db.session() as session:
            session.execute(
                update(Nudge).where(Nudge.state == "claimed", Nudge.claimed_by == self.worker_id)
                .values(state="pending", claimed_by=None, claimed_at=None)
                .execution_options(synchronize_session=False))


def _drop_reason(row: Nudge, user: User, app: Application | None, now: datetime) -> str | None:
    if user.paused or user.unreachable:
        return "paused"
    if row.application_id is not None and (app is None or not app.is_active
                                           or app.nudges_stopped):
        return "not needed"
    if not still_relevant(row.kind, row.due_at, now):
        return "stale"
    return None


def _last_contacts(repo: Repository) -> dict[int, list[tuple[int | None, datetime]]]:
    """Every employer contact of this user, per application: logged ones and contact nudges
    delivered (two queries a user, not two a nudge)."""
    session, user_id = repo.session, repo.user.id
    contacts: dict[int, list[tuple[int | None, datetime]]] = {}
    logged = session.execute(
        select(Event.application_id, func.max(Event.at))
        .where(Event.user_id == user_id, Event.kind == CONTACT_EVENT)
        .group_by(Event.application_id))
    for app_id, at in logged:
        if app_id is not None and at is not None:
            contacts.setdefault(app_id, []).append((None, at))
    delivered = session.execute(
        select(Nudge.id, Nudge.application_id, Nudge.sent_at)
        .where(Nudge.user_id == user_id, Nudge.kind.in_(CONTACT_KINDS),
               Nudge.sent_at.is_not(None)))
    for nudge_id, app_id, sent_at in delivered:
        if app_id is not None and sent_at is not None:
            contacts.setdefault(app_id, []).append((nudge_id, sent_at))
    return contacts


def _latest_per_family(rows: list[Nudge], report: TickReport) -> list[Nudge]:
    """After downtime, several of one family may be due: only the newest goes out."""
    newest: dict[str, Nudge] = {}
    for row in sorted(rows, key=lambda r: (r.due_at, r.id)):
        older = newest.get(family_of(row.key))
        if older is not None:
            older.state, older.last_error, older.claimed_by = "cancelled", "superseded", None
            report.dropped += 1
        newest[family_of(row.key)] = row
    return sorted(newest.values(), key=lambda r: (r.due_at, r.id))


def start_background(scheduler: Scheduler, interval_seconds: int = 60):  # type: ignore[no-untyped-def]
    """APScheduler wiring: one job ticking every minute, coalesced, with a misfire grace."""
    from apscheduler.schedulers.background import BackgroundScheduler

    background = BackgroundScheduler(timezone="UTC")
    background.add_job(scheduler.tick, "interval", seconds=interval_seconds, id="nudges",
                       coalesce=True, max_instances=1, misfire_grace_time=interval_seconds * 5,
                       next_run_time=datetime.now(tz=None).astimezone())
    background.start()
    return background


