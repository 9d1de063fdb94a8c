"""`export` hands the job seeker all their data; `afterview import` puts it back, nothing lost."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from afterview.cli import main
from bot.messages import Reply
from bot.outputs.export import FORMAT, nudge_key
from storage.db import Database
from storage.models import Base
from tests.ownership import owned_tables, rows_of, story_copy, user_pk
from tests.story import Seeker, debrief, make_engine, onboard


def _export(seeker: Seeker) -> tuple[dict[str, Any], Reply, Reply]:
    replies = seeker.runs("export")
    files = [r for r in replies if r.attachment is not None]
    assert len(files) == 2, [r.text for r in replies]
    json_reply, ics_reply = files
    assert json_reply.attachment and json_reply.attachment.mime_type == "application/json"
    assert ics_reply.attachment and ics_reply.attachment.filename.endswith(".ics")
    return json.loads(json_reply.attachment.content), json_reply, ics_reply


def _write(tmp_path, data: dict[str, Any], name: str = "export.json"):  # type: ignore[no-untyped-def]
    path = tmp_path / name
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def _without_stamp(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if k != "exported_at"}


def test_export_sends_every_row_of_every_table_the_user_owns_and_nothing_of_others(tmp_path):
    engine, clock, db, jane = story_copy(tmp_path, "a.db")
    bob = Seeker(engine, "bob")
    onboard(bob)
    debrief(bob, "Bobcorp", ("Zed Zulu",))
    data, json_reply, ics_reply = _export(jane)

    assert data["format"] == FORMAT and data["version"] == 1
    assert data["user"] == {"platform": "console", "workspace": "local", "user_id": "jane"}
    counts = rows_of(db, user_pk(db, "jane"))
    assert {name: len(rows) for name, rows in data["tables"].items()} == counts
    assert all(counts[name] > 0 for name in owned_tables()), counts  # the story covers all
    text = json.dumps(data)
    assert "Bobcorp" not in text and "Zed Zulu" not in text
    assert "Katherine O'Neill" in text and "The migration rescue" in text
    user = data["tables"]["users"][0]
    assert user["target_salary"] == "65000.00"
    offer = data["tables"]["offers"][0]
    assert Decimal(offer["salary"]) == Decimal("70000.50")
    assert offer["reply_deadline"] == "2026-12-02"
    assert datetime.fromisoformat(data["tables"]["interviews"][0]["starts_at"]).utcoffset() \
        == timedelta(0)
    assert "JSON" in json_reply.text or "file" in json_reply.text
    assert "calendar" in ics_reply.text


def test_export_into_a_fresh_database_and_export_again_gives_the_same_file(tmp_path, any_db_url):
    engine, clock, source, jane = story_copy(tmp_path, "source.db")
    before, _, _ = _export(jane)
    path = _write(tmp_path, before)

    assert main(["import", str(path), "--db", any_db_url]) == 0

    target_engine, _, target = make_engine(any_db_url, clock.now())
    again, _, _ = _export(Seeker(target_engine, "jane"))
    assert _without_stamp(again) == _without_stamp(before)
    # the imported user carries on where they were, and new rows get fresh ids (PostgreSQL
    # sequences moved past the imported ones)
    jane_there = Seeker(target_engine, "jane")
    jane_there.runs("cancel")
    debrief(jane_there, "Hooli", ("Gavin Belson",))
    assert "Hooli" in jane_there.runs("status")[0].text
    target.dispose()
    source.dispose()


def test_import_for_another_user_beside_existing_data_renumbers_and_keeps_every_link(
        tmp_path, capsys):
    url = f"sqlite:///{tmp_path / 'a.db'}"
    engine, clock, db, jane = story_copy(tmp_path, "a.db")
    before, _, _ = _export(jane)
    path = _write(tmp_path, before)

    assert main(["import", str(path), "--db", url, "--user", "jane-copy"]) == 0
    assert "ids renumbered" in capsys.readouterr().out

    copy, _, _ = _export(Seeker(engine, "jane-copy"))
    assert copy["user"]["user_id"] == "jane-copy"
    old, new = _canonical(before), _canonical(copy)
    # button tokens are unique across users: jane keeps hers, the copy starts without
    assert new.pop("button_tokens") == [] and old.pop("button_tokens")
    assert new.pop("mail_links") == [] and old.pop("mail_links")  # tokens are one owner's
    old["users"][0].pop("external_id")
    new["users"][0].pop("external_id")
    assert new == old
    assert rows_of(db, user_pk(db, "jane"))["applications"] == 2  # the original is untouched


def test_import_refuses_a_user_who_already_has_data_and_changes_nothing(tmp_path, capsys):
    url = f"sqlite:///{tmp_path / 'a.db'}"
    engine, clock, db, jane = story_copy(tmp_path, "a.db")
    data, _, _ = _export(jane)
    counts = rows_of(db, user_pk(db, "jane"))

    assert main(["import", str(_write(tmp_path, data)), "--db", url]) == 1
    assert "already has data" in capsys.readouterr().err
    assert rows_of(db, user_pk(db, "jane")) == counts


def test_import_into_a_user_who_only_said_hello_fills_their_profile(tmp_path):
    engine, clock, source, jane = story_copy(tmp_path, "source.db")
    data, _, _ = _export(jane)
    target_url = f"sqlite:///{tmp_path / 'target.db'}"
    target_engine, _, target = make_engine(target_url, clock.now())
    newcomer = Seeker(target_engine, "jane")
    newcomer.says("hello")  # a user row and an onboarding conversation, no data yet

    assert main(["import", str(_write(tmp_path, data)), "--db", target_url]) == 0
    status = newcomer.runs("status")[0].text
    assert "Acme" in status and "Globex" in status
    assert "Initech" in newcomer.runs("settings")[0].text  # the half-done debrief came along
    newcomer.presses("Drop it")
    assert "Jane Doe" in newcomer.text


@pytest.mark.parametrize("content, message", [
    (b"not json at all", "not a JSON file"),
    (b'{"format": "something-else"}', "not an Afterview export"),
    (b'{"format": "afterview-export", "version": 99, "tables": {}}', "newer"),
])
def test_a_file_that_is_not_an_export_is_refused_with_a_clear_message(tmp_path, capsys,
                                                                       content, message):
    path = tmp_path / "bad.json"
    path.write_bytes(content)
    assert main(["import", str(path), "--db", f"sqlite:///{tmp_path / 'a.db'}"]) == 2
    assert message in capsys.readouterr().err


def test_an_export_with_an_unknown_table_is_refused(tmp_path, capsys):
    engine, clock, db, jane = story_copy(tmp_path, "a.db")
    data, _, _ = _export(jane)
    data["tables"]["horoscopes"] = [{"id": 1}]
    target = f"sqlite:///{tmp_path / 'b.db'}"
    assert main(["import", str(_write(tmp_path, data)), "--db", target]) == 2
    assert "unknown table 'horoscopes'" in capsys.readouterr().err
    check = Database(target)
    assert rows_of(check, 1)["users"] == 0
    check.dispose()


# ---- comparing two exports whose ids differ ------------------------------------------------------

ID_KEYS = {"application_id": "applications", "interview_id": "interviews"}


def _canonical(data: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """The export with every id replaced by the row's position in its table (both exports list
    rows in id order), links followed through foreign keys, nudge keys and JSON `…_id`s."""
    tables = data["tables"]
    position = {name: {row["id"]: i for i, row in enumerate(rows)}
                for name, rows in tables.items() if rows and "id" in rows[0]}
    links = {(t.name, c.name): fk.column.table.name for t in Base.metadata.sorted_tables
             for c in t.c for fk in c.foreign_keys}
    links[("users", "last_application_id")] = "applications"

    def label(table: str, value: Any) -> Any:
        return None if value is None else f"{table}#{position[table].get(value, '?')}"

    def walk(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: label(ID_KEYS[k], v) if k in ID_KEYS and isinstance(v, int) else walk(v)
                    for k, v in value.items()}
        if isinstance(value, list):
            return [walk(v) for v in value]
        return value

    canonical: dict[str, list[dict[str, Any]]] = {}
    for name, rows in tables.items():
        out = []
        for row in rows:
            row = {k: walk(v) for k, v in row.items()}
            if "id" in row:
                row["id"] = label(name, row["id"])
            for column in row:
                if (name, column) in links:
                    row[column] = label(links[(name, column)], row[column])
            if name == "nudges":
                labels = {t: {i: position[t][i] for i in position.get(t, {})}
                          for t in ("applications", "interviews")}
                row["key"] = nudge_key(row["key"], row["kind"], labels)
            out.append(row)
        canonical[name] = out
    return canonical
