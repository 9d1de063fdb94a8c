"""`delete`: after a clear yes, every row of the user is gone — table by table — and nobody
else's; anything but a yes keeps everything."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from storage.models import Base
from tests.nudging import run_until, scheduler_for
from tests.ownership import full_story, owned_tables, rows_of, story_copy, user_pk
from tests.story import Seeker, debrief, onboard


def _jane_and_bob(url: str, tmp_path):  # type: ignore[no-untyped-def]
    if url.startswith("sqlite"):
        engine, clock, db, jane = story_copy(tmp_path, "afterview.db")
    else:
        engine, clock, db, jane = full_story(url)
    bob = Seeker(engine, "bob")
    onboard(bob)
    debrief(bob, "Bobcorp", ("Zed Zulu",), "today 5pm")
    return engine, clock, db, jane, bob


def test_every_table_but_users_and_platform_update_ids_is_owned_by_a_user():
    unowned = {t.name for t in Base.metadata.sorted_tables if "user_id" not in t.c}
    # send_paces: one row per bot (its send pace), nobody's data
    assert unowned == {"users", "processed_updates", "send_paces"}, (
        "a new table without user_id: make `delete` and `export` cover it")


def test_after_yes_no_row_of_that_user_remains_in_any_table_and_others_are_untouched(
        any_db_url, tmp_path):
    engine, clock, db, jane, bob = _jane_and_bob(any_db_url, tmp_path)
    jane_pk, bob_pk = user_pk(db, "jane"), user_pk(db, "bob")
    before = rows_of(db, jane_pk)
    assert all(before[name] for name in owned_tables())  # there is something everywhere
    bob_before = rows_of(db, bob_pk)

    jane.runs("delete")
    jane.presses("Drop it")  # the debrief left half-way
    assert "can't be undone" in jane.text
    assert jane.buttons[:2] == ["Yes, delete everything", "Keep my data"]
    jane.presses("Yes, delete everything")

    assert "erased everything" in jane.last
    after = rows_of(db, jane_pk)
    for table in Base.metadata.sorted_tables:
        if table.name in after:
            assert after[table.name] == 0, f"{table.name} still has rows of the deleted user"
    assert rows_of(db, bob_pk) == bob_before
    db.dispose()


def test_keep_my_data_deletes_nothing(tmp_path):
    _, _, db, jane = story_copy(tmp_path)
    before = rows_of(db, user_pk(db, "jane"))
    jane.runs("delete")
    jane.presses("Drop it")
    jane.presses("Keep my data")
    assert "Nothing was deleted" in jane.last
    after = rows_of(db, user_pk(db, "jane"))
    assert after == {**before, "conversation_states": 0}  # the half-done debrief was dropped


def test_export_first_sends_the_files_and_asks_again(tmp_path):
    _, _, db, jane = story_copy(tmp_path)
    jane.runs("cancel")
    jane.runs("delete")
    replies = jane.presses("Export my data first")
    assert [r.attachment.mime_type for r in replies if r.attachment] == [
        "application/json", "text/calendar"]
    assert "Delete everything?" in jane.last
    jane.says("yes")
    assert "erased everything" in jane.last


def test_typing_delete_confirms_and_anything_else_keeps(tmp_path):
    _, _, db, jane = story_copy(tmp_path)
    jane_pk = user_pk(db, "jane")
    jane.runs("cancel")
    jane.runs("delete")
    jane.says("hmm, not sure")
    assert "Nothing was deleted" in jane.last
    assert rows_of(db, jane_pk)["applications"] == 2
    jane.runs("delete")
    jane.says("Delete")
    assert "erased everything" in jane.last
    assert sum(rows_of(db, jane_pk).values()) == 0


def test_after_deleting_no_reminder_comes_and_a_new_hello_starts_from_scratch(tmp_path):
    _, clock, db, jane = story_copy(tmp_path)
    jane.runs("cancel")
    jane.runs("delete")
    jane.says("yes")
    scheduler, inbox = scheduler_for(db, clock)
    run_until(scheduler, clock, datetime(2026, 12, 10, tzinfo=UTC), step=timedelta(hours=6))
    assert inbox.messages == []
    jane.says("hello")
    assert "First, a few quick questions" in jane.text
    assert "Your pipeline is empty" in jane.runs("status")[0].text
