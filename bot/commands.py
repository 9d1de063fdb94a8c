"""The command words (the same on every platform) and what each one does."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bot.flows.profile import settings_summary
from bot.messages import Button
from bot.pipeline import status_text
from bot.turn import Turn

Handler = Callable[[Turn, str], None]


@dataclass(frozen=True)
class Command:
    word: str
    summary: str
    handler: Handler | None = None
    flow: str | None = None
    aliases: tuple[str, ...] = ()


def _status(turn: Turn, args: str) -> None:
    turn.say(status_text(turn), [Button("Record an interview", "/debrief")])


def _pause(turn: Turn, args: str) -> None:
    turn.user.paused = True
    for app in turn.repo.applications():
        turn.changed(app.id)
    turn.say("Reminders paused. Your data stays as it is; say “resume” when you want "
             "nudges again.", [Button("Resume reminders", "/resume")])


def _resume(turn: Turn, args: str) -> None:
    turn.user.paused = False
    turn.user.unreachable = False
    for app in turn.repo.applications(active_only=True):
        turn.changed(app.id)
    turn.say("Reminders are back on. I'll nudge you at the right moments — and never more "
             "than once a week per employer.")


def _help(turn: Turn, args: str) -> None:
    turn.say(help_text(), [Button("Record an interview", "/debrief"),
                           Button("My pipeline", "/status")])


COMMANDS: dict[str, Command] = {}


def register(command: Command) -> None:
    for word in (command.word, *command.aliases):
        COMMANDS[word] = command


for _command in (
    Command("start", "set up your profile (name, signature, time zone, reminder hours)",
            flow="onboarding"),
    Command("debrief", "record an interview you just had", flow="debrief", aliases=("new",)),
    Command("status", "your pipeline: every application and the next thing to do", _status),
    Command("settings", "change your name, signature, time zone or reminder hours",
            flow="settings"),
    Command("pause", "pause all reminders", _pause),
    Command("resume", "turn reminders back on", _resume),
    Command("help", "this list", _help),
    Command("cancel", "stop what we're doing (nothing else is lost)"),
):
    register(_command)


def help_text() -> str:
    seen: list[Command] = []
    for command in COMMANDS.values():
        if command not in seen:
            seen.append(command)
    lines = ["I coach you through everything after a job interview: thank-you letters, "
             "follow-ups, offers and what to learn from a no. Commands:"]
    for command in seen:
        alias = f" (or {', '.join(command.aliases)})" if command.aliases else ""
        lines.append(f"• {command.word}{alias} — {command.summary}")
    lines.append("Inside a question you can always say back, skip (optional questions), "
                 "cancel or help.")
    return "\n".join(lines)


def settings_text(turn: Turn) -> str:
    return settings_summary(turn)
