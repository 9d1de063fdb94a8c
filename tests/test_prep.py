"""A second round: its date sets the prep reminder for the day before, and `prep` builds the pack
from the earlier rounds — notes, questions, stories already told, lessons."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.outcomes import GLOBEX_DEBRIEF, MONDAY_1130, Scene

THURSDAY_10 = datetime(2026, 12, 3, 10, 0, tzinfo=UTC)
WEDNESDAY_9 = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)  # the day before, at Jane's nudge hour


@pytest.fixture(scope="module")
def after_acme(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return Scene.template(tmp_path_factory.mktemp("prep"), lambda scene: scene.debrief())


@pytest.fixture
def scene(after_acme: Path, tmp_path: Path) -> Iterator[Scene]:
    """Jane interviewed at Acme on Monday; it's Friday and they want to see her again."""
    scene = Scene.copy(after_acme, tmp_path, MONDAY_1130 + timedelta(days=4))
    yield scene
    scene.db.dispose()


def schedule(scene: Scene, when: str = "Thursday 10am", round_: str = "Second") -> None:
    scene.jane.runs("outcome", "Acme")
    scene.jane.presses("Second interview")
    scene.jane.says(when)
    scene.jane.presses(round_)


def test_a_second_interview_sets_the_date_round_and_status(scene: Scene):
    schedule(scene)
    app = scene.app("Acme")
    assert app["status"] == "second_round"
    assert app["next_interview_at"] == THURSDAY_10
    assert app["next_round"] == "second"
    assert "When: Thu 3 Dec at 10:00." in scene.jane.text


def test_the_prep_reminder_is_planned_for_the_day_before(scene: Scene):
    schedule(scene)
    [prep] = scene.nudges("Acme", "prep")
    assert prep["due_at"] == WEDNESDAY_9
    assert "I'll send a prep reminder the day before: Wed 2 Dec at 09:00." in scene.jane.text
    assert "Prep pack" in scene.jane.buttons


def test_a_time_in_the_past_is_asked_again(scene: Scene):
    scene.jane.runs("outcome", "Acme")
    scene.jane.presses("Second interview")
    scene.jane.says("yesterday 3pm")
    assert "has already passed — when is the next interview?" in scene.jane.text
    scene.jane.says("next Wednesday, 2pm")
    assert "Which round will it be?" in scene.jane.text


def test_a_day_without_a_time_asks_for_the_time(scene: Scene):
    jane = scene.jane
    jane.runs("outcome", "Acme")
    jane.presses("Second interview")
    jane.says("Dec 3")
    assert "What time on Thu 3 Dec?" in jane.text
    jane.says("at some point")
    assert "I couldn't read “at some point” as a time" in jane.text
    jane.says("10am")
    jane.presses("Second")
    assert scene.app("Acme")["next_interview_at"] == THURSDAY_10


def test_no_date_yet_is_fine_and_plans_no_prep_reminder(scene: Scene):
    jane = scene.jane
    jane.runs("outcome", "Acme")
    jane.presses("Second interview")
    jane.presses("Not set yet")
    jane.presses("Second")
    assert scene.app("Acme")["status"] == "second_round"
    assert scene.app("Acme")["next_interview_at"] is None
    assert "No date yet" in jane.text
    assert scene.nudges("Acme", "prep") == []


def test_before_a_final_round_it_prompts_to_line_up_references(scene: Scene):
    schedule(scene, round_="Final")
    text = scene.jane.text
    assert "Before a final round, line up your references" in text
    assert "Don't alert references at your current employer until an offer is coming" in text
    assert "References" in scene.jane.buttons


def test_a_second_round_does_not_ask_for_references_yet(scene: Scene):
    schedule(scene)
    assert "references" not in scene.jane.text


def test_the_prep_pack_is_built_from_the_earlier_round(scene: Scene):
    schedule(scene)
    scene.jane.runs("prep")
    pack = scene.jane.text
    assert "Prep pack — Acme, Data Analyst" in pack
    assert "Your second interview: Thu 3 Dec at 10:00." in pack
    assert "First round (Mon 23 Nov, video, rated 4/5) with Katherine O'Neill, Rahul Mehta" in pack
    assert "Went well: the SQL exercise" in pack
    assert "Your strongest point: five years of SQL and Python analytics" in pack
    assert "To improve: explaining my dashboard project more briefly" in pack
    assert "Missed last time: I also led our move to dbt" in pack
    assert "They asked: a conflict with a stakeholder" in pack
    assert "what would you answer differently now?" in pack


def test_the_prep_pack_has_questions_to_ask_and_the_checklist(scene: Scene):
    scene.jane.runs("prep", "Acme")
    pack = scene.jane.text
    assert "Questions to ask them:" in pack
    assert "What are the next steps — how many remain, and when do you expect to decide?" in pack
    assert "Re-read your résumé" in pack
    assert "behavioural stories" in pack
    assert "Show passion" in pack


def test_stories_told_are_listed_per_interviewer_and_not_repeated(scene: Scene):
    jane = scene.jane
    jane.runs("story")
    jane.says("Katherine")
    jane.says("the dashboard rescue")
    jane.presses("Yes")
    jane.presses("Rahul Mehta")
    jane.says("the budget story")
    jane.presses("Yes")
    jane.says("katherine o'neill")
    jane.says("The dashboard rescue")
    assert "You've told “The dashboard rescue” to Katherine O'Neill before" in jane.text
    jane.presses("Done")
    jane.runs("prep")
    pack = jane.text
    assert "• Katherine O'Neill: the dashboard rescue" in pack
    assert "• Rahul Mehta: the budget story" in pack
    assert pack.count("dashboard rescue") == 1


def test_a_story_to_someone_unknown_is_asked_again(scene: Scene):
    scene.jane.runs("story")
    scene.jane.says("Bob")
    assert "I don't have “Bob” among the people you met (Katherine O'Neill, Rahul Mehta)" \
        in scene.jane.text


def test_prep_picks_the_application_with_the_interview_coming_up(scene: Scene):
    scene.debrief(GLOBEX_DEBRIEF)
    schedule(scene)
    scene.jane.runs("prep")
    assert "Prep pack — Acme" in scene.jane.text


def test_the_prep_nudge_button_opens_the_pack(scene: Scene):
    schedule(scene)
    scene.jane.press_value("/prep Acme")
    assert "Prep pack — Acme" in scene.jane.text


def test_the_nudge_button_second_interview_starts_the_same_questions(scene: Scene):
    from storage.models import Nudge

    def follow_up_nudge(repo) -> int:  # type: ignore[no-untyped-def]
        row = repo.session.query(Nudge).filter(Nudge.user_id == repo.user.id,
                                               Nudge.kind == "thank_you").first()
        return row.id

    nudge_id = scene.read(follow_up_nudge)
    scene.jane.press_value(f"n:{nudge_id}:second")
    assert "Another round at Acme! When is it?" in scene.jane.text


def test_free_text_with_a_date_fills_it_in(scene: Scene):
    scene.jane.says("second interview with Acme on Thursday 10am")
    scene.jane.presses("Yes")  # news is confirmed before it is stored (issue 14)
    assert "Which round will it be?" in scene.jane.text
    scene.jane.presses("Second")
    assert scene.app("Acme")["next_interview_at"] == THURSDAY_10


def test_prep_without_applications_says_what_to_do(sqlite_url: str):
    scene = Scene(sqlite_url)
    scene.jane.runs("prep")
    assert "No active applications to prepare for" in scene.jane.text
    scene.db.dispose()
