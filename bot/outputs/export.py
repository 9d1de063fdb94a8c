"""Data ownership: the `export` command (every row the user owns, as JSON, plus an .ics
calendar) and `import_export`, which puts such a file back into a database with nothing lost.

The export is table by table, generic over `Base.metadata`: every table with a `user_id`
column, plus the user's own row. Datetimes are ISO 8601 with their UTC offset, dates ISO,
Decimals strings. Row ids are kept so rows can point at each other; on import they are kept
too when they are free in the target database, and renumbered otherwise — foreign keys and the
ids we know are tucked inside other values (nudge keys, `…_id` entries in JSON columns,
`users.last_application_id`) are rewritten to match.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Integer,
    Numeric,
    String,
    Table,
    TypeDecorator,
    delete,
    func,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.orm import Session

from bot.messages import Attachment, Reply, UserKey
from bot.turn import Turn
from storage.models import Base, User

FORMAT = "afterview-export"
VERSION = 1
USERS = "users"
# rows that only make sense for the conversation in progress; replaced, not counted as data
TRANSIENT = ("conversation_states", "button_tokens", "mail_links")
# ids stored inside JSON values under these names point at rows of these tables
ID_KEYS = {
    "application_id": "applications", "interview_id": "interviews",
    "interviewer_id": "interviewers", "offer_id": "offers", "lesson_id": "lessons",
    "reference_id": "references", "story_id": "stories", "nudge_id": "nudges",
    "event_id": "events",
}
# nudge keys look like "kind:<id>:…"; the id is an interview's for these kinds, else an
# application's (see bot.nudges.rules.plan_application)
INTERVIEW_KEYED_NUDGES = frozenset({"thank_you"})


class ExportFormatError(ValueError):
    """The file is not an Afterview export this version can read."""


class ImportRefused(Exception):  # noqa: N818 - a refusal, explained to the operator
    """Importing would mix the file with data the target user already has."""


# ---- which tables a user owns -------------------------------------------------------------------

def owned_tables() -> list[Table]:
    """The user's row first, then every table with a `user_id`, parents before children."""
    tables = [t for t in Base.metadata.sorted_tables if "user_id" in t.c]
    return [Base.metadata.tables[USERS], *tables]


def _owner_column(table: Table) -> Any:
    return table.c.id if table.name == USERS else table.c.user_id


def _order(table: Table) -> list[Any]:
    return list(table.primary_key.columns)


# ---- values in and out --------------------------------------------------------------------------

def _type_of(column: Any) -> Any:
    kind = column.type
    return kind.impl if isinstance(kind, TypeDecorator) else kind


def _dump(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _load(table: Table, name: str, value: Any) -> Any:
    column = table.c[name]
    if value is None:
        if not column.nullable and not column.primary_key:
            raise ExportFormatError(f"{table.name}.{name} may not be empty")
        return None
    kind = _type_of(column)
    try:
        if isinstance(kind, DateTime):
            moment = datetime.fromisoformat(str(value))
            return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
        if isinstance(kind, Date):
            return date.fromisoformat(str(value))
        if isinstance(kind, Numeric) and not isinstance(kind, Integer):
            return Decimal(str(value))
        if isinstance(kind, Boolean):
            if not isinstance(value, bool):
                raise ValueError("not true or false")
            return value
        if isinstance(kind, Integer):
            if isinstance(value, bool) or not isinstance(value, int):
                raise ValueError("not a whole number")
            return value
        if isinstance(kind, String) and not isinstance(value, str):
            raise ValueError("not text")
        if isinstance(kind, JSON):
            return value
    except (ValueError, InvalidOperation) as error:
        raise ExportFormatError(f"{table.name}.{name}: {value!r:.60} — {error}") from None
    return value


# ---- export -------------------------------------------------------------------------------------

def export_user(session: Session, user: User, now: datetime) -> dict[str, Any]:
    """Every row this user owns, table by table, as JSON-ready data."""
    tables: dict[str, list[dict[str, Any]]] = {}
    for table in owned_tables():
        query = select(table).where(_owner_column(table) == user.id).order_by(*_order(table))
        tables[table.name] = [{key: _dump(value) for key, value in row.items()}
                              for row in session.execute(query).mappings()]
    return {
        "format": FORMAT,
        "version": VERSION,
        "exported_at": now.astimezone(UTC).isoformat(),
        "schema": _schema_revision(session),
        "user": {"platform": user.platform, "workspace": user.workspace,
                 "user_id": user.external_id},
        "tables": tables,
    }


def export_json(session: Session, user: User, now: datetime) -> bytes:
    return json.dumps(export_user(session, user, now), ensure_ascii=False, indent=1).encode()


def _schema_revision(session: Session) -> str | None:
    from alembic.runtime.migration import MigrationContext

    return MigrationContext.configure(session.connection()).get_current_revision()


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def export_command(turn: Turn, args: str) -> None:
    """`export`: the JSON file and the calendar, as two attachments."""
    from bot.outputs.calendar import build_calendar

    repo, user = turn.repo, turn.user
    repo.session.flush()
    data = export_json(repo.session, user, turn.now)
    ics, events = build_calendar(repo, turn.now)
    day = turn.local_now.date().isoformat()
    apps = len(repo.applications())
    interviews = len(repo.interviews())
    turn.replies.append(Reply(
        f"Here is everything I keep about you — your profile, {_plural(apps, 'application')}, "
        f"{_plural(interviews, 'interview')}, interviewers, letters' status, reminders and "
        "notes — as a JSON file. It's yours: keep it somewhere safe. (An Afterview operator can "
        "load it into another Afterview with “afterview import”.)",
        attachment=Attachment(f"afterview-export-{day}.json", data, "application/json",
                              "Your Afterview data (JSON)"),
    ))
    what = ("interviews, decision dates, follow-ups and offer deadlines" if events
            else "no dates yet — export again after your next debrief")
    turn.replies.append(Reply(
        f"And your calendar: {_plural(events, 'date')} ({what}). Open the .ics file to add them "
        "to your phone's calendar; importing a newer one later updates these events instead "
        "of duplicating them.",
        attachment=Attachment(f"afterview-calendar-{day}.ics", ics, "text/calendar",
                              "Your job search calendar (.ics)"),
    ))


# ---- import -------------------------------------------------------------------------------------

@dataclass
class ImportReport:
    user: UserKey
    counts: dict[str, int] = field(default_factory=dict)
    ids_kept: bool = True

    def summary(self) -> str:
        parts = [f"{n} {name.replace('_', ' ')}" for name, n in self.counts.items()
                 if n and name != USERS]
        how = "ids kept" if self.ids_kept else "ids renumbered"
        return f"imported {self.user}: " + (", ".join(parts) or "profile only") + f" ({how})"


def read_export(raw: bytes | str) -> dict[str, Any]:
    """Parse and check an export file; a clear `ExportFormatError` otherwise."""
    try:
        data = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ExportFormatError(f"not a JSON file ({error})") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ExportFormatError("not an Afterview export (no \"format\": \"afterview-export\")")
    if not isinstance(data.get("version"), int) or data["version"] > VERSION:
        raise ExportFormatError(f"export version {data.get('version')!r} is newer than this "
                                f"Afterview understands ({VERSION}); upgrade Afterview first")
    tables = data.get("tables")
    if not isinstance(tables, dict) or not isinstance(tables.get(USERS), list) \
            or len(tables[USERS]) != 1:
        raise ExportFormatError("the export has no user row")
    user_row = tables[USERS][0]
    if not isinstance(user_row, dict) or not isinstance(user_row.get("id"), int):
        raise ExportFormatError("the user row has no id")
    known = {t.name: t for t in owned_tables()}
    for name, rows in tables.items():
        if name not in known:
            raise ExportFormatError(f"unknown table {name!r} (exported by a newer Afterview?)")
        if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
            raise ExportFormatError(f"table {name!r} is not a list of rows")
        for row in rows:
            unknown = set(row) - set(known[name].c.keys())
            if unknown:
                raise ExportFormatError(f"unknown column(s) {sorted(unknown)} in {name!r}")
    return data


def import_export(session: Session, data: Mapping[str, Any], key: UserKey | None = None
                  ) -> ImportReport:
    """Load an export (see `read_export`) for `key` (default: the key in the file).

    The target user must be new or have no data yet (a profile, a conversation in progress
    and button tokens are replaced). Runs in the caller's transaction: all or nothing.
    """
    tables: dict[str, list[dict[str, Any]]] = data["tables"]
    if key is None:
        owner = data.get("user") or {}
        key = UserKey(str(owner.get("platform") or "console"),
                      str(owner.get("workspace") or "local"), str(owner.get("user_id") or "me"))
    report = ImportReport(key)
    schema = owned_tables()
    users = schema[0]
    existing = session.scalars(select(User).where(
        User.platform == key.platform, User.workspace == key.workspace,
        User.external_id == key.user_id)).one_or_none()
    if existing is not None:
        busy = [t.name for t in schema[1:] if t.name not in TRANSIENT and session.scalar(
            select(func.count()).select_from(t).where(t.c.user_id == existing.id))]
        if busy:
            raise ImportRefused(f"{key} already has data ({', '.join(busy)}); import into an "
                                "empty database or for another user")
        for table in schema[1:]:
            if table.name in TRANSIENT:
                session.execute(delete(table).where(table.c.user_id == existing.id))

    keep = _ids_free(session, schema, tables, existing)
    report.ids_kept = keep
    ids: dict[str, dict[Any, Any]] = {t.name: {} for t in schema}
    fixups: list[tuple[Table, Any, dict[str, Any]]] = []

    # the user's row: the key is the target's; the rest comes from the file
    source = dict(tables[USERS][0])
    values = {name: _load(users, name, value) for name, value in source.items()
              if name not in ("id", "platform", "workspace", "external_id")}
    values.update(platform=key.platform, workspace=key.workspace, external_id=key.user_id)
    soft_app = values.pop("last_application_id", None)
    if existing is not None:
        session.execute(update(users).where(users.c.id == existing.id).values(**values))
        user_id = existing.id
    else:
        if keep:
            values["id"] = source["id"]
        user_id = _insert(session, users, values)[0]
    ids[USERS][source["id"]] = user_id
    report.counts[USERS] = 1

    for table in schema[1:]:
        rows = tables.get(table.name, [])
        report.counts[table.name] = len(rows)
        for row in rows:
            values = {name: _load(table, name, value) for name, value in row.items()}
            for column in table.c:
                for fk in column.foreign_keys:
                    if values.get(column.name) is not None:
                        values[column.name] = _mapped(ids, fk.column.table.name,
                                                      values[column.name], column, table)
            if _natural_key_taken(session, table, values):
                report.counts[table.name] -= 1  # e.g. a button token: another user's now
                continue
            old = values.get("id") if "id" in table.c else None
            if old is not None and not keep:
                del values["id"]
            new_pk = _insert(session, table, values)
            if old is not None:
                ids[table.name][old] = new_pk[0]
            fixups.append((table, new_pk, values))

    # ids tucked inside values, now that every row has its new id
    if soft_app is not None:
        session.execute(update(users).where(users.c.id == user_id).values(
            last_application_id=ids["applications"].get(soft_app)))
    if not keep:
        for table, pk, values in fixups:
            changes = _soft_references(table, values, ids)
            if changes:
                where = [col == value for col, value in zip(table.primary_key.columns, pk,
                                                             strict=True)]
                session.execute(update(table).where(*where).values(**changes))
    elif session.get_bind().dialect.name == "postgresql":
        _advance_sequences(session, schema)
    session.flush()
    return report


def _insert(session: Session, table: Table, values: dict[str, Any]) -> tuple[Any, ...]:
    result: Any = session.execute(insert(table).values(**values))
    return tuple(result.inserted_primary_key)


def _ids_free(session: Session, schema: list[Table], tables: Mapping[str, list[dict[str, Any]]],
              existing: User | None) -> bool:
    """True when every exported id (and button token) is unused in the target database."""
    for table in schema:
        if table.name == USERS and existing is not None:
            continue
        pk = list(table.primary_key.columns)
        if [c.name for c in pk] != ["id"]:
            continue
        wanted = [row.get(pk[0].name) for row in tables.get(table.name, [])]
        wanted = [value for value in wanted if value is not None]
        for start in range(0, len(wanted), 500):
            chunk = wanted[start:start + 500]
            if session.scalar(select(func.count()).select_from(table)
                              .where(pk[0].in_(chunk))):
                return False
    return True


def _natural_key_taken(session: Session, table: Table, values: dict[str, Any]) -> bool:
    """Rows keyed by a value of their own (a button token) are skipped when it is taken."""
    pk = list(table.primary_key.columns)
    if [c.name for c in pk] == ["id"] or any(c.foreign_keys for c in pk):
        return False
    where = [c == values.get(c.name) for c in pk]
    return bool(session.scalar(select(func.count()).select_from(table).where(*where)))


def _mapped(ids: dict[str, dict[Any, Any]], target: str, old: Any, column: Any,
            table: Table) -> Any:
    new = ids.get(target, {}).get(old)
    if new is None:
        if column.nullable:
            return None  # a row the user no longer owns: drop the link, keep the row
        raise ExportFormatError(f"{table.name}.{column.name} points at {target} {old}, "
                                "which is not in the file")
    return new


def _rewrite_json(value: Any, ids: dict[str, dict[Any, Any]]) -> Any:
    if isinstance(value, dict):
        result = {}
        for key, item in value.items():
            target = ID_KEYS.get(key)
            if target and isinstance(item, int) and not isinstance(item, bool):
                result[key] = ids[target].get(item, item)
            else:
                result[key] = _rewrite_json(item, ids)
        return result
    if isinstance(value, list):
        return [_rewrite_json(item, ids) for item in value]
    return value


def nudge_key(key: str, kind: str, ids: dict[str, dict[Any, Any]]) -> str:
    """A nudge key with its application or interview id renumbered."""
    parts = key.split(":")
    if len(parts) >= 2 and parts[1].isdigit():
        table = "interviews" if kind in INTERVIEW_KEYED_NUDGES else "applications"
        new = ids[table].get(int(parts[1]))
        if new is not None:
            parts[1] = str(new)
    return ":".join(parts)


def _soft_references(table: Table, values: dict[str, Any],
                     ids: dict[str, dict[Any, Any]]) -> dict[str, Any]:
    changes: dict[str, Any] = {}
    for column in table.c:
        value = values.get(column.name)
        if value is None:
            continue
        if isinstance(_type_of(column), JSON):
            rewritten = _rewrite_json(value, ids)
            if rewritten != value:
                changes[column.name] = rewritten
    if table.name == "nudges" and values.get("key"):
        rewritten_key = nudge_key(values["key"], values.get("kind", ""), ids)
        if rewritten_key != values["key"]:
            changes["key"] = rewritten_key
    return changes


def _advance_sequences(session: Session, schema: Iterable[Table]) -> None:
    """After inserting explicit ids on PostgreSQL, move each id sequence past them."""
    preparer = session.get_bind().dialect.identifier_preparer
    for table in schema:
        if "id" not in table.c or not table.c.id.primary_key:
            continue
        name = preparer.format_table(table)
        session.execute(text(
            f"SELECT setval(pg_get_serial_sequence(:name, 'id'), "
            f"(SELECT COALESCE(MAX(id), 0) + 1 FROM {name}), false)"
        ), {"name": name})
