"""A test harness that plays a job seeker talking to the engine, with a fake clock."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.clock import FixedClock
from bot.conversation.engine import Engine
from bot.conversation.questions import answer_of
from bot.messages import Incoming, Reply, UserKey
from storage.db import Database


class Seeker:
    """One user talking to the bot: `says`, `presses`, `runs`; `last` is the bot's last reply."""

    def __init__(self, engine: Engine, user_id: str = "jane", platform: str = "console",
                 workspace: str = "local", display_name: str | None = None) -> None:
        self.engine = engine
        self.key = UserKey(platform, workspace, user_id)
        self.display_name = display_name
        self.replies: list[Reply] = []

    def _send(self, incoming: Incoming) -> list[Reply]:
        replies = self.engine.handle(incoming)
        self.replies = replies
        return replies

    def says(self, text: str) -> list[Reply]:
        return self._send(Incoming.message(self.key, text, self.display_name))

    def runs(self, command: str, args: str = "") -> list[Reply]:
        return self._send(Incoming.command(self.key, command, args))

    def presses(self, label_or_value: str) -> list[Reply]:
        """Press a button of the last replies; a question with more than five choices shows
        them a page at a time, so "More…" is pressed until it shows (as a person would)."""
        for _page in range(5):
            for reply in reversed(self.replies):
                for button in reply.buttons:
                    if label_or_value in (button.label, button.value, answer_of(button.value)):
                        return self._send(Incoming.press(self.key, button.value))
            more = [b for r in self.replies for b in r.buttons if b.label == "More…"]
            if not more:
                break
            self._send(Incoming.press(self.key, more[-1].value))
        offered = [b.label for r in self.replies for b in r.buttons]
        raise AssertionError(f"no button {label_or_value!r}; offered: {offered}")

    def press_value(self, value: str) -> list[Reply]:
        return self._send(Incoming.press(self.key, value))

    @property
    def last(self) -> str:
        return self.replies[-1].text if self.replies else ""

    @property
    def text(self) -> str:
        return "\n".join(r.text for r in self.replies)

    @property
    def buttons(self) -> list[str]:
        return [b.label for r in self.replies for b in r.buttons]

    def answers(self, *texts: str) -> list[Reply]:
        for text in texts:
            self.says(text)
        return self.replies


def make_engine(url: str, at: datetime) -> tuple[Engine, FixedClock, Database]:
    clock = FixedClock(at)
    database = Database(url)
    return Engine(database, clock), clock, database


ONBOARDING_ANSWERS = ("Jane Doe", "jane.doe@example.com · +44 7700 900123", "London", "9", "21-8")


def onboard(seeker: Seeker) -> None:
    seeker.says("hello")
    seeker.answers(*ONBOARDING_ANSWERS)


def debrief(seeker: Seeker, company: str = "Acme", people: tuple[str, ...] = ("Jane Smith",
            "Bob Stone"), when: str = "today 11am", decision: str = "next Friday") -> None:
    seeker.runs("debrief")
    seeker.answers(company, "Data Analyst", when, "first", "video")
    for person in people:
        seeker.answers(person, "skip", "skip", "skip", f"talked with {person} about pipelines")
    seeker.answers("done", "4", "SQL exercise", "ten years of analytics", "skip", "skip",
                   "skip", decision, "2", "skip")


def advance(clock: FixedClock, **kwargs: float) -> None:
    clock.advance(timedelta(**kwargs))
