"""The gateway's read model: recordings and their transcripts, projected from events."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from secretary_contracts import (
    DeliveryStatus,
    MediaReceived,
    QuestionStatus,
    RecordingStatus,
    Stage,
)
from sqlalchemy import (
    JSON,
    BigInteger,
    Connection,
    DateTime,
    Float,
    Index,
    Integer,
    String,
    Text,
    inspect,
    text,
)
from sqlalchemy.engine import make_url
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

# what the database raises while it is away: the read model waits for it to come back
DATABASE_OUTAGES: tuple[type[BaseException], ...] = (
    OperationalError,
    InterfaceError,
    OSError,
    TimeoutError,
)


def utcnow() -> datetime:
    return datetime.now(UTC)


def as_utc(moment: datetime) -> datetime:
    """SQLite hands datetimes back without their zone; they were written in UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class Base(DeclarativeBase):
    pass


class RecordingRow(Base):
    __tablename__ = "recordings"
    __table_args__ = (
        Index("ix_recordings_owner_sha256", "owner", "sha256"),
        Index("uq_recordings_owner_idempotency_key", "owner", "idempotency_key", unique=True),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    owner: Mapped[str] = mapped_column(String(200), index=True)
    source: Mapped[str] = mapped_column(String(20), default="rest")
    title: Mapped[str | None] = mapped_column(String(500), nullable=True)
    filename: Mapped[str] = mapped_column(String(500))
    content_type: Mapped[str | None] = mapped_column(String(200), nullable=True)
    # SQLite's INTEGER is 64-bit already
    size_bytes: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), default=0)
    status: Mapped[str] = mapped_column(String(20), default=RecordingStatus.QUEUED, index=True)
    stages: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    options: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    duration_s: Mapped[float | None] = mapped_column(Float, nullable=True)
    language: Mapped[str | None] = mapped_column(String(16), nullable=True)
    speaker_count: Mapped[int | None] = mapped_column(Integer, nullable=True)
    error_code: Mapped[str | None] = mapped_column(String(64), nullable=True)
    error_message: Mapped[str | None] = mapped_column(Text, nullable=True)
    # why no summary will come, as the llm service said (cleared when one does)
    summary_error_code: Mapped[str | None] = mapped_column(String(64), nullable=True)
    summary_error_message: Mapped[str | None] = mapped_column(Text, nullable=True)
    speaker_names: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    warnings: Mapped[list[str]] = mapped_column(JSON, default=list, server_default="[]")
    flagged_segments: Mapped[dict[str, int]] = mapped_column(
        JSON, default=dict, server_default="{}"
    )
    language_probability: Mapped[float | None] = mapped_column(Float, nullable=True)
    # how far the transcript so far of a long recording reaches, while it is processed
    transcript_through_s: Mapped[float | None] = mapped_column(Float, nullable=True)
    # when each stage first finished (ISO times): stage durations for /metrics and the API
    timeline: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    media_deleted_at: Mapped[datetime | None] = mapped_column(
        DateTime(timezone=True), nullable=True
    )
    sha256: Mapped[str | None] = mapped_column(String(64), nullable=True)
    idempotency_key: Mapped[str | None] = mapped_column(String(200), nullable=True)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, index=True
    )
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )


def new_recording_row(event: MediaReceived) -> RecordingRow:
    return RecordingRow(
        id=event.recording_id,
        owner=event.owner,
        source=event.source,
        title=event.title,
        filename=event.filename,
        content_type=event.content_type,
        size_bytes=event.media.size_bytes,
        sha256=event.media.sha256,
        status=RecordingStatus.QUEUED,
        stages={Stage.UPLOAD: 1.0},
        options=event.options.model_dump(exclude_none=True),
    )


class QuestionRow(Base):
    __tablename__ = "questions"
    __table_args__ = (
        Index("uq_questions_owner_idempotency_key", "owner", "idempotency_key", unique=True),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    recording_id: Mapped[str] = mapped_column(String(32), index=True)
    owner: Mapped[str] = mapped_column(String(200))
    question: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default=QuestionStatus.PENDING)
    answer: Mapped[str | None] = mapped_column(Text, nullable=True)
    supported: Mapped[bool | None] = mapped_column(nullable=True)
    citations: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    unsupported_sentences: Mapped[list[str] | None] = mapped_column(JSON, nullable=True)
    error_code: Mapped[str | None] = mapped_column(String(64), nullable=True)
    error_message: Mapped[str | None] = mapped_column(Text, nullable=True)
    idempotency_key: Mapped[str | None] = mapped_column(String(200), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class TranscriptRow(Base):
    __tablename__ = "transcripts"

    recording_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    body: Mapped[str] = mapped_column(Text)
    # the owner's edits saved so far; the body is the latest revision
    revision: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class TranscriptRevisionRow(Base):
    """Each revision of an edited transcript, the pipeline's own (0) included, so that any of
    them can be gone back to."""

    __tablename__ = "transcript_revisions"

    recording_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    revision: Mapped[int] = mapped_column(Integer, primary_key=True)
    body: Mapped[str] = mapped_column(Text)
    edits: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    edit_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    reverted_to: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class SignInRow(Base):
    """A sign-in link that was used: it signs no one in again."""

    __tablename__ = "sign_ins"

    nonce: Mapped[str] = mapped_column(String(64), primary_key=True)
    owner: Mapped[str] = mapped_column(String(200))
    used_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)


class WebSessionRow(Base):
    """A review page signed in by a sign-in link: it acts for `owner` while the key that
    made the link (an owner's key, or the door's) stays valid and no one ended it."""

    __tablename__ = "web_sessions"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    owner: Mapped[str] = mapped_column(String(200), index=True)
    key_id: Mapped[str] = mapped_column(String(32), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class OwnerAdmissionRow(Base):
    """One row per owner, locked while a request of theirs is admitted, so that the limits
    checked and the work recorded are one step across every replica."""

    __tablename__ = "owner_admissions"

    owner: Mapped[str] = mapped_column(String(200), primary_key=True)


class UploadReservationRow(Base):
    """An upload admitted and still streaming: it counts as in flight, and its bytes as
    stored, until its recording is recorded or the upload fails."""

    __tablename__ = "upload_reservations"

    recording_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    owner: Mapped[str] = mapped_column(String(200), index=True)
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, index=True
    )


class SegmentRow(Base):
    """One transcript segment, for full-text search (SQLite FTS5 or PostgreSQL tsvector)."""

    __tablename__ = "segments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    recording_id: Mapped[str] = mapped_column(String(32), index=True)
    position: Mapped[int] = mapped_column(Integer)
    start: Mapped[float] = mapped_column(Float)
    end: Mapped[float] = mapped_column(Float)
    speaker: Mapped[str | None] = mapped_column(String(100), nullable=True)
    text: Mapped[str] = mapped_column(Text)


class PersonRow(Base):
    """Someone an owner named: recognised by voice in the owner's later recordings."""

    __tablename__ = "people"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    owner: Mapped[str] = mapped_column(String(200), index=True)
    name: Mapped[str] = mapped_column(String(100))
    # merged into another person: transcripts that name this one show that one
    merged_into: Mapped[str | None] = mapped_column(String(32), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class EnrolmentRow(Base):
    """One recording's speaker a person was named as: its voice, part of their voiceprint."""

    __tablename__ = "enrolments"

    recording_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    speaker: Mapped[str] = mapped_column(String(100), primary_key=True)
    person_id: Mapped[str] = mapped_column(String(32), index=True)
    owner: Mapped[str] = mapped_column(String(200), index=True)
    embedding: Mapped[list[float]] = mapped_column(JSON)
    speech_s: Mapped[float] = mapped_column(Float)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ApiKeyRow(Base):
    """An API key: the public id in clear, the secret only as its SHA-256."""

    __tablename__ = "api_keys"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    owner: Mapped[str] = mapped_column(String(200), index=True)
    name: Mapped[str | None] = mapped_column(String(200), nullable=True)
    secret_sha256: Mapped[str] = mapped_column(String(64))
    # a front door's key (e.g. `telegram`): acts for the owners `<door>:<id>`, none other
    door: Mapped[str | None] = mapped_column(String(32), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class WebhookRow(Base):
    __tablename__ = "webhooks"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    owner: Mapped[str] = mapped_column(String(200), index=True)
    url: Mapped[str] = mapped_column(String(2000))
    secret: Mapped[str] = mapped_column(String(100))
    events: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    previous_secret: Mapped[str | None] = mapped_column(String(100), nullable=True)
    previous_secret_until: Mapped[datetime | None] = mapped_column(
        DateTime(timezone=True), nullable=True
    )
    failures_in_a_row: Mapped[int] = mapped_column(Integer, default=0)
    disabled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    disabled_reason: Mapped[str | None] = mapped_column(String(500), nullable=True)


class WebhookDeliveryRow(Base):
    """What happened to one event sent to one webhook (the receiver dedupes by its id)."""

    __tablename__ = "webhook_deliveries"

    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    webhook_id: Mapped[str] = mapped_column(String(32), index=True)
    recording_id: Mapped[str] = mapped_column(String(32))
    event: Mapped[str] = mapped_column(String(50))
    status: Mapped[str] = mapped_column(String(20), default=DeliveryStatus.PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    response_status: Mapped[int | None] = mapped_column(Integer, nullable=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )


MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(connection: Connection) -> Config:
    """Alembic's configuration, working on the connection it is handed."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def _upgrade_to_head(connection: Connection) -> None:
    config = alembic_config(connection)
    tables = set(inspect(connection).get_table_names())
    if "recordings" in tables and "alembic_version" not in tables:
        # a database created before migrations existed holds revision 0001's schema
        command.stamp(config, "0001")
    command.upgrade(config, "head")


class Database:
    def __init__(self, url: str) -> None:
        parsed = make_url(url)
        if parsed.drivername.startswith("sqlite") and parsed.database not in (None, "", ":memory:"):
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        # a connection kept from before a database restart is checked before it is used
        self.engine: AsyncEngine = create_async_engine(url, pool_pre_ping=True)
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False)

    async def migrate(self) -> None:
        """Brings the schema to the newest revision; safe to run from several replicas."""
        async with self.engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                # replicas starting together take turns; the lock ends with the transaction
                await connection.execute(text("SELECT pg_advisory_xact_lock(727274)"))
            await connection.run_sync(_upgrade_to_head)

    async def ping(self) -> bool:
        try:
            async with self.engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
            return True
        except Exception:
            return False

    async def close(self) -> None:
        await self.engine.dispose()
