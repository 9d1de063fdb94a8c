"""Whole-letter editing and one-tap fixes for EVERY letter type: the user's version is kept per
letter, proofread again, and used for the mail link, the export and "mark sent"; on Telegram by
replying to the draft, in Slack through a modal, in the terminal by a multi-line paste."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote

import pytest

from adapters.console import ConsoleAdapter
from adapters.slack_letter import letter_modal, read_letter, submitted
from adapters.telegram_letters import letter_hint, letter_reply
from bot.conversation.buttons import ButtonVault
from bot.letters.checks import reopened, shortened, word_count
from bot.messages import TOKEN_PREFIX, Draft, Incoming
from bot.outputs.export import export_user
from bot.records import letters as store
from bot.turn import Turn
from tests.outcomes import Scene, drafts
from tests.test_letters import FULL

LETTER_TYPES = sorted(FULL)
FIXED = "It was kind of you to give me your time, and I am grateful for the chance to talk."


@pytest.fixture(scope="module")
def onboarded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return Scene.template(tmp_path_factory.mktemp("letters"), lambda scene: None)


@pytest.fixture
def scene(onboarded: Path, tmp_path: Path) -> Iterator[Scene]:
    scene = Scene.copy(onboarded, tmp_path)
    yield scene
    scene.db.dispose()


def show(scene: Scene, draft: Draft) -> list[str]:
    """The bot shows `draft` in a turn, as any flow does; the buttons under it."""
    with scene.db.session() as session:
        repo = scene._repo(session)
        turn = Turn(repo, scene.clock.now())
        turn.say("Here is your letter:", draft=draft)
        return [b.value for b in turn.replies[0].buttons]


def typo_version(body: str) -> str:
    """The user's own wording, with a spelling mistake and a doubled word left in."""
    lines = body.split("\n")
    first = next(i for i, line in enumerate(lines) if line.startswith("Dear "))
    lines.insert(first + 2, "It was kind of you to give me your time, and I am gratefull for "
                            "the the chance to talk.")
    lines.insert(first + 3, "")
    return "\n".join(lines)


@pytest.mark.parametrize("letter", LETTER_TYPES)
def test_every_letter_type_can_be_replaced_whole_proofread_fixed_and_mailed(
        scene: Scene, letter: str) -> None:
    original = FULL[letter]()
    values = show(scene, original)
    assert any(v.endswith(" ") is False and v.startswith("/letter ") for v in values)
    jane = scene.jane
    jane.runs("letter")
    assert "Send your version of the whole letter" in jane.text
    mine = typo_version(original.body)
    jane.says(mine)
    [edited] = drafts(jane)
    assert "Saved your version" in jane.text
    assert "gratefull" in edited.body
    assert any('"gratefull" looks misspelled' in p for p in edited.problems), edited.problems
    assert any("written twice" in p for p in edited.problems)
    jane.presses("Apply every fix")
    [fixed] = drafts(jane)
    assert FIXED in fixed.body
    assert fixed.problems == (), fixed.problems
    if fixed.mailto:
        assert "I am grateful for the chance to talk" in unquote(fixed.mailto)
    # shown again later (the flow regenerates it): the user's version wins
    show(scene, original)
    with scene.db.session() as session:
        data = export_user(session, scene._repo(session).user, scene.clock.now())
    [row] = data["tables"]["letters"]
    assert FIXED in row["edited"]


def test_one_paragraph_can_be_replaced_and_one_fix_applied_alone(scene: Scene) -> None:
    show(scene, FULL["decline_offer"]())
    jane = scene.jane
    jane.runs("letter")
    jane.presses("Replace a paragraph")
    jane.presses("4. I wish you and the team every …")
    assert "Paragraph 4 now reads" in jane.text
    jane.says("i wish you and the team every sucess in the year ahead.")
    [draft] = drafts(jane)
    assert "every sucess in the year ahead" in draft.body
    assert len(draft.fixes) == 2, draft.fixes  # the spelling and the lower-case start
    jane.presses("Fix: sucess → success")
    [draft] = drafts(jane)
    assert "every success in the year ahead" in draft.body
    assert "i wish you" in draft.body and len(draft.fixes) == 1
    jane.press_value(jane.replies[-1].buttons[0].value)
    [draft] = drafts(jane)
    assert "I wish you and the team every success in the year ahead." in draft.body
    assert draft.problems == ()
    jane.presses("Back to the generated draft")
    [draft] = drafts(jane)
    assert draft.body == FULL["decline_offer"]().body


def test_a_short_answer_to_a_question_is_never_taken_for_a_letter(scene: Scene) -> None:
    show(scene, FULL["withdrawal"]())
    jane = scene.jane
    jane.runs("letter")
    jane.says("status")
    assert drafts(jane) == [] and "Saved your version" not in jane.text
    assert "too short for a letter" not in jane.text
    with scene.db.session() as session:
        from bot.records.letters import awaiting
        assert awaiting(scene._repo(session)) is None


def test_a_turn_reads_whether_a_letter_is_awaited_with_the_user_not_by_a_query_of_its_own(
        scene: Scene) -> None:
    """The letters table is asked about only while a replacement is awaited: an ordinary turn
    learns that none is from the statement that reads the user."""
    from sqlalchemy import event

    sent: list[str] = []

    def record(_connection: object, _cursor: object, statement: str, *_: object) -> None:
        sent.append(statement.casefold())

    show(scene, FULL["withdrawal"]())
    jane = scene.jane
    event.listen(scene.db.engine, "before_cursor_execute", record)
    try:
        jane.says("status")  # typed: a text turn, which could have been a pasted letter
        plain = list(sent)
        sent.clear()
        jane.runs("letter")
        sent.clear()
        jane.says(typo_version(FULL["withdrawal"]().body))  # the awaited paste
    finally:
        event.remove(scene.db.engine, "before_cursor_execute", record)
    assert "Saved your version" in jane.text
    assert not any(s.lstrip().startswith("select") and "from letters" in s.split("where")[0]
                   for s in plain), plain
    assert any("from letters" in s and "awaiting" in s for s in sent), sent


def test_thank_you_mark_sent_records_the_users_version(tmp_path: Path) -> None:
    scene = Scene(f"sqlite:///{tmp_path / 'a.db'}")
    scene.debrief()
    jane = scene.jane
    jane.runs("thanks")
    [letter] = drafts(jane)
    jane.presses("Edit this letter")
    jane.says("paragraph 3: I would love to join the team at Acme and hope to hear from you "
              "soon.")
    mine, again = drafts(jane)  # the saved version, then the flow's question shows it again
    assert "I would love to join the team at Acme" in mine.body
    assert again.body == mine.body and again.mailto == mine.mailto
    jane.presses("Mark sent")
    event = scene.events("Acme", "thanks_sent")[0]
    assert event["data"]["edited"] is True and event["data"]["letter_id"]
    scene.db.dispose()


def test_telegram_reply_to_a_draft_edits_that_letter(scene: Scene) -> None:
    show(scene, FULL["counter_offer"]())
    show(scene, FULL["withdrawal"]())  # shown later: a reply must still reach the counter-offer
    counter = FULL["counter_offer"]()
    assert letter_hint("✉️ To: x@y\nSubject: Senior Data Analyst offer – salary\nTap") == \
        "Senior Data Analyst offer – salary"
    assert letter_hint("Subject: Thanks\nTap\nDear Priya,\nThank you for it.") == \
        "Thank you for it.", "the letter's own first line tells two letters apart"
    assert letter_hint("What's the role?") is None
    assert letter_hint("Dear Priya,\n\nThank you for…") == "Thank you for…"
    incoming = letter_reply(scene.jane.key, counter.body, counter.body.replace(
        "I look forward to speaking with you.", "I look forward to our call."), None, None)
    assert incoming is not None
    scene.jane._send(incoming)
    [draft] = drafts(scene.jane)
    assert draft.subject == counter.subject and "I look forward to our call." in draft.body


def test_slack_modal_holds_the_letter_and_its_save_goes_through_the_engine(
        scene: Scene) -> None:
    modal = letter_modal(7, "Subject line", "Dear Priya,\n\nText.\n")
    element = modal["blocks"][1]["element"]
    assert element["multiline"] is True and element["initial_value"].startswith("Dear Priya")
    values = {"letter": {"value": {"type": "plain_text_input", "value": "Dear Priya,\n\nNew."}}}
    assert read_letter(values) == "Dear Priya,\n\nNew."
    assert read_letter(None) == "" and read_letter({"letter": "x"}) == ""
    show(scene, FULL["acceptance"]())
    from bot.records.letters import latest
    with scene.db.session() as session:
        row_id = latest(scene._repo(session)).id  # type: ignore[union-attr]
    body = FULL["acceptance"]().body.replace("I am delighted", "I am very happy")
    incoming = submitted(scene.jane.key, {"private_metadata": str(row_id), "state": {
        "values": {"letter": {"value": {"value": body}}}}})
    assert isinstance(incoming, Incoming)
    scene.jane._send(incoming)
    [draft] = drafts(scene.jane)
    assert "I am very happy" in draft.body or draft.body == body


def test_terminal_reads_a_multi_line_paste_until_a_full_stop_line(scene: Scene) -> None:
    show(scene, FULL["resignation"]())
    pasted = FULL["resignation"]().body.replace("Please let me know how I can best help.",
                                                "Please let me know how I can help most.")
    out = io.StringIO()
    console = ConsoleAdapter(scene.engine, json_mode=True, out=out)
    console.chat(scene.jane.key, io.StringIO("letter\n" + pasted + "\n.\n"))
    messages = [json.loads(line) for line in out.getvalue().splitlines()]
    saved = [m for m in messages if "Saved your version" in m["text"]]
    assert saved and "Please let me know how I can help most." in saved[0]["draft"]["body"]


# ---- every finding has its one-tap fix --------------------------------------------------------

MINE = """Dear Katherine,

Thank you for taking the time to speak with me about the Senior Data Analyst position at \
Northwind Analytics. I am excited about your churn model. I am keen to help your team ship it \
with kubeflow pipelines.

{middle}

I am very enthusiastic about the opportunity to join Northwind Analytics, and I look forward \
to hearing about the next steps.

Kind regards,
Jane Doe
"""
STRENGTHS = ("My five years of Python and SQL analytics would let me contribute from the first "
             "week, and I have led two migrations to dbt.")
LONG_MIDDLE = " ".join(["Over the last years I have built forecasting models, cleaned up "
                        "reporting pipelines and trained colleagues in writing better SQL."] * 8)


def _edited(scene: Scene, middle: str = STRENGTHS) -> Draft:
    """Jane replaces the thank-you letter with her own version."""
    show(scene, FULL["thank_you"]())
    scene.jane.runs("letter")
    scene.jane.says(MINE.format(middle=middle))
    [draft] = drafts(scene.jane)
    return draft


def _words(scene: Scene) -> list[str]:
    return scene.read(lambda repo: list(repo.user.words or []))


def test_an_unknown_word_joins_my_words_with_one_tap_and_the_letter_is_checked_again(
        scene: Scene) -> None:
    draft = _edited(scene)
    assert any('"kubeflow" is not a word I know' in p for p in draft.problems), draft.problems
    jane = scene.jane
    jane.presses("Add “kubeflow” to my words")

    assert "Added “kubeflow” to your words" in jane.text
    [again] = drafts(jane)
    assert again.body == draft.body  # the letter is as she wrote it
    assert not any("not a word I know" in p for p in again.problems), again.problems
    assert "kubeflow" in _words(scene)
    # and from then on, in any letter
    jane.runs("letter", "paragraph 3: We could also talk about kubeflow next time.")
    [later] = drafts(jane)
    assert "talk about kubeflow next time" in later.body
    assert not any("not a word I know" in p for p in later.problems), later.problems


def test_a_repeated_opening_is_reworded_with_one_tap_showing_the_new_sentence(
        scene: Scene) -> None:
    draft = _edited(scene)
    reworded = "In addition, I am keen to help your team ship it with kubeflow pipelines."
    assert any('open with "I am"' in p and f"“{reworded}”" in p for p in draft.problems)
    jane = scene.jane
    jane.presses("Reword: “In addition, I am …”")

    [again] = drafts(jane)
    assert f"I am excited about your churn model. {reworded}" in again.body
    assert not any("open with" in p for p in again.problems), again.problems
    assert f"“{reworded}”" in jane.text


def test_a_letter_over_200_words_is_shortened_by_leaving_out_its_middle_paragraph(
        scene: Scene) -> None:
    draft = _edited(scene, LONG_MIDDLE)
    [finding] = [p for p in draft.problems if "words: keep it under about 200" in p]
    assert "leaves out “Over the last years I have built forecasting models, cleaned …” " \
           "(160 words) — 59 words then." in finding
    jane = scene.jane
    label = next(b for b in jane.buttons if b.startswith("Shorten to "))
    jane.presses(label)

    [short] = drafts(jane)
    assert "Over the last years" not in short.body
    assert short.body == MINE.format(middle="").replace("\n\n\n\n", "\n\n")
    assert f"{label.removeprefix('Shorten to ')}" in jane.text
    assert not any("200" in p or "over the last" in p.casefold() for p in short.problems)


def test_an_old_fix_button_pressed_after_the_letter_changed_changes_nothing(
        scene: Scene) -> None:
    _edited(scene)
    jane = scene.jane
    old_reword = next(b.value for r in jane.replies for b in r.buttons
                      if b.label.startswith("Reword:"))
    jane.runs("letter", "paragraph 2: I am excited about your churn model. I am keen to "
                        "help your team ship it soon.")
    [changed] = drafts(jane)
    [token] = ButtonVault(scene.db, scene.clock).issue(jane.key, [old_reword])
    jane.press_value(TOKEN_PREFIX + token)  # as Telegram and Slack send it

    assert "That fix is out of date" in jane.text and "changed nothing" in jane.text
    [shown] = drafts(jane)
    assert shown.body == changed.body
    assert "In addition" not in scene.read(lambda repo: store.latest(repo).edited)


def test_a_fix_button_applies_only_to_its_own_letter(scene: Scene) -> None:
    _edited(scene)
    jane = scene.jane
    reword = next(b.value for r in jane.replies for b in r.buttons
                  if b.label.startswith("Reword:"))
    show(scene, FULL["withdrawal"]())  # another letter is the latest now
    jane.press_value(reword)

    def bodies(repo):  # type: ignore[no-untyped-def]
        return {row.subject: row.edited or row.original for row in store.letters(repo)}

    after = scene.read(bodies)
    assert "In addition, I am keen" in after[FULL["thank_you"]().subject]
    assert after[FULL["withdrawal"]().subject] == FULL["withdrawal"]().body


def test_a_letter_never_carries_more_than_five_buttons(scene: Scene) -> None:
    _edited(scene, "i realy hope the the team likes kubeflow and metabse. " + LONG_MIDDLE)
    shown = [r for r in scene.jane.replies if r.draft is not None]
    assert shown and all(len(r.buttons) <= 5 for r in shown)
    assert any(b.label.startswith("Shorten to") for r in shown for b in r.buttons), \
        "the fixes only their own button applies come first"


def test_shortening_keeps_greeting_opening_close_and_sign_off() -> None:
    body = MINE.format(middle=LONG_MIDDLE + "\n\n" + STRENGTHS)
    short, gone = shortened(body)
    assert gone == [LONG_MIDDLE]
    assert short.startswith("Dear Katherine,\n\nThank you for taking the time")
    assert short.endswith("the next steps.\n\nKind regards,\nJane Doe\n")
    assert STRENGTHS in short and word_count(short) <= 200


def test_a_letter_of_one_long_paragraph_loses_its_longest_later_sentences() -> None:
    opening = "Thank you for the conversation about the analyst role at Northwind Analytics."
    body = ("Dear Katherine,\n\n" + " ".join([opening] + [LONG_MIDDLE.split(". ")[0] + "."] * 14)
            + "\n\nKind regards,\nJane Doe\n")
    found = shortened(body)
    assert found is not None
    short, gone = found
    assert word_count(short) <= 200 < word_count(body) and gone
    assert short.startswith(f"Dear Katherine,\n\n{opening} Over the last years")


def test_a_reworded_opening_keeps_names_and_i_capitalised() -> None:
    assert reopened("The team was great.", "", ["The team was kind."]) == \
        "In addition, the team was great."
    assert reopened("Katherine was great.", "", [], {"katherine"}) == \
        "In addition, Katherine was great."
    assert reopened("I am keen.", "In addition, I said so.", ["I am glad."]) == \
        "Equally, I am keen."
