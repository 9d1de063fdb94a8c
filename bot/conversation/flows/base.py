"""Flows as data: a flow is a list of steps (prompt, parser, slot); the runner asks the next one.

A step's parser turns free text into a JSON-ready value or raises `ParseError` with a specific
message; the runner then asks the same question again and nothing answered is lost. Every step
understands `back`, `skip` (when optional), `cancel` and `help`. `back` undoes exactly what the
last answer changed, using an undo log stored with the conversation.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from bot.messages import Button, Reply
from bot.parsing import ParseError
from bot.parsing.choices import match_choice
from bot.turn import STALE_AFTER, FlowState

if TYPE_CHECKING:
    from bot.turn import Turn

__all__ = ["STALE_AFTER", "FlowState"]  # where they were first defined; re-exported for flows

Prompt = str | Callable[["Turn"], str]
Parser = Callable[[str, "Turn"], Any]
Choices = Sequence[Button] | Callable[["Turn"], Sequence[Button]]

MISSING = "__missing__"
PRESET = "_preset"  # the slots a flow was started with, for "start over"
BACK_WORDS = {"back", "/back", "go back", "previous", "undo"}
SKIP_WORDS = {"skip", "/skip", "pass", "skip it"}
CANCEL_WORDS = {"cancel", "/cancel", "quit", "/quit", "abort"}
HELP_WORDS = {"help", "/help", "?", "what?", "huh?"}
MAX_ANSWER = 2000
PAGE_SIZE = 5  # buttons a question shows at once; beyond, "More…" pages through the rest
PAGE = "_page"  # the slot with the page of the question now asked
PAGE_MORE = "page:more"


def is_keyword(word: str) -> bool:
    """back, skip, cancel, help — the words every step understands."""
    return word in BACK_WORDS or word in SKIP_WORDS or word in CANCEL_WORDS or word in HELP_WORDS


class Jump(Exception):  # noqa: N818 - a control-flow signal, not an error
    """Raised by an `on_answer` hook to go to a named step ("" finishes the flow)."""

    def __init__(self, step: str) -> None:
        super().__init__(step)
        self.step = step


def text_answer(text: str, turn: Turn) -> str:
    """The default parser: any non-empty text, trimmed and capped."""
    cleaned = " ".join(text.split()) if "\n" not in text else text.strip()
    if not cleaned:
        raise ParseError("Please type an answer (or “skip” if it's optional).")
    if len(cleaned) > MAX_ANSWER:
        raise ParseError(
            f"That's a bit long for me — please keep it under {MAX_ANSWER} characters.")
    return cleaned


def short_text(limit: int, what: str) -> Callable[[str, Turn], str]:
    """A parser for a text answer of at most `limit` characters (`what` names it)."""
    def parse(text: str, turn: Turn) -> str:
        value = text_answer(text, turn)
        if len(value) > limit:
            raise ParseError(f"That's long for {what} — please keep it under {limit} characters.")
        return value
    return parse


# labels of the bot's own buttons: typed where a name is asked, they are questioned first
BUTTON_LABELS = frozenset({
    "start a new one", "continue", "drop it", "start over", "skip", "done", "cancel", "back",
    "help", "record an interview", "my pipeline", "see my pipeline", "draft thank-you letters",
    "draft letters", "keep my data", "later today", "tomorrow", "don't know", "more…", "more",
    "yes", "no", "undo", "edit something else", "add a name", "done — all sent",
    "show as a picture", "export my data first", "yes, delete everything", "resume reminders"})
LONG_QUESTION = 500  # characters: a question this long (a letter) is not repeated after an error
NAME_CONFIRMED = "name:"  # a name the user confirmed, even though it reads like a button


def not_a_button(value: str, what: str) -> str:
    """`value` (a name being stored), or a question first when it is one of the bot's button
    labels ("Start a new one" as a company); the confirm button's value carries the name."""
    if value.startswith(NAME_CONFIRMED):
        return value[len(NAME_CONFIRMED):].strip()
    if value.casefold().strip(" .!") in BUTTON_LABELS:
        raise ParseError(f"“{value}” is one of my buttons — is it really {what}? Type the "
                         "name, or confirm it.",
                         ((f"Yes, “{value[:40]}” is right", f"{NAME_CONFIRMED}{value}"),))
    return value


@dataclass(frozen=True)
class Step:
    """One question: its prompt, how to read the answer, and the slot the answer fills."""

    name: str
    prompt: Prompt
    parse: Parser = text_answer
    optional: bool = False
    choices: Choices = ()
    help: str = ""
    slot: str | None = None
    skip_value: Any = ""
    ask_if: Callable[[Turn], bool] | None = None
    on_answer: Callable[[Turn, Any], None] | None = None

    @property
    def target(self) -> str:
        return self.slot or self.name

    def render(self, turn: Turn) -> Reply:
        text = self.prompt(turn) if callable(self.prompt) else self.prompt
        buttons = list(self.choices(turn) if callable(self.choices) else self.choices)
        if self.optional and not any(b.value == "skip" for b in buttons):
            buttons.append(Button("Skip", "skip"))
        if len(buttons) > PAGE_SIZE:  # a page of four and "More…", round and round
            per = PAGE_SIZE - 1
            pages = -(-len(buttons) // per)
            page = int(turn.state.slots.get(PAGE, 0)) % pages if turn.state is not None else 0
            buttons = [*buttons[page * per:(page + 1) * per], Button("More…", PAGE_MORE)]
        return Reply(text, tuple(buttons))


@dataclass(frozen=True)
class Flow:
    """A named sequence of steps and what to do when every step is answered."""

    name: str
    steps: tuple[Step, ...]
    finish: Callable[[Turn, dict[str, Any]], None]
    describe: Callable[[dict[str, Any]], str] = lambda slots: "what we were doing"
    on_cancel: str = "Cancelled — nothing was saved from this conversation."
    # runs before the first question with the command's arguments; may fill slots, say
    # something, and return False to not start (e.g. "no application to follow up yet")
    prepare: Callable[[Turn, dict[str, Any], str], bool] | None = None
    # a light flow never holds the user: a message its question doesn't accept ends it quietly
    # and is read afresh (a pending "Record that …? yes/no", "how much do you want it? 1–5")
    light: bool = False
    # a flow that pursues an open application (thank-yous, a follow-up, the next round, an
    # offer): parked behind news that closed it ("Acme said no"), it is not taken up again
    for_open_applications: bool = False
    _index: dict[str, int] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        names = [s.name for s in self.steps]
        if len(names) != len(set(names)):
            raise ValueError(f"flow {self.name} has two steps with one name")
        self._index.update({name: i for i, name in enumerate(names)})

    def step(self, name: str) -> Step:
        return self.steps[self._index[name]]

    def first(self, turn: Turn) -> Step | None:
        return self._askable_from(0, turn)

    def after(self, name: str, turn: Turn) -> Step | None:
        return self._askable_from(self._index[name] + 1, turn)

    def has(self, name: str) -> bool:
        return name in self._index

    def _askable_from(self, index: int, turn: Turn) -> Step | None:
        for step in self.steps[index:]:
            if step.ask_if is None or step.ask_if(turn):
                return step
        return None


def set_slot(slots: dict[str, Any], path: str, value: Any) -> None:
    """Set `a.b` style slot paths, creating the nested dict on the way."""
    head, _, rest = path.partition(".")
    if not rest:
        slots[head] = value
        return
    inner = slots.get(head)
    if not isinstance(inner, dict):
        inner = {}
        slots[head] = inner
    set_slot(inner, rest, value)


class Runner:
    """Runs the user's active flow for one turn: start, answer, back, skip, cancel, help."""

    def __init__(self, flows: dict[str, Flow]) -> None:
        self.flows = flows

    def start(self, turn: Turn, name: str, slots: dict[str, Any] | None = None,
              args: str = "") -> None:
        """Start a flow. Arguments go to its `prepare` hook, or else answer the first step."""
        flow = self.flows[name]
        preset = dict(slots or {})
        state = FlowState(flow=name, step="", slots={**preset, PRESET: preset} if preset else {})
        turn.state = state
        if flow.prepare is not None:
            try:
                go_on = flow.prepare(turn, state.slots, args)
            except ParseError as error:
                turn.say(str(error))
                go_on = False
            if not go_on:
                turn.state = None
                return
            args = ""
        self._go(turn, flow, flow.first(turn))
        if args and turn.state is state:
            self.answer(turn, args)

    def accepts(self, turn: Turn, text: str) -> bool:
        """Would the current step accept this answer? (A dry run: nothing changes.)"""
        state = turn.state
        assert state is not None
        step = self.flows[state.flow].step(state.step)
        saved = copy.deepcopy(state.slots)
        try:
            step.parse(text, turn)
            return True
        except ParseError:
            return False
        finally:
            state.slots.clear()
            state.slots.update(saved)

    def ask(self, turn: Turn, *, again: bool = False) -> None:
        """Ask the current question again (after help, an error, a resume). `again`: right
        after it was asked — what its prompt posts on the way (a whole letter) is not posted a
        second time, only the question."""
        state = turn.state
        assert state is not None
        flow = self.flows[state.flow]
        said = len(turn.replies)
        asked = flow.step(state.step).render(turn)
        if again:
            del turn.replies[said:]
        turn.replies.append(asked)

    def reask(self, turn: Turn, error: str) -> None:
        """An answer that didn't fit: say why and ask again — a long question (a whole letter
        just shown) is not posted a second time, only its buttons come with the message."""
        state = turn.state
        assert state is not None
        mark = len(turn.replies)
        question = self.flows[state.flow].step(state.step).render(turn)
        shown_before = len(turn.replies) > mark  # the question posts a draft of its own first
        if (shown_before or len(question.text) > LONG_QUESTION) and question.buttons:
            del turn.replies[mark:]
            turn.replies.append(Reply(error, question.buttons))
        else:
            turn.replies.insert(mark, Reply(error))
            turn.replies.append(question)

    def answer(self, turn: Turn, text: str) -> None:
        state = turn.state
        assert state is not None
        flow = self.flows[state.flow]
        step = flow.step(state.step)
        word = " ".join(text.casefold().split())
        if word == PAGE_MORE or (word in ("more", "more…", "more...") and self._paged(step, turn)):
            state.slots[PAGE] = int(state.slots.get(PAGE, 0)) + 1
            said = len(turn.replies)
            asked = step.render(turn)
            del turn.replies[said:]
            lines = [line for line in asked.text.splitlines() if line.strip()]
            turn.say(lines[-1] if lines else "More choices:", asked.buttons)  # the next page
            return
        if word in CANCEL_WORDS:
            turn.state = None
            turn.say(flow.on_cancel)
            return
        if word in BACK_WORDS:
            self._back(turn, flow)
            return
        if word in HELP_WORDS:
            help_text = step.help or "Just type your answer."
            extra = " This one is optional: “skip” leaves it out." if step.optional else ""
            turn.say(f"{help_text}{extra}\nYou can also say “back” to change the previous "
                     "answer or “cancel” to stop.")
            self.ask(turn)
            return
        if word in SKIP_WORDS:
            if not step.optional:
                turn.say("This one can't be skipped — I need it to help you later. "
                         + (step.help or ""))
                self.ask(turn)
                return
            value: Any = copy.deepcopy(step.skip_value)
        else:
            try:
                value = step.parse(text, turn)
            except ParseError as error:
                value = self._near_choice(step, turn, text)
                if value is not None:  # "vidoe" for the "Video" button: that button's answer
                    self.answer(turn, value)
                    return
                if error.options:  # the answers it may mean, one tap each ("Tue 8 Dec"…)
                    turn.say(str(error), [Button(label, value) for label, value in error.options])
                    return
                self.reask(turn, str(error))
                return
        before = copy.deepcopy(state.slots)
        set_slot(state.slots, step.target, value)
        next_name: str | None = None
        try:
            if step.on_answer is not None:
                step.on_answer(turn, value)
        except Jump as jump:
            next_name = jump.step
        except ParseError as error:  # a hook may refuse the answer, too
            state.slots = before
            self.reask(turn, str(error))
            return
        undo = {k: before.get(k, MISSING) for k in set(before) | set(state.slots)
                if before.get(k, MISSING) != state.slots.get(k, MISSING)}
        state.history.append({"step": step.name, "undo": undo})
        if next_name is None:
            self._go(turn, flow, flow.after(step.name, turn))
        elif next_name == "":
            self._go(turn, flow, None)
        else:
            target = flow.step(next_name)
            if target.ask_if is not None and not target.ask_if(turn):
                self._go(turn, flow, flow.after(next_name, turn))
            else:
                self._go(turn, flow, target)

    @staticmethod
    def _paged(step: Step, turn: Turn) -> bool:
        buttons = step.choices(turn) if callable(step.choices) else step.choices
        return len(buttons) + (1 if step.optional else 0) > PAGE_SIZE

    @staticmethod
    def _near_choice(step: Step, turn: Turn, text: str) -> str | None:
        """The value of the step's button whose label the text nearly spells, if its parser
        takes it (and it isn't the text itself)."""
        if any(ch.isdigit() for ch in text):  # "84k" is no typo of the "94k" button
            return None
        buttons = step.choices(turn) if callable(step.choices) else step.choices
        found = match_choice(text, {b.label: b.value for b in buttons if b.value != "skip"})
        if found is None or found == text:
            return None
        try:
            step.parse(found, turn)
        except ParseError:
            return None
        return found

    def _back(self, turn: Turn, flow: Flow) -> None:
        state = turn.state
        assert state is not None
        if not state.history:
            turn.say("This is the first question — nothing to go back to.")
            self.ask(turn)
            return
        last = state.history.pop()
        for key, old in last["undo"].items():
            if old == MISSING:
                state.slots.pop(key, None)
            else:
                state.slots[key] = old
        state.step = last["step"]
        state.slots.pop(PAGE, None)
        self.ask(turn)

    def _go(self, turn: Turn, flow: Flow, step: Step | None) -> None:
        state = turn.state
        assert state is not None
        if step is None:
            slots = state.slots
            turn.state = None
            flow.finish(turn, slots)
            return
        state.step = step.name
        state.slots.pop(PAGE, None)
        turn.replies.append(step.render(turn))
