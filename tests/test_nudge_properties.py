"""Random job-search stories over 90 days, and the promises nudges keep in every one of them.

Hypothesis writes the stories: a few job seekers in London, Los Angeles or Kolkata with their
own nudge hour and quiet hours record debriefs (interview times and decision dates at random),
answer the nudges they get with their buttons (thank-yous sent, "Sent it", "No answer", "Still
deciding", snoozes, "Stop", "Close as no answer", "Offer", "Rejected"…), pause and resume, or
close an application. Meanwhile a worker ticks within a minute of every due nudge, like the
real one that ticks each minute, and at random moments; now and then it is down for up to
three days and catches up when it is back. Whatever the story, the product promises:

* never two employer-contact nudges (follow-up, check-in, ghost check) for one application
  within 7 days, and none within 7 days after a contact the user logged;
* no nudge in the user's quiet hours;
* no more than 3 nudge messages per user per local day;
* no nudge for an application once it is closed (or its reminders stopped, or all paused).

How a snoozed nudge counts: a snooze is the user asking to see *the same* reminder again, so the
7-day spacing between employer-contact nudges is measured between the first deliveries of
different nudges (one row each). A re-delivery is still a message: it counts towards the 3 a day,
must respect quiet hours, and may not come within 7 days after a contact the user logged.
"""

from __future__ import annotations

import random
import shutil
import tempfile
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.pool import QueuePool

from bot.clock import FixedClock
from bot.conversation.engine import Engine
from bot.messages import Reply, UserKey
from bot.nudges.planner import CONTACT_EVENT, prefs_for, replan
from bot.nudges.rules import CONTACT_KINDS, MAX_PER_DAY, in_quiet_hours, week_after
from bot.nudges.scheduler import Scheduler
from storage.db import Database
from storage.models import Application, Event, Nudge, User
from storage.repository import Repository
from tests.nudging import run_until
from tests.story import Seeker

DAYS = 90
COMPANIES = ("Acme", "Globex", "Initech")
PEOPLE = ("Jane Smith", "Bob Stone")
CITIES = ("London", "Los Angeles", "Kolkata")
QUIET = ("21-8", "22-7", "20-9", "23-6", "none")
# what a user may press on a nudge; employer contacts first (hypothesis starts there)
LABELS = ("No answer", "Sent it", "Still deciding", "Done", "Tomorrow", "Later today",
          "Snooze all", "Stop for this", "Keep checking", "Close as no answer",
          "Second interview", "Offer", "Rejected", "Draft", "My pipeline")


# ---- the database: one migrated template, copied for each story ------------------------------

def _fast_folder() -> Path:
    """A RAM disk when there is one: these stories tick a database a few hundred times each."""
    shm = Path("/dev/shm")
    return Path(tempfile.mkdtemp(dir=shm if shm.is_dir() else None, prefix="afterview-"))


@pytest.fixture(scope="module")
def fresh_database() -> Iterator[Callable[[], str]]:
    folder = _fast_folder()
    template = folder / "template.db"
    Database(f"sqlite:///{template}").dispose()

    def fresh() -> str:
        path = folder / f"{uuid.uuid4().hex}.db"
        shutil.copyfile(template, path)
        return f"sqlite:///{path}"

    yield fresh
    shutil.rmtree(folder, ignore_errors=True)


# ---- what the worker delivered ----------------------------------------------------------------

@dataclass(frozen=True)
class Delivered:
    user: str
    at: datetime
    nudges: tuple[tuple[int, str, int | None], ...]  # (nudge id, kind, application id)
    reply: Reply


@dataclass
class Recorder:
    """Plays every platform. At the moment of delivery the rows being delivered are exactly this
    user's claimed ones (the worker delivers outside the claiming transaction), so each message
    is recorded with the nudges it carries."""

    db: Database
    clock: FixedClock
    messages: list[Delivered] = field(default_factory=list)

    def __call__(self, user: UserKey, replies: Sequence[Reply]) -> None:
        with self.db.session() as session:
            rows = session.execute(
                select(Nudge.id, Nudge.kind, Nudge.application_id)
                .join(User, User.id == Nudge.user_id)
                .where(User.platform == user.platform, User.external_id == user.user_id,
                       Nudge.state == "claimed")
                .order_by(Nudge.id)).all()
        for reply in replies:
            self.messages.append(Delivered(user.user_id, self.clock.now(),
                                           tuple((r[0], r[1], r[2]) for r in rows), reply))


# ---- the stories ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Profile:
    city: str
    nudge_hour: int
    quiet: str


@dataclass(frozen=True)
class Debrief:
    user: int
    company: int
    hours_ago: int
    decision_in: int | None  # days; None: "don't know"
    people: int


@dataclass(frozen=True)
class Press:
    """The user answers the next nudge that offers a button labelled `label…`, `delay` minutes
    after it came."""

    user: int
    delay: int
    label: str


@dataclass(frozen=True)
class Pause:
    user: int


@dataclass(frozen=True)
class Resume:
    user: int


@dataclass(frozen=True)
class Outcome:
    """An application closed the way the outcome flows record it (rejected, withdrawn)."""

    user: int
    company: int
    status: str


Action = Debrief | Press | Pause | Resume | Outcome


def _actions(users: int) -> st.SearchStrategy[Action]:
    who = st.integers(0, users - 1)
    company = st.integers(0, len(COMPANIES) - 1)
    return st.one_of(
        st.builds(Debrief, who, company, st.integers(0, 30),
                  st.one_of(st.none(), st.integers(1, 16)), st.integers(1, 2)),
        st.builds(Press, who, st.integers(0, 48 * 60), st.sampled_from(LABELS)),
        st.builds(Press, who, st.integers(0, 48 * 60), st.sampled_from(LABELS)),
        st.builds(Press, who, st.integers(0, 48 * 60), st.sampled_from(LABELS)),
        st.builds(Press, who, st.integers(0, 48 * 60), st.sampled_from(LABELS)),
        st.builds(Pause, who),
        st.builds(Resume, who),
        st.builds(Outcome, who, company, st.sampled_from(("rejected", "withdrawn"))),
    )


@st.composite
def stories(draw: st.DrawFn) -> tuple[datetime, list[Profile], list[tuple[int, Action]], int]:
    start = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(
        days=draw(st.integers(0, 364)), minutes=draw(st.integers(0, 24 * 60 - 1)))
    profiles = draw(st.lists(st.builds(Profile, st.sampled_from(CITIES), st.integers(7, 11),
                                       st.sampled_from(QUIET)), min_size=1, max_size=3))
    first = [(0, Debrief(u, u % len(COMPANIES), 2, 5, 2)) for u in range(len(profiles))]
    later = draw(st.lists(st.tuples(st.integers(0, 7 * 24 * 60), _actions(len(profiles))),
                          min_size=3, max_size=12))
    return start, profiles, first + later, draw(st.integers(0, 2**32 - 1))


class Story:
    """Seekers talking to the engine, and a worker ticking the same database."""

    def __init__(self, url: str, start: datetime, profiles: list[Profile], seed: int) -> None:
        # the template is migrated already; pooled connections (the product's SQLite engine opens
        # one per session) keep 25 stories of 90 days inside the time budget
        self.db = Database(url, upgrade=False, poolclass=QueuePool)
        self.clock = FixedClock(start)
        self.engine = Engine(self.db, self.clock)
        self.start = start
        self.end = start + timedelta(days=DAYS)
        self.rng = random.Random(seed)
        self.inbox = Recorder(self.db, self.clock)
        self.scheduler = Scheduler(self.db, self.inbox, self.clock)
        self.seekers = [Seeker(self.engine, f"seeker{n}") for n in range(len(profiles))]
        self.debriefed: set[tuple[int, int]] = set()
        # who must hear nothing, from which message on: (first message index, last or None)
        self.silent_users: dict[str, list[list[int | None]]] = defaultdict(list)
        self.silent_apps: dict[int, list[list[int | None]]] = defaultdict(list)
        self.deferred = self.dropped = 0
        for seeker, profile in zip(self.seekers, profiles, strict=True):
            seeker.says("hello")
            seeker.answers(f"Seeker {seeker.key.user_id}", "seeker@example.com", profile.city,
                           str(profile.nudge_hour), profile.quiet)
        with self.db.session() as session:
            stored = [u.timezone for u in session.scalars(select(User).order_by(User.id))]
        assert len(stored) == len(profiles) and "UTC" not in stored, stored

    # ---- the worker -----------------------------------------------------------------------

    def next_due(self) -> datetime | None:
        with self.db.session() as session:
            return session.scalar(select(func.min(Nudge.due_at)).where(
                Nudge.state.in_(("pending", "snoozed"))))

    def work_until(self, until: datetime, stop: Callable[[], bool] = lambda: False) -> None:
        """Tick within a minute of whatever falls due, now and then at a random moment — and
        sometimes the worker is down for up to three days, and catches up when it is back."""
        for _ in range(10_000):
            now = self.clock.now()
            if now >= until or stop():
                return
            if self.rng.random() < 0.08:
                moment = now + timedelta(hours=self.rng.uniform(1, 80))  # down
            else:
                moment = now + timedelta(hours=self.rng.uniform(12, 72))
                due = self.next_due()
                if due is not None:
                    moment = min(moment, max(due, now) + timedelta(seconds=self.rng.uniform(1, 59)))
            self.clock.set(min(moment, until))
            report = self.scheduler.tick()
            self.deferred += report.deferred
            self.dropped += report.dropped
        raise AssertionError("the worker never caught up")

    # ---- what the seekers do -----------------------------------------------------------------

    def act(self, action: Action) -> None:
        seeker = self.seekers[action.user]
        if isinstance(action, Debrief):
            self.debrief(seeker, action)
        elif isinstance(action, Press):
            self.press(seeker, action)
        elif isinstance(action, Pause):
            seeker.says("/pause")  # the slash: mid-flow a bare word is taken as the answer
            assert "Reminders paused" in seeker.text, seeker.text
        elif isinstance(action, Resume):
            seeker.says("/resume")
            assert "Reminders are back on" in seeker.text, seeker.text
        else:
            self.close(seeker, action)
        self.note_silences()

    def note_silences(self) -> None:
        """After each action: who is paused, which applications are closed or stopped — from
        here on (message index) they hear nothing."""
        def mark(spans: list[list[int | None]], silent: bool) -> None:
            open_span = bool(spans) and spans[-1][1] is None
            if silent and not open_span:
                spans.append([len(self.inbox.messages), None])
            elif not silent and open_span:
                spans[-1][1] = len(self.inbox.messages)

        with self.db.session() as session:
            for user in session.scalars(select(User)):
                mark(self.silent_users[user.external_id], user.paused)
            for app in session.scalars(select(Application)):
                mark(self.silent_apps[app.id], not app.is_active or app.nudges_stopped)

    def debrief(self, seeker: Seeker, action: Debrief) -> None:
        company = COMPANIES[action.company]
        with self.db.session() as session:
            user = Repository.for_key(session, "console", "local", seeker.key.user_id)
            assert user is not None
            tz = prefs_for(user.user).tz
        held = (self.clock.now() - timedelta(hours=action.hours_ago)).astimezone(tz)
        when = "just now" if action.hours_ago == 0 else f"{held:%Y-%m-%d %H:%M}"
        decision = ("don't know" if action.decision_in is None else
                    "tomorrow" if action.decision_in == 1 else f"in {action.decision_in} days")
        again = (action.user, action.company) in self.debriefed
        seeker.runs("cancel")
        seeker.runs("debrief")
        seeker.answers(company, "Analyst", when, "second" if again else "first", "video")
        for person in PEOPLE[:action.people]:
            seeker.answers(person, "skip", "skip", "skip", f"talked with {person} about data")
        seeker.answers("done", "4", "skip", "skip", "skip", "skip", "skip", decision, "skip",
                       "skip")
        assert "What happens next" in seeker.text, seeker.text
        self.debriefed.add((action.user, action.company))

    def press(self, seeker: Seeker, action: Press) -> None:
        def offered(message: Delivered) -> str | None:
            return next((b.value for b in message.reply.buttons
                         if b.label.split(": ", 1)[-1].startswith(action.label)), None)

        checked = len(self.inbox.messages)
        found: list[tuple[Delivered, str]] = []

        def arrived() -> bool:
            nonlocal checked
            for message in self.inbox.messages[checked:]:
                value = offered(message) if message.user == seeker.key.user_id else None
                if value is not None:
                    found.append((message, value))
                    return True
            checked = len(self.inbox.messages)
            return False

        self.work_until(self.end, stop=arrived)
        if found:
            message, value = found[0]
            self.work_until(min(message.at + timedelta(minutes=action.delay), self.end))
            seeker.press_value(value)
            event(f"pressed {action.label}")

    def close(self, seeker: Seeker, action: Outcome) -> None:
        with self.db.session() as session:
            repo = Repository.for_key(session, "console", "local", seeker.key.user_id)
            assert repo is not None
            app = repo.find_application(COMPANIES[action.company], active_only=True)
            if app is None:
                return
            app.status, app.closed_at = action.status, self.clock.now()
            replan(repo, self.clock.now(), [app.id])

    # ---- the promises ----------------------------------------------------------------------

    def check(self) -> None:
        with self.db.session() as session:
            users = {u.external_id: u for u in session.scalars(select(User))}
            prefs = {name: prefs_for(user) for name, user in users.items()}
            contacts: dict[int, list[datetime]] = defaultdict(list)
            for logged in session.scalars(select(Event).where(Event.kind == CONTACT_EVENT)):
                if logged.application_id is not None:
                    contacts[logged.application_id].append(logged.at)
        messages = self.inbox.messages
        event(f"nudge messages: {len(messages) // 20 * 20}+")
        event(f"contacts logged: {min(sum(map(len, contacts.values())), 3)}+")
        event(f"deferred by the checks at delivery: {'yes' if self.deferred else 'no'}")
        event(f"dropped as stale or closed: {'yes' if self.dropped else 'no'}")

        # quiet hours, and 3 a day on the user's own calendar
        per_day: dict[tuple[str, object], list[datetime]] = defaultdict(list)
        for m in messages:
            p = prefs[m.user]
            assert not in_quiet_hours(m.at, p), (
                f"{m.user} got a nudge at {m.at.astimezone(p.tz):%a %H:%M}, in quiet hours "
                f"{p.quiet}: {m.reply.text[:80]}")
            per_day[(m.user, m.at.astimezone(p.tz).date())].append(m.at)
        for (user, day), times in per_day.items():
            assert len(times) <= MAX_PER_DAY, (
                f"{user} got {len(times)} nudge messages on {day}: "
                f"{[t.astimezone(prefs[user].tz).strftime('%H:%M') for t in times]}")

        # employer contact: first deliveries 7 days apart; nothing soon after a logged contact
        first: dict[int, tuple[datetime, int | None, str]] = {}
        zone_of_app = {}  # the week is the user's wall-clock week (issue 16)
        for m in messages:
            for nudge_id, kind, app in m.nudges:
                first.setdefault(nudge_id, (m.at, app, kind))
                zone_of_app[app] = prefs[m.user].tz
        by_app: dict[int, list[tuple[datetime, int, str]]] = defaultdict(list)
        for nudge_id, (at, app, kind) in first.items():
            if kind in CONTACT_KINDS and app is not None:
                by_app[app].append((at, nudge_id, kind))
        for app, sent in by_app.items():
            sent.sort()
            for (a, id_a, kind_a), (b, id_b, kind_b) in zip(sent, sent[1:], strict=False):
                assert b >= week_after(a, zone_of_app[app]), (
                    f"application {app}: {kind_a} #{id_a} at {a} and {kind_b} #{id_b} at {b}")
        for m in messages:
            for nudge_id, kind, app in m.nudges:
                if kind not in CONTACT_KINDS or app is None:
                    continue
                for contact in contacts.get(app, []):
                    assert not contact < m.at < week_after(contact, prefs[m.user].tz), (
                        f"application {app}: {kind} #{nudge_id} at {m.at}, "
                        f"{m.at - contact} after a contact the user logged")

        # nothing for a closed or stopped application, nothing at all while paused
        def silenced(spans: list[list[int | None]], index: int) -> bool:
            return any(start is not None and start <= index and (end is None or index < end)
                       for start, end in spans)

        for index, m in enumerate(messages):
            assert not silenced(self.silent_users.get(m.user, []), index), (
                f"{m.user} got a nudge at {m.at} while reminders were paused")
            for nudge_id, kind, app in m.nudges:
                assert app is None or not silenced(self.silent_apps.get(app, []), index), (
                    f"{kind} #{nudge_id} at {m.at} for application {app}, closed or stopped")


# no shrinking: a story takes about a second, and shrinking one could take minutes — the first
# failing story is printed as it was found (with a blob to replay it via @reproduce_failure)
@settings(max_examples=25, deadline=None, print_blob=True,
          phases=(Phase.explicit, Phase.reuse, Phase.generate),
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(story=stories())
def test_in_every_story_nudges_are_timely_spaced_and_never_pesky(fresh_database, story):
    start, profiles, steps, seed = story
    play = Story(fresh_database(), start, profiles, seed)
    try:
        for wait_minutes, action in steps:
            play.work_until(min(play.clock.now() + timedelta(minutes=wait_minutes), play.end))
            play.act(action)
        play.work_until(play.end)
        play.check()
    finally:
        play.db.dispose()


# ---- snoozes: found while writing the property, kept as plain stories ---------------------

MONDAY_1130 = datetime(2026, 11, 23, 11, 30, tzinfo=UTC)  # London = UTC in November


def _jane(url: str) -> Story:
    return Story(url, MONDAY_1130, [Profile("London", 9, "21-8")], 1)


def _debrief(story: Story, company: str, decision: str = "in 3 weeks") -> None:
    jane = story.seekers[0]
    jane.runs("debrief")
    jane.answers(company, "Analyst", "today 11:00", "first", "video", "Jane Smith", "skip",
                 "skip", "skip", "pipelines", "done", "4", "skip", "skip", "skip", "skip",
                 "skip", decision, "skip", "skip")
    assert "What happens next" in jane.text, jane.text


def _until(story: Story, *when: int) -> None:
    """Work until a moment of November/December 2026: (month, day, hour[, minute])."""
    month, day, hour, *minute = when
    run_until(story.scheduler, story.clock,
              datetime(2026, month, day, hour, *(minute or [0]), tzinfo=UTC))


def button(story: Story, label: str) -> str:
    """A button on the newest nudge message, found by its label as the user reads it."""
    message = story.inbox.messages[-1]
    for candidate in message.reply.buttons:
        if candidate.label.split(": ", 1)[-1].startswith(label):
            return candidate.value
    raise AssertionError(f"no button {label!r} in {message.reply.buttons}")


def _kinds(story: Story) -> list[tuple[str, str]]:
    return [(m.at.strftime("%a %d %H:%M"), "+".join(sorted({n[1] for n in m.nudges})))
            for m in story.inbox.messages]


def test_a_check_in_snoozed_till_tomorrow_comes_back_tomorrow_even_if_other_nudges_came_between(
        fresh_database):
    story = _jane(fresh_database())
    jane = story.seekers[0]
    _debrief(story, "Acme", decision="Tuesday")
    _until(story, 11, 23, 18)
    jane.press_value(button(story, "Done — all sent"))
    _until(story, 11, 25, 9)  # the follow-up, Wednesday 09:00
    jane.press_value(button(story, "No answer"))
    _until(story, 12, 2, 9)  # a week later, the first check-in
    jane.press_value(button(story, "Tomorrow"))
    assert "Thu at 09:00" in jane.text
    _until(story, 12, 2, 11, 30)
    _debrief(story, "Globex")  # its thank-you reminder comes this evening
    _until(story, 12, 3, 10)
    assert _kinds(story)[-3:] == [("Wed 02 09:00", "check_in"), ("Wed 02 18:00", "thank_you"),
                                  ("Thu 03 09:00", "check_in+thank_you")]
    check_in = story.inbox.messages[-3].nudges[0]
    assert check_in in story.inbox.messages[-1].nudges  # the same reminder, not a new one


def test_a_monday_digest_snoozed_till_tomorrow_comes_back_tomorrow(fresh_database):
    story = _jane(fresh_database())
    jane = story.seekers[0]
    _debrief(story, "Acme")
    _until(story, 11, 23, 18)
    jane.press_value(button(story, "Done — all sent"))
    _until(story, 11, 30, 9)
    assert "week ahead" in story.inbox.messages[-1].reply.text
    jane.press_value(button(story, "Tomorrow"))
    story.clock.set(datetime(2026, 11, 30, 11, 30, tzinfo=UTC))
    _debrief(story, "Globex")
    _until(story, 12, 1, 10)
    assert _kinds(story)[-3:] == [("Mon 30 09:00", "digest"), ("Mon 30 18:00", "thank_you"),
                                  ("Tue 01 09:00", "digest+thank_you")]


def test_a_nudge_brought_back_by_later_today_counts_towards_three_messages_a_day(
        fresh_database):
    story = _jane(fresh_database())
    jane = story.seekers[0]
    _debrief(story, "Acme", decision="Wednesday")
    _until(story, 11, 23, 18)
    jane.press_value(button(story, "Done — all sent"))
    _until(story, 11, 26, 9)  # Thursday 09:00: the follow-up
    jane.press_value(button(story, "Later today"))
    _until(story, 11, 26, 11, 30)
    _debrief(story, "Globex")  # thank-you reminder due 18:00
    _until(story, 11, 26, 12)
    jane.press_value(button(story, "Later today"))
    _until(story, 11, 27, 10)
    assert _kinds(story)[-4:] == [("Thu 26 09:00", "follow_up"), ("Thu 26 12:00", "follow_up"),
                                  ("Thu 26 15:00", "follow_up"), ("Fri 27 09:00", "thank_you")]


def test_a_stray_tomorrow_press_after_done_does_not_bring_the_reminder_back(fresh_database):
    story = _jane(fresh_database())
    jane = story.seekers[0]
    _debrief(story, "Acme")
    _until(story, 11, 23, 18)
    jane.press_value(button(story, "Done — all sent"))
    jane.press_value(button(story, "Tomorrow"))  # a second tap on the same message
    _until(story, 11, 24, 12)
    assert _kinds(story) == [("Mon 23 18:00", "thank_you")]
