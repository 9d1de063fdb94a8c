"""`thanks`: one personal letter per interviewer — shown, edited, marked sent — and the
thank-you reminders stop once every letter is out."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.outcomes import (
    GLOBEX_DEBRIEF,
    KATHERINE_POINT,
    RAHUL_POINT,
    Scene,
    drafts,
)


@pytest.fixture(scope="module")
def after_acme(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return Scene.template(tmp_path_factory.mktemp("thanks"), lambda scene: scene.debrief())


@pytest.fixture
def scene(after_acme: Path, tmp_path: Path) -> Iterator[Scene]:
    """Jane has just debriefed her interview at Acme with Katherine O'Neill and Rahul Mehta."""
    scene = Scene.copy(after_acme, tmp_path)
    yield scene
    scene.db.dispose()


def test_each_interviewer_gets_a_personal_letter_naming_them_and_their_point(scene: Scene):
    jane = scene.jane
    jane.runs("thanks")
    [katherine] = drafts(jane)
    assert katherine.body.startswith("Dear Katherine,")
    assert "your team's move from nightly batch jobs to streaming" in katherine.body
    assert katherine.to == "k.oneill@acme.example" and katherine.mailto
    assert "Send them today — tomorrow at the latest." in jane.text
    jane.presses("Next person")
    [rahul] = drafts(jane)
    assert rahul.body.startswith("Dear Rahul,")
    assert RAHUL_POINT in rahul.body
    assert rahul.body != katherine.body


def test_the_proofreading_checklist_comes_with_every_draft(scene: Scene):
    scene.jane.runs("thanks")
    assert "names spelled exactly as recorded, no placeholders left, no slang" in scene.jane.text
    assert "the right company and role" in scene.jane.text


def test_a_letter_shown_is_drafted_and_one_not_yet_shown_stays_pending(scene: Scene):
    scene.jane.runs("thanks")
    states = {p["name"]: p["thank_you_state"] for p in scene.interviewers("Acme")}
    assert states == {"Katherine O'Neill": "drafted", "Rahul Mehta": "pending"}


def test_marking_sent_records_the_time_and_logs_it_then_shows_the_next_person(scene: Scene):
    jane = scene.jane
    jane.runs("thanks")
    jane.presses("Mark sent")
    assert "Marked your letter to Katherine O'Neill as sent" in jane.text
    assert drafts(jane)[0].body.startswith("Dear Rahul,")
    katherine = scene.interviewers("Acme")[0]
    assert katherine["thank_you_state"] == "sent"
    assert katherine["thank_you_sent_at"] == scene.clock.now()
    assert [e["data"]["interviewer"] for e in scene.events("Acme", "thanks_sent")] == [
        "Katherine O'Neill"]


def test_when_every_letter_is_sent_the_thank_you_nudges_stop(scene: Scene):
    assert scene.nudges("Acme", "thank_you")  # planned by the debrief
    jane = scene.jane
    jane.runs("thanks")
    jane.presses("Mark sent")
    assert scene.nudges("Acme", "thank_you"), "one letter is still to send"
    jane.presses("Mark sent")
    assert "All your thank-you letters for Acme are sent" in jane.text
    assert scene.nudges("Acme", "thank_you") == []
    assert scene.conversation() is None


def test_editing_the_personal_point_updates_the_notes_and_shows_the_new_letter(scene: Scene):
    jane = scene.jane
    jane.runs("thanks")
    jane.presses("Next person")
    jane.presses("Edit the personal point")
    assert f"Now it says: “{RAHUL_POINT}”" in jane.text
    jane.says("the pairing rota his team started in March")
    [rahul] = drafts(jane)
    assert "the pairing rota your team started in March" in rahul.body
    assert scene.interviewers("Acme")[1]["notes"] == "the pairing rota his team started in March"


def test_skipping_the_edit_keeps_the_point(scene: Scene):
    jane = scene.jane
    jane.runs("thanks")
    jane.says("edit")
    jane.says("skip")
    assert KATHERINE_POINT in scene.interviewers("Acme")[0]["notes"]
    assert drafts(jane)[0].body.startswith("Dear Katherine,")


def test_an_email_added_for_the_letter_gives_a_mail_link(scene: Scene):
    jane = scene.jane
    jane.runs("thanks")
    jane.presses("Next person")
    assert "I don't have Rahul Mehta's email" in jane.text
    jane.presses("Add their email")
    jane.says("rahul.mehta@acme")
    assert "isn't an email address" in jane.text
    jane.says("rahul.mehta@acme.example")
    [rahul] = drafts(jane)
    assert rahul.to == "rahul.mehta@acme.example"
    assert rahul.mailto is not None and rahul.mailto.startswith("mailto:rahul.mehta@acme.example?")


def test_proofreading_problems_are_pointed_out(scene: Scene):
    jane = scene.jane
    jane.runs("thanks")
    jane.says("edit")
    jane.says("the asap rollout of her dashbaords")
    assert "it will read:\n“I especially enjoyed our conversation about the as soon as " \
        "possible rollout of your dashboards.”" in jane.text, "a guess is shown before use"
    assert drafts(jane) == []
    jane.says("the quick rollout of her dashboards")  # rewritten
    [letter] = drafts(jane)
    assert "the quick rollout of your dashboards" in letter.body and letter.problems == ()


def test_later_keeps_the_letters_waiting_and_says_who_is_left(scene: Scene):
    jane = scene.jane
    jane.runs("thanks")
    jane.presses("Mark sent")
    jane.presses("Later")
    assert "still to send for Acme: Rahul Mehta" in jane.text
    assert scene.interviewers("Acme")[1]["thank_you_state"] == "drafted"
    assert scene.conversation() is None


def test_an_unclear_answer_is_asked_again_with_the_choices(scene: Scene):
    jane = scene.jane
    jane.runs("thanks")
    jane.says("maybe tomorrow morning?")
    assert jane.text.startswith("I didn't catch that for your letter to ")
    assert "choose “Mark sent”, “Edit the personal point”" in jane.text
    assert "Mark sent" in jane.buttons
    assert not [r for r in jane.replies if r.draft is not None]  # the letter isn't re-posted


def test_a_day_late_the_advice_is_to_send_today(scene: Scene):
    scene.clock.set(datetime(2026, 11, 24, 9, 0, tzinfo=UTC))
    scene.jane.runs("thanks")
    assert "Today is the day to send them" in scene.jane.text


def test_with_everything_sent_there_is_nothing_to_do(scene: Scene):
    jane = scene.jane
    jane.runs("thanks")
    jane.presses("Mark sent")
    jane.presses("Mark sent")
    jane.runs("thanks")
    assert "Every thank-you for Acme is already sent" in jane.text
    assert scene.conversation() is None


def test_with_two_applications_it_goes_to_the_one_with_letters_waiting(scene: Scene):
    jane = scene.jane
    jane.runs("thanks")
    jane.presses("Mark sent")
    jane.presses("Mark sent")
    scene.clock.advance(timedelta(hours=1))
    scene.debrief(GLOBEX_DEBRIEF)
    jane.runs("thanks")
    assert drafts(jane)[0].body.startswith("Dear Tom,")


def test_the_company_can_be_named_and_unknown_ones_are_explained(scene: Scene):
    scene.debrief(GLOBEX_DEBRIEF)
    jane = scene.jane
    jane.runs("thanks", "Initech")
    assert "I don't have an application at “Initech”" in jane.text
    assert "Acme — Data Analyst" in jane.buttons
    jane.runs("cancel")
    jane.runs("thanks", "acme")
    assert drafts(jane)[0].body.startswith("Dear Katherine,")


def test_before_any_interview_thanks_explains_what_to_do(sqlite_url: str):
    scene = Scene(sqlite_url)
    scene.jane.runs("thanks")
    assert "No interviews recorded yet" in scene.jane.text
    assert scene.conversation() is None
    scene.db.dispose()
