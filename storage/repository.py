"""The user-scoped repository: every query is built from the user's key, so no code path can
read or change another user's rows."""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from storage.models import (
    ACTIVE_STATUSES,
    Application,
    Base,
    ConversationState,
    Event,
    Interview,
    Interviewer,
    Lesson,
    Offer,
    ProcessedUpdate,
    Reference,
    Story,
    User,
)

Row = TypeVar("Row", bound=Base)
OPEN_OFFER_STATUSES = ("received", "negotiating")


class Repository:
    """Reads and writes one user's data inside the caller's transaction."""

    def __init__(self, session: Session, user: User) -> None:
        self.session = session
        self.user = user

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

    def get(self, model: type[Row], row_id: int | None) -> Row | None:
        """A row of this user's by id, or None — also when the id belongs to someone else."""
        if row_id is None or not 0 < row_id < 2**63:  # forged ids never reach the driver
            return None
        row = self.session.get(model, row_id)
        if row is None:
            return None
        owner = row.id if isinstance(row, User) else getattr(row, "user_id", None)
        return row if owner == self.user.id else None

    # ---- conversation state ---------------------------------------------------------------

    def conversation(self) -> ConversationState | None:
        return self.session.get(ConversationState, self.user.id)

    def save_conversation(
        self, flow: str, step: str, slots: dict[str, Any], history: list[Any], now: datetime
    ) -> None:
        state = self.conversation()
        if state is None:
            state = ConversationState(user_id=self.user.id, flow=flow, step=step)
            self.session.add(state)
        state.flow, state.step, state.updated_at = flow, step, now
        state.slots = dict(slots)
        state.history = list(history)

    def clear_conversation(self) -> None:
        self.session.execute(
            delete(ConversationState).where(ConversationState.user_id == self.user.id)
        )
        self.session.expire_all()

    # ---- applications ---------------------------------------------------------------------

    def applications(self, *, active_only: bool = False) -> list[Application]:
        query = select(Application).where(Application.user_id == self.user.id)
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
            user_id=self.user.id,
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
        if application.user_id != self.user.id:
            raise PermissionError("that application belongs to someone else")
        interview = Interview(user_id=self.user.id, application_id=application.id, **fields)
        self.session.add(interview)
        self.session.flush()
        return interview

    def add_interviewer(self, interview: Interview, position: int, **fields: Any) -> Interviewer:
        if interview.user_id != self.user.id:
            raise PermissionError("that interview belongs to someone else")
        person = Interviewer(
            user_id=self.user.id, interview_id=interview.id, position=position, **fields
        )
        self.session.add(person)
        self.session.flush()
        return person

    def interviews(self, application: Application | None = None) -> list[Interview]:
        query = select(Interview).where(Interview.user_id == self.user.id)
        if application is not None:
            query = query.where(Interview.application_id == application.id)
        return list(self.session.scalars(query.order_by(Interview.starts_at)))

    def latest_interview(self, application: Application) -> Interview | None:
        interviews = self.interviews(application)
        return interviews[-1] if interviews else None

    def interviewers(self, interview: Interview) -> list[Interviewer]:
        query = select(Interviewer).where(
            Interviewer.user_id == self.user.id, Interviewer.interview_id == interview.id
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
            user_id=self.user.id,
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
        query = select(Event).where(Event.user_id == self.user.id)
        if kinds is not None:
            query = query.where(Event.kind.in_(list(kinds)))
        if application is not None:
            query = query.where(Event.application_id == application.id)
        return list(self.session.scalars(query.order_by(Event.at, Event.id)))

    def count(self, model: type[Base]) -> int:
        column = model.id if model is User else model.user_id  # type: ignore[attr-defined]
        return int(self.session.scalar(select(func.count()).where(column == self.user.id)) or 0)

    # ---- lessons, references, stories (the outcomes issue) ---------------------------------

    def add_lesson(self, text: str, at: datetime, application: Application | None = None,
                   source: str = "reflection") -> Lesson:
        lesson = Lesson(user_id=self.user.id, application_id=application.id if application
                        else None, source=source, text=text, created_at=at)
        self.session.add(lesson)
        self.session.flush()
        return lesson

    def lessons(self) -> list[Lesson]:
        """The lessons journal, newest first (lessons noted together keep their order)."""
        query = select(Lesson).where(Lesson.user_id == self.user.id)
        return list(self.session.scalars(query.order_by(Lesson.created_at.desc(), Lesson.id)))

    def add_reference(self, at: datetime, **fields: Any) -> Reference:
        reference = Reference(user_id=self.user.id, created_at=at, **fields)
        self.session.add(reference)
        self.session.flush()
        return reference

    def references(self) -> list[Reference]:
        query = select(Reference).where(Reference.user_id == self.user.id)
        return list(self.session.scalars(query.order_by(Reference.created_at, Reference.id)))

    def add_story(self, interview: Interview, interviewer_name: str, title: str,
                  at: datetime) -> Story:
        if interview.user_id != self.user.id:
            raise PermissionError("that interview belongs to someone else")
        story = Story(user_id=self.user.id, interview_id=interview.id,
                      interviewer_name=interviewer_name, title=title, created_at=at)
        self.session.add(story)
        self.session.flush()
        return story

    def stories(self, application: Application) -> list[Story]:
        """The stories told in this application's interviews, oldest first."""
        query = (select(Story).join(Interview, Story.interview_id == Interview.id)
                 .where(Story.user_id == self.user.id,
                        Interview.application_id == application.id))
        return list(self.session.scalars(query.order_by(Story.created_at, Story.id)))

    # ---- offers ---------------------------------------------------------------------------

    def offers(self, *, open_only: bool = False) -> list[Offer]:
        """The user's offers, newest first; `open_only`: still to be decided."""
        query = select(Offer).where(Offer.user_id == self.user.id)
        if open_only:
            query = query.where(Offer.status.in_(OPEN_OFFER_STATUSES))
        return list(self.session.scalars(query.order_by(Offer.received_at.desc(),
                                                        Offer.id.desc())))

    def offer_for(self, application: Application, *, open_only: bool = True) -> Offer | None:
        """The latest (open) offer of one application."""
        query = select(Offer).where(Offer.user_id == self.user.id,
                                    Offer.application_id == application.id)
        if open_only:
            query = query.where(Offer.status.in_(OPEN_OFFER_STATUSES))
        return self.session.scalars(query.order_by(Offer.id.desc()).limit(1)).first()

    def add_offer(self, application: Application, at: datetime) -> Offer:
        if application.user_id != self.user.id:
            raise PermissionError("that application belongs to someone else")
        offer = Offer(user_id=self.user.id, application_id=application.id, received_at=at)
        self.session.add(offer)
        self.session.flush()
        return offer


def first_delivery(session: Session, platform: str, key: str, now: datetime) -> bool:
    """Record an inbound platform event id; False when it was processed before (a retry).

    Runs inside the turn's transaction, so an event is marked processed exactly when its turn
    commits; a concurrent duplicate waits on the key and then sees it taken.
    """
    try:
        with session.begin_nested():
            session.add(ProcessedUpdate(platform=platform, key=key[:128], at=now))
            session.flush()
    except IntegrityError:
        return False
    return True


def _fold(text: str) -> str:
    return " ".join(text.casefold().replace("&", " and ").split()).strip(" .,!")
