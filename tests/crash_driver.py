"""A child process for the crash tests: it answers a scripted conversation or ticks the
scheduler and records its progress durably, so the parent can SIGKILL it at any moment.

    python -m tests.crash_driver chat DB_URL NOW START PROGRESS_FILE [USER_ID]
    python -m tests.crash_driver tick DB_URL NOW DELIVERED_FILE
"""

from __future__ import annotations

import os
import random
import sys
import time
from collections.abc import Sequence
from datetime import datetime

from bot.clock import FixedClock
from bot.conversation.engine import Engine
from bot.messages import Incoming, Reply, UserKey
from bot.nudges.scheduler import Scheduler
from storage.db import Database

USER = UserKey("console", "local", "crash")
SCRIPT = (
    "hello", "Jane Doe", "jane.doe@example.com · +44 7700 900123", "London", "9", "21-8",
    "/debrief", "Acme", "Data Analyst", "today 11am", "first", "video",
    "Katherine O'Neill", "Head of Data", "k.oneill@acme.example", "skip", "streaming",
    "Rahul Mehta", "skip", "skip", "+44 20 7946 0000", "mentoring", "done",
    "4", "the SQL exercise", "ten years of analytics", "more metrics", "skip", "pricing",
    "next Friday", "2", "HR",
)


def incoming(line: str, user: UserKey = USER) -> Incoming:
    if line.startswith("/"):
        return Incoming.command(user, line[1:])
    return Incoming.message(user, line)


def _append(path: str, text: str) -> None:
    with open(path, "a", encoding="utf-8") as out:
        out.write(text + "\n")
        out.flush()
        os.fsync(out.fileno())


def chat(url: str, now: str, start: int, progress: str, user_id: str = USER.user_id) -> None:
    engine = Engine(Database(url), FixedClock(datetime.fromisoformat(now)))
    user = UserKey(USER.platform, USER.workspace, user_id)
    for number, line in enumerate(SCRIPT[start:], start + 1):
        engine.handle(incoming(line, user))
        _append(progress, str(number))


def nudge_ids(replies: Sequence[Reply]) -> list[str]:
    ids = []
    for reply in replies:
        for button in reply.buttons:
            if button.value.startswith("n:"):
                ids.append(button.value.split(":")[1])
    return sorted(set(ids))


def tick(url: str, now: str, delivered: str) -> None:
    rng = random.Random()

    def deliver(user: UserKey, replies: Sequence[Reply]) -> None:
        time.sleep(rng.random() * 0.02)  # the platform's round trip
        _append(delivered, ",".join(nudge_ids(replies)))

    Scheduler(Database(url), deliver, FixedClock(datetime.fromisoformat(now)), batch=5).tick()


if __name__ == "__main__":
    mode, url, now, *rest = sys.argv[1:]
    if mode == "chat":
        chat(url, now, int(rest[0]), rest[1], *rest[2:])
    else:
        tick(url, now, rest[0])
