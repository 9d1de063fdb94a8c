"""`followup` and `outcome`: the follow-up letter and phone script once the decision date has
passed, weekly check-ins after that (never more than once a week), and each result's next step."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.outcomes import GLOBEX_DEBRIEF, MONDAY_1130, Scene, drafts

AFTER_DECISION = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)  # Acme expected to decide Fri 27 Nov


def _opening(scene: Scene) -> None:
    scene.debrief()
    scene.debrief(GLOBEX_DEBRIEF)


@pytest.fixture(scope="module")
def two_interviews(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return Scene.template(tmp_path_factory.mktemp("followup"), _opening)


@pytest.fixture
def scene(two_interviews: Path, tmp_path: Path) -> Iterator[Scene]:
    """A week after Jane's interviews at Acme (decision due Fri 27 Nov) and Globex."""
    scene = Scene.copy(two_interviews, tmp_path, AFTER_DECISION)
    yield scene
    scene.db.dispose()


def test_before_the_decision_date_it_says_wait_and_drafts_only_when_asked(scene: Scene):
    scene.clock.set(MONDAY_1130 + timedelta(days=2))
    jane = scene.jane
    jane.runs("followup", "Acme")
    assert "Acme expects to decide by Fri 27 Nov" in jane.text
    assert "Following up before that date can look pushy" in jane.text
    assert drafts(jane) == []
    jane.presses("Draft it anyway")
    [letter] = drafts(jane)
    assert "keep it until their decision date (Fri 27 Nov) has passed" in jane.text
    assert letter.subject.startswith("Following up")


def test_after_the_decision_date_it_drafts_the_follow_up_and_the_phone_script(scene: Scene):
    jane = scene.jane
    jane.runs("followup", "Acme")
    assert "that date has passed, so a polite follow-up is right" in jane.text
    [letter] = drafts(jane)
    assert letter.body.startswith("Dear Priya,")  # the contact for news from the debrief
    assert letter.to == "priya.shah@acme.example"
    assert "Jane Doe" in letter.body and "Data Analyst" in letter.body
    assert "Monday 23 November" in letter.body
    assert "📞 Or by phone" in jane.text and "I interviewed on Monday 23 November" in jane.text
    assert "Never more than once a week, and never unannounced in person." in jane.text


def test_i_followed_up_logs_a_contact_and_asks_what_they_said(scene: Scene):
    jane = scene.jane
    jane.runs("followup", "Acme")
    jane.presses("I followed up / checked in")
    assert "Logged: you contacted Acme today (Mon 30 Nov)." in jane.text
    assert "What did Acme say?" in jane.text
    assert [e["at"] for e in scene.events("Acme", "contact")] == [AFTER_DECISION]


def test_still_deciding_brings_the_weekly_check_in_a_week_later(scene: Scene):
    jane = scene.jane
    jane.runs("followup", "Acme")
    jane.presses("I followed up / checked in")
    jane.presses("Still deciding")
    assert "Acme is still deciding" in jane.text
    assert len(scene.events("Acme", "employer_reply")) == 1
    assert len(scene.events("Acme", "contact")) == 1, "one contact, not two"
    [check_in] = scene.nudges("Acme", "check_in")
    assert check_in["due_at"] >= AFTER_DECISION + timedelta(days=7)


def test_the_next_followup_drafts_a_check_in_and_says_not_before_a_week(scene: Scene):
    jane = scene.jane
    jane.runs("followup", "Acme")
    jane.presses("I followed up / checked in")
    jane.presses("Still deciding")
    scene.clock.advance(timedelta(days=3))
    jane.runs("followup", "Acme")
    [letter] = drafts(jane)
    assert letter.subject.startswith("Checking in")
    assert "The next check-in is due Mon 7 Dec, not before" in jane.text


def test_a_week_later_the_check_in_is_due_and_varies_from_the_last(scene: Scene):
    jane = scene.jane
    jane.runs("followup", "Acme")
    jane.presses("I followed up / checked in")
    jane.presses("Still deciding")
    scene.clock.advance(timedelta(days=7))
    jane.runs("followup", "Acme")
    first = drafts(jane)[0]
    assert "Weekly check-in #1 with Acme" in jane.text
    jane.presses("I followed up / checked in")
    jane.presses("No reply yet")
    scene.clock.advance(timedelta(days=7))
    jane.runs("followup", "Acme")
    second = drafts(jane)[0]
    assert "Weekly check-in #2 with Acme" in jane.text
    assert second.subject != first.subject and second.body != first.body


def test_contacting_twice_in_a_week_is_logged_with_a_gentle_warning(scene: Scene):
    jane = scene.jane
    jane.runs("followup", "Acme")
    jane.presses("I followed up / checked in")
    jane.presses("No reply yet")
    scene.clock.advance(timedelta(days=2))
    jane.runs("followup", "Acme")
    jane.presses("I followed up / checked in")
    assert "That's within a week of your last contact (Mon 30 Nov)" in jane.text
    assert len(scene.events("Acme", "contact")) == 2


def test_after_unanswered_check_ins_it_offers_to_close_as_no_answer(scene: Scene):
    jane = scene.jane
    for week in range(3):  # ghost_after defaults to 3
        scene.clock.set(AFTER_DECISION + timedelta(days=7 * week))
        jane.runs("followup", "Acme")
        jane.presses("I followed up / checked in")
        jane.presses("No reply yet")
    assert "without an answer" in jane.text
    jane.presses("Close as no answer")
    assert "Closed Acme as “no answer”" in jane.text
    assert scene.app("Acme")["status"] == "ghosted"
    assert scene.nudges("Acme", "check_in") == []


def test_second_interview_hands_over_to_the_date_of_the_next_round(scene: Scene):
    jane = scene.jane
    jane.runs("followup", "Acme")
    jane.presses("I followed up / checked in")
    jane.presses("Second interview")
    assert "Another round at Acme! When is it?" in jane.text
    assert scene.conversation() == "second_round"


def test_offer_hands_over_to_the_offer_flow(scene: Scene):
    jane = scene.jane
    jane.runs("outcome", "Acme")
    jane.presses("Offer")
    assert scene.conversation() == "offer"


def test_decision_made_with_letters_to_follow_is_a_no(scene: Scene):
    jane = scene.jane
    jane.runs("followup", "Acme")
    jane.presses("I followed up / checked in")
    jane.says("a decision was made, letters to follow")
    assert "that is a no" in jane.text
    assert "don't burn any bridges" in jane.text
    assert scene.app("Acme")["status"] == "rejected"
    assert scene.conversation() == "rejection"


def test_outcome_still_deciding_counts_as_a_contact_and_a_reply(scene: Scene):
    jane = scene.jane
    jane.runs("outcome", "Globex")
    jane.says("they're still deciding")
    assert len(scene.events("Globex", "contact")) == 1
    assert len(scene.events("Globex", "employer_reply")) == 1
    assert scene.conversation() is None


def test_outcome_no_answer_logs_no_contact(scene: Scene):
    jane = scene.jane
    jane.runs("outcome", "Globex")
    jane.presses("No answer")
    assert "No news from Globex yet" in jane.text
    assert scene.events("Globex", "contact") == []


def test_outcome_asks_which_application_last_talked_about_first(scene: Scene):
    jane = scene.jane
    jane.runs("outcome")
    assert "Which application is the news about?" in jane.text
    assert jane.buttons[0] == "Globex — Product Analyst"
    jane.presses("Acme — Data Analyst")
    assert "What's the news from Acme?" in jane.text


def test_an_unclear_result_is_asked_again(scene: Scene):
    jane = scene.jane
    jane.runs("outcome", "Acme")
    jane.says("hmm, they sent a long email")
    assert "What's the news? “Still deciding”" in jane.text
    assert scene.conversation() == "outcome"


def test_back_from_the_reply_returns_to_the_first_question(scene: Scene):
    jane = scene.jane
    jane.runs("followup", "Acme")
    jane.presses("I followed up / checked in")
    jane.says("back")
    assert "Once you've sent it or called, tell me" in jane.text
    jane.presses("I followed up / checked in")
    assert len(scene.events("Acme", "contact")) == 1, "logged once, even when answered twice"


def test_a_contact_typed_name_email_role_greets_by_name_and_asks_for_them_on_the_phone(
        tmp_path: Path) -> None:
    from tests.outcomes import ACME_DEBRIEF
    answers = list(ACME_DEBRIEF)
    answers[-1] = "Priya Shah, priya@acme.example (recruiter)"
    scene = Scene(f"sqlite:///{tmp_path / 'a.db'}")
    scene.debrief(tuple(answers))
    jane = scene.jane
    jane.runs("followup", "Acme")
    if not drafts(jane):
        jane.presses("Draft it anyway")
    letter = drafts(jane)[0]
    assert letter.body.startswith("Dear Priya,\n") and letter.to == "priya@acme.example"
    assert "recruiter" not in letter.body
    assert "Ask for: Priya Shah (recruiter)" in jane.text  # the role in its own brackets
    assert "Priya Shah (recruiter," not in jane.text and "Shah, priya@" not in jane.text
    scene.db.dispose()
