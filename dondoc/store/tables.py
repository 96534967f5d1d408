"""Table definitions. Alembic migrations under ``migrations/`` create them; keep both in step
(``tests/store/test_migrations.py`` compares the migrated schema with these, on SQLite and
PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator


class UtcDateTime(TypeDecorator[datetime]):
    """Aware datetimes in, aware UTC datetimes out, on SQLite and PostgreSQL alike."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime refused: store aware datetimes only")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    pass


class AgencyRow(Base):
    __tablename__ = "agencies"

    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
    email: Mapped[str] = mapped_column(String(320))
    cc: Mapped[list[str]] = mapped_column(JSON, default=list)
    aliases: Mapped[list[str]] = mapped_column(JSON, default=list)
    digest: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # Signed into every link the agency is given; raised to revoke them all at once.
    link_generation: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class LinkRevocationRow(Base):
    """The office revoked every link one agency held: who, when, why (``agency_links``)."""

    __tablename__ = "link_revocations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    agency: Mapped[str] = mapped_column(String(64), index=True)
    generation: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(Text)
    revoked_by: Mapped[str] = mapped_column(String(200))
    revoked_at: Mapped[datetime] = mapped_column(UtcDateTime)


class AgencyGroupRow(Base):
    """A collective name of the directory and the agency codes it stands for."""

    __tablename__ = "agency_groups"

    name: Mapped[str] = mapped_column(String(300), primary_key=True)
    aliases: Mapped[list[str]] = mapped_column(JSON, default=list)
    members: Mapped[list[str]] = mapped_column(JSON, default=list)


class LeaderRow(Base):
    __tablename__ = "leaders"

    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
    title: Mapped[str] = mapped_column(String(300))
    email: Mapped[str] = mapped_column(String(320))
    cc: Mapped[list[str]] = mapped_column(JSON, default=list)


class OfficeRow(Base):
    __tablename__ = "office"

    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
    email: Mapped[str] = mapped_column(String(320))
    cc: Mapped[list[str]] = mapped_column(JSON, default=list)


class NoticeRow(Base):
    __tablename__ = "notices"

    key: Mapped[str] = mapped_column(String(128), primary_key=True)
    number: Mapped[str] = mapped_column(String(128))
    date: Mapped[date] = mapped_column(Date)
    leader: Mapped[str] = mapped_column(String(64))
    subject: Mapped[str] = mapped_column(Text)
    signer: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    fingerprint: Mapped[str] = mapped_column(String(64))
    issued_at: Mapped[datetime] = mapped_column(UtcDateTime)

    __table_args__ = (Index("ix_notices_date", "date"),)


LIST_COLUMNS = [
    "deadline_at", "id", "state", "status_class", "owner", "leader", "escalation_step",
]  # fmt: skip
OWNER_COLUMNS = [
    "owner", "state", "status_class", "deadline_at", "leader", "escalation_step",
]  # fmt: skip
LEADER_COLUMNS = [
    "leader", "deadline_at", "id", "state", "status_class", "owner", "escalation_step",
]  # fmt: skip


class TaskRow(Base):
    """The read model: the latest known state of each task, for lists and reports."""

    __tablename__ = "tasks"

    id: Mapped[str] = mapped_column(String(160), primary_key=True)
    notice_key: Mapped[str] = mapped_column(ForeignKey("notices.key"))
    position: Mapped[int] = mapped_column(Integer)
    notice_number: Mapped[str] = mapped_column(String(128))
    leader: Mapped[str] = mapped_column(String(64))
    owner: Mapped[str] = mapped_column(String(64))
    coordinators: Mapped[list[str]] = mapped_column(JSON, default=list)
    work: Mapped[str] = mapped_column(Text)
    result: Mapped[str] = mapped_column(Text, default="")
    deadline_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    deadline_phrase: Mapped[str] = mapped_column(String(300))
    original_deadline_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    policy: Mapped[str] = mapped_column(String(64), default="default")
    state: Mapped[str] = mapped_column(String(32))
    status_class: Mapped[str] = mapped_column(String(32))
    escalation_step: Mapped[int] = mapped_column(Integer, default=0)
    assigned_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    reported_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    completed_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    status: Mapped[dict[str, Any]] = mapped_column(JSON)
    spec: Mapped[dict[str, Any]] = mapped_column(JSON)
    event_seq: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)

    __table_args__ = (
        Index("ix_tasks_owner_state", "owner", "state"),
        Index("ix_tasks_notice", "notice_key", "position"),
        Index("ix_tasks_status_class", "status_class", "deadline_at"),
        Index("ix_tasks_deadline", "deadline_at"),
        Index("ix_tasks_leader", "leader"),
        # The console's lists and dashboard (migration 0004u): the three wide indexes
        # cover every filter column, so pages and counts are read from an index alone.
        Index("ix_tasks_list", *LIST_COLUMNS),
        Index("ix_tasks_by_owner", *OWNER_COLUMNS),
        Index("ix_tasks_state_deadline", "state", "deadline_at"),
        Index("ix_tasks_by_leader", *LEADER_COLUMNS),
        Index("ix_tasks_updated", "updated_at", "id"),
        # The text search is not described here: its index differs per database (an FTS5
        # table on SQLite, migration 0004u; a GIN expression index on PostgreSQL, 0010).
    )


class EventRow(Base):
    """The audit trail: one row per domain event, written once whatever the retries."""

    __tablename__ = "events"

    id: Mapped[str] = mapped_column(String(200), primary_key=True)
    task_id: Mapped[str] = mapped_column(String(160), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    kind: Mapped[str] = mapped_column(String(40))
    actor: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    __table_args__ = (Index("ix_events_kind", "kind", "task_id"),)


class OutboxRow(Base):
    """Every mail, keyed by (task, event, recipient) before it is sent: no key goes out twice."""

    __tablename__ = "outbox"

    key: Mapped[str] = mapped_column(String(300), primary_key=True)
    task_id: Mapped[str] = mapped_column(String(160), index=True)
    event_id: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(40))
    recipient: Mapped[str] = mapped_column(String(64))
    to_addrs: Mapped[list[str]] = mapped_column(JSON)
    cc_addrs: Mapped[list[str]] = mapped_column(JSON, default=list)
    subject: Mapped[str] = mapped_column(Text)
    message_id: Mapped[str] = mapped_column(String(300))
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    duplicate_risk: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    """An attempt died while the relay answered: the recipient may have two copies (the
    same Message-ID and Date, so their mail client shows one)."""

    __table_args__ = (
        UniqueConstraint("message_id", name="uq_outbox_message_id"),
        Index("ix_outbox_status_created", "status", "created_at"),
    )


class AgencyActionRow(Base):
    """A click on a link page, kept until the workflow has answered it: never lost.

    ``key`` is the rendered form's nonce and the Temporal update id, so a resubmitted form
    or a retried send is the same action.
    """

    __tablename__ = "agency_actions"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    task_id: Mapped[str] = mapped_column(String(160), index=True)
    action: Mapped[str] = mapped_column(String(40))
    actor: Mapped[str] = mapped_column(String(200))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    message: Mapped[str | None] = mapped_column(Text, nullable=True)
    code: Mapped[str | None] = mapped_column(String(40), nullable=True)
    """The refusal code of a refused action (``domain.refusals.RefusalCode``)."""
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class UserRow(Base):
    """A console account: office staff, an admin, or a leader who reads his own tasks."""

    __tablename__ = "users"

    username: Mapped[str] = mapped_column(String(64), primary_key=True)
    display_name: Mapped[str] = mapped_column(String(300))
    role: Mapped[str] = mapped_column(String(16))
    leader_code: Mapped[str | None] = mapped_column(String(64), nullable=True)
    password_hash: Mapped[str] = mapped_column(String(300))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    last_login_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    # Still the password that `dondoc dev` generated and printed; cleared when it changes.
    initial_password: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class ConsoleSessionRow(Base):
    """A signed-in browser. Only the hash of the cookie is kept: a copied table opens nothing."""

    __tablename__ = "console_sessions"

    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    username: Mapped[str] = mapped_column(ForeignKey("users.username"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    address: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    last_seen_at: Mapped[datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)


class ApiTokenRow(Base):
    """One integration's bearer token for /api/v1/, stored as a hash and shown once."""

    __tablename__ = "api_tokens"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    # What the token may do, space-separated (``store.users.ApiScope``); read only unless
    # chosen otherwise when it is created.
    scopes: Mapped[str] = mapped_column(String(200), default="read", server_default="read")


class CalendarYearRow(Base):
    """A year of the working calendar loaded with ``dondoc calendar load`` (or the
    console): it replaces the calendar file's year for every task, running ones too."""

    __tablename__ = "calendar_years"

    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    entries: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    source: Mapped[str] = mapped_column(Text, default="", server_default=text("''"))
    loaded_by: Mapped[str] = mapped_column(String(200))
    loaded_at: Mapped[datetime] = mapped_column(UtcDateTime)
