"""The .ics calendar from `export`: the dates of the search, in the phone's calendar."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from icalendar import Calendar

from afterview.cli import main
from tests.ownership import NEXT_ROUND, OFFER_DEADLINE, story_copy
from tests.story import Seeker, make_engine


def _calendar(seeker: Seeker) -> Calendar:
    replies = seeker.runs("export")
    files = [r.attachment for r in replies
             if r.attachment and r.attachment.filename.endswith(".ics")]
    assert len(files) == 1 and files[0].mime_type == "text/calendar"
    return Calendar.from_ical(files[0].content)


def _events(calendar: Calendar) -> dict[str, dict[str, object]]:
    """SUMMARY -> the event's fields, decoded."""
    found = {}
    for event in calendar.walk("VEVENT"):
        found[str(event["SUMMARY"])] = {
            "uid": str(event["UID"]), "start": event.decoded("DTSTART"),
            "end": event.decoded("DTEND"), "stamp": event.decoded("DTSTAMP"),
            "description": str(event["DESCRIPTION"]),
        }
    return found


def test_the_calendar_holds_interviews_decision_dates_follow_ups_and_the_offer_deadline(tmp_path):
    _, _, _, jane = story_copy(tmp_path)
    events = _events(_calendar(jane))

    interview = events["Interview at Acme — Data Analyst (first round)"]
    assert interview["start"] == datetime(2026, 11, 23, 11, 0, tzinfo=UTC)
    assert interview["end"] - interview["start"] == timedelta(hours=1)
    assert "Katherine O'Neill" in str(interview["description"])

    assert events["Second round interview at Acme — Data Analyst"]["start"] == NEXT_ROUND

    follow_up = events["Follow up with Acme — Data Analyst"]
    assert follow_up["start"] == datetime(2026, 11, 30, 9, 0, tzinfo=UTC)  # Monday after Friday
    assert "ask whether" in str(follow_up["description"])

    offer = events["Reply to Globex's offer — Data Analyst"]
    assert offer["start"] == OFFER_DEADLINE and offer["end"] == OFFER_DEADLINE + timedelta(days=1)

    decision = events["Acme expects to decide — Data Analyst"]
    assert decision["start"] == date(2026, 11, 27)  # all day: a date, not a time
    for event in events.values():
        assert str(event["uid"]).endswith("@afterview") and event["description"]
        assert event["stamp"] == datetime(2026, 11, 23, 18, 30, tzinfo=UTC)


def test_a_second_export_has_the_same_uids_so_a_reimport_updates_instead_of_duplicating(tmp_path):
    _, clock, _, jane = story_copy(tmp_path)
    first = _events(_calendar(jane))
    clock.advance(timedelta(hours=3))
    second = _events(_calendar(jane))
    assert {s: e["uid"] for s, e in first.items()} == {s: e["uid"] for s, e in second.items()}
    assert len({e["uid"] for e in first.values()}) == len(first)  # and no two events share one
    assert all(e["stamp"] > first[s]["stamp"] for s, e in second.items())


def test_uids_differ_between_users_and_survive_an_import(tmp_path):
    _, clock, _, jane = story_copy(tmp_path)
    uids = {e["uid"] for e in _events(_calendar(jane)).values()}
    exported = jane.runs("export")[0].attachment
    assert exported is not None
    path = tmp_path / "jane.json"
    path.write_bytes(exported.content)

    moved = f"sqlite:///{tmp_path / 'moved.db'}"
    assert main(["import", str(path), "--db", moved]) == 0
    engine, _, _ = make_engine(moved, clock.now())
    assert {e["uid"] for e in _events(_calendar(Seeker(engine, "jane"))).values()} == uids

    assert main(["import", str(path), "--db", moved, "--user", "someone-else"]) == 0
    others = {e["uid"] for e in _events(_calendar(Seeker(engine, "someone-else"))).values()}
    assert others and not others & uids


def test_a_new_user_gets_an_empty_but_valid_calendar(tmp_path):
    engine, _, _ = make_engine(f"sqlite:///{tmp_path / 'a.db'}", datetime(2026, 11, 23, tzinfo=UTC))
    calendar = _calendar(Seeker(engine, "newcomer"))
    assert calendar["VERSION"] == "2.0" and not calendar.walk("VEVENT")
