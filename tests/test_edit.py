"""`edit`, `undo`, plain-words corrections, delete, merge and archive: the user corrects what
they told the bot, and status, the calendar and the next nudge follow at once."""

from __future__ import annotations

from datetime import UTC, datetime

from icalendar import Calendar
from sqlalchemy import select

from storage.models import Change, Interview, Nudge
from tests.nudging import run_until, scheduler_for
from tests.story import Seeker, debrief, make_engine, onboard

MONDAY = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)  # London, winter: UTC = local


def _jane(url: str):  # type: ignore[no-untyped-def]
    engine, clock, db = make_engine(url, MONDAY)
    jane = Seeker(engine)
    onboard(jane)
    debrief(jane, "Acme", ("Jane Smith",), "today 9am")
    return engine, clock, db, jane


def _calendar_summaries(jane: Seeker) -> list[str]:
    replies = jane.runs("export")
    ics = [r.attachment for r in replies if r.attachment and r.attachment.filename.endswith(".ics")]
    return [str(e["SUMMARY"]) for e in Calendar.from_ical(ics[0].content).walk("VEVENT")]


def test_an_edited_company_name_shows_in_status_the_calendar_and_the_next_nudge(any_db_url):
    engine, clock, db, jane = _jane(any_db_url)
    jane.runs("edit")
    jane.presses("Company, role or stage")
    jane.presses("Company name")
    assert "Company name is now: Acme" in jane.last
    jane.says("Acme Analytics")
    assert "Acme's company name: Acme → Acme Analytics" in jane.last

    jane.runs("status")
    assert "Acme Analytics — Data Analyst" in jane.last
    assert "Interview at Acme Analytics — Data Analyst (first round)" in _calendar_summaries(jane)
    scheduler, inbox = scheduler_for(db, clock)
    run_until(scheduler, clock, datetime(2026, 12, 7, 18, 30, tzinfo=UTC))
    assert inbox.texts() and "Acme Analytics" in inbox.texts()[0]
    db.dispose()


def test_undo_puts_the_old_value_back_and_says_what_it_undid(any_db_url):
    _, _, db, jane = _jane(any_db_url)
    jane.says("Acme is actually called Acme Analytics")
    assert "Acme → Acme Analytics" in jane.last
    jane.says("undo")
    assert jane.last.startswith("Undone: Acme's company name")
    jane.runs("status")
    assert "• Acme — Data Analyst" in jane.last
    jane.says("undo")
    assert "nothing to undo" in jane.last
    db.dispose()


def test_plain_words_set_an_interviewers_email(sqlite_url):
    _, _, db, jane = _jane(sqlite_url)
    jane.says("Jane's email is jane@acme.example")
    assert jane.last.startswith("Changed Jane Smith's email: not noted → jane@acme.example")
    jane.says("jane's email is not-an-email")
    assert "Nothing changed" in jane.last
    db.dispose()


def test_an_interview_time_and_a_typo_in_its_format_are_corrected_with_buttons(sqlite_url):
    _, _, db, jane = _jane(sqlite_url)
    jane.runs("edit")
    jane.presses("An interview")
    jane.presses("Format")
    jane.says("vidoe")
    assert "format: video → video" not in jane.last  # the debrief already read "video"
    jane.runs("edit")
    jane.presses("An interview")
    jane.presses("Date and time")
    jane.says("today 8am")
    assert "Mon 7 Dec at 09:00 → Mon 7 Dec at 08:00" in jane.last
    assert all(len(r.buttons) <= 5 for r in jane.replies)
    db.dispose()


def test_a_name_learned_after_the_debrief_gets_its_thank_you_without_a_second_interview(
        any_db_url):
    engine, clock, db = make_engine(any_db_url, MONDAY)
    jane = Seeker(engine)
    onboard(jane)
    debrief(jane, "Acme", (), "today 9am")
    jane.runs("thanks")
    assert "edit" in jane.last and "debrief" not in jane.last
    jane.presses("Add a name")
    assert "name of the person" in jane.last
    jane.says("Katherine O'Neill")
    assert "Added Katherine O'Neill" in jane.last
    jane.presses("Draft the thank-you")
    assert "✉️ To Katherine O'Neill" in jane.text
    with db.session() as session:
        assert len(session.scalars(select(Interview)).all()) == 1
    db.dispose()


def test_a_merge_leaves_one_application_with_both_interviews_and_no_duplicate_nudge(any_db_url):
    engine, clock, db, jane = _jane(any_db_url)
    debrief(jane, "ACME Inc", ("Bob Stone",), "today 9:30am")
    jane.runs("edit")
    jane.presses("Acme — Data Analyst")
    jane.presses("Archive, merge or delete")
    jane.presses("Merge with a duplicate")
    jane.presses("ACME Inc — Data Analyst")
    assert "Type “merge”" in jane.last
    jane.presses("Yes, merge")
    assert "Merged ACME Inc into Acme: 1 interview moved" in jane.last
    jane.runs("status")
    assert "1 active application" in jane.last and "ACME Inc" not in jane.last
    with db.session() as session:
        assert {i.application_id for i in session.scalars(select(Interview))} == {1}
        open_nudges = session.scalars(select(Nudge).where(
            Nudge.state == "pending", Nudge.kind == "follow_up")).all()
        assert len(open_nudges) == 1
    scheduler, inbox = scheduler_for(db, clock)
    run_until(scheduler, clock, datetime(2026, 12, 7, 18, 30, tzinfo=UTC))
    assert len(inbox.messages) == 1  # two interviews' thank-yous, one message
    jane.says("undo")
    jane.runs("status")
    assert "2 active applications" in jane.last
    db.dispose()


def test_deleting_an_interviewer_asks_first_and_anything_but_the_word_keeps_them(sqlite_url):
    _, _, db, jane = _jane(sqlite_url)
    jane.runs("edit")
    jane.presses("An interviewer")
    jane.presses("Jane Smith")
    jane.presses("More…")  # Name, Title, Email, Phone, then the rest
    jane.presses("Delete this person")
    assert "Type “delete”" in jane.last and jane.buttons == ["Yes, delete", "No, keep it"]
    jane.says("yes")  # not the confirmation word: kept
    assert "Nothing changed" in jane.last
    jane.runs("edit")
    jane.presses("An interviewer")
    jane.presses("Jane Smith")
    jane.presses("More…")  # Name, Title, Email, Phone, then the rest
    jane.presses("Delete this person")
    jane.says("delete")
    assert "Deleted Jane Smith from Acme" in jane.last
    jane.says("undo")
    jane.runs("status")
    assert "Jane Smith" in jane.last
    db.dispose()


def test_deleting_an_application_and_undoing_it_brings_back_its_interviews(any_db_url):
    _, _, db, jane = _jane(any_db_url)
    jane.runs("edit")
    jane.presses("Archive, merge or delete")
    jane.presses("Delete this application")
    jane.presses("Yes, delete")
    assert "Deleted the application at Acme" in jane.last
    jane.runs("status")
    assert "pipeline is empty" in jane.last
    jane.says("undo")
    jane.runs("status")
    assert "Acme — Data Analyst" in jane.last and "Jane Smith" in jane.last
    with db.session() as session:
        assert session.scalars(select(Change)).all()[-1].undone
    db.dispose()


def test_archiving_a_quiet_application_stops_its_reminders(any_db_url):
    _, _, db, jane = _jane(any_db_url)
    jane.runs("edit")
    jane.presses("Archive, merge or delete")
    jane.presses("Archive it (went quiet)")
    assert "Archived Acme" in jane.last
    jane.runs("status")
    assert "Closed: Acme (archived)" in jane.last
    with db.session() as session:
        assert not session.scalars(select(Nudge).where(Nudge.state == "pending",
                                                       Nudge.application_id == 1)).all()
    db.dispose()


def _interviewer_names(db) -> list[str]:  # type: ignore[no-untyped-def]
    from storage.models import Interviewer
    with db.session() as session:
        return sorted(p.name for p in session.scalars(select(Interviewer)))


def test_plain_words_correct_an_interviewers_name_and_undo_puts_it_back(sqlite_url):
    _, _, db, jane = _jane(sqlite_url)
    jane.says("jane smith is actually jane smyth")
    assert jane.last.startswith("Changed Jane Smith's name: Jane Smith → Jane Smyth.")
    assert _interviewer_names(db) == ["Jane Smyth"]
    jane.says("undo")
    assert _interviewer_names(db) == ["Jane Smith"]
    jane.says("it's Jane Smithe, not Jane Smith")
    assert _interviewer_names(db) == ["Jane Smithe"]
    db.dispose()


def test_a_company_named_by_its_first_word_is_renamed_in_its_own_style(sqlite_url):
    engine, clock, db = make_engine(sqlite_url, MONDAY)
    jane = Seeker(engine)
    onboard(jane)
    debrief(jane, "acme corp", ("Jane Smith",), "today 9am")
    jane.says("acme is actually called acme analytics")
    assert "Acme Corp → Acme Analytics" in jane.last
    db.dispose()


def test_plain_words_move_the_interview_and_keep_its_time(sqlite_url):
    _, _, db, jane = _jane(sqlite_url)
    jane.says("the interview was yesterday")
    assert "Mon 7 Dec at 09:00 → Sun 6 Dec at 09:00" in jane.last
    with db.session() as session:
        held = session.scalars(select(Interview)).one().starts_at
    assert (held.day, held.hour) == (6, 9)
    jane.says("the acme interview was on friday at 2pm")
    assert "→ Fri 4 Dec at 14:00" in jane.last
    jane.says("the interview was tomorrow")
    assert "is still ahead" in jane.last and "Nothing changed" in jane.last
    db.dispose()


def test_a_sentence_that_only_looks_like_a_correction_changes_nothing(sqlite_url):
    _, _, db, jane = _jane(sqlite_url)
    jane.says("acme is really keen on me")
    jane.says("jane smith is actually nice")  # an opinion, not a new name
    jane.says("it's jane smith")
    with db.session() as session:
        assert session.scalars(select(Change)).all() == []
    assert _interviewer_names(db) == ["Jane Smith"]
    db.dispose()
