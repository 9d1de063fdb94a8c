"""Through Telegram: debrief turns per second through the real python-telegram-bot stack (the
product's `Runtime` with its `TelegramAdapter`, long polling) against the fake Bot API, and an
echo bot on the same stack and a same fake server, measured in the same run, rounds alternating.

    python -m bench.telegram_rate                    # SQLite file and PostgreSQL
    python -m bench.telegram_rate --db sqlite --chats 50 --messages 40
    python -m bench.telegram_rate --quick

Target: the product answers at least 0.8× as many messages a second as the echo bot.

Both bots are PTB `Application`s with the same base_url, 64 concurrent updates, long polling
(timeout 10 s, poll_interval 0) and the same rate limiter: the product's `FloodLimiter` with its
limits lifted (10,000/s per bot, no spacing per chat) — with Telegram's real 30/s both would
read 30/s and the ratio would be 1 by construction (the platform limit is
`bench.delivery_rate`'s subject). Each bot has its own `FakeTelegram` (one poller per bot, as
on Telegram), without limits, in this process, as the tests run it.

Many chats (default 50), each sending `--messages` texts, all queued at once (each user's in
order): the echo bot answers each with its text (HTML, as the product sends); the product runs
each through `Engine.handle` — a user at the “What went well?” step of a debrief answering
with a sentence, then “back” to be asked again, as `bench.turn_cost` measures. The rate is the
turns answered over the time from the first update queued to the last answer received by the
fake.

A third bot, for information (no target): the echo bot with the product's keyboard habit — each
answer carries a button and the previous answer's button is taken off (`editMessageReplyMarkup`),
the two Bot API calls the product makes for a question answered by typing (issue 12: old
keyboards come off when their question ends). The product ÷ that bot is the product's own cost
beside the same platform calls.
"""

from __future__ import annotations

import argparse
import gc
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from html import escape
from typing import Any

os.environ.setdefault("PTB_TIMEDELTA", "1")  # PTB 22: timedeltas, not deprecated ints

from telegram import (  # noqa: E402
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    LinkPreviewOptions,
    Update,
)
from telegram.constants import ParseMode  # noqa: E402
from telegram.ext import ApplicationBuilder, ContextTypes, MessageHandler, filters  # noqa: E402

from adapters.telegram import ALLOWED_UPDATES, POLL_TIMEOUT  # noqa: E402
from adapters.telegram_flood import FloodLimiter  # noqa: E402
from adapters.telegram_render import render  # noqa: E402
from afterview.runtime import Runtime  # noqa: E402
from bench.common import Row, database, label, median, usable_databases  # noqa: E402
from bench.common import table as render_table  # noqa: E402
from bench.turn_cost import MONDAY_1130, WENT_WELL, _debrief_until_went_well  # noqa: E402
from bot.clock import FixedClock  # noqa: E402
from bot.conversation.engine import OOPS, TRY_AGAIN  # noqa: E402
from tests.fakes.telegram_api import DEFAULT_TOKEN, FakeTelegram  # noqa: E402
from tests.story import ONBOARDING_ANSWERS, Seeker  # noqa: E402
from tests.telegram_harness import adapter_of, on_a_loop, settings_for  # noqa: E402

TARGET = 0.8
LIFTED = 10_000  # sends a second: the limiter runs, never waits
CONCURRENT = 64  # as the product's Application
FIRST_CHAT = 700_000_001


def lifted_limiter(limiter: FloodLimiter | None = None) -> FloodLimiter:
    """The product's limiter with its limits lifted (the same object re-initialised when one is
    given: the adapter's own, already built into its Application)."""
    if limiter is None:
        return FloodLimiter(per_second=LIFTED, per_chat_interval=0.0)
    FloodLimiter.__init__(limiter, per_second=LIFTED, per_chat_interval=0.0)
    return limiter


# ---- the two bots ---------------------------------------------------------------------------

class EchoBot:
    """A PTB Application like the product's, whose one handler answers with the text; with
    `keyboards`, under a button, the button of its previous answer in that chat taken off."""

    def __init__(self, fake: FakeTelegram, *, keyboards: bool = False) -> None:
        self.keyboards = keyboards
        self._last: dict[int, int] = {}  # chat -> the answer whose button is still on
        self.application = (
            ApplicationBuilder().token(DEFAULT_TOKEN)
            .base_url(fake.base_url).base_file_url(fake.base_file_url)
            .rate_limiter(lifted_limiter())
            .concurrent_updates(CONCURRENT)
            .job_queue(None)
            .build())
        self.application.add_handler(MessageHandler(filters.TEXT, self._echo))

    async def _echo(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.message
        assert message is not None and message.text is not None
        markup = (InlineKeyboardMarkup([[InlineKeyboardButton("Skip", callback_data="skip")]])
                  if self.keyboards else None)
        sent = await context.bot.send_message(
            message.chat.id, escape(message.text, quote=False), parse_mode=ParseMode.HTML,
            reply_markup=markup, link_preview_options=LinkPreviewOptions(is_disabled=True))
        if self.keyboards:
            previous = self._last.get(message.chat.id)
            self._last[message.chat.id] = sent.message_id
            if previous is not None:
                await context.bot.edit_message_reply_markup(message.chat.id, previous,
                                                            reply_markup=None)

    async def start(self) -> None:
        app = self.application
        await app.initialize()
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0, timeout=POLL_TIMEOUT,
                                        allowed_updates=list(ALLOWED_UPDATES))

    async def stop(self) -> None:
        app = self.application
        if app.updater is not None and app.updater.running:
            await app.updater.stop()
        await app.stop()
        await app.shutdown()


@contextmanager
def echo_bot(fake: FakeTelegram, *, keyboards: bool = False) -> Iterator[EchoBot]:
    bot = EchoBot(fake, keyboards=keyboards)
    with on_a_loop(bot.start, bot.stop):
        yield bot


@contextmanager
def product_bot(fake: FakeTelegram, url: str) -> Iterator[Runtime]:
    """The Runtime as `afterview worker` starts it (long polling, the scheduler on), on a loop
    in a thread, its limiter lifted like the echo bot's."""
    runtime = Runtime(settings_for(fake, url), web=False, worker=True,
                      clock=FixedClock(MONDAY_1130), tick_seconds=3600)
    lifted_limiter(adapter_of(runtime).limiter)
    with on_a_loop(runtime.start, runtime.stop, stop_timeout=60):
        yield runtime


# ---- rounds ---------------------------------------------------------------------------------

@dataclass
class Round:
    turns: int
    messages: int
    seconds: float
    cpu: float = 0.0  # CPU seconds of this whole process (bot, fake, driver) over the round
    turn_cpu: float = 0.0  # of which in the product's `_turn` (Engine.handle, buttons, render)

    @property
    def rate(self) -> float:
        return self.turns / self.seconds


def play(fake: FakeTelegram, script: list[tuple[int, str]], expected: int,
         check: Callable[[list[Any]], None] | None = None, timeout: float = 300,
         turn_clock: TurnClock | None = None) -> Round:
    """Queue every update of `script` at once, wait for `expected` answers at the fake; the
    time runs from the first update queued to the last answer's arrival."""
    before = len(fake.sent_messages())
    turn_cpu = turn_clock.seconds if turn_clock is not None else 0.0
    cpu = time.process_time()
    started = time.monotonic()
    for chat, text in script:
        fake.user_sends_text(chat, text, first_name="Jane")
    deadline = started + timeout
    while len(fake.sent_messages()) < before + expected:
        if time.monotonic() > deadline:
            raise RuntimeError(f"only {len(fake.sent_messages()) - before} of {expected} answers "
                               f"within {timeout:.0f} s\n{fake.dump(10)}")
        time.sleep(0.05)
    time.sleep(0.2)  # nothing more should come
    sent = fake.sent_messages()[before:]
    if len(sent) != expected:
        raise RuntimeError(f"{len(sent)} answers, expected {expected}")
    cpu = time.process_time() - cpu
    if check is not None:
        check(sent)
    if turn_clock is not None:
        turn_cpu = turn_clock.seconds - turn_cpu
    return Round(len(script), len(sent), max(m.at for m in sent) - started, cpu, turn_cpu)


class TurnClock:
    """Wraps the adapter's `_turn` (run in a worker thread: `Engine.handle`, the buttons'
    tokens, rendering) and adds up that thread's CPU time in it."""

    def __init__(self, runtime: Runtime) -> None:
        adapter = adapter_of(runtime)
        self.seconds = 0.0
        turn = adapter._turn

        def timed(incoming: Any) -> Any:
            started = time.thread_time()
            try:
                return turn(incoming)
            finally:
                self.seconds += time.thread_time() - started

        adapter._turn = timed  # type: ignore[method-assign]


def _script(chats: list[int], texts: list[str]) -> list[tuple[int, str]]:
    """Every chat's texts in order, the chats interleaved (all users active at once)."""
    return [(chat, text) for text in texts for chat in chats]


def _prepare_users(runtime: Runtime, chats: list[int]) -> int:
    """Each user onboarded and at “What went well?”, through the engine (quicker than through
    Telegram); returns how many Telegram messages a went-well + back pair answers with."""
    per_pair = 0
    for chat in chats:
        seeker = Seeker(runtime.engine, str(chat), platform="telegram", workspace="private",
                        display_name="Jane")
        seeker.says("hello")
        seeker.answers(*ONBOARDING_ANSWERS)
        if not seeker.last.startswith("All set"):
            raise RuntimeError(f"onboarding did not finish: {seeker.last[:80]}")
        _debrief_until_went_well(seeker)  # type: ignore[arg-type]
        pair = 0
        for text in (WENT_WELL, "back"):
            replies = seeker.says(text)
            pair += len(render(replies, ["t"] * sum(len(r.buttons) for r in replies)))
        if seeker.last != "What went well?":
            raise RuntimeError(f"expected “What went well?”, got {seeker.last[:80]!r}")
        if per_pair and pair != per_pair:
            raise RuntimeError("users' turns answer with different numbers of messages")
        per_pair = pair
    return per_pair


def _check_turns(chats: list[int]) -> Callable[[list[Any]], None]:
    def check(sent: list[Any]) -> None:
        failed = [m for m in sent if (m.plain_text or "").startswith((OOPS[:30], TRY_AGAIN[:30]))]
        if failed:
            raise RuntimeError(f"{len(failed)} turns failed: {failed[0].plain_text[:80]!r}")
        last = {m.chat_id: m.plain_text for m in sent}
        wrong = [chat for chat in chats if last.get(chat) != "What went well?"]
        if wrong:
            raise RuntimeError(f"{len(wrong)} chats did not end at “What went well?”: "
                               f"{last.get(wrong[0])!r}")
    return check


@dataclass
class RateResult:
    db: str
    echo: list[Round]
    bot: list[Round]
    keyed: list[Round]  # the echo bot with the product's keyboard habit (information)
    messages_per_turn: float
    chats: int
    per_chat: int


def run(kind: str, chats: int = 50, per_chat: int = 40, rounds: int = 2) -> RateResult:
    """Alternate `rounds` echo rounds and product rounds on one database kind."""
    ids = list(range(FIRST_CHAT, FIRST_CHAT + chats))
    echo_texts = [f"{WENT_WELL} ({n})" for n in range(per_chat)]
    bot_texts = [WENT_WELL if n % 2 == 0 else "back" for n in range(per_chat + per_chat % 2)]
    with database(kind) as url, FakeTelegram() as echo_fake, FakeTelegram() as bot_fake, \
            FakeTelegram() as keyed_fake:
        name = label(url)
        with echo_bot(echo_fake), echo_bot(keyed_fake, keyboards=True), \
                product_bot(bot_fake, url) as runtime:
            per_pair = _prepare_users(runtime, ids)
            # warm-up: a round of each, untimed (connections, caches, the first-call costs)
            play(echo_fake, _script(ids, echo_texts[:2]), 2 * chats)
            play(keyed_fake, _script(ids, echo_texts[:2]), 2 * chats)
            play(bot_fake, _script(ids, [WENT_WELL, "back"]), per_pair * chats,
                 _check_turns(ids))
            echo: list[Round] = []
            bot: list[Round] = []
            keyed: list[Round] = []
            clock = TurnClock(runtime)
            # what earlier benchmarks of `python -m bench` left in this process must not
            # weigh on the collector during the rounds (it would slow both bots alike)
            gc.collect()
            gc.freeze()
            for _ in range(rounds):
                echo.append(play(echo_fake, _script(ids, echo_texts), len(echo_texts) * chats))
                bot.append(play(bot_fake, _script(ids, bot_texts),
                                per_pair * len(bot_texts) // 2 * chats, _check_turns(ids),
                                turn_clock=clock))
                keyed.append(play(keyed_fake, _script(ids, echo_texts),
                                  len(echo_texts) * chats))
            gc.unfreeze()
        return RateResult(name, echo, bot, keyed, per_pair / 2, chats, len(bot_texts))


def rows_for(result: RateResult) -> list[Row]:
    echo_rate = median([r.rate for r in result.echo])
    bot_rate = median([r.rate for r in result.bot])
    keyed_rate = median([r.rate for r in result.keyed])

    def msgs(rounds: list[Round]) -> float:
        return median([r.messages / r.seconds for r in rounds])

    shape = f"{result.chats} chats × {result.per_chat}"
    return [
        Row(f"{result.db}: echo bot (PTB, same fake)", echo_rate, msgs(result.echo), None, None,
            note=f"{shape} texts; rounds: "
                 + ", ".join(f"{r.rate:.0f}/s" for r in result.echo)),
        Row(f"{result.db}: Afterview Runtime + TelegramAdapter", bot_rate, msgs(result.bot),
            bot_rate / echo_rate, TARGET, at_least=True,
            note=f"{shape} debrief turns; rounds: "
                 + ", ".join(f"{r.rate:.0f}/s" for r in result.bot)),
        Row(f"{result.db}: echo bot + keyboards (send, take the last off)", keyed_rate,
            msgs(result.keyed), bot_rate / keyed_rate, None,
            note="information: ÷ is Afterview ÷ this bot (the same 2 Bot API calls a turn); "
                 "rounds: " + ", ".join(f"{r.rate:.0f}/s" for r in result.keyed)),
    ]


def cpu_line(result: RateResult) -> str:
    def per_turn(rounds: list[Round], attr: str) -> float:
        return sum(getattr(r, attr) for r in rounds) / sum(r.turns for r in rounds) * 1000

    echo, bot = per_turn(result.echo, "cpu"), per_turn(result.bot, "cpu")
    inner = per_turn(result.bot, "turn_cpu")
    return (f"echo {echo:.2f} ms, Afterview {bot:.2f} ms, of which {inner:.2f} ms in the "
            f"turn itself (Engine.handle, button tokens, render; thread CPU) — "
            f"an echo-sized stack plus that turn would give ≈ {echo / (echo + inner):.2f}× "
            "on one busy core")


def main(argv: list[str] | None = None) -> list[Row]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", action="append", default=None,
                        help="sqlite, postgresql (the default server) or a PostgreSQL URL; "
                             "repeatable (default: both)")
    parser.add_argument("--chats", type=int, default=50)
    parser.add_argument("--messages", type=int, default=40, help="texts a chat sends a round")
    parser.add_argument("--rounds", type=int, default=2, help="timed rounds of each bot")
    parser.add_argument("--quick", action="store_true", help="10 texts a chat: a smoke run")
    args = parser.parse_args(argv)
    per_chat = 10 if args.quick else args.messages
    rows: list[Row] = []
    for kind in usable_databases(args.db):
        started = time.perf_counter()
        result = run(kind, args.chats, per_chat, args.rounds)
        found = rows_for(result)
        print(render_table(f"Through Telegram on {result.db} ({args.chats} chats, "
                           f"{time.perf_counter() - started:.0f} s)", found,
                           headers=("turns/s", "msgs/s", "÷ echo")))
        print(f"  {result.messages_per_turn:g} Telegram message(s) a turn; rate = turns from the "
              "first update queued to the last answer at the fake")
        print("  CPU of this process a turn (bots, fakes, driver): "
              + cpu_line(result))
        print()
        rows.extend(found)
    return rows


if __name__ == "__main__":
    main()
