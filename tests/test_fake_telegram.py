"""The fake Telegram Bot API speaks python-telegram-bot's language: the real client, pointed at
it, sends, edits, long-polls, meets Telegram's refusals and its flood limits."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import (
    BadRequest,
    Conflict,
    EndPointNotFound,
    Forbidden,
    NetworkError,
    RetryAfter,
    TimedOut,
)
from telegram.ext import (
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)
from telegram.request import HTTPXRequest

from tests.fakes.telegram_api import DEFAULT_TOKEN, FakeTelegram

JANE = 4242


@pytest.fixture
def fake() -> Iterator[FakeTelegram]:
    with FakeTelegram() as server:
        yield server


def bot_for(fake: FakeTelegram, **request_kwargs: float) -> Bot:
    request = HTTPXRequest(**request_kwargs) if request_kwargs else None
    return Bot(
        DEFAULT_TOKEN, base_url=fake.base_url, base_file_url=fake.base_file_url, request=request
    )


def yes_no() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton("Yes", callback_data="ans:yes"),
          InlineKeyboardButton("No", callback_data="ans:no")]]
    )  # fmt: skip


@pytest.mark.timeout(30)
def test_the_real_bot_sends_and_edits_and_the_fake_records_it(fake: FakeTelegram) -> None:
    async def talk() -> None:
        async with bot_for(fake) as bot:
            me = await bot.get_me()
            assert me.username == "afterview_test_bot" and me.is_bot
            sent = await bot.send_message(
                JANE, "<b>How did it go?</b>", parse_mode="HTML", reply_markup=yes_no()
            )
            assert sent.message_id == 1 and sent.text == "How did it go?"
            assert sent.reply_markup == yes_no()
            edited = await bot.edit_message_text("Noted.", chat_id=JANE, message_id=1)
            assert edited.text == "Noted." and edited.reply_markup is None
            with pytest.raises(BadRequest, match="(?i)message to edit not found"):
                await bot.edit_message_text("Nope", chat_id=JANE, message_id=99)

    asyncio.run(talk())

    [message] = fake.sent_messages(JANE)
    assert message.text == "<b>How did it go?</b>" and message.plain_text == "How did it go?"
    assert message.parse_mode == "HTML"
    assert message.params["chat_id"] == JANE
    assert message.button_labels == ["Yes", "No"]
    assert message.callback_data == ["ans:yes", "ans:no"]
    assert [c.params["text"] for c in fake.edits(JANE)] == ["Noted."]
    assert fake.transcript(JANE) == ["bot: Noted."]
    assert [c.method for c in fake.calls()] == [
        "getMe", "getMe", "sendMessage", "editMessageText", "editMessageText",
    ]  # fmt: skip
    assert [c.status for c in fake.failed_calls] == [400]


@pytest.mark.timeout(30)
def test_an_application_long_polls_a_message_and_a_button_press(fake: FakeTelegram) -> None:
    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        await update.effective_message.reply_text("Did you get the job?", reply_markup=yes_no())

    async def pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query is not None
        await query.answer("Saved")
        await query.edit_message_text(f"You said {query.data}")

    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        await update.effective_message.reply_text(f"echo: {update.effective_message.text}")

    async def run() -> None:
        app = (
            ApplicationBuilder()
            .token(DEFAULT_TOKEN)
            .base_url(fake.base_url)
            .base_file_url(fake.base_file_url)
            .build()
        )
        app.add_handler(CommandHandler("start", start))
        app.add_handler(CallbackQueryHandler(pressed))
        app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, echo))
        await app.initialize()
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0, timeout=1)
        await app.start()
        try:
            fake.user_sends_command(JANE, "/start")
            [question] = await fake.wait_for_messages_async(JANE, 1)
            assert question.button_labels == ["Yes", "No"]

            fake.user_presses_button(JANE, "Yes")
            await fake.wait_for_call_async("answerCallbackQuery")
            await fake.wait_for_call_async("editMessageText")

            fake.user_sends_text(JANE, "thanks")
            await fake.wait_for_messages_async(JANE, 2)
        finally:
            await app.updater.stop()
            await app.stop()
            await app.shutdown()

    asyncio.run(run())

    assert fake.transcript(JANE) == ["Jane: /start", "bot: You said ans:yes", "Jane: thanks",
                                     "bot: echo: thanks"]  # fmt: skip
    assert list(fake.callback_answers().values())[0]["text"] == "Saved"
    assert fake.unanswered_callbacks() == []
    assert fake.pending_updates == []  # the updater confirmed everything on its way out
    assert fake.unknown_calls == [] and fake.failed_calls == []


@pytest.mark.timeout(30)
def test_fifty_quick_sends_meet_the_flood_limit() -> None:
    with FakeTelegram(rate_limit_per_second=30) as fake:

        async def burst() -> list[object]:
            async with bot_for(fake) as bot:
                return await asyncio.gather(
                    *(bot.send_message(1000 + i, f"nudge {i}") for i in range(50)),
                    return_exceptions=True,
                )

        results = asyncio.run(burst())

        refused = [r for r in results if isinstance(r, RetryAfter)]
        assert refused, "50 sends at once must exceed 30 per second"
        assert len(refused) + len(fake.sent_messages()) == 50
        assert fake.too_many_requests == len(refused) == len(fake.rate_limit_hits)
        assert {h.retry_after for h in fake.rate_limit_hits} == {1}
        assert {h.scope for h in fake.rate_limit_hits} == {"global"}
        [first] = fake.failed_calls[:1]
        assert first.status == 429 and first.description == "Too Many Requests: retry after 1"
        times = sorted(m.at for m in fake.sent_messages())
        assert all(b - a >= 1.0 for a, b in zip(times, times[30:], strict=False))


@pytest.mark.timeout(30)
def test_the_per_chat_limit_only_holds_back_that_chat() -> None:
    with FakeTelegram(per_chat_per_second=1) as fake:

        async def two_to_jane_one_to_sam() -> None:
            async with bot_for(fake) as bot:
                await bot.send_message(JANE, "one")
                with pytest.raises(RetryAfter):
                    await bot.send_message(JANE, "two")
                await bot.send_message(7, "hi Sam")

        asyncio.run(two_to_jane_one_to_sam())
        assert [m.text for m in fake.sent_messages()] == ["one", "hi Sam"]
        assert [(h.chat_id, h.scope) for h in fake.rate_limit_hits] == [(JANE, "chat")]
        assert fake.retry_after_violations() == []


@pytest.mark.timeout(30)
def test_a_long_poll_waits_and_returns_as_soon_as_an_update_arrives(fake: FakeTelegram) -> None:
    async def poll() -> None:
        async with bot_for(fake) as bot:
            began = time.monotonic()
            assert await bot.get_updates(timeout=1) == ()
            assert time.monotonic() - began >= 0.9

            threading.Timer(0.3, fake.user_sends_text, args=(JANE, "hello")).start()
            began = time.monotonic()
            [update] = await bot.get_updates(timeout=5)
            assert 0.2 < time.monotonic() - began < 2.0
            assert update.message is not None and update.message.text == "hello"

            again = await bot.get_updates(timeout=0)  # not confirmed: delivered again
            assert [u.update_id for u in again] == [update.update_id]
            assert await bot.get_updates(offset=update.update_id + 1, timeout=0) == ()
            assert fake.pending_updates == []

    asyncio.run(poll())


@pytest.mark.timeout(30)
def test_a_method_the_fake_does_not_know_is_refused_and_recorded(fake: FakeTelegram) -> None:
    async def call_it() -> None:
        async with bot_for(fake) as bot:
            with pytest.raises(EndPointNotFound):
                await bot.do_api_request("sendTeleportation", api_kwargs={"chat_id": JANE})

    asyncio.run(call_it())
    [call] = fake.unknown_calls
    assert call.method == "sendTeleportation" and call.params == {"chat_id": JANE}
    assert call.status == 404 and call.description == "Not Found: method sendTeleportation"


@pytest.mark.timeout(30)
def test_telegrams_refusals_reach_the_bot_and_nothing_is_delivered(fake: FakeTelegram) -> None:
    fake.blocked_chats.add(666)

    async def misbehave() -> None:
        async with bot_for(fake) as bot:
            with pytest.raises(Forbidden, match="blocked by the user"):
                await bot.send_message(666, "come back")
            with pytest.raises(BadRequest, match="(?i)message is too long"):
                await bot.send_message(JANE, "x" * 4097)
            with pytest.raises(BadRequest, match="(?i)can't parse entities"):
                await bot.send_message(JANE, "<b>bold", parse_mode="HTML")
            with pytest.raises(BadRequest, match="(?i)reserved"):
                await bot.send_message(JANE, "Thanks.", parse_mode="MarkdownV2")
            too_long = InlineKeyboardMarkup([[InlineKeyboardButton("x", callback_data="d" * 65)]])
            with pytest.raises(BadRequest, match="(?i)button_data_invalid"):
                await bot.send_message(JANE, "pick", reply_markup=too_long)
            await bot.send_message(JANE, "Same", reply_markup=yes_no())
            with pytest.raises(BadRequest, match="(?i)not modified"):
                await bot.edit_message_text("Same", JANE, 1, reply_markup=yes_no())

    asyncio.run(misbehave())
    assert [m.text for m in fake.sent_messages()] == ["Same"]
    assert [c.status for c in fake.failed_calls] == [403, 400, 400, 400, 400, 400]


@pytest.mark.timeout(30)
def test_injected_faults_fail_the_call_without_delivering() -> None:
    with FakeTelegram(hang_seconds=1.0) as fake:
        fake.fail_next("sendMessage", 500)
        fake.fail_next("sendMessage", "timeout")
        fake.fail_next("sendMessage", 429, retry_after=3)

        async def send_four_times() -> None:
            async with bot_for(fake, read_timeout=0.3) as bot:
                with pytest.raises(NetworkError, match="Internal Server Error"):
                    await bot.send_message(JANE, "a")
                with pytest.raises(TimedOut):
                    await bot.send_message(JANE, "b")
                with pytest.raises(RetryAfter):
                    await bot.send_message(JANE, "c")
                await bot.send_message(JANE, "d")

        asyncio.run(send_four_times())
        assert [m.text for m in fake.sent_messages()] == ["d"]
        fake.wait_for(lambda: len(fake.failed_calls) == 3, what="the hung call to be recorded")
        assert sorted(c.status for c in fake.failed_calls) == [429, 500, 504]
        assert [(h.retry_after, h.scope) for h in fake.rate_limit_hits] == [(3, "injected")]


@pytest.mark.timeout(30)
def test_webhook_mode_blocks_polling_and_delivers_with_the_secret(fake: FakeTelegram) -> None:
    received: list[tuple[str | None, dict[str, object]]] = []

    class Receiver(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - the http.server name
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            received.append((self.headers.get("X-Telegram-Bot-Api-Secret-Token"), body))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/telegram"
    try:

        async def register() -> None:
            async with bot_for(fake) as bot:
                await bot.set_webhook(url, secret_token="s3cret-token_1")
                with pytest.raises(Conflict):
                    await bot.get_updates(timeout=0)

        asyncio.run(register())
        assert fake.webhook["secret_token"] == "s3cret-token_1"

        update_id = fake.user_sends_text(JANE, "hi")
        assert fake.deliver_webhook() == 200
        assert fake.deliver_webhook(fake.make_update(JANE, "x"), secret_token=None) == 200
    finally:
        server.shutdown()
        server.server_close()

    assert received[0][0] == "s3cret-token_1" and received[0][1]["update_id"] == update_id
    assert received[1][0] is None
    assert fake.pending_updates == []
