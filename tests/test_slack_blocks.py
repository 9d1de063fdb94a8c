"""Block Kit rendering and the debrief form's checks, as pure functions."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from adapters.slack_blocks import (
    HomeButtons,
    after_choice,
    debrief_modal,
    home_view,
    iter_block_texts,
    plain_text,
    read_debrief,
    render_reply,
    split_text,
)
from bot.messages import Button, Reply
from bot.records.pipeline import PipelineRow
from tests.fakes.slack_signing import date_value, select_value, text_value

NOW = datetime(2026, 11, 23, 11, 30, tzinfo=UTC)
LONDON = ZoneInfo("Europe/London")


def form(**overrides: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "company": text_value("Acme"), "role": text_value("Data Analyst"),
        "date": date_value(date(2026, 11, 23)),
        "time": {"type": "timepicker", "selected_time": "11:00"},
        "round": select_value("second"), "format": select_value("on-site"),
        "iv1_name": text_value("  Katherine   O'Neill "), "iv1_email": text_value("K@ACME.example"),
        "rating": select_value("5"), "decision_date": date_value(date(2026, 11, 27)),
    }
    fields.update(overrides)
    return {block: {"value": state} for block, state in fields.items()}


# ---- the debrief form -------------------------------------------------------------------------

def test_a_complete_form_gives_the_slots_save_debrief_takes() -> None:
    checked = read_debrief(form(iv2_name=text_value("Rahul Mehta"),
                                steps_remaining={"type": "number_input", "value": "2"}),
                           NOW, LONDON)
    assert checked.errors == {}
    slots = checked.slots
    assert slots["company"] == "Acme" and slots["round"] == "second"
    assert slots["when"] == "2026-11-23T11:00:00+00:00"
    assert [p["name"] for p in slots["interviewers"]] == ["Katherine O'Neill", "Rahul Mehta"]
    assert slots["interviewers"][0]["email"] == "K@acme.example"
    assert slots["rating"] == 5 and slots["steps_remaining"] == 2
    assert (slots["decision_date"], slots["decision_assumed"]) == ("2026-11-27", False)


def test_an_interview_date_in_the_future_is_refused_on_the_date_field() -> None:
    errors = read_debrief(form(date=date_value(date(2026, 11, 24))), NOW, LONDON).errors
    assert list(errors) == ["date"] and "in the future" in errors["date"]


def test_a_time_later_today_is_refused_on_the_time_field() -> None:
    later = {"type": "timepicker", "selected_time": "16:00"}
    errors = read_debrief(form(time=later), NOW, LONDON).errors
    assert list(errors) == ["time"]


def test_a_bad_email_is_refused_on_that_interviewers_field() -> None:
    errors = read_debrief(form(iv2_name=text_value("Rahul"), iv2_email=text_value("rahul@acme")),
                          NOW, LONDON).errors
    assert list(errors) == ["iv2_email"] and "isn't an email address" in errors["iv2_email"]


def test_a_decision_date_before_the_interview_is_refused() -> None:
    errors = read_debrief(form(decision_date=date_value(date(2026, 11, 20))), NOW, LONDON).errors
    assert "before the interview" in errors["decision_date"]


def test_an_empty_company_and_a_nameless_interviewer_are_refused() -> None:
    errors = read_debrief(form(company=text_value("   "), iv3_title=text_value("CTO")),
                          NOW, LONDON).errors
    assert set(errors) == {"company", "iv3_name"}


def test_no_decision_date_assumes_a_week() -> None:
    slots = read_debrief(form(decision_date=date_value(None)), NOW, LONDON).slots
    assert (slots["decision_date"], slots["decision_assumed"]) == ("2026-11-30", True)


def test_the_form_is_read_in_the_users_time_zone() -> None:
    new_york = ZoneInfo("America/New_York")
    slots = read_debrief(form(time={"type": "timepicker", "selected_time": "06:00"}), NOW,
                         new_york).slots
    assert slots["when"] == "2026-11-23T06:00:00-05:00"


def test_the_modal_fits_slacks_limits_and_names_every_field() -> None:
    modal = debrief_modal(date(2026, 11, 23), "Acme")
    assert len(modal["blocks"]) <= 100 and len(modal["title"]["text"]) <= 24
    inputs = {b["block_id"]: b for b in modal["blocks"] if b["type"] == "input"}
    assert inputs["company"]["element"]["initial_value"] == "Acme"
    assert inputs["date"]["element"]["initial_date"] == "2026-11-23"
    assert not inputs["iv1_name"]["optional"] and inputs["iv2_name"]["optional"]
    assert inputs["decision_date"]["optional"]
    assert {f"iv{n}_{f}" for n in range(1, 5) for f in ("name", "title", "email", "notes")} \
        <= set(inputs)


# ---- messages ---------------------------------------------------------------------------------

def test_what_users_type_is_read_back_from_slacks_format() -> None:
    assert plain_text("<mailto:k@acme.example|k@acme.example>") == "k@acme.example"
    assert plain_text("see <https://acme.example/job>") == "see https://acme.example/job"
    assert plain_text("R&amp;D &lt;3") == "R&D <3"


def test_text_is_split_at_line_breaks_under_the_limit_counting_escapes() -> None:
    text = "&" * 2000 + "\n" + "b" * 10
    pieces = split_text(text, 3000)
    assert pieces == ["&" * 600, "&" * 600, "&" * 600, "&" * 200 + "\n" + "b" * 10]


def test_a_pressed_message_loses_its_buttons_and_shows_the_choice() -> None:
    [message] = render_reply(Reply("Continue?", (Button("Continue", "flow:continue"),
                                                 Button("Drop it", "cancel"))), ["t1", "t2"])
    updated = after_choice(message.blocks, "Continue")
    assert [b["type"] for b in updated] == ["section", "context"]
    assert "✓ *Continue*" in list(iter_block_texts(updated))


# ---- App Home ---------------------------------------------------------------------------------

def test_the_home_tab_lists_each_application_with_its_next_step() -> None:
    rows = [
        PipelineRow(1, "Acme", "Data Analyst", "interviewing",
                    "send thank-you letters to Katherine", date(2026, 11, 23), ("Katherine",),
                    True),
        PipelineRow(2, "Globex", "", "not selected", "not selected", None, (), False),
    ]
    view = home_view(rows, HomeButtons("ts", "tt", {1: "t1"}), date(2026, 11, 24))
    shown = "\n".join(iter_block_texts(view["blocks"]))
    assert view["type"] == "home"
    assert "*Acme* — Data Analyst" in shown and "by Mon 23 Nov (overdue)" in shown
    assert "Thank-you letters pending: Katherine" in shown
    assert "Closed: Globex (not selected)" in shown
    row = next(b for b in view["blocks"] if b.get("accessory"))
    assert row["accessory"]["value"] == "t1"


def test_an_empty_home_tab_invites_a_debrief() -> None:
    view = home_view([], HomeButtons("ts", None), date(2026, 11, 24))
    shown = "\n".join(iter_block_texts(view["blocks"]))
    assert "Nothing recorded yet" in shown and "Draft thank-yous" not in shown
