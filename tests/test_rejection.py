"""A "no": empathy, the application closed and its reminders stopped, a reply that keeps the door
open, and reflections that go into the lessons journal — then keep going."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.outcomes import GLOBEX_DEBRIEF, Scene, drafts

FRIDAY = datetime(2026, 11, 27, 15, 0, tzinfo=UTC)


def _opening(scene: Scene) -> None:
    scene.debrief()
    scene.debrief(GLOBEX_DEBRIEF)


@pytest.fixture(scope="module")
def two_interviews(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return Scene.template(tmp_path_factory.mktemp("rejection"), _opening)


@pytest.fixture
def scene(two_interviews: Path, tmp_path: Path) -> Iterator[Scene]:
    """Friday: Globex writes that they won't go ahead with Jane; Acme is still deciding."""
    scene = Scene.copy(two_interviews, tmp_path, FRIDAY)
    yield scene
    scene.db.dispose()


def rejected(scene: Scene) -> None:
    scene.jane.runs("outcome", "Globex")
    scene.jane.presses("Rejected")


def test_a_no_is_met_with_empathy_and_the_real_odds(scene: Scene):
    rejected(scene)
    text = scene.jane.text
    assert "It is not personal" in text
    assert "around 250 applications, 4–6 people are interviewed, and one is hired" in text


def test_the_application_is_closed_and_its_reminders_stop(scene: Scene):
    assert scene.nudges("Globex", "thank_you")
    rejected(scene)
    app = scene.app("Globex")
    assert app["status"] == "rejected" and app["closed_at"] == FRIDAY
    for kind in ("thank_you", "follow_up", "check_in"):
        assert scene.nudges("Globex", kind) == []
    assert scene.app("Acme")["status"] == "active"


def test_the_reply_thanks_them_asks_for_feedback_and_to_be_kept_in_mind(scene: Scene):
    rejected(scene)
    [letter] = drafts(scene.jane)
    assert letter.body.startswith("Dear Tom,")
    assert letter.to == "tom.baker@globex.example"
    assert "feedback" in letter.body
    assert "kept in mind" in letter.body
    assert letter.body.rstrip().endswith("jane.doe@example.com · +44 7700 900123")
    assert "Never burn a bridge" in scene.jane.text


def test_reflections_go_into_the_lessons_journal(scene: Scene):
    rejected(scene)
    jane = scene.jane
    jane.says("They went with someone who had more stakeholder experience")
    jane.says("Bring numbers for the impact of my projects")
    jane.says("presenting to executives")
    lessons = scene.lessons()
    assert [lesson["text"] for lesson in lessons] == [
        "Their feedback: They went with someone who had more stakeholder experience",
        "Bring numbers for the impact of my projects",
        "Skill to build: presenting to executives",
    ]
    assert {lesson["source"] for lesson in lessons} == {"rejection"}
    assert "Saved to your lessons journal" in jane.text


def test_then_it_says_keep_going_naming_what_is_still_open(scene: Scene):
    rejected(scene)
    scene.jane.answers("skip", "skip", "skip")
    assert "Keep going: you still have 1 active application (Acme)" in scene.jane.text
    assert scene.lessons() == []
    assert scene.conversation() is None


def test_cancelling_the_reflection_keeps_the_application_closed(scene: Scene):
    rejected(scene)
    scene.jane.says("cancel")
    assert "The application stays closed" in scene.jane.text
    assert scene.app("Globex")["status"] == "rejected"


def test_the_nudge_button_rejected_starts_the_same_conversation(scene: Scene):
    from storage.models import Nudge

    def a_globex_nudge(repo) -> int:  # type: ignore[no-untyped-def]
        app = repo.find_application("Globex")
        return repo.session.query(Nudge).filter(Nudge.user_id == repo.user.id,
                                                Nudge.application_id == app.id).first().id

    scene.jane.press_value(f"n:{scene.read(a_globex_nudge)}:rejected")
    assert "It is not personal" in scene.jane.text
    assert scene.app("Globex")["status"] == "rejected"
    assert scene.conversation() == "rejection"


def test_an_overlong_reflection_is_asked_again(scene: Scene):
    rejected(scene)
    scene.jane.says("x" * 1200)
    assert "A sentence or two is plenty" in scene.jane.text
    assert scene.conversation() == "rejection"
