"""Helpers for nudge tests: a delivery collector and a clock-driven run of the scheduler."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from bot.clock import FixedClock
from bot.messages import Reply, UserKey
from bot.nudges.scheduler import Scheduler
from storage.db import Database


@dataclass
class Delivered:
    user: UserKey
    at: datetime
    reply: Reply


@dataclass
class Inbox:
    """Plays every platform: records what the scheduler delivers, and when."""

    clock: FixedClock
    messages: list[Delivered] = field(default_factory=list)

    def __call__(self, user: UserKey, replies: Sequence[Reply]) -> None:
        for reply in replies:
            self.messages.append(Delivered(user, self.clock.now(), reply))

    def texts(self) -> list[str]:
        return [m.reply.text for m in self.messages]

    def button(self, label_start: str, message: Delivered | None = None) -> str:
        message = message or self.messages[-1]
        for button in message.reply.buttons:
            if button.label.split(": ", 1)[-1].startswith(label_start):
                return button.value
        raise AssertionError(f"no button {label_start!r} in {message.reply.buttons}")


def run_until(scheduler: Scheduler, clock: FixedClock, until: datetime,
              step: timedelta = timedelta(minutes=30)) -> None:
    """Tick every `step` from now until `until`, like a worker that never sleeps in."""
    epoch = datetime(2000, 1, 3, tzinfo=UTC)  # a Monday 00:00: ticks fall on round times
    while clock.now() < until:
        elapsed = clock.now() - epoch
        aligned = epoch + (elapsed // step + 1) * step
        clock.set(min(aligned, until))
        scheduler.tick()


def scheduler_for(db: Database, clock: FixedClock) -> tuple[Scheduler, Inbox]:
    inbox = Inbox(clock)
    return Scheduler(db, inbox, clock), inbox
