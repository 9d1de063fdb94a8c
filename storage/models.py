"""SQLAlchemy 2 typed models: the job seeker, applications, interviews, interviewers, events.

Every row below `User` carries `user_id`, so a query scoped by the user's key can never reach
another user's data, and deleting a user is one `DELETE … WHERE user_id = ?` per table.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Numeric,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
    text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Stores naive UTC, returns aware UTC: the same on SQLite and PostgreSQL."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored: attach a timezone")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {datetime: UTCDateTime(), dict[str, Any]: JSON(), list[Any]: JSON()}


def table_of(model: type[Base]) -> Table:
    """A model's table, typed as one (for Core statements)."""
    return Base.metadata.tables[model.__tablename__]


def utcnow() -> datetime:
    return datetime.now(UTC)


class User(Base):
    """A job seeker on one platform, with the preferences that shape every nudge."""

    __tablename__ = "users"
    __table_args__ = (UniqueConstraint("platform", "workspace", "external_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(16))
    workspace: Mapped[str] = mapped_column(String(64))
    external_id: Mapped[str] = mapped_column(String(64))
    display_name: Mapped[str] = mapped_column(String(120), default="")
    signature: Mapped[str] = mapped_column(String(300), default="")
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    nudge_hour: Mapped[int] = mapped_column(Integer, default=9)
    quiet_start: Mapped[int | None] = mapped_column(Integer, default=21)
    quiet_end: Mapped[int | None] = mapped_column(Integer, default=8)
    ghost_after: Mapped[int] = mapped_column(Integer, default=3)
    paused: Mapped[bool] = mapped_column(Boolean, default=False)
    unreachable: Mapped[bool] = mapped_column(Boolean, default=False)
    onboarded: Mapped[bool] = mapped_column(Boolean, default=False)
    target_salary: Mapped[Decimal | None] = mapped_column(Numeric(14, 2), default=None)
    last_application_id: Mapped[int | None] = mapped_column(Integer, default=None)
    current_employer: Mapped[str] = mapped_column(String(200), default="")
    current_position: Mapped[str] = mapped_column(String(200), default="")
    manager_name: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    country: Mapped[str] = mapped_column(String(2), default="")  # ISO code, for public holidays
    quiet_start_minute: Mapped[int] = mapped_column(Integer, default=0)  # 22:00-07:30: 0, 30
    quiet_end_minute: Mapped[int] = mapped_column(Integer, default=0)
    words: Mapped[list[Any]] = mapped_column(default=list)  # their own proper nouns and tools
    formal_letters: Mapped[bool] = mapped_column(Boolean, default=False)  # "Dear Ms O'Neill"


class Application(Base):
    """One job the user is pursuing at one company."""

    __tablename__ = "applications"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    company: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[str] = mapped_column(String(24), default="active")
    nudges_stopped: Mapped[bool] = mapped_column(Boolean, default=False)
    next_interview_at: Mapped[datetime | None] = mapped_column(default=None)
    next_round: Mapped[str] = mapped_column(String(40), default="")
    offer_deadline: Mapped[date | None] = mapped_column(Date, default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(default=None)

    interviews: Mapped[list[Interview]] = relationship(
        back_populates="application", order_by="Interview.starts_at", cascade="all, delete-orphan"
    )

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES


ACTIVE_STATUSES = ("active", "second_round", "offer")
CLOSED_STATUSES = ("accepted", "rejected", "withdrawn", "ghosted", "declined", "closed",
                   "archived")


class Interview(Base):
    """One interview round, with the impressions recorded while fresh and what comes next."""

    __tablename__ = "interviews"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    application_id: Mapped[int] = mapped_column(
        ForeignKey("applications.id", ondelete="CASCADE"), index=True
    )
    round: Mapped[str] = mapped_column(String(40), default="first")
    format: Mapped[str] = mapped_column(String(40), default="")
    starts_at: Mapped[datetime] = mapped_column()
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
    rating: Mapped[int | None] = mapped_column(Integer, default=None)
    went_well: Mapped[str] = mapped_column(Text, default="")
    strengths: Mapped[str] = mapped_column(Text, default="")
    to_improve: Mapped[str] = mapped_column(Text, default="")
    questions: Mapped[str] = mapped_column(Text, default="")
    missed: Mapped[str] = mapped_column(Text, default="")
    decision_expected: Mapped[date | None] = mapped_column(Date, default=None)
    decision_assumed: Mapped[bool] = mapped_column(Boolean, default=False)
    steps_remaining: Mapped[int | None] = mapped_column(Integer, default=None)
    news_contact: Mapped[str] = mapped_column(String(300), default="")

    application: Mapped[Application] = relationship(back_populates="interviews")
    interviewers: Mapped[list[Interviewer]] = relationship(
        back_populates="interview", order_by="Interviewer.position", cascade="all, delete-orphan"
    )


class Interviewer(Base):
    """A person the user met, spelled exactly as recorded, with their thank-you letter's state."""

    __tablename__ = "interviewers"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    interview_id: Mapped[int] = mapped_column(
        ForeignKey("interviews.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer, default=0)
    name: Mapped[str] = mapped_column(String(200))
    title: Mapped[str] = mapped_column(String(200), default="")
    email: Mapped[str] = mapped_column(String(254), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    salutation: Mapped[str] = mapped_column(String(10), default="")  # "Ms", "Dr": formal only
    thank_you_state: Mapped[str] = mapped_column(String(16), default="pending")
    thank_you_sent_at: Mapped[datetime | None] = mapped_column(default=None)

    interview: Mapped[Interview] = relationship(back_populates="interviewers")


class ConversationState(Base):
    """Where the user is in a flow: saved after every step, so a restart or a late reply resumes."""

    __tablename__ = "conversation_states"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    flow: Mapped[str] = mapped_column(String(40))
    step: Mapped[str] = mapped_column(String(60))
    slots: Mapped[dict[str, Any]] = mapped_column(default=dict)
    history: Mapped[list[Any]] = mapped_column(default=list)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class Event(Base):
    """The event log: contacts with employers, outcomes, letters sent — the facts nudges follow."""

    __tablename__ = "events"
    __table_args__ = (Index("ix_events_user_app_kind", "user_id", "application_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    application_id: Mapped[int | None] = mapped_column(
        ForeignKey("applications.id", ondelete="CASCADE"), default=None
    )
    kind: Mapped[str] = mapped_column(String(40))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)


NUDGE_OPEN_STATES = ("pending", "snoozed")
# the contact kinds of `bot.nudges.rules`, delivered; written out so SQLite matches the index
CONTACTS_SENT = "kind IN ('check_in', 'follow_up', 'ghost_check') AND sent_at IS NOT NULL"


class Nudge(Base):
    """A reminder as data: what kind, when it is due (UTC), and where it stands.

    `key` makes planning idempotent: planning the same facts twice finds the same rows.
    """

    __tablename__ = "nudges"
    __table_args__ = (
        UniqueConstraint("user_id", "key"),
        Index("ix_nudges_due_open", "due_at", "user_id",
              sqlite_where=text("state IN ('pending', 'snoozed')"),
              postgresql_where=text("state IN ('pending', 'snoozed')")),
        Index("ix_nudges_claimed", "claimed_at",
              sqlite_where=text("state = 'claimed'"),
              postgresql_where=text("state = 'claimed'")),
        Index("ix_nudges_user_app", "user_id", "application_id"),
        # employer contacts the scheduler made, for the weekly gap (`CONTACTS_SENT`)
        Index("ix_nudges_contacts_sent", "user_id", "application_id", "sent_at", "kind", "id",
              sqlite_where=text(CONTACTS_SENT), postgresql_where=text(CONTACTS_SENT)),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    application_id: Mapped[int | None] = mapped_column(
        ForeignKey("applications.id", ondelete="CASCADE"), default=None
    )
    interview_id: Mapped[int | None] = mapped_column(
        ForeignKey("interviews.id", ondelete="CASCADE"), default=None
    )
    kind: Mapped[str] = mapped_column(String(32))
    key: Mapped[str] = mapped_column(String(120))
    due_at: Mapped[datetime] = mapped_column()
    state: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    claimed_at: Mapped[datetime | None] = mapped_column(default=None)
    claimed_by: Mapped[str | None] = mapped_column(String(64), default=None)
    sent_at: Mapped[datetime | None] = mapped_column(default=None)
    last_error: Mapped[str | None] = mapped_column(String(300), default=None)
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ProcessedUpdate(Base):
    """Inbound platform events already handled (Telegram update_id, Slack event_id)."""

    __tablename__ = "processed_updates"

    platform: Mapped[str] = mapped_column(String(16), primary_key=True)
    key: Mapped[str] = mapped_column(String(128), primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class Offer(Base):
    """An offer's terms as the user recorded them, and where the decision stands."""

    __tablename__ = "offers"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    application_id: Mapped[int] = mapped_column(
        ForeignKey("applications.id", ondelete="CASCADE"), index=True
    )
    salary: Mapped[Decimal | None] = mapped_column(Numeric(14, 2), default=None)
    currency: Mapped[str] = mapped_column(String(8), default="")
    bonus: Mapped[str] = mapped_column(String(200), default="")
    signing_bonus: Mapped[Decimal | None] = mapped_column(Numeric(14, 2), default=None)
    equity: Mapped[str] = mapped_column(String(200), default="")
    vacation_days: Mapped[int | None] = mapped_column(Integer, default=None)
    benefits: Mapped[str] = mapped_column(Text, default="")
    relocation: Mapped[str] = mapped_column(String(300), default="")
    commute: Mapped[str] = mapped_column(String(300), default="")
    flexibility: Mapped[str] = mapped_column(String(300), default="")
    start_date: Mapped[date | None] = mapped_column(Date, default=None)
    reply_deadline: Mapped[date | None] = mapped_column(Date, default=None)
    in_writing: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(16), default="received")
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(default=None)


class Lesson(Base):
    """A lesson for the journal: what to do differently, a skill to build."""

    __tablename__ = "lessons"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    application_id: Mapped[int | None] = mapped_column(
        ForeignKey("applications.id", ondelete="SET NULL"), default=None
    )
    source: Mapped[str] = mapped_column(String(24), default="reflection")
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Reference(Base):
    """Someone who will vouch for the user; current-employer ones are asked only late."""

    __tablename__ = "references"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    relation: Mapped[str] = mapped_column(String(200), default="")
    email: Mapped[str] = mapped_column(String(254), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    current_employer: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(16), default="listed")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Story(Base):
    """A behavioural story told in an interview, so it isn't repeated to the same person."""

    __tablename__ = "stories"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    interview_id: Mapped[int] = mapped_column(
        ForeignKey("interviews.id", ondelete="CASCADE"), index=True
    )
    interviewer_name: Mapped[str] = mapped_column(String(200), default="")
    title: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ButtonToken(Base):
    """An opaque, short token standing for one button's value, valid only for its user."""

    __tablename__ = "button_tokens"

    token: Mapped[str] = mapped_column(String(24), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    value: Mapped[str] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class MailLink(Base):
    """A letter's `mailto:` behind an opaque https link (`PUBLIC_URL/mail/<token>`): valid 30
    days, erased with its owner's data."""

    __tablename__ = "mail_links"

    token: Mapped[str] = mapped_column(String(48), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    mailto: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Change(Base):
    """One change the user made to their records (an edit, a delete, a merge, an archive) and
    the operations that undo it, newest last; `undo` reverts the latest one not yet undone."""

    __tablename__ = "changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    application_id: Mapped[int | None] = mapped_column(Integer, default=None)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    summary: Mapped[str] = mapped_column(String(300), default="")
    undo: Mapped[list[Any]] = mapped_column(default=list)
    undone: Mapped[bool] = mapped_column(Boolean, default=False)


class Letter(Base):
    """A letter shown to the user: the draft as generated and, when they edited it, their own
    version, which the mail link, the export and "mark sent" then use. `key` tells one letter
    from another (recipient, subject, greeting); `facts` are what proofreading checks against
    (company, role, names); `awaiting` is set while the bot waits for a pasted replacement."""

    __tablename__ = "letters"
    __table_args__ = (UniqueConstraint("user_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(400))
    subject: Mapped[str] = mapped_column(String(300), default="")
    recipient: Mapped[str] = mapped_column(String(254), default="")
    original: Mapped[str] = mapped_column(Text, default="")
    edited: Mapped[str] = mapped_column(Text, default="")
    facts: Mapped[list[Any]] = mapped_column(default=list)
    shown_at: Mapped[datetime] = mapped_column(default=utcnow)
    edited_at: Mapped[datetime | None] = mapped_column(default=None)
    sent_at: Mapped[datetime | None] = mapped_column(default=None)
    awaiting: Mapped[str] = mapped_column(String(20), default="")  # "", "whole", "paragraph 2"


class SendPace(Base):
    """The pace the processes sending through one platform account share: `next_at` is the
    moment (seconds since the epoch, on the database's clock) the next send may go out. See
    `storage.pace.SharedPace`."""

    __tablename__ = "send_paces"

    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    next_at: Mapped[float] = mapped_column(Float)
