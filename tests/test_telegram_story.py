"""A job seeker on Telegram, end to end: the real Runtime and PTB Application long-polling the
fake Bot API — onboarding, a debrief with buttons across a restart, the thank-you nudge from a
scheduler tick, and the letter to copy."""

from __future__ import annotations

import os
from datetime import UTC, date, datetime

os.environ.setdefault("PTB_TIMEDELTA", "1")  # before telegram is imported

import pytest  # noqa: E402
from sqlalchemy import select  # noqa: E402

from adapters.telegram import MENU, telegram_user  # noqa: E402
from afterview.runtime import delivery_for  # noqa: E402
from bot.clock import FixedClock  # noqa: E402
from bot.letters.facts import InterviewFacts, Person, Sender  # noqa: E402
from bot.letters.thanks import thank_you  # noqa: E402
from bot.messages import Reply  # noqa: E402
from bot.nudges.scheduler import Scheduler  # noqa: E402
from storage.models import Application, Nudge  # noqa: E402
from tests.fakes.telegram_api import FakeTelegram, SentMessage  # noqa: E402
from tests.telegram_harness import (  # noqa: E402
    JANE,
    MONDAY_1130,
    Seeker,
    adapter_of,
    running,
    settings_for,
    shown,
)

pytestmark = pytest.mark.timeout(60)


def onboard(jane: Seeker) -> None:
    first = jane.says("hello")
    assert "What name should I use" in shown(first[-1])
    jane.answers("Jane Doe", "jane.doe@example.com · +44 7700 900123", "London")
    jane.presses("09:00")
    done = jane.presses("21:00–08:00")
    assert "All set, Jane!" in shown(done[-1])


def debrief_until_the_format(jane: Seeker) -> None:
    company = jane.presses("Record an interview")
    assert "Which company" in shown(company[-1])
    jane.answers("Acme", "Data Analyst", "today 11am")
    asked = jane.presses("First")
    assert "How was it held?" in shown(asked[-1])
    assert asked[-1].button_labels == ["Video", "Phone", "On-site"]


def debrief_to_the_end(jane: Seeker) -> None:
    jane.says("Katherine O'Neill")
    jane.answers("Head of Data", "k.oneill@acme.example")
    jane.presses("Skip")  # phone
    more = jane.says("her team's move from batch jobs to streaming")
    assert "Anyone else?" in shown(more[-1])
    rating = jane.presses("Done")
    assert "from 1 (badly) to 5 (great)" in shown(rating[-1])
    assert rating[-1].button_labels == ["1", "2", "3", "4", "5"]
    jane.presses("4")
    for _ in range(5):  # went well, strengths, to improve, questions, missed
        jane.presses("Skip")
    jane.says("Friday")
    jane.presses("Don't know")  # steps remaining
    jane.presses("Skip")  # news contact


def test_onboarding_and_a_debrief_with_buttons_survive_a_restart(sqlite_url: str) -> None:
    clock = FixedClock(MONDAY_1130)
    with FakeTelegram() as fake:
        settings = settings_for(fake, sqlite_url)
        with running(settings, clock) as runtime:
            assert [c["command"] for c in fake.commands()] == [word for word, _ in MENU]
            jane = Seeker(fake, runtime)
            onboard(jane)
            debrief_until_the_format(jane)

        # a new process on the same database: the debrief resumes at the format question,
        # and the button on the message sent before the restart still works
        with running(settings, clock) as runtime:
            jane = Seeker(fake, runtime)
            held = jane.presses("Video")
            assert "Who interviewed you?" in shown(held[-1])
            debrief_to_the_end(jane)
            finished = jane.last.plain_text or ""
            assert "Acme" in finished

        with runtime.db.session() as session:
            [app] = session.scalars(select(Application)).all()
            assert (app.company, app.role) == ("Acme", "Data Analyst")

    # every press was answered, every pressed keyboard closed, every callback_data tiny
    assert fake.unanswered_callbacks() == []
    assert all(len(d.encode()) <= 64 for m in fake.sent_messages() for d in m.callback_data)
    pressed = [c for c in fake.edits(JANE) if c.method == "editMessageText"]
    assert pressed and all("→ " in c.params["text"] for c in pressed)
    assert all("reply_markup" not in fake.message(JANE, c.params["message_id"]) for c in pressed)


def test_an_update_delivered_again_after_a_restart_is_processed_once(sqlite_url: str) -> None:
    clock = FixedClock(MONDAY_1130)
    with FakeTelegram() as fake:
        settings = settings_for(fake, sqlite_url)
        with running(settings, clock) as runtime:
            jane = Seeker(fake, runtime)
            onboard(jane)
            company = jane.presses("Record an interview")
            assert "Which company" in shown(company[-1])
            acme = fake.make_update(JANE, "Acme")
            asked = jane.replays(acme)
            assert shown(asked[-1]) == "What's the role?"

        with running(settings, clock) as runtime:
            jane = Seeker(fake, runtime)
            assert jane.replays(acme) == []  # the same update_id: nothing happens
            role = jane.says("Data Analyst")
            assert "When was the interview?" in shown(role[-1])


def thanks_draft() -> Reply:
    katherine = Person("Katherine O'Neill", "Head of Data", "k.oneill@acme.example",
                       notes="her team's move from batch jobs to streaming")
    interview = InterviewFacts("Acme", "Data Analyst", date(2026, 11, 23), "first", "video",
                               (katherine,), strengths="ten years of analytics & SQL <joins>")
    draft = thank_you(Sender("Jane Doe", "jane.doe@example.com · +44 7700 900123"),
                      interview, katherine)
    return Reply("Here's your letter to Katherine O'Neill:", draft=draft)


def test_the_thank_you_nudge_comes_from_a_scheduler_tick_and_letters_copy_in_one_tap(
        sqlite_url: str) -> None:
    clock = FixedClock(MONDAY_1130)
    with FakeTelegram() as fake, running(settings_for(fake, sqlite_url), clock) as runtime:
        jane = Seeker(fake, runtime)
        onboard(jane)
        debrief_until_the_format(jane)
        jane.presses("Video")
        debrief_to_the_end(jane)

        # the worker's tick at 18:00 delivers through the Telegram adapter, from its own thread
        clock.set(datetime(2026, 11, 23, 18, 0, tzinfo=UTC))
        scheduler = Scheduler(runtime.db, delivery_for(runtime.adapters), clock)
        before = len(fake.sent_messages(JANE))
        report = scheduler.tick()
        assert report.sent >= 1
        nudge: SentMessage = fake.sent_messages(JANE)[before]
        assert "Send your thank-yous today" in (nudge.plain_text or "")
        assert "Katherine O'Neill" in (nudge.plain_text or "")
        assert "Done — all sent" in nudge.button_labels
        with runtime.db.session() as session:
            sent = [n.kind for n in session.scalars(select(Nudge).where(Nudge.state == "sent"))]
        assert sent == ["thank_you"]
        assert scheduler.tick().sent == 0  # delivered once

        # "Draft letters" runs /thanks: the letter arrives in a block that copies in one tap
        drafted = jane.presses("Draft letters")
        letters = [m for m in drafted if "<pre>" in (m.text or "")]
        assert letters, [shown(m) for m in drafted]
        block = (letters[0].text or "").split("<pre>", 1)[1].split("</pre>", 1)[0]
        assert block.startswith("Dear Katherine,")

        closed = fake.message(JANE, nudge.message_id)
        assert closed["text"].endswith("→ Draft letters") and "reply_markup" not in closed

        # a draft pushed through deliver(): HTML escaped inside the block, the address copyable
        adapter_of(runtime).deliver(telegram_user(JANE), [thanks_draft()])
        letter = fake.sent_messages(JANE)[-1]
        text = letter.text or ""
        assert letter.parse_mode == "HTML"
        assert text.startswith("Here's your letter to Katherine O'Neill:")
        assert "<b>To:</b> <code>k.oneill@acme.example</code>" in text  # one tap copies it
        assert "mailto:" not in text  # not a Telegram link type; PUBLIC_URL gives an https one
        body = text.split("<pre>", 1)[1].split("</pre>", 1)[0]
        assert body.startswith("Dear Katherine,") or "Katherine" in body.split("\n")[0]
        # escaped HTML; the markup-looking "<joins>" is shaped away from the letter
        assert "&amp;" in body and "SQL joins" in body and "&lt;" not in body
        assert "& SQL joins" in (letter.plain_text or "")
