"""Changing stored facts with an undo log: set fields, delete rows (kept as a snapshot), move rows
between applications; `undo_last` plays the latest change's undo operations back."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Table, delete, insert, select, update

from storage.models import Base, Change
from storage.repository import Repository

Op = dict[str, Any]


def encode(value: Any) -> Any:
    """A column value as JSON (dates, times and amounts tagged so they come back typed)."""
    if isinstance(value, datetime):
        return {"$dt": value.isoformat()}
    if isinstance(value, date):
        return {"$d": value.isoformat()}
    if isinstance(value, Decimal):
        return {"$dec": str(value)}
    return value


def decode(value: Any) -> Any:
    if isinstance(value, dict) and len(value) == 1:
        tag, raw = next(iter(value.items()))
        if tag == "$dt":
            return datetime.fromisoformat(raw)
        if tag == "$d":
            return date.fromisoformat(raw)
        if tag == "$dec":
            return Decimal(raw)
    return value


def _table(name: str) -> Table:
    return Base.metadata.tables[name]


def set_fields(row: Base, values: dict[str, Any]) -> Op | None:
    """Set attributes of an ORM row; the operation that puts the old values back (None when
    nothing changed)."""
    old = {}
    for name, value in values.items():
        before = getattr(row, name)
        if before != value:
            old[name] = encode(before)
            setattr(row, name, value)
    if not old:
        return None
    return {"op": "set", "table": row.__tablename__, "id": row.id, "values": old}  # type: ignore[attr-defined]


def snapshot(repo: Repository, table_name: str, ids: list[int]) -> Op | None:
    """The rows (this user's) as they are, to insert back on undo."""
    if not ids:
        return None
    table = _table(table_name)
    found = repo.session.execute(select(table).where(
        table.c.user_id == repo.user_id, table.c.id.in_(ids))).mappings().all()
    if not found:
        return None
    return {"op": "insert", "table": table_name,
            "rows": [{key: encode(value) for key, value in row.items()} for row in found]}


def delete_rows(repo: Repository, table_name: str, ids: list[int]) -> None:
    if ids:
        table = _table(table_name)
        repo.session.execute(delete(table).where(table.c.user_id == repo.user_id,
                                                 table.c.id.in_(ids)))


def ids_of(repo: Repository, table_name: str, column: str, values: list[int]) -> list[int]:
    """Ids of this user's rows of a table whose `column` is one of `values`."""
    if not values:
        return []
    table = _table(table_name)
    return list(repo.session.scalars(select(table.c.id).where(
        table.c.user_id == repo.user_id, table.c[column].in_(values))))


def move_rows(repo: Repository, table_name: str, ids: list[int], column: str, old: int,
              new: int) -> Op | None:
    """Point rows at another parent (merge); the operation that points them back."""
    if not ids:
        return None
    table = _table(table_name)
    repo.session.execute(update(table).where(table.c.user_id == repo.user_id,
                                             table.c.id.in_(ids)).values({column: new}))
    return {"op": "move", "table": table_name, "ids": ids, "column": column, "value": old}


def record(repo: Repository, summary: str, undo: list[Op | None], at: datetime,
           application_id: int | None = None) -> Change | None:
    """Log a change (operations in the order they were made); None when nothing changed."""
    ops = [op for op in undo if op is not None]
    if not ops:
        return None
    repo.session.flush()
    return repo.add_change(summary, ops, at, application_id)


def undo_last(repo: Repository) -> Change | None:
    """Revert the user's latest change; returns it (marked undone), or None when none is left."""
    change = repo.last_change()
    if change is None:
        return None
    session = repo.session
    session.flush()
    for op in reversed(change.undo):
        table = _table(op["table"])
        mine = (table.c.id if "user_id" not in table.c else table.c.user_id) == repo.user_id
        if op["op"] == "set":
            values = {key: decode(value) for key, value in op["values"].items()}
            session.execute(update(table).where(mine, table.c.id == op["id"]).values(values))
        elif op["op"] == "insert":
            rows = [{key: decode(value) for key, value in row.items()} for row in op["rows"]]
            rows = [row for row in rows if row.get("user_id") == repo.user_id]
            if rows:
                session.execute(insert(table), rows)
        elif op["op"] == "move":
            session.execute(update(table).where(mine, table.c.id.in_(op["ids"]))
                            .values({op["column"]: op["value"]}))
        elif op["op"] == "reset":  # rows put back as they were, column by column
            for row in op["rows"]:
                values = {key: decode(value) for key, value in row.items() if key != "id"}
                session.execute(update(table).where(mine, table.c.id == row["id"])
                                .values(values))
        elif op["op"] == "remove":
            session.execute(delete(table).where(mine, table.c.id.in_(op["ids"])))
    change.undone = True
    session.flush()
    for row in list(session.identity_map.values()):
        if row is not repo.user and not isinstance(row, Change):
            session.expire(row)
    return change
