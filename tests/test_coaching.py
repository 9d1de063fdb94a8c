"""The coaching still missing: feedback before a later round, no-feedback warning after a
rejection, "how much do you want this job?", references nudge, acceptance checklist."""

from __future__ import annotations

import datetime
from datetime import timedelta
from pathlib import Path

from bot.records.coaching import acceptance_checklist, want_advice
from tests.outcomes import Scene


def test_a_low_want_answer_advises_deciding_before_an_offer_comes() -> None:
    assert "Decide how serious you are about Acme before an offer comes" in want_advice(2, "Acme")
    assert "before an offer comes" not in want_advice(5, "Acme")


def test_the_acceptance_checklist_names_writing_notice_withdrawals_and_rest() -> None:
    text = acceptance_checklist("Acme", datetime.date(2027, 1, 11))
    for needed in ("in writing and sign it", "notice to your current employer",
                   "withdrawals", "a few days' rest", "Monday 11 January"):
        assert needed in text


def test_the_debrief_asks_how_much_you_want_the_job_and_answers(tmp_path: Path) -> None:
    scene = Scene(f"sqlite:///{tmp_path / 'a.db'}")
    scene.debrief()
    jane = scene.jane
    assert "how much do you want this job? Reply with a number from 1" in jane.text
    assert all(len(r.buttons) <= 5 for r in jane.replies)
    asked_with = [b.label for b in jane.replies[-1].buttons]
    jane.says("1")
    assert "Decide how serious you are about Acme before an offer comes" in jane.text
    # the answer keeps the debrief's next steps: where only the newest buttons can be pressed
    # (the terminal's numbers), "2" still means what it meant under the summary
    assert [b.label for b in jane.replies[-1].buttons] == asked_with
    assert "Draft thank-you letters" in asked_with
    assert scene.events("Acme", "want_rated")[0]["data"]["level"] == 1
    jane.says("4")  # answered once: a later bare number is not a rating
    assert len(scene.events("Acme", "want_rated")) == 1
    scene.db.dispose()


def test_a_bare_number_long_after_the_debrief_is_not_a_rating(tmp_path: Path) -> None:
    scene = Scene(f"sqlite:///{tmp_path / 'a.db'}")
    scene.debrief()
    scene.clock.advance(timedelta(days=1))
    scene.jane.says("4")
    assert scene.events("Acme", "want_rated") == []
    scene.db.dispose()


def test_a_final_round_debrief_nudges_references_once(tmp_path: Path) -> None:
    from tests.outcomes import ACME_DEBRIEF
    scene = Scene(f"sqlite:///{tmp_path / 'a.db'}")
    answers = list(ACME_DEBRIEF)
    steps = next(i for i, a in enumerate(answers) if a == "2")  # steps remaining
    answers[steps] = "0"
    scene.debrief(tuple(answers))
    assert "An offer from Acme looks likely" in scene.jane.text
    assert "My references" in scene.jane.buttons
    scene.debrief(tuple(answers))
    assert "An offer from Acme looks likely" not in scene.jane.text, "once per application"
    scene.db.dispose()


def test_a_rejection_says_feedback_may_not_come_and_silence_is_not_personal(
        tmp_path: Path) -> None:
    scene = Scene(f"sqlite:///{tmp_path / 'a.db'}")
    scene.debrief()
    scene.jane.runs("outcome")
    scene.jane.says("rejected")
    text = scene.jane.text
    for _ in range(3):
        if "legal reasons" in text:
            break
        scene.jane.says("skip")
        text += scene.jane.text
    assert "many companies may not give feedback" in text and "legal reasons" in text
    assert "not personal" in text
    scene.db.dispose()


def test_before_a_later_round_ask_for_feedback_on_the_first(tmp_path: Path) -> None:
    scene = Scene(f"sqlite:///{tmp_path / 'a.db'}")
    scene.debrief()
    scene.jane.says("second interview with Acme next Tuesday 10am")
    for _ in range(4):
        if "feedback on the first" in scene.jane.text:
            break
        scene.jane.presses(scene.jane.buttons[0]) if scene.jane.buttons else None
    assert "ask the recruiter for feedback on the first" in scene.jane.text
    scene.db.dispose()


def test_a_users_own_word_in_a_note_is_written_their_way_later(tmp_path: Path) -> None:
    from tests.outcomes import ACME_DEBRIEF, drafts
    answers = list(ACME_DEBRIEF)
    answers[answers.index("Rahul Mehta") - 1] = "their Snowplow tracking"
    answers[-7] = "I also set up snowplow at my last job"  # the strengths, in lower case
    scene = Scene(f"sqlite:///{tmp_path / 'a.db'}")
    scene.debrief(tuple(answers))
    scene.jane.runs("thanks")
    [letter] = drafts(scene.jane)
    assert "your Snowplow tracking" in letter.body and "set up Snowplow" in letter.body
    scene.db.dispose()
