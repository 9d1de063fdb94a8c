"""The lessons journal (`lessons`) and the references (`references`): newest lessons first with
company and date; references listed and added, current-employer ones kept for when an offer is
coming."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.outcomes import GLOBEX_DEBRIEF, Scene


def _opening(scene: Scene) -> None:
    scene.debrief()
    scene.debrief(GLOBEX_DEBRIEF)


@pytest.fixture(scope="module")
def two_interviews(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return Scene.template(tmp_path_factory.mktemp("journal"), _opening)


@pytest.fixture
def scene(two_interviews: Path, tmp_path: Path) -> Iterator[Scene]:
    scene = Scene.copy(two_interviews, tmp_path, datetime(2026, 11, 27, 15, 0, tzinfo=UTC))
    yield scene
    scene.db.dispose()


# ---- lessons ------------------------------------------------------------------------------------

def test_an_empty_journal_says_what_goes_in_it(scene: Scene):
    scene.jane.runs("lessons")
    assert "Your lessons journal is empty" in scene.jane.text
    assert "I show them again before your next interview" in scene.jane.text


def test_lessons_are_listed_newest_first_with_company_and_date(scene: Scene):
    jane = scene.jane
    jane.runs("outcome", "Globex")
    jane.presses("Rejected")
    jane.answers("skip", "Ask what the first 90 days look like", "skip")
    scene.clock.advance(timedelta(days=3))
    jane.runs("lessons", "Sleep well before a panel")
    assert "Added to your lessons journal." in jane.text
    lines = jane.last.splitlines()
    assert lines[0] == "📓 Your lessons journal — 2 entries, newest first:"
    assert lines[1] == "• Mon 30 Nov: Sleep well before a panel"
    assert lines[2] == "• Fri 27 Nov — Globex: Ask what the first 90 days look like"


def test_a_lesson_too_long_is_refused_and_nothing_is_added(scene: Scene):
    scene.jane.runs("lessons", "y" * 1500)
    assert "Nothing was added" in scene.jane.text
    assert scene.lessons() == []


# ---- references ---------------------------------------------------------------------------------

def add(scene: Scene, *answers: str) -> None:
    scene.jane.runs("references", "add")
    scene.jane.answers(*answers)


def test_no_references_yet_gives_the_advice(scene: Scene):
    scene.jane.runs("references")
    text = scene.jane.text
    assert "You haven't listed any references yet." in text
    assert "Don't alert references at your current employer until an offer is coming" in text
    assert scene.conversation() is None
    assert "Add a reference" in scene.jane.buttons


def test_adding_references_lists_them_with_contact_details(scene: Scene):
    scene.jane.runs("references")
    scene.jane.presses("Add a reference")
    scene.jane.answers("Mary Major", "former manager at Initech", "mary.major@initech.example",
                       "no", "yes", "Sam Lee", "skip", "+44 7700 900456", "no", "done")
    text = scene.jane.text
    assert "Your references (2):" in text
    assert "• Mary Major — former manager at Initech (mary.major@initech.example)" in text
    assert "• Sam Lee (+44 7700 900456)" in text
    assert scene.conversation() is None


def test_a_current_employer_reference_waits_until_an_offer_is_coming(scene: Scene):
    add(scene, "Dana Cruz", "my team lead", "skip", "yes")
    assert "They're at your current employer, so I'll keep them for later" in scene.jane.text
    scene.jane.presses("Done")
    scene.jane.runs("references")
    assert "• Dana Cruz — my team lead — current employer: wait until an offer is coming" \
        in scene.jane.text


def test_once_an_offer_is_coming_current_employer_references_can_be_asked(scene: Scene):
    add(scene, "Dana Cruz", "my team lead", "skip", "yes", "no")
    from storage.models import Application

    def offer_from_acme(repo) -> None:  # type: ignore[no-untyped-def]
        app: Application = repo.find_application("Acme")
        app.status = "offer"
    scene.read(offer_from_acme)
    scene.jane.runs("references")
    assert "current employer: you can ask them now" in scene.jane.text
    assert "You have an offer coming from Acme" in scene.jane.text


def test_a_bad_contact_is_asked_again(scene: Scene):
    scene.jane.runs("references", "add")
    scene.jane.answers("Mary Major", "skip", "call her")
    assert "I need an email (jane@example.com) or a phone number" in scene.jane.text
    assert "Mary Major's email or phone?" in scene.jane.text


def test_going_back_after_adding_does_not_duplicate_the_reference(scene: Scene):
    scene.jane.runs("references", "add")
    scene.jane.answers("Mary Major", "skip", "skip", "no", "back", "yes", "no")
    scene.jane.runs("references")
    assert "Your references (1):" in scene.jane.text
    assert "current employer" in scene.jane.text.split("Your references (1):")[1].splitlines()[1]
