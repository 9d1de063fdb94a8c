"""Plain language around the flows: a debrief told in one sentence asks only what is missing and
reaches the thank-you drafts; command words and news work in the middle of a flow without losing
what was typed; "remind me tomorrow" snoozes the reminder just shown; "no news yet" gets advice
for the dates."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from storage.models import ConversationState, Interview
from tests.nudging import run_until, scheduler_for
from tests.outcomes import ACME_DEBRIEF, Scene

ACME_CORP = ("Acme Corp", "Data Engineer", *ACME_DEBRIEF[2:])


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return Scene.template(tmp_path_factory.mktemp("plain_flows"),
                          lambda scene: scene.debrief(ACME_CORP))


@pytest.fixture
def scene(template: Path, tmp_path: Path) -> Scene:
    return Scene.copy(template, tmp_path)


def state(scene: Scene) -> tuple[str, str, dict] | None:
    def read(repo):  # type: ignore[no-untyped-def]
        row = repo.session.get(ConversationState, repo.user.id)
        return (row.flow, row.step, dict(row.slots)) if row else None

    return scene.read(read)


def interviews_at(scene: Scene, company: str) -> list[Interview]:
    def read(repo):  # type: ignore[no-untyped-def]
        app = repo.find_application(company)
        return [] if app is None else [
            {"rating": i.rating, "went_well": i.went_well, "strengths": i.strengths,
             "decision": i.decision_expected,
             "people": [(p.name, p.title) for p in repo.interviewers(i)]}
            for i in repo.interviews(app)]

    return scene.read(read)


# ---- a debrief in one message -------------------------------------------------------------------

SENTENCE = ("Interview at Globex for Product Analyst today 9am with Jane Smith (EM) and Bob Lee, "
            "they decide next Friday")


def test_a_one_message_debrief_shows_what_it_understood_and_asks_only_to_save(
        scene: Scene) -> None:
    scene.jane.says(SENTENCE)

    assert scene.jane.last == ("Here's what I understood:\n"
                               "• Globex — Product Analyst (first round)\n"
                               "• Mon 23 Nov at 09:00\n"
                               "• Interviewers: Jane Smith (EM), Bob Lee\n"
                               "• Decision expected: Fri 27 Nov\n"
                               "Save it?")
    assert interviews_at(scene, "Globex") == []  # nothing stored before the tap


def test_saving_a_one_message_debrief_leads_to_the_thank_you_drafts(scene: Scene) -> None:
    scene.jane.says(SENTENCE)
    scene.jane.presses("Save")

    assert interviews_at(scene, "Globex") == [
        {"rating": None, "went_well": "", "strengths": "", "decision": date(2026, 11, 27),
         "people": [("Jane Smith", "EM"), ("Bob Lee", "")]}]
    assert scene.jane.buttons[:2] == ["Draft thank-you letters", "Add details"]
    scene.jane.presses("Draft thank-you letters")
    assert scene.jane.replies and state(scene) is not None and state(scene)[0] == "thanks"


def test_a_short_sentence_asks_only_for_what_is_missing(scene: Scene) -> None:
    scene.jane.says("just had an interview at Initech")
    assert scene.jane.last == "What's the role?"
    scene.jane.says("Backend Developer")
    assert scene.jane.last.startswith("Who interviewed you? Their names, separated by commas")
    scene.jane.says("carl ray (cto), dana fox")
    assert scene.jane.last.startswith("When do they expect to decide?")
    scene.jane.says("next friday")
    assert "• Interviewers: Carl Ray (cto), Dana Fox" in scene.jane.last
    scene.jane.presses("Save")

    assert [p for p in interviews_at(scene, "Initech")[0]["people"]] == [
        ("Carl Ray", "cto"), ("Dana Fox", "")]


def test_add_details_after_a_quick_debrief_fills_the_interview(scene: Scene) -> None:
    scene.jane.says(SENTENCE)
    scene.jane.presses("Save")
    details = next(b.value for r in scene.jane.replies for b in r.buttons
                   if b.label == "Add details")
    scene.jane.press_value(details)
    scene.jane.answers("video", "4", "the pricing case went well")
    scene.jane.runs("cancel")
    assert interviews_at(scene, "Globex")[0]["rating"] is None  # cancelled: nothing added

    scene.jane.press_value(details)
    scene.jane.answers("video", "4", "the pricing case went well", "skip", "skip", "skip",
                       "skip", "skip", "skip")
    stored = interviews_at(scene, "Globex")[0]
    assert stored["rating"] == 4 and stored["went_well"] == "the pricing case went well"



def test_add_details_shows_a_guessed_strength_before_it_goes_into_the_letters(
        scene: Scene) -> None:
    scene.jane.says(SENTENCE)
    scene.jane.presses("Save")
    scene.jane.presses("Add details")
    scene.jane.answers("video", "4", "skip", "pricng models in retail")

    assert ("In your thank-you letters it will read:\n“I believe my experience – pricing models "
            "in retail – would allow me to contribute to the team quickly.”") in scene.jane.text
    scene.jane.presses("OK, use it")
    scene.jane.answers("skip", "skip", "skip", "skip", "skip")
    assert interviews_at(scene, "Globex")[0]["strengths"] == "pricng models in retail"

# ---- inside a flow ------------------------------------------------------------------------------

def _start_a_debrief(scene: Scene) -> None:
    scene.jane.runs("debrief")
    scene.jane.answers("Globex", "Product Analyst", "today 9am", "first", "video", "Tom Baker",
                       "skip", "skip", "skip", "pricing", "done", "4")
    assert scene.jane.last.startswith("What went well?")


def test_a_command_word_with_arguments_works_mid_flow(scene: Scene) -> None:
    _start_a_debrief(scene)
    scene.jane.says("lessons prepare numbers for every project")

    assert scene.lessons()[-1]["text"] == "prepare numbers for every project"
    # and the question again, in one line (issue 12)
    assert scene.jane.last == "(We're still recording your interview at Globex. What went well?)"


def test_a_greeting_mid_flow_is_said_back_and_never_taken_for_an_answer(scene: Scene) -> None:
    """"hello" at a free-text question had become the round's name, "hi there" an interviewer
    called "Hi There"."""
    scene.jane.runs("debrief")
    scene.jane.answers("Globex", "Product Analyst", "today 9am")
    assert scene.jane.last.startswith("Which round was it?")
    scene.jane.says("hello")
    assert scene.jane.text.startswith("Hi Jane! We're recording your interview at Globex")
    assert scene.jane.last.startswith("Which round was it?")
    scene.jane.answers("first", "video")
    scene.jane.says("Hi there! 👋")
    assert scene.jane.last.startswith("Who interviewed you?")
    scene.jane.answers("Tom Baker", "skip", "skip", "skip", "pricing", "done", "4")
    scene.jane.says("good morning")
    assert scene.jane.last.startswith("What went well?")
    found = state(scene)
    assert found is not None and found[2]["round"] == "first" and found[2]["format"] == "video"
    assert "hello" not in str(found[2]).casefold() and "hi there" not in str(found[2]).casefold()
    assert [p["name"] for p in found[2]["interviewers"]] == ["Tom Baker"]


def test_a_flow_command_with_a_company_mid_flow_keeps_its_argument(scene: Scene) -> None:
    _start_a_debrief(scene)
    scene.jane.says("followup Acme Corp")
    assert "We're in the middle of recording your interview at Globex" in scene.jane.text
    scene.jane.presses("Drop it")

    found = state(scene)
    assert found is not None and found[0] == "followup" and found[2]["company"] == "Acme Corp"


def test_news_mid_flow_asks_and_the_text_can_still_be_the_answer(scene: Scene) -> None:
    _start_a_debrief(scene)
    scene.jane.says("Acme said no to my salary question but it went fine")
    assert scene.jane.text.startswith("That sounds like news")
    scene.jane.presses("No, it's my answer")

    found = state(scene)
    assert found[2]["went_well"] == "Acme said no to my salary question but it went fine"
    assert scene.app("Acme Corp")["status"] == "active"


def test_news_mid_flow_is_recorded_and_the_flow_comes_back_afterwards(scene: Scene) -> None:
    _start_a_debrief(scene)
    scene.jane.says("oh and acme went with another candidate")
    scene.jane.presses("Yes, record it")
    assert scene.app("Acme Corp")["status"] == "rejected"
    scene.jane.answers("skip", "skip", "skip")

    assert "Now, back to recording your interview at Globex" in scene.jane.text
    assert scene.jane.last.startswith("What went well?")
    found = state(scene)
    assert found[0] == "debrief" and found[2]["rating"] == 4


def test_thank_yous_parked_behind_a_no_from_that_company_are_not_taken_up_again(
        scene: Scene) -> None:
    scene.jane.runs("thanks")
    assert state(scene)[0] == "thanks"
    scene.jane.says("acme said no :(")
    scene.jane.presses("Yes, record it")
    assert scene.app("Acme Corp")["status"] == "rejected"
    scene.jane.answers("skip", "skip", "skip")

    assert "I've set aside writing your thank-you letters to Acme Corp — Acme Corp is closed" \
        in scene.jane.text
    assert "Now, back to" not in scene.jane.text
    assert state(scene) is None


def test_carry_on_after_news_mid_flow_asks_the_question_again(scene: Scene) -> None:
    _start_a_debrief(scene)
    scene.jane.says("acme just rejected me")
    scene.jane.presses("Carry on")

    assert scene.jane.last.startswith("What went well?")
    assert scene.app("Acme Corp")["status"] == "active"


def test_a_typed_yes_to_news_mid_flow_records_the_news_not_an_answer(scene: Scene) -> None:
    _start_a_debrief(scene)
    scene.jane.says("oh and acme went with another candidate")
    scene.jane.says("yes")

    assert scene.app("Acme Corp")["status"] == "rejected"
    found = state(scene)
    assert found is None or found[2].get("went_well") != "yes"


def test_an_offer_while_booking_the_same_companys_next_round_is_asked_about(
        scene: Scene) -> None:
    scene.jane.says("acme corp wants to see me again next wednesday at 2pm")  # on a Monday
    assert scene.jane.last == ("Record a next-round interview at Acme Corp (“next wednesday at "
                               "2pm” — I'll ask which day you mean)?")
    scene.jane.presses("Yes")
    assert scene.jane.last == "“next wednesday at 2pm” — do you mean Wed 25 Nov or Wed 2 Dec?"
    scene.jane.presses("Wed 2 Dec")
    assert scene.jane.last.startswith("Which round will it be?")
    scene.jane.says("got an offer from acme corp, 65k")
    assert scene.jane.text.startswith("That sounds like news — record an offer from Acme Corp")
    scene.jane.says("no")  # it was the answer after all: too long for a round's name
    assert "Keep the round short" in scene.jane.text
    assert scene.jane.last.startswith("Which round will it be?")


@pytest.mark.parametrize(("typed", "status"), [("yes", "rejected"), ("yeah", "rejected"),
                                              ("no", "active")])
def test_a_typed_yes_or_no_answers_a_news_confirmation(scene: Scene, typed: str,
                                                       status: str) -> None:
    scene.jane.says("acme said no")
    assert scene.jane.last.startswith("Record that Acme Corp turned you down?")
    scene.jane.says(typed)

    assert scene.app("Acme Corp")["status"] == status
    if status == "active":
        assert scene.jane.text == "Okay — nothing changed."


def test_something_else_typed_after_a_news_confirmation_is_read_afresh(scene: Scene) -> None:
    scene.jane.says("acme said no")
    scene.jane.says("hello")
    assert scene.jane.text.startswith("Hi Jane!")
    scene.jane.says("yes")  # the question is gone: no longer an answer to it

    assert scene.app("Acme Corp")["status"] == "active"
    assert state(scene) is None


# ---- snooze -------------------------------------------------------------------------------------

def test_remind_me_tomorrow_snoozes_the_reminder_just_shown(scene: Scene) -> None:
    scheduler, inbox = scheduler_for(scene.db, scene.clock)
    run_until(scheduler, scene.clock, datetime(2026, 11, 23, 18, 30, tzinfo=UTC))
    assert any("thank-you" in text.casefold() for text in inbox.texts())
    scene.jane.says("remind me tomorrow")

    assert scene.jane.last == "Okay — I'll remind you again Tue at 09:00."
    assert [n["state"] for n in scene.nudges("Acme Corp", "thank_you", ("snoozed",))] == \
        ["snoozed"]


@pytest.mark.parametrize(("said", "again"), [
    ("remind me later", "Okay — I'll remind you again Tue at 08:00."),  # 21:00 is quiet
    ("remind me next week", "Okay — I'll remind you again Mon 30 Nov at 09:00.")])
def test_remind_me_later_or_next_week_moves_the_reminder(scene: Scene, said: str,
                                                         again: str) -> None:
    scheduler, inbox = scheduler_for(scene.db, scene.clock)
    run_until(scheduler, scene.clock, datetime(2026, 11, 23, 18, 0, tzinfo=UTC))
    scene.jane.says(said)

    assert scene.jane.last == again


def test_remind_me_tomorrow_without_a_reminder_says_so(scene: Scene) -> None:
    scene.jane.says("remind me tomorrow")

    assert scene.jane.last.startswith("There's no reminder waiting for you right now")


# ---- no news yet --------------------------------------------------------------------------------

def test_no_news_before_the_decision_date_says_wait(scene: Scene) -> None:
    scene.jane.says("still haven't heard from acme")

    assert scene.jane.last == (
        "No news is normal before the decision date: Acme Corp expects to decide by Fri 27 "
        "Nov. Wait until then and keep your search going — if you hear nothing, I'll help "
        "you follow up on Mon 30 Nov.")


def test_no_news_after_the_decision_date_says_follow_up_now(scene: Scene) -> None:
    scene.clock.set(datetime(2026, 12, 1, 10, tzinfo=UTC))
    scene.jane.says("nothing from acme yet")

    assert scene.jane.last.startswith("Their decision date (Fri 27 Nov) has passed — a short, "
                                      "polite follow-up now is the right move.")
    assert "Follow up with Acme Corp" in scene.jane.buttons


def test_no_news_after_a_follow_up_gives_the_next_check_in_a_week_later(scene: Scene) -> None:
    scheduler, inbox = scheduler_for(scene.db, scene.clock)
    run_until(scheduler, scene.clock, datetime(2026, 11, 30, 9, 30, tzinfo=UTC))
    follow_up = next(m for m in inbox.messages if "expected to decide" in m.reply.text)
    # merged with the week ahead: its button opens the follow-up with all its choices
    scene.jane.press_value(next(b.value for b in follow_up.reply.buttons
                                if b.label.startswith("Follow up: ")))
    scene.jane.press_value(next(b.value for r in scene.jane.replies for b in r.buttons
                                if b.value.endswith(":still_deciding")))  # I wrote; no news
    scene.clock.set(datetime(2026, 12, 2, 10, tzinfo=UTC))
    scene.jane.says("still no word from acme")

    assert "a week between messages" in scene.jane.last
    assert "your next check-in is Mon 7 Dec" in scene.jane.last


def test_a_company_typed_in_lower_case_is_recorded_as_the_company_writes_itself(
        scene: Scene) -> None:
    scene.jane.says("just had an interview at umbrella corp")
    assert scene.jane.last == "What's the role?"
    scene.jane.says("Backend Developer")
    scene.jane.says("carl ray")
    scene.jane.says("next friday")
    assert "• Umbrella Corp — Backend Developer" in scene.jane.last
    scene.jane.presses("Save")

    assert interviews_at(scene, "Umbrella Corp")
