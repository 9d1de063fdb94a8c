"""Block Kit for Slack: replies as message blocks (split under Slack's limits), the App Home
pipeline, and the debrief modal with its validation. Pure functions: no network, no database."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Any

from adapters.slack_text import escape, link_text, mrkdwn, mrkdwn_len
from bot.messages import Draft, Reply
from bot.parsing import ParseError, parse_email, parse_phone
from bot.records.pipeline import PipelineRow

SECTION_LIMIT = 3000  # characters of text in a section block
BLOCKS_PER_MESSAGE = 50
BLOCKS_PER_VIEW = 100
BUTTON_LABEL_LIMIT = 75
BUTTONS_PER_ACTIONS = 25
FALLBACK_LIMIT = 3000  # the top-level `text` shown in notifications

BUTTON_ACTION_PREFIX = "afterview_btn_"
OPEN_DEBRIEF_ACTION = "afterview_open_debrief"
DEBRIEF_CALLBACK = "afterview_debrief"
ACTIONS_BLOCK_PREFIX = "afterview_actions_"
INTERVIEWER_SLOTS = 4
ASSUMED_WAIT = timedelta(days=7)
FUTURE_TOLERANCE = timedelta(hours=2)  # as the chat debrief: "in a moment" still counts

Block = dict[str, Any]


@dataclass(frozen=True)
class SlackMessage:
    """One chat.postMessage: a notification `text` and the blocks that show it."""

    text: str
    blocks: list[Block] = field(default_factory=list)


# ---- text ---------------------------------------------------------------------------------------

_LINK = re.compile(r"<([^<>|]*)(?:\|([^<>]*))?>")


def plain_text(text: str) -> str:
    """What the user typed, from Slack's message format: links and mailto: to their label,
    mentions kept readable, entities unescaped."""

    def unwrap(match: re.Match[str]) -> str:
        return link_text(match.group(1), match.group(2))

    return html.unescape(_LINK.sub(unwrap, text or ""))


def _escaped_len(text: str) -> int:
    return mrkdwn_len(text)


def split_text(text: str, limit: int = SECTION_LIMIT) -> list[str]:
    """Raw text in pieces whose escaped form fits `limit`, cut at line breaks, then at spaces."""
    pieces: list[str] = []
    current = ""
    for line in text.split("\n"):
        candidate = f"{current}\n{line}" if current else line
        if _escaped_len(candidate) <= limit:
            current = candidate
            continue
        if current:
            pieces.append(current)
            current = ""
        while _escaped_len(line) > limit:
            head = _cut(line, limit)
            pieces.append(head.rstrip())
            line = line[len(head):].lstrip(" ")
        current = line
    if current or not pieces:
        pieces.append(current)
    return pieces


def _cut(line: str, limit: int) -> str:
    """The longest head of `line` that fits, ending at a space when there is one."""
    size, end = 0, 0
    for index, ch in enumerate(line):
        size += _escaped_len(ch)
        if size > limit:
            break
        end = index + 1
    head = line[:end]
    space = head.rfind(" ")
    return head[: space + 1] if space > limit // 2 else head


def _fallback(text: str) -> str:
    """The notification text: escaped too, so `<!channel>` typed by the user never pings."""
    text = text.strip()
    if len(escape(text)) <= FALLBACK_LIMIT:
        return escape(text)
    return escape(_cut(text, FALLBACK_LIMIT - 8).rstrip()) + "…"


# ---- blocks -------------------------------------------------------------------------------------

def section(mrkdwn: str) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": mrkdwn}}


def text_sections(text: str) -> list[Block]:
    return [section(mrkdwn(piece)) for piece in split_text(text) if piece.strip()]


def context(mrkdwn: str) -> Block:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": mrkdwn[:SECTION_LIMIT]}]}


def button(label: str, action_id: str, value: str | None = None, *,
           style: str | None = None) -> Block:
    shown = label if len(label) <= BUTTON_LABEL_LIMIT else label[: BUTTON_LABEL_LIMIT - 1] + "…"
    element: Block = {"type": "button", "action_id": action_id,
                      "text": {"type": "plain_text", "text": shown, "emoji": True}}
    if value is not None:
        element["value"] = value
    if style:
        element["style"] = style
    return element


def button_blocks(labels: Sequence[str], tokens: Sequence[str], first: int = 0) -> list[Block]:
    """Actions blocks (25 buttons each) whose values are vault tokens."""
    elements = [button(label, f"{BUTTON_ACTION_PREFIX}{first + n}", token)
                for n, (label, token) in enumerate(zip(labels, tokens, strict=True))]
    return [{"type": "actions", "block_id": f"{ACTIONS_BLOCK_PREFIX}{k}",
             "elements": elements[start:start + BUTTONS_PER_ACTIONS]}
            for k, start in enumerate(range(0, len(elements), BUTTONS_PER_ACTIONS))]


def draft_blocks(draft: Draft) -> list[Block]:
    """A letter ready to copy: subject and recipient, the body in a code block, a mailto link."""
    head = []
    if draft.to:
        head.append(f"*To:* {mrkdwn(draft.to)}")
    head.append(f"*Subject:* {mrkdwn(draft.subject)}")
    blocks = [section(piece) for piece in _join_fitting(head)]
    body = draft.body.rstrip().replace("```", "'''")
    for piece in split_text(body, SECTION_LIMIT - 8):
        blocks.append(section(f"```\n{escape(piece)}\n```"))
    if draft.mailto:  # Slack opens mailto: links while they fit; beyond, the https link
        link = escape(draft.mailto)
        if len(link) + 24 <= SECTION_LIMIT:
            blocks.append(section(f"<{link}|Open in mail app>"))
        elif draft.link:
            blocks.append(section(f"<{escape(draft.link)}|Open in mail app>"))
        else:
            blocks.append(context("This letter is too long for a mail link — copy it from "
                                  "the box above."))
    for problem in draft.problems:
        blocks.extend(section(f"⚠️ {mrkdwn(piece)}") for piece in split_text(problem, 2900))
    return blocks


def _join_fitting(lines: list[str]) -> list[str]:
    joined = "\n".join(lines)
    return [joined] if len(joined) <= SECTION_LIMIT else [line[:SECTION_LIMIT] for line in lines]


def render_reply(reply: Reply, tokens: Sequence[str]) -> list[SlackMessage]:
    """A reply as one or more messages (at most 50 blocks each); buttons end the last one.

    `tokens` are the vault tokens for `reply.buttons`, in order.
    """
    blocks = text_sections(reply.text)
    if reply.draft is not None:
        blocks.extend(draft_blocks(reply.draft))
    if reply.buttons:
        blocks.extend(button_blocks([b.label for b in reply.buttons], tokens))
    if not blocks:
        return []
    fallback = _fallback(reply.text or (reply.draft.subject if reply.draft else ""))
    messages = []
    for number, start in enumerate(range(0, len(blocks), BLOCKS_PER_MESSAGE)):
        text = fallback if number == 0 else f"{fallback[:200]} (continued)"
        messages.append(SlackMessage(text or "Afterview", blocks[start:start + BLOCKS_PER_MESSAGE]))
    return messages


def after_choice(blocks: Sequence[Block], label: str, fallback_text: str = "") -> list[Block]:
    """A message's blocks once a button was pressed: the buttons go, the choice shows."""
    kept = [b for b in blocks if not (b.get("type") == "actions"
                                      and str(b.get("block_id", "")).startswith(
                                          ACTIONS_BLOCK_PREFIX))]
    if not kept and fallback_text:
        kept = text_sections(fallback_text)
    return [*kept, context(f"✓ *{mrkdwn(label)}*" if label else "✓ Done")]


# ---- App Home -----------------------------------------------------------------------------------

HOME_ROW_LIMIT = 40  # two blocks a row, under the 100 blocks of a view


@dataclass(frozen=True)
class HomeButtons:
    """Vault tokens for the Home tab's buttons (values are issued by the adapter)."""

    status: str
    thanks: str | None
    thanks_per_row: Mapping[int, str] = field(default_factory=dict)


def _day(day: date) -> str:
    return f"{day:%a} {day.day} {day:%b}"


def home_view(rows: Sequence[PipelineRow], buttons: HomeButtons, today: date) -> Block:
    """The App Home tab: every application, its stage, the next action and when, and who is
    still waiting for a thank-you letter."""
    active = [r for r in rows if r.active]
    closed = [r for r in rows if not r.active]
    top = [button("Record an interview", OPEN_DEBRIEF_ACTION, "debrief", style="primary")]
    if buttons.thanks is not None:
        top.append(button("Draft thank-yous", f"{BUTTON_ACTION_PREFIX}0", buttons.thanks))
    top.append(button("Status", f"{BUTTON_ACTION_PREFIX}1", buttons.status))
    blocks: list[Block] = [
        {"type": "header", "text": {"type": "plain_text", "text": "Your pipeline"}},
    ]
    if not rows:
        blocks.append(section("Nothing recorded yet. Had an interview? Record it while it's "
                              "fresh — the thank-you letters and follow-ups come from it."))
    else:
        count = f"{len(active)} active application{'s' if len(active) != 1 else ''}"
        blocks.append(section(f"*{count}* — here is the next thing to do for each."))
    blocks.append({"type": "actions", "block_id": "afterview_home_actions", "elements": top})
    for n, row in enumerate(active[:HOME_ROW_LIMIT]):
        blocks.append({"type": "divider"})
        blocks.append(_home_row(row, buttons.thanks_per_row.get(row.application_id), n, today))
    if len(active) > HOME_ROW_LIMIT:
        more = len(active) - HOME_ROW_LIMIT
        blocks.append(context(f"…and {more} more — `/afterview status` lists them all."))
    if closed:
        blocks.append({"type": "divider"})
        names = "; ".join(f"{mrkdwn(r.company)} ({escape(r.stage)})" for r in closed[:50])
        blocks.append(context(f"Closed: {names}"))
    blocks.append(context(f"Updated {_day(today)}. Slash command: `/afterview help`."))
    return {"type": "home", "blocks": blocks[:BLOCKS_PER_VIEW]}


def _home_row(row: PipelineRow, thanks_token: str | None, n: int, today: date) -> Block:
    lines = [f"*{mrkdwn(row.company)}* — {mrkdwn(row.role or 'role not noted')}",
             f"Stage: {escape(row.stage)}"]
    due = ""
    if row.due:
        late = " (overdue)" if row.due < today else ""
        due = f" — by {_day(row.due)}{late}"
    lines.append(f"Next: {mrkdwn(row.next_action)}{due}")
    if row.pending_thanks:
        lines.append("✉️ Thank-you letters pending: " + mrkdwn(", ".join(row.pending_thanks)))
    block = section("\n".join(lines)[:SECTION_LIMIT])
    if thanks_token is not None:
        block["accessory"] = button("Draft thank-yous", f"{BUTTON_ACTION_PREFIX}{n + 2}",
                                    thanks_token)
    return block


# ---- the debrief modal --------------------------------------------------------------------------

ROUNDS = (("first", "First"), ("second", "Second"), ("third", "Third"), ("final", "Final"))
FORMATS = (("video", "Video"), ("phone", "Phone"), ("on-site", "On-site"))
RATINGS = tuple((str(n), label) for n, label in
                ((1, "1 — badly"), (2, "2"), (3, "3 — okay"), (4, "4"), (5, "5 — great")))
LIMITS = {"company": 200, "role": 200, "name": 200, "title": 200, "notes": 1000,
          "went_well": 2000, "strengths": 1000, "to_improve": 2000, "questions": 2000,
          "missed": 1000, "news_contact": 300}
MULTILINE = frozenset({"notes", "went_well", "strengths", "to_improve", "questions", "missed"})
VALUE = "value"  # the action_id of every input element


def _plain(text: str) -> Block:
    return {"type": "plain_text", "text": text}


def _option(value: str, label: str) -> Block:
    return {"text": _plain(label), "value": value}


def _input(block_id: str, label: str, element: Block, *, optional: bool = False,
           hint: str | None = None) -> Block:
    block: Block = {"type": "input", "block_id": block_id, "label": _plain(label),
                    "element": {**element, "action_id": VALUE}, "optional": optional}
    if hint:
        block["hint"] = _plain(hint)
    return block


def _text_input(limit: int, *, multiline: bool = False, placeholder: str | None = None,
                initial: str | None = None) -> Block:
    element: Block = {"type": "plain_text_input", "max_length": limit, "multiline": multiline}
    if placeholder:
        element["placeholder"] = _plain(placeholder)
    if initial:
        element["initial_value"] = initial[:limit]
    return element


def _select(options: Sequence[tuple[str, str]], initial: str | None = None) -> Block:
    element: Block = {"type": "static_select",
                      "options": [_option(value, label) for value, label in options]}
    for value, label in options:
        if value == initial:
            element["initial_option"] = _option(value, label)
    return element


def debrief_modal(today: date, company: str = "") -> Block:
    """The debrief as a form: the interview, each interviewer, impressions, next steps."""
    blocks: list[Block] = [
        section("Congratulations on getting through an interview! Write it down while it's "
                "fresh — it takes two minutes."),
        _input("company", "Company", _text_input(LIMITS["company"], placeholder="Acme Corp",
                                                 initial=company or None)),
        _input("role", "Role", _text_input(LIMITS["role"], placeholder="Senior Data Analyst")),
        _input("date", "Date of the interview",
               {"type": "datepicker", "initial_date": today.isoformat()}),
        _input("time", "Time it started", {"type": "timepicker"}),
        _input("round", "Round", _select(ROUNDS, "first")),
        _input("format", "Format", _select(FORMATS)),
    ]
    for n in range(1, INTERVIEWER_SLOTS + 1):
        optional = n > 1
        blocks.append({"type": "divider"})
        blocks.append(section(f"*Interviewer {n}*" + (" (optional)" if optional else "")
                              + (" — names exactly as on their business card or email"
                                 if n == 1 else "")))
        blocks += [
            _input(f"iv{n}_name", "Name", _text_input(LIMITS["name"]), optional=optional),
            _input(f"iv{n}_title", "Job title", _text_input(LIMITS["title"]), optional=True),
            _input(f"iv{n}_email", "Email", _text_input(254), optional=True,
                   hint="For the thank-you letter." if n == 1 else None),
            _input(f"iv{n}_phone", "Phone", _text_input(40), optional=True),
            _input(f"iv{n}_notes", "What you talked about", _text_input(
                LIMITS["notes"], multiline=True), optional=True,
                hint="A specific point or a personal detail makes their letter personal."
                if n == 1 else None),
        ]
    blocks += [
        {"type": "divider"},
        _input("rating", "How did it go?", _select(RATINGS)),
        _input("went_well", "What went well", _text_input(LIMITS["went_well"], multiline=True),
               optional=True),
        _input("strengths", "Your strongest qualification for this role",
               _text_input(LIMITS["strengths"], multiline=True), optional=True,
               hint="The one to stress in your letters."),
        _input("to_improve", "What you would improve",
               _text_input(LIMITS["to_improve"], multiline=True), optional=True),
        _input("questions", "Questions they asked, and your answers",
               _text_input(LIMITS["questions"], multiline=True), optional=True),
        _input("missed", "Anything you missed or wish you had said",
               _text_input(LIMITS["missed"], multiline=True), optional=True,
               hint="Your thank-you letter can address it."),
        {"type": "divider"},
        _input("decision_date", "When do they expect to decide?", {"type": "datepicker"},
               optional=True, hint="Don't know? Leave it empty and I'll assume a week — and "
                                   "next time ask before you leave."),
        _input("steps_remaining", "Steps remaining in their process",
               {"type": "number_input", "is_decimal_allowed": False, "min_value": "0",
                "max_value": "20"}, optional=True),
        _input("news_contact", "Who to contact for news", _text_input(
            LIMITS["news_contact"], placeholder="Often HR — a name and email"), optional=True),
    ]
    return {
        "type": "modal",
        "callback_id": DEBRIEF_CALLBACK,
        "title": _plain("Record an interview"),
        "submit": _plain("Save"),
        "close": _plain("Cancel"),
        "blocks": blocks,
    }


def _state(values: Mapping[str, Any], block_id: str) -> str | None:
    """The value of one input as Slack sends it in view.state.values (None when empty, or when
    the state has a shape Slack never sends: a forged submission is then just incomplete)."""
    actions = values.get(block_id) if isinstance(values, Mapping) else None
    if not isinstance(actions, Mapping):
        return None
    element = actions.get(VALUE) or next(iter(actions.values()), None)
    if not isinstance(element, dict):
        return None
    kind = element.get("type")
    if kind == "datepicker":
        value = element.get("selected_date")
    elif kind == "timepicker":
        value = element.get("selected_time")
    elif kind in ("static_select", "radio_buttons"):
        option = element.get("selected_option")
        value = option.get("value") if isinstance(option, dict) else None
    else:
        value = element.get("value")
    if not isinstance(value, str):
        return None
    return value.encode("utf-8", "replace").decode("utf-8")  # no lone surrogates into storage


def _fmt(day: date) -> str:
    return f"{day:%a} {day.day} {day:%b %Y}"


@dataclass
class DebriefForm:
    """A submitted modal: the debrief slots, or per-field errors to show on the form."""

    slots: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)


def read_debrief(values: Mapping[str, Any], now: datetime, tz: tzinfo) -> DebriefForm:
    """Check a submitted debrief modal; the slots are those `save_debrief` (bot.records) takes.

    `now` is the current instant and `tz` the user's time zone (dates and times in the form
    are local to the user).
    """
    form = DebriefForm()
    slots, errors = form.slots, form.errors

    def text(block_id: str, kind: str | None = None) -> str:
        kind = kind or block_id
        raw = (_state(values, block_id) or "").strip()
        if kind not in MULTILINE:
            raw = " ".join(raw.split())
        limit = LIMITS.get(kind)
        if limit and len(raw) > limit:
            errors[block_id] = f"Please keep this under {limit} characters."
        return raw

    slots["company"] = text("company")
    if not slots["company"]:
        errors["company"] = "Which company was it with?"
    slots["role"] = text("role")
    if not slots["role"]:
        errors["role"] = "What's the role? e.g. “Senior Data Analyst”."

    local_today = now.astimezone(tz).date()
    held: datetime | None = None
    day = _read_date(_state(values, "date"), "date", errors, "When was the interview?")
    clock = _read_time(_state(values, "time"), errors)
    if day is not None and day > local_today:
        errors["date"] = (f"{_fmt(day)} is in the future — a debrief is for an interview that "
                          "happened. Pick the day it took place.")
    elif day is not None and local_today - day > timedelta(days=365):
        errors["date"] = "That's more than a year ago — please pick the date of this interview."
    elif day is not None and clock is not None:
        held = datetime.combine(day, clock).replace(tzinfo=tz)
        if held - now > FUTURE_TOLERANCE:
            errors["time"] = (f"{held:%H:%M} today is still ahead — when did the interview "
                              "start?")
            held = None
    if held is not None:
        slots["when"] = held.isoformat()

    slots["round"] = _state(values, "round") or "first"
    slots["format"] = _state(values, "format") or ""

    slots["interviewers"] = _read_interviewers(values, text, errors)

    rating = _state(values, "rating")
    if rating not in {value for value, _ in RATINGS}:
        errors["rating"] = "How did it go, from 1 (badly) to 5 (great)?"
    else:
        slots["rating"] = int(rating)
    for block_id in ("went_well", "strengths", "to_improve", "questions", "missed"):
        slots[block_id] = text(block_id)

    decision = _read_date(_state(values, "decision_date"), "decision_date", errors, None)
    if held is not None:
        held_day = held.date()
        if decision is None and "decision_date" not in errors:
            assumed = max(held_day + ASSUMED_WAIT, local_today + timedelta(days=1))
            slots["decision_date"] = assumed.isoformat()
            slots["decision_assumed"] = True
        elif decision is not None and decision < held_day:
            errors["decision_date"] = (f"{_fmt(decision)} is before the interview "
                                       f"({_fmt(held_day)}). When do they expect to decide?")
        elif decision is not None and decision - held_day > timedelta(days=366):
            errors["decision_date"] = "That's more than a year away — please check the date."
        elif decision is not None:
            slots["decision_date"] = decision.isoformat()
            slots["decision_assumed"] = False

    steps = (_state(values, "steps_remaining") or "").strip()
    slots["steps_remaining"] = None
    if steps:
        try:
            count = int(steps)
        except ValueError:
            count = -1
        if not 0 <= count <= 20:
            errors["steps_remaining"] = "A number of steps from 0 (this was the last) to 20."
        else:
            slots["steps_remaining"] = count
    slots["news_contact"] = text("news_contact")
    if errors:
        form.slots = {}
    return form


def _read_date(raw: str | None, block_id: str, errors: dict[str, str],
               missing: str | None) -> date | None:
    if not raw:
        if missing:
            errors[block_id] = missing
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        errors[block_id] = "Please pick a date from the calendar."
        return None


def _read_time(raw: str | None, errors: dict[str, str]) -> time | None:
    if not raw:
        errors["time"] = "What time did it start? (roughly is fine)"
        return None
    try:
        return time.fromisoformat(raw)
    except ValueError:
        errors["time"] = "Please pick a time like 11:00."
        return None


def _read_interviewers(values: Mapping[str, Any], text: Any,
                       errors: dict[str, str]) -> list[dict[str, str]]:
    people: list[dict[str, str]] = []
    seen: set[str] = set()
    for n in range(1, INTERVIEWER_SLOTS + 1):
        prefix = f"iv{n}_"
        person = {"name": text(prefix + "name", "name"), "title": text(prefix + "title", "title"),
                  "email": text(prefix + "email", "email"),
                  "phone": text(prefix + "phone", "phone"),
                  "notes": text(prefix + "notes", "notes")}
        if not person["name"]:
            if n == 1:
                errors[prefix + "name"] = ("Who interviewed you? Their name, spelled exactly as "
                                           "on their business card or email.")
            elif any(person.values()):
                errors[prefix + "name"] = ("Add this interviewer's name — or clear their other "
                                           "fields.")
            continue
        if person["name"].casefold() in seen:
            errors[prefix + "name"] = f"You already added {person['name']}."
        seen.add(person["name"].casefold())
        for key, parse in (("email", parse_email), ("phone", parse_phone)):
            if person[key]:
                try:
                    person[key] = parse(person[key])
                except ParseError as error:
                    errors[prefix + key] = str(error)[:150]
        people.append(person)
    return people


def iter_block_texts(blocks: Sequence[Block]) -> Iterator[str]:
    """Every text inside blocks (for summaries and tests)."""
    for node in blocks:
        yield from _walk(node)


def _walk(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "text" and isinstance(value, str):
                yield value
            else:
                yield from _walk(value)
    elif isinstance(node, list):
        for item in node:
            yield from _walk(item)


def pressed_label(blocks: Sequence[dict[str, Any]], action: dict[str, Any]) -> str:
    """The label of the pressed button, as the message showed it."""
    for block in blocks:
        for element in block.get("elements") or []:
            if isinstance(element, dict) and element.get("action_id") == action.get("action_id"):
                return str((element.get("text") or {}).get("text") or "")
    return str((action.get("text") or {}).get("text") or "")


