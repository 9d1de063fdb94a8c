"""Every stored fact the user may correct, as data (which record, which column, how to read and
show it), and the record operations behind `edit`: set a field, add a name, delete, merge,
archive — each logged in the change log so `undo` can revert it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from decimal import Decimal
from typing import Any

from sqlalchemy import select, update

from bot.formatting import possessive, short_date
from bot.parsing import (
    ParseError,
    is_dont_know,
    parse_date,
    parse_datetime,
    parse_email,
    parse_int,
    parse_money,
    parse_phone,
)
from bot.parsing.choices import match_choice
from bot.records import changes
from bot.records.pipeline import STAGES
from storage.models import Application, Base, Interview, Interviewer, Nudge, Offer
from storage.repository import Repository

FORMATS = {"phone": "phone", "video": "video", "on-site": "on-site", "onsite": "on-site",
           "on site": "on-site", "in person": "on-site", "in-person": "on-site"}
ROUNDS = {"first": "first", "second": "second", "third": "third", "final": "final",
          "1": "first", "2": "second", "3": "third", "1st": "first", "2nd": "second",
          "3rd": "third", "last": "final"}
STAGE_NAMES = {label: status for status, label in STAGES.items()} | {
    status.replace("_", " "): status for status in STAGES}


@dataclass(frozen=True)
class Field:
    """One fact: where it lives (`part`: app, interview, person, next, offer), its column, how
    it is read (`kind`) and named."""

    key: str
    label: str
    part: str
    attr: str
    kind: str = "text"  # text, date, datetime, int, money, email, phone, choice
    limit: int = 200
    required: bool = False
    options: tuple[tuple[str, str], ...] = ()  # (label, value) buttons for choice fields


FIELDS: tuple[Field, ...] = (
    Field("company", "Company name", "app", "company", required=True),
    Field("role", "Role", "app", "role"),
    Field("stage", "Stage", "app", "status", "choice", required=True, options=(
        ("Interviewing", "active"), ("Later rounds", "second_round"),
        ("Offer received", "offer"), ("Not selected", "rejected"))),
    Field("when", "Date and time", "interview", "starts_at", "datetime", required=True),
    Field("round", "Round", "interview", "round", "choice", 40, True, options=(
        ("First", "first"), ("Second", "second"), ("Third", "third"), ("Final", "final"))),
    Field("format", "Format", "interview", "format", "choice", 40, options=(
        ("Phone", "phone"), ("Video", "video"), ("On-site", "on-site"))),
    Field("name", "Name", "person", "name", required=True),
    Field("title", "Title", "person", "title"),
    Field("email", "Email", "person", "email", "email"),
    Field("phone", "Phone", "person", "phone", "phone"),
    Field("notes", "Personal point", "person", "notes", limit=2000),
    Field("decision", "Decision date", "next", "decision_expected", "date"),
    Field("steps", "Steps left", "next", "steps_remaining", "int"),
    Field("contact", "Who to ask for news", "next", "news_contact", limit=300),
    Field("booked", "Next interview booked", "next", "next_interview_at", "datetime"),
    Field("salary", "Salary", "offer", "salary", "money"),
    Field("bonus", "Bonus", "offer", "bonus"),
    Field("signing", "Signing bonus", "offer", "signing_bonus", "money"),
    Field("equity", "Equity", "offer", "equity"),
    Field("vacation", "Vacation days", "offer", "vacation_days", "int"),
    Field("benefits", "Benefits", "offer", "benefits", limit=2000),
    Field("relocation", "Relocation", "offer", "relocation", limit=300),
    Field("start", "Start date", "offer", "start_date", "date"),
    Field("deadline", "Reply deadline", "offer", "reply_deadline", "date"),
)
BY_KEY = {f.key: f for f in FIELDS}
PARTS = {"app": "Company, role or stage", "interview": "An interview",
         "person": "An interviewer", "next": "Next steps and dates", "offer": "Offer terms"}


def shown(field: Field, value: Any, tz: tzinfo) -> str:
    """A stored value as the user reads it."""
    if value is None or value == "":
        return "not noted"
    if field.key == "stage":
        return STAGES.get(value, value)
    if isinstance(value, str) and field.kind == "datetime":
        value = datetime.fromisoformat(value)
    if isinstance(value, datetime):
        local = value.astimezone(tz)
        return f"{short_date(local.date())} at {local:%H:%M}"
    if isinstance(value, str) and field.kind == "date":
        value = date.fromisoformat(value)
    if isinstance(value, date):
        return short_date(value)
    if isinstance(value, Decimal):
        return f"{value:,.0f}"
    return str(value)


def column_value(field: Field, value: Any) -> Any:
    """A parsed (JSON-ready) answer as the column stores it."""
    if value is None:
        return None if field.kind in ("date", "datetime", "int", "money") else ""
    if field.kind == "datetime":
        return datetime.fromisoformat(value)
    if field.kind == "date":
        return date.fromisoformat(value)
    if field.kind == "money":
        return Decimal(str(value))
    return value


def record_for(repo: Repository, app: Application, field: Field,
               record_id: int | None) -> Base | None:
    """The row holding this field (the interview or person chosen; the latest interview for
    next steps; the offer)."""
    if field.part == "app" or field.key == "booked":
        return app
    if field.part == "interview":
        row = repo.get(Interview, record_id)
        return row if row is not None and row.application_id == app.id else None
    if field.part == "person":
        person = repo.get(Interviewer, record_id)
        if person is None:
            return None
        interview = repo.get(Interview, person.interview_id)
        return person if interview is not None and interview.application_id == app.id else None
    if field.part == "next":
        return repo.latest_interview(app)
    return repo.offer_for(app, open_only=False)


def set_field(repo: Repository, app: Application, field: Field, row: Base, value: Any,
              now: datetime, tz: tzinfo) -> str:
    """Store a new value and log the change; what to tell the user."""
    stored = column_value(field, value)
    old = getattr(row, field.attr)
    subject = _subject(repo, app, field, row)
    if old == stored:
        return f"{subject} is already {shown(field, stored, tz)} — nothing to change."
    op = changes.set_fields(row, {field.attr: stored})
    what = f"{subject}: {shown(field, old, tz)} → {shown(field, stored, tz)}"
    changes.record(repo, what, [op], now, app.id)
    return f"Changed {what}."


def _subject(repo: Repository, app: Application, field: Field, row: Base) -> str:
    label = field.label[0].lower() + field.label[1:]
    if isinstance(row, Interviewer):
        return f"{possessive(row.name)} {label}"
    if isinstance(row, Interview) and field.part == "interview":
        return f"the {row.round} interview at {app.company}: {label}"
    if isinstance(row, Offer):
        return f"{possessive(app.company)} offer: {label}"
    return f"{possessive(app.company)} {label}"


def add_person(repo: Repository, interview: Interview, name: str, now: datetime) -> Interviewer:
    people = repo.interviewers(interview)
    person = repo.add_interviewer(interview, len(people), name=name)
    changes.record(repo, f"added {name}", [{"op": "remove", "table": "interviewers",
                                            "ids": [person.id]}], now,
                   interview.application_id)
    return person


def delete_person(repo: Repository, person: Interviewer, now: datetime) -> None:
    interview = repo.get(Interview, person.interview_id)
    snap = changes.snapshot(repo, "interviewers", [person.id])
    repo.session.flush()
    changes.delete_rows(repo, "interviewers", [person.id])
    repo.session.expunge(person)
    changes.record(repo, f"deleted {person.name}", [snap], now,
                   interview.application_id if interview else None)


def _interview_rows(repo: Repository, interview_ids: list[int]) -> list[tuple[str, list[int]]]:
    """An interview's rows, parents first: the interview, its people, stories and nudges."""
    return [("interviews", interview_ids),
            ("interviewers", changes.ids_of(repo, "interviewers", "interview_id", interview_ids)),
            ("stories", changes.ids_of(repo, "stories", "interview_id", interview_ids)),
            ("nudges", changes.ids_of(repo, "nudges", "interview_id", interview_ids))]


def _erase(repo: Repository, tables: list[tuple[str, list[int]]]) -> list[Any]:
    """Snapshot then delete rows (children first); the undo operations in the order that
    `undo_last` plays backwards: parents are inserted back before their children."""
    repo.session.flush()
    snaps = [changes.snapshot(repo, name, ids) for name, ids in tables]
    for name, ids in reversed(tables):
        changes.delete_rows(repo, name, ids)
    for row in list(repo.session.identity_map.values()):
        if any(row.__tablename__ == name and row.id in ids  # type: ignore[attr-defined]
               for name, ids in tables):
            repo.session.expunge(row)
    return list(reversed(snaps))


def delete_interview(repo: Repository, app: Application, interview: Interview,
                     now: datetime) -> None:
    when = short_date(interview.starts_at.date())
    snaps = _erase(repo, _interview_rows(repo, [interview.id]))
    changes.record(repo, f"deleted the {interview.round} interview of {when} at {app.company}",
                   snaps, now, app.id)


def delete_application(repo: Repository, app: Application, now: datetime) -> None:
    interview_ids = [i.id for i in repo.interviews(app)]
    tables = [("applications", [app.id]), *_interview_rows(repo, interview_ids),
              ("events", changes.ids_of(repo, "events", "application_id", [app.id])),
              ("offers", changes.ids_of(repo, "offers", "application_id", [app.id]))]
    nudges = set(tables[4][1]) | set(changes.ids_of(repo, "nudges", "application_id", [app.id]))
    tables[4] = ("nudges", sorted(nudges))
    company = app.company
    if repo.user.last_application_id == app.id:
        repo.user.last_application_id = None
    snaps = _erase(repo, tables)
    changes.record(repo, f"deleted the application at {company}", snaps, now, None)


def merge(repo: Repository, keep: Application, other: Application, now: datetime) -> int:
    """Move the other application's interviews, letters, contacts, offers and history into
    `keep`, then delete it; returns how many interviews moved. Its open nudges are re-planned
    under `keep` (the caller marks it changed), so nothing is reminded twice."""
    moved_interviews = [i.id for i in repo.interviews(other)]
    ops: list[Any] = []
    for table in ("interviews", "events", "offers", "nudges"):
        ids = changes.ids_of(repo, table, "application_id", [other.id])
        if table == "nudges":
            ops.append(_cancel_open(repo, ids))
        ops.append(changes.move_rows(repo, table, ids, "application_id", other.id, keep.id))
    if not keep.role and other.role:
        ops.append(changes.set_fields(keep, {"role": other.role}))
    if repo.user.last_application_id == other.id:
        ops.append(changes.set_fields(repo.user, {"last_application_id": keep.id}))
    ops += _erase(repo, [("applications", [other.id])])
    changes.record(repo, f"merged {other.company} into {keep.company}", ops, now, keep.id)
    return len(moved_interviews)


def _cancel_open(repo: Repository, nudge_ids: list[int]) -> Any:
    """Open nudges of a merged-away application stop; the merged one's plan replaces them."""
    open_ids = list(repo.session.scalars(select(Nudge.id).where(
        Nudge.user_id == repo.user_id, Nudge.id.in_(nudge_ids),
        Nudge.state.in_(("pending", "snoozed")))))
    if not open_ids:
        return None
    snap = changes.snapshot(repo, "nudges", open_ids)
    repo.session.execute(update(Nudge).where(Nudge.user_id == repo.user_id,
                                             Nudge.id.in_(open_ids))
                         .values(state="cancelled", last_error="merged"))
    assert snap is not None
    return {"op": "reset", "table": "nudges", "rows": snap["rows"]}


def archive(repo: Repository, app: Application, now: datetime) -> None:
    op = changes.set_fields(app, {"status": "archived", "closed_at": now})
    changes.record(repo, f"archived {app.company}", [op], now, app.id)


# ---- reading a typed value; a whole form of them (the Slack edit modal) -----------------------

def parse_value(field: Field, text: str, now: datetime, tz: tzinfo) -> Any:
    """A typed answer as the JSON-ready value of this field; ParseError says what's wrong.
    "clear" (or an empty form field) empties a field that may be empty."""
    word = " ".join(text.casefold().split())
    if word in ("clear", "none", "remove", "") and not field.required:
        return None
    if field.kind == "choice":
        names = {label: value for label, value in field.options}
        names |= {"stage": STAGE_NAMES, "format": FORMATS, "round": ROUNDS}.get(field.key, {})
        found = names.get(word) or match_choice(text, names)
        if found is not None:
            return found
        if field.key == "stage":
            raise ParseError("Please pick a stage: " + ", ".join(STAGE_NAMES) + ".")
    elif field.kind in ("date", "int") and is_dont_know(text):
        return None
    elif field.kind == "date":
        return parse_date(text, now, tz, prefer="future").isoformat()
    elif field.kind == "datetime":
        ahead = field.key == "booked"  # a booked round is ahead; an interview held, behind
        return parse_datetime(text, now, tz, prefer="future" if ahead else "past").isoformat()
    elif field.kind == "int":
        return parse_int(text, lo=0, hi=365, what=field.label.lower())
    elif field.kind == "money":
        return str(parse_money(text)[0])
    elif field.kind == "email":
        return parse_email(text)
    elif field.kind == "phone":
        return parse_phone(text)
    value = " ".join(text.split()) if "\n" not in text else text.strip()
    if not value:
        raise ParseError(f"{field.label} can't be empty — type it, or leave it as it was.")
    if len(value) > field.limit:
        raise ParseError(f"That's long for {field.label.lower()} — please keep it under "
                         f"{field.limit} characters.")
    return value


def form_text(field: Field, value: Any, tz: tzinfo) -> str:
    """A stored value as a form shows it, so that reading it back gives the same value."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return f"{value.astimezone(tz):%Y-%m-%d %H:%M}"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return f"{value:.0f}"
    return str(value)


def form_fields(repo: Repository, app: Application, tz: tzinfo) -> list[tuple[str, str, str]]:
    """(form id, label, current text) of every fact of one application that a form edits:
    the application, its latest interview, the next steps, each interviewer of it."""
    latest = repo.latest_interview(app)
    found = []
    for field in FIELDS:
        if field.part == "person" or field.part == "offer":
            continue
        if field.part in ("interview", "next") and latest is None and field.key != "booked":
            continue
        row = app if field.part == "app" or field.key == "booked" else latest
        found.append((f"f:{field.key}", field.label, form_text(field, getattr(row, field.attr),
                                                               tz)))
    for person in repo.interviewers(latest) if latest is not None else []:
        for key in ("name", "title", "email", "phone"):
            field = BY_KEY[key]
            found.append((f"p{person.id}:{key}", f"{person.name}: {field.label.lower()}",
                          form_text(field, getattr(person, field.attr), tz)))
    return found


def apply_form(repo: Repository, app: Application, typed: dict[str, str], now: datetime,
               tz: tzinfo) -> tuple[dict[str, str], list[str]]:
    """Store what changed in a form of `form_fields`: (errors by form id, what was said). Nothing
    is stored while any field has an error."""
    before = {form_id: text for form_id, _, text in form_fields(repo, app, tz)}
    wanted: list[tuple[Field, Base, Any]] = []
    errors: dict[str, str] = {}
    for form_id, text in typed.items():
        if form_id not in before or (text or "").strip() == before[form_id].strip():
            continue
        head, _, key = form_id.partition(":")
        field = BY_KEY[key]
        record_id = int(head[1:]) if head.startswith("p") else None
        row = record_for(repo, app, field, record_id)
        if row is None:
            errors[form_id] = "That record isn't there anymore."
            continue
        try:
            wanted.append((field, row, parse_value(field, text or "", now, tz)))
        except ParseError as error:
            errors[form_id] = str(error)[:150]
    if errors:
        return errors, []
    return {}, [set_field(repo, app, field, row, value, now, tz)
                for field, row, value in wanted]
