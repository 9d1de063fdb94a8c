"""The lessons journal (`lessons`): what the user would do differently and the skills to build,
newest first with the company and the date; `lessons <a thought>` adds one. `prep` shows it."""

from __future__ import annotations

from bot.conversation.drafts import day
from bot.messages import Button
from bot.turn import Turn
from storage.models import Lesson

EMPTY = ("Your lessons journal is empty. After a “no” — or any interview — I ask what you'd do "
         "differently and which skill to build, and keep the answers here; I show them again "
         "before your next interview. Add one yourself any time: “lessons <your thought>”.")
SHOWN = 20
MAX_LESSON = 1000


def lesson_line(turn: Turn, lesson: Lesson) -> str:
    """ "• Fri 4 Dec — Globex: Prepare numbers for the impact of my projects"."""
    app = turn.repo.application(lesson.application_id)
    where = f" — {app.company}" if app else ""
    return f"• {day(lesson.created_at.astimezone(turn.tz))}{where}: {lesson.text}"


def lessons_command(turn: Turn, args: str) -> None:
    thought = " ".join(args.split())
    if thought.casefold().startswith("add "):
        thought = thought[4:].strip()
    if thought:
        if len(thought) > MAX_LESSON:
            turn.say(f"That's long for one lesson — please keep it under {MAX_LESSON} "
                     "characters. Nothing was added.")
            return
        turn.repo.add_lesson(thought, turn.now, None, source="reflection")
        turn.say("Added to your lessons journal.")
    lessons = turn.repo.lessons()
    if not lessons:
        turn.say(EMPTY, [Button("See my pipeline", "/status")])
        return
    lines = [f"📓 Your lessons journal — {len(lessons)} "
             f"entr{'ies' if len(lessons) != 1 else 'y'}, newest first:"]
    lines += [lesson_line(turn, lesson) for lesson in lessons[:SHOWN]]
    if len(lessons) > SHOWN:
        lines.append(f"…and {len(lessons) - SHOWN} older ones.")
    lines.append("Read them before your next interview — “prep” includes them.")
    turn.say("\n".join(lines), [Button("Prep pack", "/prep")])
