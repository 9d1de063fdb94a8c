"""The engine: `Engine.handle(incoming) -> list[Reply]` — load the user's state, run one step,
save, answer; all in one database transaction per turn."""

from __future__ import annotations

import logging
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.exc import DBAPIError, OperationalError

from bot import metrics
from bot.clock import Clock, SystemClock
from bot.conversation import letter_edit, news, nudge_actions, questions, smalltalk
from bot.conversation.buttons import issue_tokens, redeem
from bot.conversation.commands import COMMANDS, help_text
from bot.conversation.flows import FLOWS
from bot.conversation.flows.base import PRESET, FlowState, Runner, is_keyword
from bot.conversation.flows.edit_words import understand_edit
from bot.messages import TOKEN_PREFIX, Button, Incoming, Kind, Reply
from bot.nudges.planner import replan
from bot.outputs import mail_links
from bot.records import coaching
from bot.turn import Turn
from storage.db import Database
from storage.repository import Repository

log = logging.getLogger(__name__)

MAX_MESSAGE = 4096  # Telegram's own limit for a message (after entities); the largest we take
TRY_AGAIN = ("I can't reach my notebook right now — please try again in a moment. "
             "Nothing you've told me before is lost.")
OOPS = ("Sorry — something went wrong on my side. What you told me before is saved; "
        "please send that again.")
GREETING = ("Hi! I'm Afterview — I coach you through everything after a job interview: "
            "thank-you letters to each interviewer, the right moment to follow up, offers, and "
            "what to learn from a no. First, a few quick questions.")
# commands never mistaken for a one-word answer (read-only, or nobody's answer to a question)
NEVER_ANSWERS = {"status", "lessons", "settings", "export"}
RESUME_WORDS = {"yes", "y", "continue", "resume", "go on", "ok", "okay", "sure"}

AfterTurn = Callable[[Turn], None]


@dataclass(frozen=True)
class Answer:
    """A turn's replies and, when asked for, the vault tokens of their buttons, in order
    (None when they were not issued)."""

    replies: list[Reply]
    tokens: list[str] | None = None
    question: str | None = None  # the id of the question left open (None: no flow)


class Engine:
    """The platform-free bot. Adapters turn platform events into `Incoming` and show replies."""

    def __init__(self, db: Database, clock: Clock | None = None, *,
                 public_url: str | None = None) -> None:
        self.db = db
        self.clock = clock or SystemClock()
        self.public_url = public_url  # letters then carry https mail links (PUBLIC_URL/mail/…)
        self.runner = Runner(FLOWS)
        self.after_turn: list[AfterTurn] = []

    def handle(self, incoming: Incoming) -> list[Reply]:
        return self.answer(incoming).replies

    def answer(self, incoming: Incoming, *, tokens: bool = False) -> Answer:
        """One turn. With `tokens`, the vault tokens of the replies' buttons are issued in the
        turn's own transaction (for adapters whose buttons carry opaque tokens)."""
        with metrics.timed_turn(incoming.user.platform):
            return self._one_turn(incoming, tokens=tokens)

    def _one_turn(self, incoming: Incoming, *, tokens: bool) -> Answer:
        text = _clean(incoming.text)
        if len(text) > MAX_MESSAGE:
            return Answer([Reply(f"That message is too long for me ({len(text)} characters) — "
                                 f"please keep it under {MAX_MESSAGE}. Nothing changed.")])
        key = incoming.user
        try:
            with self.db.session() as session:
                repo = Repository.for_turn(session, key.platform, key.workspace, key.user_id,
                                           display_name=incoming.display_name,
                                           update=incoming.dedup_key or None,
                                           now=self.clock.now())
                if repo is None:  # this platform event was processed before
                    metrics.inc("afterview_duplicate_updates_total")
                    return Answer([])
                metrics.inc("afterview_turns_total")
                turn = Turn(repo, self.clock.now(), state=self._load(repo))
                asked = questions.Asked.of(turn.state)
                parked = news.parked_of(turn)
                self._route(turn, incoming.kind, text)
                news.resume_parked(self, turn, parked)
                if turn.facts_changed:
                    replan(repo, turn.now, sorted(turn.facts_changed))
                for hook in self.after_turn:
                    hook(turn)
                replies = questions.bind(turn.state, asked, turn.replies
                                         or [Reply(help_text())])
                if self.public_url and any(r.draft is not None and r.draft.mailto
                                           for r in replies):
                    replies = mail_links.with_links(repo, replies, self.public_url, turn.now)
                values = [b.value for reply in replies for b in reply.buttons] if tokens else []
                known = self._save(turn, values)
                return Answer(replies, self._tokens(turn, values, known) if tokens else None,
                              questions.question_of(turn.state) if turn.state else None)
        except (OperationalError, DBAPIError):
            log.warning("database unavailable during a turn", exc_info=True)
            metrics.inc("afterview_turn_errors_total")
            return Answer([Reply(TRY_AGAIN)])
        except Exception:
            log.exception("turn failed")
            metrics.inc("afterview_turn_errors_total")
            return Answer([Reply(OOPS)])

    # ---- state ----------------------------------------------------------------------------

    def _load(self, repo: Repository) -> FlowState | None:
        row = repo.stored_conversation()
        if row is None:
            return None
        if row.flow not in FLOWS or not FLOWS[row.flow].has(row.step):
            return None  # a flow that no longer exists: start afresh rather than crash
        return FlowState(row.flow, row.step, dict(row.slots or {}), list(row.history or []),
                         row.updated_at)

    def _save(self, turn: Turn, token_values: list[str]) -> dict[str, str] | None:
        """Store where the user stands; returns the tokens known for `token_values`, when
        saving could read them on the way."""
        if turn.state is None:
            turn.repo.clear_conversation()
            return None
        return turn.repo.save_conversation(turn.state.flow, turn.state.step, turn.state.slots,
                                           turn.state.history, turn.now,
                                           read_tokens=token_values)

    def _tokens(self, turn: Turn, values: list[str],
                known: dict[str, str] | None) -> list[str] | None:
        """Tokens for the replies' button values, in order; None when the user's row is gone
        (they erased their data this turn), for the adapter's vault to decide."""
        if not values:
            return []
        if not turn.repo.user_present():
            return None
        return issue_tokens(turn.repo, values, turn.now, known)

    # ---- routing --------------------------------------------------------------------------

    def _route(self, turn: Turn, kind: Kind, text: str) -> None:
        if turn.state is not None and FLOWS[turn.state.flow].light and not (
                kind is Kind.TEXT and not turn.state.is_stale(turn.now)
                and self.runner.accepts(turn, text)):
            turn.state = None  # a pending "Record that …?" never holds the user: read it afresh
        if kind is Kind.BUTTON:
            self._press(turn, text)
        elif kind is Kind.COMMAND:
            word, _, args = text.partition(" ")
            self.command(turn, word, args.strip())
        else:
            self._text(turn, text)

    def _press(self, turn: Turn, value: str) -> None:
        tokened = value.startswith(TOKEN_PREFIX)
        if tokened:
            resolved = redeem(turn.repo, value[len(TOKEN_PREFIX):])
            if resolved is None:
                turn.say("That button has expired or isn't yours — nothing changed. "
                         "Type “help” to see what I can do.")
                return
            value = resolved
        pressed = questions.unbind(value)
        if pressed is not None:
            if not questions.is_current(turn.state, pressed):
                self._moved_on(turn)
                return
            value = pressed.value
        elif tokened and not questions.is_standalone(value):
            self._moved_on(turn)  # a token from before buttons were bound: its question is unknown
            return
        if value.startswith("/"):
            word, _, args = value[1:].partition(" ")
            self.command(turn, word, args)
        elif value.startswith("n:"):
            nudge_actions.press(self, turn, value)
        elif value.startswith(news.PREFIX):
            news.press(self, turn, value)
        elif value.startswith("flow:"):
            self._flow_choice(turn, value[5:])
        elif turn.state is not None:
            self._answer(turn, value)
        else:
            turn.say("That button belongs to a conversation that has already ended — here's "
                     "what I can do:\n" + help_text())

    def _moved_on(self, turn: Turn) -> None:
        """A press for a question that is no longer asked: nothing changes; the one pending is
        asked again."""
        if turn.state is None:
            turn.say(questions.MOVED_ON + " Type “help” to see what I can do.")
            return
        turn.say(questions.MOVED_ON)
        self.runner.ask(turn)

    def _text(self, turn: Turn, text: str) -> None:
        stripped = text.strip()
        if stripped.startswith("/") and len(stripped) > 1 and not is_keyword(stripped.casefold()):
            word, _, args = stripped[1:].partition(" ")
            word = word.split("@", 1)[0]
            if word.casefold() in COMMANDS or word.isalnum():
                self.command(turn, word, args.strip())
                return
        if letter_edit.take(turn, text):  # the letter or paragraph the bot asked for
            if turn.state is not None:
                self.runner.ask(turn)
            return
        if turn.state is not None:
            self._answer(turn, stripped)
            return
        word, _, args = stripped.partition(" ")
        if word.casefold() in COMMANDS and not args.strip():
            self.command(turn, word, "")
            return
        if stripped in ("1", "2", "3", "4", "5") and (app := coaching.pending_want(turn)):
            coaching.rate_want(turn, f"{app.id} {stripped}")  # the debrief's last question
            return
        if turn.user.onboarded or turn.repo.applications():
            # a sentence is read as a sentence first ("offer from Acme" is not `offer`); the two
            # edit sentences ("Jane's email is …", "Acme is actually called …") are issue 16's
            if not understand_edit(self.runner, turn, stripped):
                news.act(self, turn, news.meaning_of(turn, stripped, tuple(COMMANDS)))
            return
        if word.casefold() in COMMANDS:
            self.command(turn, word, args.strip())
            return
        turn.say(GREETING)
        self.runner.start(turn, "onboarding")

    def _answer(self, turn: Turn, text: str) -> None:
        state = turn.state
        assert state is not None
        word = " ".join(text.casefold().split())
        state.slots.pop("_drop_offered", None)  # answering moves on: an old "Drop it" is stale
        if news.typed_reply(self, turn, text):
            return
        if state.slots.pop("_resume_offered", False):
            if word in RESUME_WORDS:
                self.runner.ask(turn)
                return
            if word in COMMANDS and not is_keyword(word):
                self.command(turn, word, "")  # asked "continue?", they typed a command instead
                return
        elif state.is_stale(turn.now) and not is_keyword(word):
            # after a long pause a reply is more likely a new thought than the answer to a
            # question asked days ago, so ask before using it
            describe = FLOWS[state.flow].describe(state.slots)
            state.slots["_resume_offered"] = True
            turn.say(f"Welcome back! We were {describe}. Continue where we left off?",
                     [Button("Continue", "flow:continue"),
                      Button("Start over", "flow:restart"),
                      Button("Drop it", "cancel")])
            return
        if state.flow == "onboarding" and news.news_during_setup(turn, text, tuple(COMMANDS)):
            self.runner.ask(turn)
            return
        if smalltalk.greeting_only(text):  # "hello" is never a round's name or a person
            smalltalk.greet_in_flow(turn, FLOWS[state.flow].describe(state.slots))
            self.runner.ask(turn)
            return
        if not is_keyword(word) and word in COMMANDS and (
                word in NEVER_ANSWERS or not self.runner.accepts(turn, text)):
            self.command(turn, word, "")  # a command word that can't be the answer
            return
        if self._mid_flow(turn, text):
            return
        self.runner.answer(turn, text)

    def _mid_flow(self, turn: Turn, text: str) -> bool:
        """Inside a flow: a command word with arguments ("offer Initech", "lessons …") or a
        news sentence ("Globex said no") — nothing typed so far is lost either way."""
        if " ".join(text.casefold().split()) in ("start over", "start again", "restart"):
            self._flow_choice(turn, "restart", typed=True)
            return True
        first, _, rest = text.strip().partition(" ")
        command = COMMANDS.get(first.casefold())
        if command is not None and rest.strip() and not is_keyword(first.casefold()) and (
                command.flow is None or turn.repo.find_application(rest.strip()) is not None):
            self.command(turn, first, rest.strip())
            return True
        return len(text.split()) >= 3 and news.news_in_flow(self, turn, text, tuple(COMMANDS))

    def _flow_choice(self, turn: Turn, choice: str, typed: bool = False) -> None:
        if turn.state is None:
            turn.say("That conversation has already ended.")
            return
        if choice == "continue":
            turn.state.slots.pop("_resume_offered", None)
            turn.state.slots.pop("_drop_offered", None)  # its "Drop it" is answered
            self.runner.ask(turn)
        elif choice == "restart" and (typed or turn.state.slots.get("_resume_offered")):
            self.runner.start(turn, turn.state.flow, turn.state.slots.get(PRESET) or {})
        elif choice.startswith("drop:") and turn.state.slots.get("_drop_offered") == choice[5:]:
            # only the button of the question that offered this very drop may end the flow: an
            # old "Drop it" pressed later must not throw away the answers given since
            turn.state = None
            word, _, args = choice[5:].partition(" ")
            self.command(turn, word, args)
        elif choice == "restart" or choice.startswith("drop:"):
            self._moved_on(turn)
        else:
            turn.say("That button isn't valid here — let's carry on.")
            self.runner.ask(turn)

    def command(self, turn: Turn, word: str, args: str) -> None:
        word = word.casefold()
        command = COMMANDS.get(word)
        if command is None:
            turn.say(f"I don't know the command “{word[:40]}”. " + help_text())
            if turn.state is not None:
                self.runner.ask(turn)
            return
        if command.word == "cancel":
            if turn.state is None:
                turn.say("Nothing to cancel — we weren't in the middle of anything.")
            else:
                self.runner.answer(turn, "cancel")
            return
        if command.flow is not None:
            if turn.state is not None:
                flow = FLOWS[turn.state.flow]
                again = turn.state.flow == command.flow
                turn.state.slots["_drop_offered"] = f"{command.word} {args}".strip()
                turn.say(
                    f"We're in the middle of {flow.describe(turn.state.slots)}. "
                    + ("Continue, or start a new one?" if again else
                       f"Continue, or drop it and {command.summary}?"),
                    [Button("Continue", "flow:continue"),
                     Button("Start a new one" if again else "Drop it",
                            f"flow:drop:{command.word} {args}".strip())],
                )
                return
            if command.word == "start" and not turn.user.onboarded:
                turn.say(GREETING)
                args = ""  # deep-link payloads (t.me/bot?start=…) are not answers
            self.runner.start(turn, command.flow, args=args)
            return
        assert command.handler is not None
        command.handler(turn, args)
        if turn.state is not None:
            self._reask_briefly(turn)

    def _reask_briefly(self, turn: Turn) -> None:
        """After a read-only command inside a flow: the pending question in one line, with its
        buttons — not the whole question again (a letter is not posted twice)."""
        assert turn.state is not None
        flow = FLOWS[turn.state.flow]
        said = len(turn.replies)
        asked = flow.step(turn.state.step).render(turn)
        del turn.replies[said:]  # what the prompt says on the way (a letter) was said before
        lines = [line.strip() for line in asked.text.splitlines() if line.strip()]
        question = lines[-1] if lines else ""
        turn.say(f"(We're still {flow.describe(turn.state.slots)}. {question})".replace(
            ". )", ".)"), asked.buttons)


def _clean(text: str) -> str:
    """Drop control characters and lone surrogates that no platform should send us."""
    if text.isprintable():  # no control, format, surrogate or unassigned character: the usual
        return text
    text = text.encode("utf-8", "replace").decode("utf-8")
    return "".join(ch for ch in text if ch in "\n\t" or unicodedata.category(ch)[0] != "C"
                   or unicodedata.category(ch) == "Cf")
