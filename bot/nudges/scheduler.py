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
import time
from collections.abc import Callable, Collection, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any

from sqlalchemy import BigInteger, ColumnElement, any_, func, literal, or_, select, text, update
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import InstrumentedAttribute, Session

from bot import metrics
from bot.clock import Clock, SystemClock
from bot.messages import Reply, UserKey
from bot.nudges.planner import CONTACT_EVENT, prefs_for, replan
from bot.nudges.rules import (
    CONTACT_KINDS,
    DIGEST,
    MAX_PER_DAY,
    THANK_YOU,
    Prefs,
    deferred_for_quiet_or_cap,
    family_of,
    local_day_bounds,
    still_relevant,
    week_after,
)
from bot.nudges.texts import (
    AppView,
    Facts,
    InterviewView,
    NudgeView,
    PersonView,
    UserView,
    columns,
    render,
)
from storage.db import Database
from storage.models import CONTACTS_SENT, Application, Event, Interview, Interviewer, Nudge, User
from storage.repository import Repository

log = logging.getLogger(__name__)

Deliver = Callable[[UserKey, Sequence[Reply]], None]
MAX_ATTEMPTS = 8
NUDGE_MESSAGE_EVENT = "nudge_message"  # one a delivered message: what the daily cap counts


OPEN_STATES = text("nudges.state IN ('pending', 'snoozed')")


def among(column: InstrumentedAttribute[Any], values: Collection[int], *,
          postgres: bool) -> ColumnElement[bool]:
    """`column IN (values)` for a batch's ids: on PostgreSQL one array parameter (`= ANY`), so
    a thousand ids are one value to send, not a thousand placeholders to parse each time."""
    if postgres:
        return column == any_(literal(list(values), ARRAY(BigInteger)))
    return column.in_(list(values))


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

    def add(self, other: TickReport, *, claimed: int = 0) -> None:
        """Count a batch's checks in (added only once the batch's transaction committed)."""
        self.claimed += claimed
        self.dropped += other.dropped
        self.deferred += other.deferred
        self.failed += other.failed


@dataclass
class Outgoing:
    user: UserKey
    user_id: int
    nudge_ids: list[int]
    reply: Reply
    # the applications whose next nudge depends on this send (a check-in plans the next one);
    # None: the user's digest chain continues, plan everything
    replan_apps: list[int] | None = field(default_factory=list)
    due: list[datetime] = field(default_factory=list)  # when each of its nudges was due


class Scheduler:
    """One pass (`tick`) delivers what is due now; `afterview worker` runs it every minute."""

    def __init__(self, db: Database, deliver: Deliver, clock: Clock | None = None, *,
                 batch: int = 1000, claim_timeout: timedelta = timedelta(minutes=5),
                 worker_id: str | None = None) -> None:
        self.db = db
        self.deliver = deliver
        self.clock = clock or SystemClock()
        self.batch = batch
        self.claim_timeout = claim_timeout
        self.worker_id = worker_id or f"{socket.gethostname()}:{os.getpid()}"
        self.stopping = threading.Event()
        self._planner = ThreadPoolExecutor(max_workers=1, thread_name_prefix="replan")
        self._replanning: list[Future[None]] = []

    # ---- the pass -------------------------------------------------------------------------

    def tick(self, *, max_batches: int | None = None) -> TickReport:
        report = TickReport()
        now = self.clock.now()
        self.release_stale(now)
        batches = 0
        while not self.stopping.is_set():
            claimed_at = time.monotonic()
            outgoing = self.next_batch(now, report)
            if outgoing is None:
                break
            for index, message in enumerate(outgoing):
                if self.stopping.is_set():  # shutting down: the rest is released, not sent
                    break
                if time.monotonic() - claimed_at > self.claim_timeout.total_seconds() / 2:
                    # a slow platform: give the rest back before another worker could take
                    # the claim for abandoned, and claim them afresh
                    self._release([i for m in outgoing[index:] for i in m.nudge_ids], None,
                                  None)
                    break
                self._send(message, now, report)
            self._replanned()
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
            rows = self._claim(session, now)
        claimed: dict[int, list[int]] = {}
        for row in rows:
            claimed.setdefault(row.user_id, []).append(row.id)
        return claimed

    def _claim(self, session: Session, now: datetime) -> list[NudgeView]:
        due = (
            select(Nudge.id)
            # written as literals so SQLite matches the partial index on open nudges
            .where(OPEN_STATES, Nudge.due_at <= now)
            # a user's nudges due together stay together (one message), even when a thousand
            # users are due at 09:00 sharp
            .order_by(Nudge.due_at, Nudge.user_id, Nudge.id)
            .limit(self.batch)
        )
        if self.db.is_postgres:
            due = due.with_for_update(skip_locked=True)
        return list(map(NudgeView._make, session.execute(
            update(Nudge)
            .where(Nudge.id.in_(due.scalar_subquery()), Nudge.state.in_(("pending", "snoozed")))
            .values(state="claimed", claimed_at=now, claimed_by=self.worker_id,
                    attempts=Nudge.attempts + 1)
            .returning(*columns(NudgeView, Nudge))
            .execution_options(synchronize_session=False))))

    # ---- checks and rendering -------------------------------------------------------------

    def next_batch(self, now: datetime, report: TickReport) -> list[Outgoing] | None:
        """Claim up to `batch` due nudges, check them and render their messages, in one
        transaction and a handful of queries; None when nothing is due.

        Should preparing fail, the claim is rolled back with it; the batch is then claimed
        again on its own and each user prepared separately, so one user's bad data holds back
        only their own nudges."""
        try:
            with self.db.session() as session:
                rows = self._claim(session, now)
                if not rows:
                    return None
                batch = _Batch(self, session, now)
                outgoing = batch.prepare(rows)
            report.add(batch.report, claimed=len(rows))
            return outgoing
        except (OperationalError, DBAPIError):
            raise  # the database is away: the worker tries again next tick
        except Exception:
            log.exception("could not prepare a batch of nudges; preparing them one user at a time")
        claimed = self.claim(now)
        if not claimed:
            return None
        outgoing = []
        for ids in claimed.values():
            try:
                with self.db.session() as session:
                    batch = _Batch(self, session, now)
                    outgoing += batch.prepare(batch.claimed_rows(ids))
                report.add(batch.report, claimed=len(ids))
            except Exception:
                log.exception("could not prepare nudges for a user; released for later")
                self._release(ids, now + timedelta(minutes=5), "prepare failed")
                report.add(TickReport(failed=len(ids)), claimed=len(ids))
        return outgoing

    # ---- delivery -------------------------------------------------------------------------

    def _send(self, message: Outgoing, now: datetime, report: TickReport) -> None:
        try:
            self.deliver(message.user, [message.reply])
        except Exception as error:  # noqa: BLE001 - every failure is recorded and retried
            self._failed(message, now, error, report)
            return
        sent = self.clock.now()
        for due in message.due:
            metrics.observe_lateness((sent - due).total_seconds())
        with self.db.session() as session:  # recorded at once, on its own: it went out
            session.execute(
                update(Nudge).where(Nudge.id.in_(message.nudge_ids), Nudge.state == "claimed")
                .values(state="sent", sent_at=sent, claimed_by=None, last_error=None)
                .execution_options(synchronize_session=False))
            session.add(Event(user_id=message.user_id, kind=NUDGE_MESSAGE_EVENT, at=now,
                              data={"nudges": message.nudge_ids}))
        if message.replan_apps is None or message.replan_apps:
            # planned beside the next sends (they wait on the platform), finished with the batch
            self._replanning.append(self._planner.submit(self._replan, message, now))
        report.messages += 1
        report.sent += len(message.nudge_ids)
        metrics.inc("afterview_nudge_messages_total")
        metrics.inc("afterview_nudges_sent_total", len(message.nudge_ids))
        report.users.append(message.user_id)

    def _replan(self, message: Outgoing, now: datetime) -> None:
        """What a sent message changes in the user's plan (a check-in plans the next one)."""
        try:
            with self.db.session() as session:
                user = session.get(User, message.user_id)
                if user is not None:
                    replan(Repository(session, user), now, message.replan_apps)
        except Exception:  # noqa: BLE001 - the next turn or delivery plans again
            log.exception("re-planning after a delivery failed")

    def _replanned(self) -> None:
        """Wait until the re-planning of the messages sent so far is done."""
        while self._replanning:
            self._replanning.pop().result()

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

    def _release(self, ids: list[int], due: datetime | None, reason: str | None) -> None:
        """Give claimed rows back (due later, with a reason, when they failed)."""
        values: dict[str, Any] = dict(state="pending", claimed_by=None, claimed_at=None)
        if due is not None:
            values.update(due_at=due, last_error=reason)
        else:  # not a failed attempt: it was never tried
            values.update(attempts=Nudge.attempts - 1)
        with self.db.session() as session:
            session.execute(
                update(Nudge).where(among(Nudge.id, ids, postgres=self.db.is_postgres),
                                    Nudge.state == "claimed",
                                    Nudge.claimed_by == self.worker_id)
                .values(**values)
                .execution_options(synchronize_session=False))

    def release_mine(self) -> None:
        """On shutdown: give back whatever this worker claimed but did not send."""
        with self.db.session() as session:
            session.execute(
                update(Nudge).where(Nudge.state == "claimed", Nudge.claimed_by == self.worker_id)
                .values(state="pending", claimed_by=None, claimed_at=None)
                .execution_options(synchronize_session=False))


def _drop_reason(row: NudgeView, user: UserView, app: AppView | None, now: datetime) -> str | None:
    if user.paused or user.unreachable:
        return "paused"
    if row.application_id is not None and (app is None or not app.is_active
                                           or app.nudges_stopped):
        return "not needed"
    if not still_relevant(row.kind, row.due_at, now):
        return "stale"
    return None


class _Batch:
    """One claimed batch, read in bulk: its users, nudges, applications, interviews,
    interviewers, employer contacts and today's messages — a query each — then checked and
    rendered in memory, user by user."""

    def __init__(self, scheduler: Scheduler, session: Session, now: datetime) -> None:
        self.scheduler, self.session, self.now = scheduler, session, now
        self.report = TickReport()
        self.postgres = scheduler.db.is_postgres
        self.prefs: dict[tuple[Any, ...], Prefs] = {}
        self.days: dict[tzinfo, tuple[datetime, datetime]] = {}
        self.waits: dict[tuple[Prefs, int], datetime | None] = {}
        self.changes: dict[tuple[tuple[str, Any], ...], list[int]] = {}

    def among(self, column: InstrumentedAttribute[Any],
              values: Collection[int]) -> ColumnElement[bool]:
        return among(column, values, postgres=self.postgres)

    def prefs_of(self, user: UserView) -> Prefs:
        """The user's preferences (thousands of users share a few sets: each is made once)."""
        settings = (user.timezone, user.nudge_hour, user.quiet_start, user.quiet_end,
                    user.ghost_after, user.quiet_start_minute, user.quiet_end_minute,
                    user.country)
        prefs = self.prefs.get(settings)
        if prefs is None:
            prefs = self.prefs[settings] = prefs_for(user)
        return prefs

    def day_of(self, prefs: Prefs) -> tuple[datetime, datetime]:
        """Today in this time zone, as UTC bounds."""
        bounds = self.days.get(prefs.tz)
        if bounds is None:
            bounds = self.days[prefs.tz] = local_day_bounds(self.now, prefs)
        return bounds

    def wait_until(self, prefs: Prefs, sent_today: int) -> datetime | None:
        """When a message must wait (quiet hours, the daily cap), or None."""
        key = (prefs, min(sent_today, MAX_PER_DAY))
        if key not in self.waits:
            self.waits[key] = deferred_for_quiet_or_cap(self.now, prefs, sent_today)
        return self.waits[key]

    def repo(self, user: UserView) -> Repository:
        """The user's repository, for what is rarer than a message (re-planning, the digest)."""
        row = self.session.get(User, user.id)
        assert row is not None, "the user was read in this transaction"
        return Repository(self.session, row)

    def claimed_rows(self, ids: list[int]) -> list[NudgeView]:
        """Rows claimed earlier (in another transaction) that are still this worker's."""
        return list(map(NudgeView._make, self.session.execute(
            select(*columns(NudgeView, Nudge)).where(
                self.among(Nudge.id, ids), Nudge.state == "claimed",
                Nudge.claimed_by == self.scheduler.worker_id))))

    def change(self, rows: list[NudgeView], **values: Any) -> None:
        """Set `values` on these rows (written by `write`, one UPDATE per kind of change)."""
        self.changes.setdefault(tuple(sorted(values.items())), []).extend(r.id for r in rows)

    def cancel(self, rows: list[NudgeView], reason: str) -> None:
        self.change(rows, state="cancelled", last_error=reason, claimed_by=None)
        self.report.dropped += len(rows)

    def write(self) -> None:
        for values, ids in self.changes.items():
            self.session.execute(update(Nudge).where(self.among(Nudge.id, ids))
                                 .values(dict(values))
                                 .execution_options(synchronize_session=False))
        self.changes.clear()

    def latest_per_family(self, rows: list[NudgeView]) -> list[NudgeView]:
        """After downtime, several of one family may be due: only the newest goes out."""
        newest: dict[str, NudgeView] = {}
        for row in sorted(rows, key=lambda r: (r.due_at, r.id)):
            older = newest.get(family_of(row.key))
            if older is not None:
                self.cancel([older], "superseded")
            newest[family_of(row.key)] = row
        return sorted(newest.values(), key=lambda r: (r.due_at, r.id))

    def prepare(self, claimed: list[NudgeView]) -> list[Outgoing]:
        """The batch's messages; what it dropped or put off is written before it returns."""
        outgoing = self._prepare(claimed)
        self.write()
        return outgoing

    def _prepare(self, claimed: list[NudgeView]) -> list[Outgoing]:
        session, now, report = self.session, self.now, self.report
        rows: dict[int, list[NudgeView]] = {}
        for row in sorted(claimed, key=lambda row: (row.due_at, row.user_id, row.id)):
            rows.setdefault(row.user_id, []).append(row)  # users in the order they were due
        users = {user.id: user for user in map(UserView._make, session.execute(
            select(*columns(UserView, User)).where(self.among(User.id, rows))))}
        app_ids = {row.application_id for mine in rows.values() for row in mine
                   if row.application_id is not None}
        apps = {app.id: app for app in map(AppView._make, session.execute(
            select(*columns(AppView, Application)).where(self.among(Application.id, app_ids))))
            } if app_ids else {}

        keep: dict[int, list[NudgeView]] = {}
        for user_id, mine in rows.items():
            user = users.get(user_id)
            if user is None:
                continue
            kept = []
            for row in mine:
                app = apps.get(row.application_id) if row.application_id else None
                if app is not None and app.user_id != user_id:
                    app = None
                reason = _drop_reason(row, user, app, now)
                if reason:
                    self.cancel([row], reason)
                else:
                    kept.append(row)
            dropped = len(kept) < len(mine)
            kept = self.latest_per_family(kept)
            if kept:
                keep[user_id] = kept
            elif dropped:  # plan what comes next (a stale digest is followed by next week's)
                self.write()
                replan(self.repo(user), now)

        contacts = self._last_contacts([user_id for user_id, mine in keep.items()
                                        if any(row.kind in CONTACT_KINDS for row in mine)])
        for user_id in list(keep):
            kept = [row for row in keep[user_id]
                    if not self._contact_too_soon(users[user_id], row, contacts)]
            if kept:
                keep[user_id] = kept
            else:
                del keep[user_id]

        sent_today = self._sent_today([users[user_id] for user_id in keep])
        facts = self._facts(keep, apps)
        outgoing = []
        for user_id, kept in keep.items():
            user = users[user_id]
            later = self.wait_until(self.prefs_of(user), sent_today.get(user_id, 0))
            if later is not None:
                self.change(kept, state="pending", due_at=later, claimed_by=None, claimed_at=None)
                report.deferred += len(kept)
                continue
            digest = any(row.kind == DIGEST for row in kept)
            reply = render(Facts(user, self.prefs_of(user).tz, *facts,
                                 repo=self.repo(user) if digest else None), kept, now)
            key = UserKey(user.platform, user.workspace, user.external_id)
            follow = None if digest else sorted(
                {row.application_id for row in kept
                 if row.kind in CONTACT_KINDS and row.application_id})
            outgoing.append(Outgoing(key, user_id, [row.id for row in kept], reply, follow,
                                     [row.due_at for row in kept]))
        return outgoing

    def _last_contacts(self, user_ids: list[int]) -> dict[int, list[tuple[int | None, datetime]]]:
        """Every employer contact of these users, per application: logged ones and contact
        nudges delivered — (contact nudge id, or None for a logged contact; when)."""
        contacts: dict[int, list[tuple[int | None, datetime]]] = {}
        if not user_ids:
            return contacts
        logged = self.session.execute(
            select(Event.application_id, func.max(Event.at))
            .where(self.among(Event.user_id, user_ids), Event.kind == CONTACT_EVENT)
            .group_by(Event.application_id))
        for app_id, at in logged:
            if app_id is not None and at is not None:
                contacts.setdefault(app_id, []).append((None, at))
        delivered = self.session.execute(
            select(Nudge.id, Nudge.application_id, Nudge.sent_at)
            .where(self.among(Nudge.user_id, user_ids), text(CONTACTS_SENT)))
        for nudge_id, app_id, sent_at in delivered:
            if app_id is not None and sent_at is not None:
                contacts.setdefault(app_id, []).append((nudge_id, sent_at))
        return contacts

    def _contact_too_soon(self, user: UserView, row: NudgeView,
                          contacts: dict[int, list[tuple[int | None, datetime]]]) -> bool:
        """The weekly cap, checked again at delivery: a contact logged since planning wins."""
        if row.kind not in CONTACT_KINDS or row.application_id is None:
            return False
        last = max((at for nudge_id, at in contacts.get(row.application_id, [])
                    if nudge_id != row.id), default=None)  # not its own earlier delivery
        if last is None or self.now >= week_after(last, self.prefs_of(user).tz):
            return False
        self.change([row], state="pending", claimed_by=None, claimed_at=None)
        self.write()
        replan(self.repo(user), self.now, [row.application_id])
        self.report.deferred += 1
        return True

    def _sent_today(self, users: list[UserView]) -> dict[int, int]:
        """Nudge messages each user had today, in their own time zone (messages, not rows: a
        nudge re-delivered after a snooze overwrites its sent_at)."""
        if not users:
            return {}
        bounds = {user.id: self.day_of(self.prefs_of(user)) for user in users}
        earliest = min(start for start, _ in bounds.values())
        latest = max(end for _, end in bounds.values())
        counts: dict[int, int] = {}
        for user_id, at in self.session.execute(
                select(Event.user_id, Event.at).where(
                    self.among(Event.user_id, bounds), Event.kind == NUDGE_MESSAGE_EVENT,
                    Event.at >= earliest, Event.at < latest)):
            start, end = bounds[user_id]
            if start <= _aware(at) < end:
                counts[user_id] = counts.get(user_id, 0) + 1
        return counts

    def _facts(self, keep: dict[int, list[NudgeView]], apps: dict[int, AppView]) -> tuple[
            dict[int, AppView], dict[int, InterviewView], dict[int, InterviewView],
            dict[int, list[PersonView]]]:
        """What the batch's messages mention, for `Facts`: the applications (read already),
        interviews by id and the latest per application, each interview's interviewers (each
        user's `Facts` only sees their own rows)."""
        rows = [row for kept in keep.values() for row in kept]
        app_ids = list({row.application_id for row in rows if row.application_id is not None})
        thanked = list({row.interview_id for row in rows
                        if row.kind == THANK_YOU and row.interview_id is not None})
        interviews: dict[int, InterviewView] = {}
        latest: dict[int, InterviewView] = {}
        people: dict[int, list[PersonView]] = {}
        if app_ids or thanked:
            for interview in map(InterviewView._make, self.session.execute(
                    select(*columns(InterviewView, Interview))
                    .where(or_(self.among(Interview.application_id, app_ids),
                               self.among(Interview.id, thanked)))
                    .order_by(Interview.starts_at, Interview.id))):
                interviews[interview.id] = interview
                latest[interview.application_id] = interview  # by start: the newest wins
        if thanked:
            for person in map(PersonView._make, self.session.execute(
                    select(*columns(PersonView, Interviewer))
                    .where(self.among(Interviewer.interview_id, thanked))
                    .order_by(Interviewer.position))):
                people.setdefault(person.interview_id, []).append(person)
        return apps, interviews, latest, people


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def start_background(scheduler: Scheduler, interval_seconds: int = 60):  # type: ignore[no-untyped-def]
    """APScheduler wiring: one job ticking every minute, coalesced, with a misfire grace."""
    from apscheduler.schedulers.background import BackgroundScheduler

    background = BackgroundScheduler(timezone="UTC")
    background.add_job(scheduler.tick, "interval", seconds=interval_seconds, id="nudges",
                       coalesce=True, max_instances=1, misfire_grace_time=interval_seconds * 5,
                       next_run_time=datetime.now(tz=None).astimezone())
    background.start()
    return background


