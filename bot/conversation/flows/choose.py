"""Which application? A step any flow can start with: skipped when the answer is already known
(one active application, a company named in the command, a nudge button), otherwise buttons
with the application last talked about first. Unknown companies get a clear answer."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bot.conversation.flows.base import Step
from bot.messages import Button
from bot.parsing import ParseError
from bot.turn import Turn
from storage.models import Application


def candidates(turn: Turn, *, active_only: bool = True) -> list[Application]:
    apps = turn.repo.applications(active_only=active_only)
    last = turn.user.last_application_id
    return sorted(apps, key=lambda a: (a.id != last,))


def preselect(turn: Turn, slots: dict[str, Any], args: str = "", *,
              active_only: bool = True) -> str | None:
    """Fill `application_id` when it can be known without asking; a message when it can't be."""
    if slots.get("application_id") and turn.repo.application(slots["application_id"]):
        return None
    if args.strip():
        app = turn.repo.find_application(args.strip(), active_only=active_only)
        if app is None:
            return (f"I don't have an application at “{args.strip()[:60]}”. "
                    "Record it first with “debrief”, or pick one below.")
        slots["application_id"], slots["company"] = app.id, app.company
        return None
    apps = candidates(turn, active_only=active_only)
    if len(apps) == 1:
        slots["application_id"], slots["company"] = apps[0].id, apps[0].company
    return None


def prepare_application(turn: Turn, slots: dict[str, Any], args: str, *, nothing_yet: str,
                        only: Callable[[Turn], list[Application]] | None = None) -> bool:
    """The common start of a flow about one application: a kind word when there is none yet
    (False: don't start), the application filled in when the command named it or when `only`
    leaves exactly one that fits."""
    if not turn.repo.applications(active_only=True):
        turn.say(nothing_yet, [Button("Record an interview", "/debrief")])
        return False
    problem = preselect(turn, slots, args)
    if problem:
        turn.say(problem)
    elif only is not None and not slots.get("application_id") and not args.strip():
        fitting = only(turn)
        if len(fitting) == 1:
            slots["application_id"], slots["company"] = fitting[0].id, fitting[0].company
    return True


def _parse(active_only: bool):  # type: ignore[no-untyped-def]
    def parse(text: str, turn: Turn) -> int:
        value = text.strip()
        if value.startswith("app:") and value[4:].isdigit():
            app = turn.repo.application(int(value[4:]))
        else:
            app = turn.repo.find_application(value, active_only=active_only)
        if app is None:
            names = ", ".join(a.company for a in candidates(turn, active_only=active_only)[:6])
            raise ParseError(f"I don't have an application at “{value[:60]}”. "
                             f"Yours: {names or 'none yet'}.")
        turn.slots["company"] = app.company
        return app.id
    return parse


def application_step(prompt: str = "Which application is this about?", *,
                     active_only: bool = True) -> Step:
    """Ask which application, unless `application_id` is already in the slots."""
    def choices(turn: Turn) -> list[Button]:
        return [Button(a.company if not a.role else f"{a.company} — {a.role}", f"app:{a.id}")
                for a in candidates(turn, active_only=active_only)[:8]]

    return Step("application", prompt, _parse(active_only), choices=choices,
                slot="application_id",
                ask_if=lambda turn: not turn.slots.get("application_id"),
                help="Pick the company, or type its name.")
