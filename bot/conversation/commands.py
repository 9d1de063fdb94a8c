"""The command words (the same on every platform) and what each one does."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bot.conversation.flows.edit import undo_command
from bot.conversation.flows.lessons import lessons_command
from bot.conversation.letter_edit import busy_words, letter_command
from bot.messages import Button
from bot.outputs.export import export_command
from bot.records.coaching import rate_want
from bot.records.pipeline import status_text
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
    if args.strip().casefold() in ("chart", "picture"):
        from bot.outputs.charts import (
            status_chart,  # matplotlib loads only when a chart is asked for
        )

        status_chart(turn)
        return
    buttons = [Button("Record an interview", "/debrief")]
    if turn.repo.applications():
        buttons.append(Button("Show as a picture", "/status chart"))
    turn.say(status_text(turn), buttons)


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
    Command("export", "all your data as a file, and your dates as a calendar (.ics)",
            export_command),
    Command("delete", "erase everything I know about you (asks first)", flow="delete"),
    Command("offer", "record an offer, compare it, then negotiate, accept or decline",
            flow="offer"),
    Command("thanks", "draft a personal thank-you letter to each interviewer", flow="thanks"),
    Command("followup", "follow up or check in with an employer, and log what they said",
            flow="followup"),
    Command("outcome", "log news: still deciding, second interview, offer, rejected",
            flow="outcome"),
    Command("prep", "your prep pack for the next round", flow="prep"),
    Command("story", "note which story you told to which interviewer", flow="story"),
    Command("lessons", "your lessons journal (“lessons <thought>” adds one)", lessons_command),
    Command("references", "your references: list them, add one", flow="references"),
    Command("edit", "correct anything you told me; delete, merge or archive a record",
            flow="edit", aliases=("change", "correct")),
    Command("undo", "undo your last change to your records", undo_command),
    Command("letter", "edit the last letter I drafted: the whole text or one paragraph",
            letter_command),
    Command("want", "how much you want a job, 1–5 (“want” asks after a debrief)", rate_want),
    Command("help", "this list", _help),
    Command("cancel", "stop what we're doing (nothing else is lost)"),
):
    register(_command)
busy_words.update(COMMANDS)


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

