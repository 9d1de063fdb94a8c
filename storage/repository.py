"""The user-scoped repository: every query is built from the user's key, so no code path can
read or change another user's rows."""

from __future__ import annotations

import difflib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any, TypeVar

from sqlalchemy import (
    Connection,
    Insert,
    Table,
    func,
    insert,
    select,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, make_transient_to_detached
from sqlalchemy.orm.util import identity_key

from storage.models import (
    ACTIVE_STATUSES,
    Application,
    Base,
    Change,
    ConversationState,
    Event,
    Interview,
    Interviewer,
    Lesson,
    Offer,
    Reference,
    Story,
    User,
)
from storage.turn_sql import (
    CONVERSATION,
    DELETE_CONVERSATION,
    FIRST_DELIVERY_USER_AND_CONVERSATION,
    INSERT_CONVERSATION,
    KNOWN_TOKENS,
    NEW_TOKENS,
    PROCESSED,
    SAVE_CONVERSATION_READ_TOKENS,
    UPDATE_CONVERSATION,
    UPDATE_CONVERSATION_READ_TOKENS,
    USER_AND_CONVERSATION,
    USER_KEYS,
)

Row = TypeVar("Row", bound=Base)
OPEN_OFFER_STATUSES = ("received", "negotiating")


@dataclass
class StoredConversation:
    """The conversation row as stored: where the user stood in which flow, and since when."""

    flow: str
    step: str
    slots: dict[str, Any]
    history: list[Any]
    updated_at: datetime


class Repository:
    """Reads and writes one user's data inside the caller's transaction."""

    def __init__(self, session: Session, user: User | None = None, *,
                 user_row: dict[str, Any] | None = None) -> None:
        """For `user`, or for the user whose row (column -> value) `user_row` is: the ORM
        object is then built only when a turn asks for it (most steps need only the id)."""
        self.session = session
        self._user = user
        self._user_row = user_row
        if user is not None:
            self.user_id: int = user.id
        else:
            assert user_row is not None, "a repository is for a user"
            self.user_id = user_row["id"]
        self._stored: StoredConversation | None = None  # the conversation row, once read
        self._stored_read = False
        self._bound: Connection | None = None  # the session's connection, once asked for
        self.had_applications: bool | None = None  # when the turn began (read with the user)
        # whether a letter waited for its pasted replacement when the turn began (read with the
        # user; None: not read, ask the database)
        self.letter_awaited: bool | None = None

    @property
    def user(self) -> User:
        """The user's ORM object (built from the row read with the turn, without a query)."""
        user = self._user
        if user is None:
            user = self._user = self._user_object()
        return user

    def _user_object(self) -> User:
        loaded = self.session.identity_map.get(identity_key(User, self.user_id))
        if loaded is not None:
            return loaded  # type: ignore[no-any-return]
        assert self._user_row is not None
        user = User(**self._user_row)
        make_transient_to_detached(user)  # as if loaded: persistent, nothing to write
        self.session.add(user)
        return user

    def user_present(self) -> bool:
        """False once the user's row was erased in this transaction (its object expunged)."""
        return self._user is None or self._user in self.session

    # ---- the user -------------------------------------------------------------------------

    @classmethod
    def for_key(
        cls,
        session: Session,
        platform: str,
        workspace: str,
        external_id: str,
        *,
        display_name: str | None = None,
        create: bool = True,
    ) -> Repository | None:
        """The repository of the user with this key; the user row is created on first contact."""
        query = select(User).where(
            User.platform == platform, User.workspace == workspace, User.external_id == external_id
        )
        user = session.scalars(query).one_or_none()
        if user is None:
            if not create:
                return None
            user = User(
                platform=platform,
                workspace=workspace,
                external_id=external_id,
                display_name=(display_name or "")[:120],
            )
            try:
                with session.begin_nested():
                    session.add(user)
                    session.flush()
            except IntegrityError:  # another process created it a moment ago
                user = session.scalars(query).one()
        return cls(session, user)

    @classmethod
    def for_turn(
        cls, session: Session, platform: str, workspace: str, external_id: str,
        *, display_name: str | None = None, update: str | None = None,
        now: datetime | None = None,
    ) -> Repository | None:
        """`for_key` for a turn: the user and their stored conversation in one query.

        With `update` (the platform's id of the event), the event is recorded as processed
        (see `first_delivery`) and None returned when it was processed before — on
        PostgreSQL in the same statement, a round trip saved.
        """
        where = {"platform": platform, "workspace": workspace, "external_id": external_id}
        found: Sequence[Any] | None
        if update is not None and session.get_bind().dialect.name == "postgresql":
            assert now is not None, "an update is recorded with its time"
            first, *row = session.connection().execute(FIRST_DELIVERY_USER_AND_CONVERSATION, {
                **where, "update_platform": platform, "update_key": update[:128],
                "update_at": now}).one()
            if not first:
                return None
            found = None if row[0] is None else row  # no user: a new one
        else:
            if update is not None:
                assert now is not None, "an update is recorded with its time"
                if not first_delivery(session, platform, update, now):
                    return None
            found = session.connection().execute(USER_AND_CONVERSATION, where).first()
        if found is None:
            repo = cls.for_key(session, platform, workspace, external_id,
                               display_name=display_name)
            assert repo is not None
            repo._stored_read, repo.had_applications = True, False  # a new user: nothing yet
            repo.letter_awaited = False
            return repo
        user_row = dict(zip(USER_KEYS, found[:len(USER_KEYS)], strict=True))
        flow, step, slots, history, updated_at = found[len(USER_KEYS):-2]
        repo = cls(session, user_row=user_row)
        repo.had_applications, repo.letter_awaited = bool(found[-2]), bool(found[-1])
        if flow is not None:
            repo._stored = StoredConversation(flow, step, slots, history, updated_at)
        repo._stored_read = True
        return repo

    def get(self, model: type[Row], row_id: int | None) -> Row | None:
        """A row of this user's by id, or None — also when the id belongs to someone else."""
        if row_id is None or not 0 < row_id < 2**63:  # forged ids never reach the driver
            return None
        row = self.session.get(model, row_id)
        if row is None:
            return None
        owner = row.id if isinstance(row, User) else getattr(row, "user_id", None)
        return row if owner == self.user_id else None

    # ---- conversation state ---------------------------------------------------------------

    def conversation(self) -> ConversationState | None:
        return self.session.get(ConversationState, self.user_id)

    def stored_conversation(self) -> StoredConversation | None:
        """The conversation as stored (read with the user by `for_turn`, else read now)."""
        if not self._stored_read:
            found = self._connection().execute(CONVERSATION, {"owner": self.user_id}).first()
            self._stored = None if found is None else StoredConversation(*found)
            self._stored_read = True
        return self._stored

    def save_conversation(
        self, flow: str, step: str, slots: dict[str, Any], history: list[Any], now: datetime,
        *, read_tokens: Sequence[str] = (),
    ) -> dict[str, str]:
        """Store where the user stands: one UPDATE (or the first time, one INSERT).

        Returns `known_tokens(read_tokens)`, read on PostgreSQL by the statement that saves.
        """
        stored = StoredConversation(flow, step, dict(slots), list(history), now)
        values = vars(stored)
        connection = self._connection()
        absent = self._stored_read and self._stored is None
        known: dict[str, str] | None = None
        if absent:
            saved = False
        elif read_tokens and connection.dialect.name == "postgresql":
            rows = connection.execute(SAVE_CONVERSATION_READ_TOKENS, {
                "owner": self.user_id, "values": _token_values(read_tokens),
                **{f"new_{name}": value for name, value in values.items()}}).all()
            saved = bool(rows[0].saved)
            known = {row.value: row.token for row in rows if row.value is not None}
        elif read_tokens:  # SQLite: the tokens as one JSON object RETURNED by the UPDATE
            row = connection.execute(UPDATE_CONVERSATION_READ_TOKENS, {
                "owner": self.user_id, "values": _token_values(read_tokens), **values}).first()
            saved, known = row is not None, json.loads(row[0] or "{}") if row else None
        else:
            saved = connection.execute(
                UPDATE_CONVERSATION, {"owner": self.user_id, **values}).rowcount > 0
        if not saved:
            connection.execute(INSERT_CONVERSATION, {"user_id": self.user_id, **values})
        self._stored, self._stored_read = stored, True
        self._forget_loaded_conversation(expunge=False)
        if known is None:
            known = self.known_tokens(read_tokens) if read_tokens else {}
        return known

    def clear_conversation(self) -> None:
        if not self._stored_read or self._stored is not None:  # none stored: nothing to delete
            self._connection().execute(DELETE_CONVERSATION, {"owner": self.user_id})
            self._stored, self._stored_read = None, True
        self._forget_loaded_conversation(expunge=True)

    def _forget_loaded_conversation(self, *, expunge: bool) -> None:
        """The conversation is written without the ORM: a row the session loaded is stale."""
        loaded = self.session.identity_map.get(identity_key(ConversationState, self.user_id))
        if loaded is None:
            return
        if expunge:
            self.session.expunge(loaded)
        else:
            self.session.expire(loaded)

    def _connection(self) -> Connection:
        bound = self._bound
        if bound is None or not bound.in_transaction():
            bound = self._bound = self.session.connection()
        return bound

    # ---- button tokens (issued by bot.conversation.buttons) -----------------------------

    def known_tokens(self, values: Sequence[str]) -> dict[str, str]:
        """The tokens already issued to this user for these button values: value -> token."""
        return {row.value: row.token for row in self._connection().execute(
            KNOWN_TOKENS, {"owner": self.user_id, "values": _token_values(values)})}

    def add_tokens(self, tokens: dict[str, str], now: datetime) -> None:
        """Store new tokens (value -> token) for this user, in one statement."""
        if tokens:
            self._connection().execute(NEW_TOKENS, [
                {"token": token, "user_id": self.user_id, "value": value, "created_at": now}
                for value, token in tokens.items()])

    # ---- applications ---------------------------------------------------------------------

    def applications(self, *, active_only: bool = False) -> list[Application]:
        query = select(Application).where(Application.user_id == self.user_id)
        if active_only:
            query = query.where(Application.status.in_(ACTIVE_STATUSES))
        return list(self.session.scalars(query.order_by(Application.updated_at.desc())))

    def application(self, application_id: int | None) -> Application | None:
        return self.get(Application, application_id)

    def find_application(
        self, company: str, *, active_only: bool = False, cutoff: float = 0.8
    ) -> Application | None:
        """The application whose company matches, tolerant of case and small typos."""
        wanted = _fold(company)
        if not wanted:
            return None
        candidates = self.applications(active_only=active_only)
        for app in candidates:
            if _fold(app.company) == wanted:
                return app
        names = {_fold(app.company): app for app in reversed(candidates)}
        close = difflib.get_close_matches(wanted, list(names), n=1, cutoff=cutoff)
        return names[close[0]] if close else None

    def add_application(self, company: str, role: str, now: datetime) -> Application:
        app = Application(
            user_id=self.user_id,
            company=company,
            role=role,
            status="active",
            created_at=now,
            updated_at=now,
        )
        self.session.add(app)
        self.session.flush()
        return app

    # ---- interviews -----------------------------------------------------------------------

    def add_interview(self, application: Application, **fields: Any) -> Interview:
        if application.user_id != self.user_id:
            raise PermissionError("that application belongs to someone else")
        interview = Interview(user_id=self.user_id, application_id=application.id, **fields)
        self.session.add(interview)
        self.session.flush()
        return interview

    def add_interviewer(self, interview: Interview, position: int, **fields: Any) -> Interviewer:
        if interview.user_id != self.user_id:
            raise PermissionError("that interview belongs to someone else")
        person = Interviewer(
            user_id=self.user_id, interview_id=interview.id, position=position, **fields
        )
        self.session.add(person)
        self.session.flush()
        return person

    def interviews(self, application: Application | None = None) -> list[Interview]:
        query = select(Interview).where(Interview.user_id == self.user_id)
        if application is not None:
            query = query.where(Interview.application_id == application.id)
        return list(self.session.scalars(query.order_by(Interview.starts_at)))

    def latest_interview(self, application: Application) -> Interview | None:
        interviews = self.interviews(application)
        return interviews[-1] if interviews else None

    def interviewers(self, interview: Interview) -> list[Interviewer]:
        query = select(Interviewer).where(
            Interviewer.user_id == self.user_id, Interviewer.interview_id == interview.id
        )
        return list(self.session.scalars(query.order_by(Interviewer.position)))

    # ---- the event log --------------------------------------------------------------------

    def log(
        self,
        kind: str,
        at: datetime,
        application: Application | None = None,
        **data: Any,
    ) -> Event:
        row = Event(
            user_id=self.user_id,
            application_id=application.id if application else None,
            kind=kind,
            at=at,
            data=data,
        )
        self.session.add(row)
        return row

    def events(
        self, kinds: Sequence[str] | None = None, application: Application | None = None
    ) -> list[Event]:
        query = select(Event).where(Event.user_id == self.user_id)
        if kinds is not None:
            query = query.where(Event.kind.in_(list(kinds)))
        if application is not None:
            query = query.where(Event.application_id == application.id)
        return list(self.session.scalars(query.order_by(Event.at, Event.id)))

    def count(self, model: type[Base]) -> int:
        column = model.id if model is User else model.user_id  # type: ignore[attr-defined]
        return int(self.session.scalar(select(func.count()).where(column == self.user_id)) or 0)

    # ---- lessons, references, stories (the outcomes issue) ---------------------------------

    def add_lesson(self, text: str, at: datetime, application: Application | None = None,
                   source: str = "reflection") -> Lesson:
        lesson = Lesson(user_id=self.user_id, application_id=application.id if application
                        else None, source=source, text=text, created_at=at)
        self.session.add(lesson)
        self.session.flush()
        return lesson

    def lessons(self) -> list[Lesson]:
        """The lessons journal, newest first (lessons noted together keep their order)."""
        query = select(Lesson).where(Lesson.user_id == self.user_id)
        return list(self.session.scalars(query.order_by(Lesson.created_at.desc(), Lesson.id)))

    def add_reference(self, at: datetime, **fields: Any) -> Reference:
        reference = Reference(user_id=self.user_id, created_at=at, **fields)
        self.session.add(reference)
        self.session.flush()
        return reference

    def references(self) -> list[Reference]:
        query = select(Reference).where(Reference.user_id == self.user_id)
        return list(self.session.scalars(query.order_by(Reference.created_at, Reference.id)))

    def add_story(self, interview: Interview, interviewer_name: str, title: str,
                  at: datetime) -> Story:
        if interview.user_id != self.user_id:
            raise PermissionError("that interview belongs to someone else")
        story = Story(user_id=self.user_id, interview_id=interview.id,
                      interviewer_name=interviewer_name, title=title, created_at=at)
        self.session.add(story)
        self.session.flush()
        return story

    def stories(self, application: Application) -> list[Story]:
        """The stories told in this application's interviews, oldest first."""
        query = (select(Story).join(Interview, Story.interview_id == Interview.id)
                 .where(Story.user_id == self.user_id,
                        Interview.application_id == application.id))
        return list(self.session.scalars(query.order_by(Story.created_at, Story.id)))

    # ---- offers ---------------------------------------------------------------------------

    def offers(self, *, open_only: bool = False) -> list[Offer]:
        """The user's offers, newest first; `open_only`: still to be decided."""
        query = select(Offer).where(Offer.user_id == self.user_id)
        if open_only:
            query = query.where(Offer.status.in_(OPEN_OFFER_STATUSES))
        return list(self.session.scalars(query.order_by(Offer.received_at.desc(),
                                                        Offer.id.desc())))

    def offer_for(self, application: Application, *, open_only: bool = True) -> Offer | None:
        """The latest (open) offer of one application."""
        query = select(Offer).where(Offer.user_id == self.user_id,
                                    Offer.application_id == application.id)
        if open_only:
            query = query.where(Offer.status.in_(OPEN_OFFER_STATUSES))
        return self.session.scalars(query.order_by(Offer.id.desc()).limit(1)).first()

    def add_offer(self, application: Application, at: datetime) -> Offer:
        if application.user_id != self.user_id:
            raise PermissionError("that application belongs to someone else")
        offer = Offer(user_id=self.user_id, application_id=application.id, received_at=at)
        self.session.add(offer)
        self.session.flush()
        return offer

    # ---- the change log (edit, delete, merge, archive; undo) ------------------------------

    def add_change(self, summary: str, undo: list[Any], at: datetime,
                   application_id: int | None = None) -> Change:
        change = Change(user_id=self.user_id, application_id=application_id, at=at,
                        summary=summary[:300], undo=undo, undone=False)
        self.session.add(change)
        self.session.flush()
        return change

    def last_change(self) -> Change | None:
        """The user's latest change not undone yet."""
        query = select(Change).where(Change.user_id == self.user_id, Change.undone.is_(False))
        return self.session.scalars(query.order_by(Change.id.desc()).limit(1)).first()


def first_delivery(session: Session, platform: str, key: str, now: datetime) -> bool:
    """Record an inbound platform event id; False when it was processed before (a retry).

    Runs inside the turn's transaction, so an event is marked processed exactly when its turn
    commits; a concurrent duplicate waits on the key and then sees it taken. One statement:
    `INSERT … ON CONFLICT DO NOTHING`, and a row inserted means the first delivery.
    """
    row = {"platform": platform, "key": key[:128], "at": now}
    return insert_new(session, PROCESSED, [row]) == 1


def insert_new(session: Session, table: Table, rows: Sequence[dict[str, Any]]) -> int:
    """Insert the rows whose keys are free and skip the others (taken a moment ago by a
    concurrent transaction, or before); how many were inserted. One statement on SQLite and
    PostgreSQL (`INSERT … ON CONFLICT DO NOTHING`), a savepoint a row elsewhere."""
    if not rows:
        return 0
    connection = session.connection()
    statement = _insert_new(connection.dialect.name, table)
    if statement is not None:
        return int(connection.execute(statement, list(rows)).rowcount)
    inserted = 0
    for row in rows:
        try:
            with session.begin_nested():
                connection.execute(insert(table), row)
            inserted += 1
        except IntegrityError:
            continue
    return inserted


@cache  # built once per table: building a statement costs more than running it
def _insert_new(dialect: str, table: Table) -> Insert | None:
    statement: Insert
    if dialect == "sqlite":
        statement = sqlite.insert(table).on_conflict_do_nothing()
    elif dialect == "postgresql":
        statement = postgresql.insert(table).on_conflict_do_nothing()
    else:
        return None
    return statement.execution_options(preserve_rowcount=True)  # kept only when asked


def token_value(value: str) -> str:
    """A button value as stored with its token (the column holds 500 characters)."""
    return value[:500]


def _token_values(values: Sequence[str]) -> list[str]:
    """Button values as stored with their tokens, each once."""
    return list(dict.fromkeys(map(token_value, values)))


def _fold(text: str) -> str:
    return " ".join(text.casefold().replace("&", " and ").split()).strip(" .,!")
