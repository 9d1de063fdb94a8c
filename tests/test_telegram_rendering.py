"""How replies look on Telegram (pure functions, no network): long texts split where a reader
would, keyboards that fit a phone, drafts that copy in one tap, commands read as Telegram
writes them."""

from __future__ import annotations

import asyncio
import os
import time
from dataclasses import replace

os.environ.setdefault("PTB_TIMEDELTA", "1")  # before telegram is imported

import pytest  # noqa: E402
from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from telegram.error import RetryAfter  # noqa: E402

from adapters.telegram import parse_command  # noqa: E402
from adapters.telegram_flood import FloodLimiter  # noqa: E402
from adapters.telegram_render import (  # noqa: E402
    MAX_TEXT,
    keyboard_rows,
    render,
    render_draft,
    split_text,
    utf16_len,
    visible_text,
)
from bot.letters.links import mailto  # noqa: E402
from bot.messages import Button, Draft, Reply  # noqa: E402
from tests.fakes.telegram_api import _parse_html  # noqa: E402

TOKENS = [f"tok{n:09d}" for n in range(40)]


def test_a_long_text_is_split_at_paragraphs_first() -> None:
    paragraphs = [f"Paragraph {n}. " + "word " * 300 for n in range(10)]  # ~1500 chars each
    pieces = split_text("\n\n".join(p.strip() for p in paragraphs))
    assert len(pieces) == 5  # two paragraphs a message: three would not fit
    assert all(utf16_len(p) <= MAX_TEXT for p in pieces)
    assert all(p.startswith("Paragraph") for p in pieces)  # no paragraph was cut
    assert "\n\n".join(pieces) == "\n\n".join(p.strip() for p in paragraphs)


def test_a_huge_paragraph_is_split_at_lines_then_words_then_anywhere() -> None:
    lines = "\n".join(f"line {n} " + "x" * 90 for n in range(100))
    assert all(p.startswith("line ") for p in split_text(lines))
    words = " ".join(["word"] * 3000)
    assert all(p.startswith("word") and p.endswith("word") for p in split_text(words))
    blob = "y" * 10_000
    assert [len(p) for p in split_text(blob)] == [4096, 4096, 1808]


def test_emoji_count_twice_as_telegram_counts_them_and_are_never_cut() -> None:
    text = "🎉" * 3000  # 6000 UTF-16 units
    pieces = split_text(text)
    assert [utf16_len(p) for p in pieces] == [4096, 1904]
    assert "".join(pieces) == text


@given(st.text(alphabet=st.sampled_from(["a", "é", "🎉", " ", "\n", "<", "&"]), max_size=9000))
def test_splitting_keeps_every_piece_under_the_limit(text: str) -> None:
    pieces = split_text(text, limit=500)
    assert all(0 < utf16_len(p) <= 500 and p.strip() for p in pieces)
    assert "".join(pieces).replace("\n", "").replace(" ", "") == \
        text.replace("\n", "").replace(" ", "")


def test_short_labels_share_a_row_and_long_ones_get_their_own() -> None:
    ratings = [Button(str(n), str(n)) for n in range(1, 6)]
    assert [len(r) for r in keyboard_rows(ratings)] == [5]
    quiet = [Button("21:00–08:00", "21-8"), Button("22:00–07:00", "22-7"),
             Button("No quiet hours", "none"), Button("Skip", "skip")]
    assert [[b.label for b in r] for r in keyboard_rows(quiet)] == [
        ["21:00–08:00", "22:00–07:00"], ["No quiet hours", "Skip"]]
    long = [Button("Stop for this application", "a"), Button("Snooze all till tomorrow", "b")]
    assert [len(r) for r in keyboard_rows(long)] == [1, 1]


def test_buttons_carry_tokens_never_values() -> None:
    reply = Reply("Which round?", (Button("First", "first"), Button("Final", "n:12:stop")))
    [message] = render([reply], TOKENS[:2])
    assert message.keyboard == ((("First", TOKENS[0]), ("Final", TOKENS[1])),)
    with pytest.raises(ValueError, match="callback data"):
        render([reply], ["x" * 65, "y"])


def test_plain_replies_of_one_turn_become_one_message_with_the_last_keyboard() -> None:
    replies = [Reply("Got it."), Reply("Next: <the role>?", (Button("Skip", "skip"),))]
    [message] = render(replies, TOKENS[:1])
    assert message.html == "Got it.\n\nNext: &lt;the role&gt;?"
    assert visible_text(message.html) == "Got it.\n\nNext: <the role>?"
    assert message.keyboard == ((("Skip", TOKENS[0]),),)


def test_a_reply_with_buttons_is_not_merged_into_the_next() -> None:
    replies = [Reply("Pick one", (Button("A", "a"),)), Reply("Also this")]
    assert [m.html for m in render(replies, TOKENS[:1])] == ["Pick one", "Also this"]


def letter(body: str = "Dear Katherine O'Neill,\n\nThank you & <all>.\n\nJane Doe\n") -> Draft:
    return Draft("Thank you — Data Analyst interview", body, "k.oneill@acme.example",
                 mailto("k.oneill@acme.example", "Thank you — Data Analyst interview", body),
                 ("Check the spelling of “Katherine”",))


def test_a_draft_shows_to_and_subject_copyable_and_the_body_in_a_pre_block() -> None:
    [message] = render([Reply("Here's your letter:", draft=letter())], [])
    html = message.html
    assert html.startswith(
        "Here's your letter:\n\n✉️ <b>To:</b> <code>k.oneill@acme.example</code>\n")
    assert "<b>Subject:</b> <code>Thank you — Data Analyst interview</code>" in html
    # Telegram does not document mailto: as a link type: without PUBLIC_URL, no link at all
    assert "href=" not in html and "mail app" not in html
    assert "⚠️ Check the spelling of “Katherine”" in html
    assert html.endswith(
        "<pre>Dear Katherine O'Neill,\n\nThank you &amp; &lt;all&gt;.\n\nJane Doe</pre>")
    # what Telegram would show: it parses, and the letter reads as typed
    assert "Thank you & <all>." in _parse_html(html)


def test_a_letter_too_long_for_one_message_is_split_into_pre_blocks() -> None:
    body = "\n\n".join(f"Paragraph {n}: " + "text " * 250 for n in range(8))
    parts = render_draft(letter(body))
    assert len(parts) >= 4
    assert all(p.visible <= MAX_TEXT for p in parts)
    blocks = [p.html for p in parts if p.html.startswith("<pre>")]
    assert len(blocks) >= 3 and all(b.endswith("</pre>") for b in blocks)
    assert all(_parse_html(p.html) is not None for p in parts)


def test_a_letter_with_an_https_mail_link_offers_it_whatever_the_letters_length() -> None:
    body = "x" * 6000
    link = "https://afterview.example/mail/abcdefghijklmnopqrstuvwxyz012345"
    [header, *_] = render_draft(replace(letter(body), link=link))
    assert f'<a href="{link}">Open it in your mail app</a>' in header.html
    assert "mailto:" not in header.html


@pytest.mark.parametrize(("text", "expected"), [
    ("/start", ("start", "")),
    ("/Debrief@afterview_test_bot Acme", ("debrief", "Acme")),
    ("/new  Acme Corp ", ("new", "Acme Corp")),
    ("/thanks\nKatherine", ("thanks", "Katherine")),
    ("/", None),
    ("/ 3", None),
    ("3/4 went well", None),
    ("hello", None),
])
def test_commands_are_read_as_telegram_writes_them(text: str,
                                                   expected: tuple[str, str] | None) -> None:
    assert parse_command(text) == expected


def test_the_limiter_spaces_sends_in_one_chat_and_retries_a_short_429() -> None:
    limiter = FloodLimiter(per_second=30, per_chat_interval=0.2)
    calls: list[float] = []

    async def send() -> bool:
        calls.append(time.monotonic())
        if len(calls) == 2:
            raise RetryAfter(1)
        return True

    async def three() -> None:
        for _ in range(2):
            await limiter.process_request(send, (), {}, "sendMessage", {"chat_id": 42}, None)

    asyncio.run(three())
    first, refused, retried = calls
    assert refused - first >= 0.2  # one chat: spaced
    assert retried - refused >= 1.0  # the 429: waited out
    assert limiter.retries == 1


def test_a_long_429_is_handed_back_to_the_caller() -> None:
    limiter = FloodLimiter(max_wait=30)

    async def send() -> bool:
        raise RetryAfter(120)

    with pytest.raises(RetryAfter):
        asyncio.run(limiter.process_request(send, (), {}, "sendMessage", {"chat_id": 1}, None))


def test_a_message_of_4096_characters_is_taken_and_4097_refused(tmp_path) -> None:  # type: ignore[no-untyped-def]  # noqa: E501
    """Telegram takes up to 4,096 characters; so does the core (issue 12: 4,001–4,096 were
    refused)."""
    from datetime import UTC, datetime

    from bot.clock import FixedClock
    from bot.conversation.engine import Engine
    from bot.messages import Incoming, UserKey
    from storage.db import Database

    db = Database(f"sqlite:///{tmp_path / 'a.db'}")
    engine = Engine(db, FixedClock(datetime(2026, 11, 23, 11, 0, tzinfo=UTC)))
    jane = UserKey("telegram", "", "4242")
    engine.handle(Incoming.message(jane, "hello"))
    engine.handle(Incoming.message(jane, "Jane Doe"))
    signature = "Jane Doe — " + "analytics " * 408  # 4,091 characters: a long signature line
    taken = engine.handle(Incoming.message(jane, signature[:4096]))
    assert "too long for me" not in taken[0].text
    refused = engine.handle(Incoming.message(jane, "x" * 4097))
    assert "too long for me (4097 characters)" in refused[0].text
    assert "under 4096" in refused[0].text
    db.dispose()
