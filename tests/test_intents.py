"""Talking like a person: free text outside a flow reaches the right flow with the right
application — tolerant of case and small typos — after one tap confirms the news, and an
unknown company is asked about."""

from __future__ import annotations

from pathlib import Path

import pytest

from storage.models import ConversationState, Interviewer
from tests.outcomes import GLOBEX_DEBRIEF, Scene


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    def build(scene: Scene) -> None:
        scene.debrief()
        scene.debrief(GLOBEX_DEBRIEF)

    return Scene.template(tmp_path_factory.mktemp("intents"), build)


@pytest.fixture
def scene(template: Path, tmp_path: Path) -> Scene:
    return Scene.copy(template, tmp_path)


def flow_of(scene: Scene) -> tuple[str, dict] | None:
    def read(repo):  # type: ignore[no-untyped-def]
        state = repo.session.get(ConversationState, repo.user.id)
        return (state.flow, dict(state.slots)) if state else None

    return scene.read(read)


def company_in_flow(scene: Scene) -> str | None:
    found = flow_of(scene)
    return found[1].get("company") if found else None


@pytest.mark.parametrize("phrase", [
    "I got an offer from Acme",
    "i got an offer from acme!",
    "Got an offer from Acme.",
    "I received an offer from ACME",
    "Acme made me an offer",
    "offer from Acme",
    "I got an offer from Acmee",  # a small typo
])
def test_saying_you_got_an_offer_opens_the_offer_flow_for_that_company(scene: Scene,
                                                                        phrase: str) -> None:
    scene.jane.says(phrase)
    assert "Record an offer from Acme?" in scene.jane.text
    pending = flow_of(scene)  # only the yes/no waits, so a typed "yes" answers it
    assert pending is not None and pending[0] == "confirm"
    scene.jane.presses("Yes")

    assert flow_of(scene) is not None and flow_of(scene)[0] == "offer", scene.jane.text
    assert company_in_flow(scene) == "Acme"
    assert "Congratulations" in scene.jane.text


@pytest.mark.parametrize("phrase", [
    "Acme turned me down",
    "acme rejected me",
    "I was rejected by Acme",
    "I didn't get the job at Acme",
    "rejection from Acme",
])
def test_saying_a_company_turned_you_down_opens_the_rejection_flow(scene: Scene,
                                                                   phrase: str) -> None:
    scene.jane.says(phrase)
    assert scene.jane.last == "Record that Acme turned you down?"
    assert scene.app("Acme")["status"] == "active"  # nothing is stored before the tap
    scene.jane.presses("Yes")

    assert "not personal" in scene.jane.text, scene.jane.text
    assert scene.app("Acme")["status"] == "rejected"
    assert scene.app("Globex")["status"] == "active"


@pytest.mark.parametrize("phrase", [
    "second interview with Acme on Tuesday",
    "Second interview with acme next Tuesday",
    "2nd round with Acme on Tuesday",
    "Acme invited me to a second interview on Tuesday",
])
def test_a_second_interview_with_a_date_goes_to_the_second_round_flow(scene: Scene,
                                                                      phrase: str) -> None:
    scene.jane.says(phrase)
    scene.jane.presses("Yes")

    found = flow_of(scene)
    assert found is not None and found[0] == "second_round", scene.jane.text
    assert found[1]["company"] == "Acme"


def test_a_second_interview_without_a_date_asks_when(scene: Scene) -> None:
    scene.jane.says("second interview with Globex")
    scene.jane.presses("Yes")

    assert flow_of(scene)[0] == "second_round"
    assert company_in_flow(scene) == "Globex"
    assert "When" in scene.jane.last


@pytest.mark.parametrize("phrase", [
    "just had an interview at Initech",
    "Just had an interview with Initech",
    "I interviewed at Initech today",
    "had an interview at Initech",
])
def test_saying_you_just_had_an_interview_starts_a_debrief_with_the_company(scene: Scene,
                                                                            phrase: str) -> None:
    scene.jane.says(phrase)

    found = flow_of(scene)
    assert found is not None and found[0] == "debrief", scene.jane.text
    assert found[1]["company"] == "Initech"
    assert "What's the role?" in scene.jane.last


def test_an_interview_at_a_known_company_continues_that_application(scene: Scene) -> None:
    scene.jane.says("just had an interview at globex")

    found = flow_of(scene)
    assert found[1]["company"] == "Globex" and found[1]["application_id"]


@pytest.mark.parametrize("phrase", [
    "sent the thank-you to Katherine O'Neill",
    "I sent the thank you note to Katherine",
    "sent my thank-you letter to katherine o'neill",
    "emailed the thank-you to Katherin O'Neill",  # a small typo
])
def test_saying_a_thank_you_was_sent_marks_that_interviewer(scene: Scene, phrase: str) -> None:
    scene.jane.says(phrase)
    assert "Mark your thank-you to Katherine O'Neill (Acme) as sent?" in scene.jane.text
    scene.jane.presses("Yes")

    assert "Marked your thank-you to Katherine O'Neill (Acme) as sent" in scene.jane.text
    states = {p["name"]: p["thank_you_state"] for p in scene.interviewers("Acme")}
    assert states == {"Katherine O'Neill": "sent", "Rahul Mehta": "pending"}
    assert "Still to go at Acme: Rahul Mehta" in scene.jane.text


def test_the_last_thank_you_sent_is_celebrated_and_stops_the_reminders(scene: Scene) -> None:
    scene.jane.says("sent the thank-you to Tom Baker")
    scene.jane.presses("Yes")

    assert "That's every thank-you for Globex" in scene.jane.text
    assert scene.nudges("Globex", "thank_you") == []


def test_a_thank_you_to_someone_unknown_asks_who(scene: Scene) -> None:
    scene.jane.says("sent the thank-you to Zed Quux")

    assert "couldn't find Zed Quux" in scene.jane.text
    assert scene.read(lambda repo: repo.session.query(Interviewer)
                      .filter(Interviewer.thank_you_state == "sent").count()) == 0


@pytest.mark.parametrize("phrase", ["I got an offer from Umbrella", "Umbrella turned me down",
                                    "second interview with Umbrella on Friday"])
def test_an_unknown_company_asks_whether_to_create_it(scene: Scene, phrase: str) -> None:
    scene.jane.says(phrase)

    assert "I don't have an application at Umbrella yet. Shall I record it?" in scene.jane.text
    assert scene.jane.buttons[0] == "Yes, record Umbrella"
    assert flow_of(scene) is None
    scene.jane.presses("Yes, record Umbrella")
    assert flow_of(scene)[0] == "debrief" and company_in_flow(scene) == "Umbrella"


def test_anything_not_understood_gets_a_short_help_never_silence(scene: Scene) -> None:
    scene.jane.says("the weather is lovely today")

    assert "I'm not sure what you mean" in scene.jane.text
    # the three likely actions: thank-yous are pending, so drafting them comes first
    assert scene.jane.buttons == ["Draft thank-yous", "My pipeline", "Log news"]
