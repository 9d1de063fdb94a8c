"""Plain language, as a job seeker types it: small talk gets a short answer and the likely next
actions; a company is found by any reasonable reference; news is confirmed with one tap before
anything is stored; hopes and questions change nothing; odd input gets a polite answer."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from storage.models import ConversationState
from tests.outcomes import ACME_DEBRIEF, GLOBEX_DEBRIEF, Scene

ACME_CORP = ("Acme Corp", "Data Engineer", *ACME_DEBRIEF[2:])


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    def build(scene: Scene) -> None:
        scene.debrief(ACME_CORP)
        scene.debrief(GLOBEX_DEBRIEF)

    return Scene.template(tmp_path_factory.mktemp("plain"), build)


@pytest.fixture
def scene(template: Path, tmp_path: Path) -> Scene:
    return Scene.copy(template, tmp_path)


def flow_of(scene: Scene) -> str | None:
    return scene.read(lambda repo: (lambda s: s.flow if s else None)(
        repo.session.get(ConversationState, repo.user.id)))


def statuses(scene: Scene) -> dict[str, str]:
    return scene.read(lambda repo: {a.company: a.status for a in repo.applications()})


# ---- small talk and navigation ------------------------------------------------------------------

def test_hello_gets_a_short_greeting_and_the_thank_yous_that_are_due(scene: Scene) -> None:
    scene.jane.says("hello")

    assert scene.jane.text.startswith("Hi Jane!")
    assert "thank-you" in scene.jane.text and "Commands:" not in scene.jane.text
    assert scene.jane.buttons[0] == "Draft thank-yous"
    assert 2 <= len(scene.jane.buttons) <= 4


@pytest.mark.parametrize("said", ["thanks!", "thank you so much", "cheers", "thnaks"])
def test_thanks_is_answered_warmly_in_one_line(scene: Scene, said: str) -> None:
    scene.jane.says(said)

    assert scene.jane.text.startswith("You're welcome")
    assert 2 <= len(scene.jane.buttons) <= 4


@pytest.mark.parametrize("said", ["menu", "?", "what can you do", "options"])
def test_menu_and_question_mark_suggest_next_steps_without_the_full_list(scene: Scene,
                                                                         said: str) -> None:
    scene.jane.says(said)

    assert "Commands:" not in scene.jane.text
    assert 2 <= len(scene.jane.buttons) <= 4


@pytest.mark.parametrize("said", ["who are you?", "what are you", "how does this work"])
def test_who_are_you_is_answered_with_what_the_bot_is(scene: Scene, said: str) -> None:
    scene.jane.says(said)

    assert scene.jane.text.startswith("I'm Afterview, your coach for everything after a job "
                                      "interview")
    assert 2 <= len(scene.jane.buttons) <= 4


def test_bye_says_goodbye(scene: Scene) -> None:
    scene.jane.says("bye!")

    assert scene.jane.text.startswith("Bye for now")


def test_only_help_shows_the_full_command_list(scene: Scene) -> None:
    scene.jane.says("help")

    assert "Commands:" in scene.jane.text


@pytest.mark.parametrize(("typed", "word"), [("stauts", "status"), ("debreif", "debrief"),
                                              ("setings", "settings")])
def test_a_misspelled_command_word_is_corrected(scene: Scene, typed: str, word: str) -> None:
    scene.jane.says(typed)

    assert f"(Reading that as “{word}”.)" in scene.jane.text


def test_an_unsure_command_word_asks_did_you_mean_with_buttons(scene: Scene) -> None:
    scene.jane.says("stat")

    assert scene.jane.text.startswith("Did you mean")
    assert {"Start", "Status"} <= set(scene.jane.buttons)
    scene.jane.presses("Status")
    assert "Your pipeline" in scene.jane.text


def test_an_unknown_message_offers_three_likely_actions(scene: Scene) -> None:
    scene.jane.says("the weather is lovely today")

    assert scene.jane.text.startswith("I'm not sure what you mean")
    assert len(scene.jane.buttons) == 3


# ---- which application ---------------------------------------------------------------------------

@pytest.mark.parametrize("said", ["Acme said no", "acme corp said no", "ACME CORP. said no",
                                  "acmee said no", "the data engineer job said no"])
def test_a_company_is_found_by_name_suffix_case_typo_or_role(scene: Scene, said: str) -> None:
    scene.jane.says(said)

    assert scene.jane.last == "Record that Acme Corp turned you down?"


def test_a_typo_in_another_company_name_is_forgiven(scene: Scene) -> None:
    scene.jane.says("globx went with another candidate")

    assert scene.jane.last == "Record that Globex turned you down?"


def test_two_possible_applications_are_asked_about_with_buttons(scene: Scene) -> None:
    scene.debrief(("Acme Labs", "ML Engineer", *ACME_DEBRIEF[2:]))
    scene.jane.says("acme said no")

    assert scene.jane.last == "Which application do you mean?"
    assert scene.jane.buttons[:2] == ["Acme Labs — ML Engineer", "Acme Corp — Data Engineer"] \
        or scene.jane.buttons[:2] == ["Acme Corp — Data Engineer", "Acme Labs — ML Engineer"]
    scene.jane.presses("Acme Labs — ML Engineer")
    assert scene.jane.last == "Record that Acme Labs turned you down?"
    scene.jane.presses("Yes")
    assert statuses(scene) == {"Acme Labs": "rejected", "Acme Corp": "active",
                               "Globex": "active"}


def test_a_closed_application_is_found_and_reopened_by_an_offer(scene: Scene) -> None:
    scene.jane.says("Globex said no")
    scene.jane.presses("Yes")
    scene.jane.runs("cancel")
    scene.jane.says("globex just offered me the job!")

    assert "Record an offer from Globex? (It's closed as rejected; I'll reopen it.)" \
        in scene.jane.text
    scene.jane.presses("Yes")
    assert flow_of(scene) == "offer" and statuses(scene)["Globex"] == "active"


def test_only_when_nothing_matches_a_new_application_is_offered(scene: Scene) -> None:
    scene.jane.says("I got an offer from Umbrella")

    assert "I don't have an application at Umbrella yet. Shall I record it?" in scene.jane.text
    assert scene.jane.buttons[0] == "Yes, record Umbrella"


# ---- news, confirmed before it is stored ---------------------------------------------------------

def test_a_no_is_stored_only_after_the_tap(scene: Scene) -> None:
    scene.jane.says("Acme said no")
    assert statuses(scene)["Acme Corp"] == "active"
    assert scene.jane.buttons == ["Yes", "No"]

    scene.jane.presses("Yes")
    assert statuses(scene)["Acme Corp"] == "rejected"
    assert "not personal" in scene.jane.text


def test_no_on_the_confirmation_changes_nothing(scene: Scene) -> None:
    scene.jane.says("Acme said no")
    scene.jane.presses("No")

    assert scene.jane.last == "Okay — nothing changed."
    assert statuses(scene)["Acme Corp"] == "active"


def test_decision_made_letters_will_follow_means_no(scene: Scene) -> None:
    scene.jane.says("acme emailed: a decision was made, letters will follow")

    assert scene.jane.last == "Record that Acme Corp turned you down?"


def test_an_offer_with_amounts_fills_the_salary_and_bonus(scene: Scene) -> None:
    scene.jane.says("I got an offer from acme 85k + 10% bonus")
    assert scene.jane.last == "Record an offer from Acme Corp (85k + 10% bonus)?"
    scene.jane.presses("Yes")

    state = scene.read(lambda repo: dict(repo.session.get(ConversationState, repo.user.id).slots))
    assert state["salary"]["amount"] == "85000" and state["bonus"] == "10%"
    assert "Any bonus?" not in scene.jane.last and "base salary" not in scene.jane.last


def test_a_later_round_with_its_day_goes_to_the_second_round(scene: Scene) -> None:
    scene.jane.says("Acme just emailed, they want me for a second interview on Thursday 10am")

    assert scene.jane.last == ("Record a second-round interview at Acme Corp on Thu 26 Nov at "
                               "10:00?")
    scene.jane.presses("Yes")
    assert flow_of(scene) == "second_round" or "Thu 26 Nov" in scene.jane.text


def test_they_need_more_time_moves_the_decision_date(scene: Scene) -> None:
    scene.jane.says("globex need more time, pushed to Dec 4")
    assert scene.jane.last == "Note that Globex now expects to decide by Fri 4 Dec?"
    scene.jane.presses("Yes")

    decided = scene.read(lambda repo: repo.latest_interview(
        repo.find_application("Globex")).decision_expected)
    assert decided == date(2026, 12, 4)


def test_thank_yous_to_both_are_marked_after_the_tap(scene: Scene) -> None:
    scene.jane.says("sent thank yous to both at acme")
    assert scene.jane.last == ("Mark your thank-you to Katherine O'Neill and Rahul Mehta "
                               "(Acme Corp) as sent?")
    scene.jane.presses("Yes")

    assert {p["thank_you_state"] for p in scene.interviewers("Acme Corp")} == {"sent"}


@pytest.mark.parametrize(("said", "status"), [("I accepted the offer from Acme", "accepted"),
                                              ("turned down acme's offer", "declined"),
                                              ("I withdrew from Acme", "withdrawn")])
def test_accepted_declined_and_withdrew_close_the_application(scene: Scene, said: str,
                                                              status: str) -> None:
    scene.jane.says(said)
    scene.jane.presses("Yes")

    assert statuses(scene)["Acme Corp"] == status


def test_references_asked_for_are_noted(scene: Scene) -> None:
    scene.jane.says("acme asked for my references")
    scene.jane.presses("Yes")

    assert len(scene.events("Acme Corp", "references_requested")) == 1
    assert "My references" in scene.jane.buttons


@pytest.mark.parametrize("said", ["I hope Acme says yes", "should I accept if they offer?",
                                  "my friend got an offer from acme", "did acme reject me?",
                                  "I'm going to decline globex"])
def test_hopes_plans_and_questions_change_nothing_and_get_an_answer(scene: Scene,
                                                                    said: str) -> None:
    before = statuses(scene)
    scene.jane.says(said)

    assert "(Nothing changed.)" in scene.jane.text or "nothing changed" in scene.jane.text
    assert "Yes" not in scene.jane.buttons
    assert statuses(scene) == before and flow_of(scene) is None


def test_what_should_i_do_next_lists_each_application(scene: Scene) -> None:
    scene.jane.says("what should I do next?")

    assert scene.jane.text.startswith("Here's what I'd do next:")
    assert "Acme Corp: send thank-you letters" in scene.jane.text


def test_show_my_applications_shows_the_pipeline(scene: Scene) -> None:
    scene.jane.says("show my applications")

    assert "Your pipeline" in scene.jane.text


def test_stop_reminding_me_pauses_reminders(scene: Scene) -> None:
    scene.jane.says("stop reminding me")

    assert scene.read(lambda repo: repo.user.paused) is True


# ---- bad input ---------------------------------------------------------------------------------

@pytest.mark.parametrize("said", ["x" * 4097, "😀😀😀", "\x00\x07\x1b[31m", "привет, как дела?",
                                  "<script>alert('hi')</script>", "你好"])
def test_bad_input_gets_a_polite_answer_and_changes_nothing(scene: Scene, said: str) -> None:
    before = statuses(scene)
    scene.jane.says(said)

    assert scene.jane.text and "something went wrong" not in scene.jane.text
    assert "Nothing changed" in scene.jane.text or "nothing changed" in scene.jane.text
    assert statuses(scene) == before and flow_of(scene) is None


def test_a_company_name_alone_says_where_it_stands_and_how_to_tell_news(scene: Scene) -> None:
    scene.jane.says("acme?")

    assert scene.jane.text.startswith("Acme Corp? Tell me what's new")
    assert "Log news" in scene.jane.buttons


def test_start_over_inside_a_flow_restarts_that_flow(scene: Scene) -> None:
    scene.jane.runs("debrief")
    scene.jane.answers("Initech", "Backend Developer")
    scene.jane.says("start over")

    assert scene.jane.last.endswith("Which company was it with?")
    assert flow_of(scene) == "debrief"


def test_a_sentence_about_a_company_not_understood_offers_the_likely_news(scene: Scene) -> None:
    scene.jane.says("globex ended the process with me")

    assert scene.jane.text.startswith("I'm not sure what you mean about Globex — nothing "
                                      "changed.")
    assert scene.jane.buttons == ["They said no", "An offer", "Another interview"]
    scene.jane.presses("They said no")
    assert scene.jane.last == "Record that Globex turned you down?"
    scene.jane.presses("Yes")
    assert statuses(scene)["Globex"] == "rejected"


@pytest.mark.parametrize(("typed", "expected"), [
    ("Draft thank-you letters", "thank-you letters"),
    ("see my pipeline", "Your pipeline"),
    ("Record an interview", "Which company was it with?"),
])
def test_a_button_label_typed_as_text_does_what_the_button_does(scene: Scene, typed: str,
                                                                 expected: str) -> None:
    scene.jane.says(typed)

    assert expected in scene.jane.text
