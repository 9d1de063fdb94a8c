"""Onboarding (`start`) and `settings`: who the user is, how to sign letters, when to nudge."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from bot.conversation.flows.base import Flow, Jump, Step, text_answer
from bot.conversation.flows.country import COUNTRY, apply_country, country_line
from bot.messages import Button
from bot.parsing import (
    ParseError,
    parse_email,
    parse_hour,
    parse_int,
    parse_quiet_window,
    parse_timezone,
)
from bot.parsing.names import proper_name
from bot.turn import Turn

DEFAULT_NUDGE_HOUR = 9
DEFAULT_QUIET = (21, 8)


def _name(text: str, turn: Turn) -> str:
    name = text_answer(text, turn)
    if len(name) > 120:
        raise ParseError("That's longer than a name usually is — please keep it under 120 "
                         "characters.")
    if not re.search(r"\w", name):
        raise ParseError("I need a name with at least one letter, e.g. “Jane Doe”.")
    return proper_name(name)  # it signs letters: "maya patel" is written "Maya Patel"


def _signature(text: str, turn: Turn) -> str:
    line = " ".join(text_answer(text, turn).split())
    if len(line) > 300:
        raise ParseError("Please keep the signature line under 300 characters.")
    if not (re.search(r"[^@\s]+@[^@\s]+\.\w+", line) or len(re.sub(r"\D", "", line)) >= 6):
        raise ParseError(
            "A signature line should say how to reach you — include your email or phone, "
            "e.g. “jane.doe@example.com · +44 7700 900123”."
        )
    for email in re.findall(r"[^\s,;·|<>()]+@[^\s,;·|<>()]+", line):
        parse_email(email)  # a mistyped address is said now, not found by an employer later
    return line


def _hour_label(hour: int) -> str:
    return f"{hour:02d}:00"


def _quiet_label(value: list[int] | None) -> str:
    if value and len(value) == 4:  # [start hour, end hour, start minute, end minute]
        return f"{value[0]:02d}:{value[2]:02d}–{value[1]:02d}:{value[3]:02d}"
    return "none" if not value else f"{_hour_label(value[0])}–{_hour_label(value[1])}"


def _quiet(text: str, turn: Turn) -> list[int] | None:
    window = parse_quiet_window(text)  # minutes too: "22:00-07:30"
    return None if window is None else [window[0][0], window[1][0], window[0][1], window[1][1]]


def _ghost_after(text: str, turn: Turn) -> int:
    return parse_int(text, lo=1, hi=10, what="a number of check-ins from 1 to 10")


def name_step() -> Step:
    def prompt(turn: Turn) -> str:
        return ("What name should I use to sign your letters? Your full name, as an employer "
                "should see it.")

    def choices(turn: Turn) -> list[Button]:
        known = turn.user.display_name
        return [Button(known, known)] if known else []

    return Step("name", prompt, _name, choices=choices,
                help="Your full name goes at the end of every letter I draft.")


SIGNATURE = Step(
    "signature",
    "Your contact line for the signature — email and phone (LinkedIn too, if you like). "
    "For example: “jane.doe@example.com · +44 7700 900123”.",
    _signature, optional=True,
    help="Every letter ends with your name and this line, so the employer can reach you.",
)
TIMEZONE = Step(
    "timezone",
    "Which city or time zone are you in? (e.g. “Berlin”, “New York”, “UTC+2”) — so reminders "
    "arrive at your local time.",
    lambda text, turn: parse_timezone(text), optional=True, skip_value=None,
    help="A city name or a UTC offset. Skipping keeps UTC.",
)
NUDGE_HOUR = Step(
    "nudge_hour",
    "At what hour should morning reminders arrive? (default 09:00)",
    lambda text, turn: parse_hour(text), optional=True, skip_value=None,
    choices=(Button("08:00", "8"), Button("09:00", "9"), Button("10:00", "10")),
    help="An hour of the day, like “9”, “9am” or “18:00”.",
)
QUIET_HOURS = Step(
    "quiet_hours",
    "Quiet hours — when should I never message you? (default 21:00–08:00)",
    _quiet, optional=True, skip_value="default",
    choices=(Button("21:00–08:00", "21-8"), Button("22:00–07:00", "22-7"),
             Button("No quiet hours", "none")),
    help="A range like “22-7” or “10pm to 7am”, or “none”.",
)
STYLE_LABELS = {"friendly": "friendly — “Dear Katherine,”",
                "formal": "formal — “Dear Ms O'Neill,” (I ask each person's title)"}


def _style(text: str, turn: Turn) -> str:
    said = text.strip().casefold()
    for key in STYLE_LABELS:
        if said.startswith(key) or said == STYLE_LABELS[key].casefold():
            return key
    raise ParseError("Choose “friendly” (Dear Katherine) or “formal” (Dear Ms O'Neill).")


LETTER_STYLE = Step(
    "letter_style",
    "How should your letters greet people? Friendly uses the first name (“Dear Katherine,”) — "
    "usual in most industries. Formal uses a title and surname (“Dear Ms O'Neill,”); I'll then "
    "ask each interviewer's title.",
    _style, choices=(Button("Friendly", "friendly"), Button("Formal", "formal")),
    help="Friendly or formal — you can change it any time in settings.",
)
GHOST_AFTER = Step(
    "ghost_after",
    "After how many unanswered weekly check-ins should I suggest closing an application as "
    "“no answer”? (default 3)",
    _ghost_after, choices=(Button("2", "2"), Button("3", "3"), Button("4", "4")),
    help="A number from 1 to 10.",
)


def apply_profile(turn: Turn, slots: dict[str, Any]) -> None:
    """Copy answered profile slots onto the user; skipped ones keep their current value."""
    user = turn.user
    if slots.get("name"):
        user.display_name = slots["name"]
    if slots.get("signature"):
        user.signature = slots["signature"]
    if slots.get("timezone"):
        user.timezone = slots["timezone"]
    if slots.get("nudge_hour") is not None:
        user.nudge_hour = int(slots["nudge_hour"])
    if "quiet_hours" in slots and slots["quiet_hours"] != "default":
        quiet = slots["quiet_hours"]
        user.quiet_start, user.quiet_end = (quiet[0], quiet[1]) if quiet else (None, None)
        minutes = (quiet[2], quiet[3]) if quiet and len(quiet) == 4 else (0, 0)
        user.quiet_start_minute, user.quiet_end_minute = minutes
    if slots.get("ghost_after"):
        user.ghost_after = int(slots["ghost_after"])
    if slots.get("letter_style"):
        user.formal_letters = slots["letter_style"] == "formal"
    apply_country(turn, slots)
    for app in turn.repo.applications():  # reminders follow the new time zone and hours
        turn.changed(app.id)


def settings_summary(turn: Turn) -> str:
    user = turn.user
    quiet = (None if user.quiet_start is None or user.quiet_end is None
             else [user.quiet_start, user.quiet_end, user.quiet_start_minute or 0,
                   user.quiet_end_minute or 0])
    return "\n".join([
        f"• Name: {user.display_name or '—'}",
        f"• Signature line: {user.signature or '—'}",
        f"• Letter style: {STYLE_LABELS['formal' if user.formal_letters else 'friendly']}",
        f"• Time zone: {user.timezone}",
        f"• Reminder hour: {_hour_label(user.nudge_hour)}",
        f"• Quiet hours: {_quiet_label(quiet)}",
        f"• Check-ins before suggesting “no answer”: {user.ghost_after}",
        f"• Reminders: {'paused' if user.paused else 'on'}",
        f"• Country (public holidays): {country_line(user)}",
    ])


def quiet_note(turn: Turn) -> str:
    """A word when the reminder hour falls inside quiet hours (quiet hours win)."""
    user = turn.user
    start, end = user.quiet_start, user.quiet_end
    if start is None or end is None or start == end:
        return ""
    hour = user.nudge_hour
    end_minute = user.quiet_end_minute or 0
    first, last, at = start * 60 + (user.quiet_start_minute or 0), end * 60 + end_minute, hour * 60
    inside = first <= at or at < last if first > last else first <= at < last
    if not inside:
        return ""
    return (f"\nNote: {_hour_label(hour)} is inside your quiet hours, so morning reminders "
            f"will come at {end:02d}:{end_minute:02d} instead.")


def _finish_onboarding(turn: Turn, slots: dict[str, Any]) -> None:
    apply_profile(turn, slots)
    turn.user.onboarded = True
    first = turn.user.display_name.split(" ")[0] if turn.user.display_name else "there"
    turn.say(
        f"All set, {first}! Here's what I'll use:\n{settings_summary(turn)}"
        f"{quiet_note(turn)}\n\n"
        "Just had an interview? Tell me about it while it's fresh — I'll draft a thank-you "
        "letter for each interviewer and remind you when to follow up.",
        [Button("Record an interview", "/debrief"), Button("Help", "/help")],
    )


ONBOARDING = Flow(
    "onboarding",
    (name_step(), SIGNATURE, TIMEZONE, NUDGE_HOUR, QUIET_HOURS),
    _finish_onboarding,
    describe=lambda slots: "setting up your profile",
    on_cancel="Okay — we can finish setting up any time with “start”. Nothing else changed.",
)

SETTING_STEPS = {
    "name": name_step(), "signature": SIGNATURE, "timezone": TIMEZONE,
    "nudge_hour": NUDGE_HOUR, "quiet_hours": QUIET_HOURS, "ghost_after": GHOST_AFTER,
}
SETTING_STEPS["country"] = COUNTRY  # public holidays for business days (issue 16)
SETTING_STEPS["letter_style"] = LETTER_STYLE
SETTING_LABELS = {
    "name": "Name", "signature": "Signature line", "timezone": "Time zone",
    "nudge_hour": "Reminder hour", "quiet_hours": "Quiet hours", "ghost_after": "Check-ins",
}
SETTING_LABELS["country"] = "Country"
SETTING_LABELS["letter_style"] = "Letter style"


def _which(text: str, turn: Turn) -> str:
    word = text.strip().casefold()
    for key, label in SETTING_LABELS.items():
        if word in (key, label.casefold()):
            return key
    raise ParseError("Pick one of the settings: " + ", ".join(SETTING_LABELS.values()) + ".")


def _jump_to_setting(turn: Turn, key: str) -> None:
    raise Jump(f"set_{key}")


def _after_setting(turn: Turn, value: Any) -> None:
    raise Jump("")


def _setting_step(key: str) -> Step:
    base = SETTING_STEPS[key]
    return Step(
        f"set_{key}", base.prompt, base.parse, optional=base.optional, choices=base.choices,
        help=base.help, slot=key, skip_value=base.skip_value,
        ask_if=_asked_for(key), on_answer=_after_setting,
    )


def _asked_for(key: str) -> Callable[[Turn], bool]:
    def asked(turn: Turn) -> bool:
        return bool(turn.slots.get("which") == key)
    return asked


def _finish_settings(turn: Turn, slots: dict[str, Any]) -> None:
    apply_profile(turn, slots)
    turn.say("Saved. Your settings now:\n" + settings_summary(turn) + quiet_note(turn),
             [Button("Change another", "/settings")])


SETTINGS = Flow(
    "settings",
    (
        Step("which", lambda turn: "Your settings:\n" + settings_summary(turn)
             + "\n\nWhat would you like to change?", _which,
             choices=tuple(Button(label, key) for key, label in SETTING_LABELS.items()),
             on_answer=_jump_to_setting),
        *(_setting_step(key) for key in SETTING_STEPS),
    ),
    _finish_settings,
    describe=lambda slots: "changing your settings",
    on_cancel="Okay, your settings are unchanged.",
)
