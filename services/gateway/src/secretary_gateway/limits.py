"""What one owner may take of the service, so that no owner can stop the others: recordings
in flight, bytes stored, questions a minute, event streams held open. Counted from the
database where every replica must agree, and admitted under the owner's lock in the same
transaction that records the work; streams, which live in one process, per replica."""

from __future__ import annotations

import math
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import NamedTuple, TypeVar

from secretary_contracts import AT_REST_STATUSES
from sqlalchemy import delete, func, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from secretary_gateway.db import (
    Database,
    OwnerAdmissionRow,
    QuestionRow,
    RecordingRow,
    UploadReservationRow,
    utcnow,
)
from secretary_gateway.errors import ApiError

T = TypeVar("T")
QUESTION_WINDOW = timedelta(seconds=60)
# an upload's reservation outlives any upload; one left by a replica that died is dropped then
RESERVATION_LASTS = timedelta(hours=12)


def human_bytes(size: int) -> str:
    value = float(size)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} GiB"


class AdmittedUpload(NamedTuple):
    max_bytes: int
    """The most the upload may store."""
    over_limit: ApiError | None
    """The answer when more arrives, where the owner's storage and not the upload limit
    sets it."""


@asynccontextmanager
async def admitting(database: Database, owner: str) -> AsyncIterator[AsyncSession]:
    """A transaction holding the owner's admission lock until it commits: what is checked in
    it and what it records are one step, so parallel requests (on any replica) are admitted
    one after another and no more than a limit allows pass."""
    async with database.sessions.begin() as session:
        dialect = database.engine.dialect.name
        insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
        # the first statement writes: SQLite then holds its write lock for the whole
        # transaction, PostgreSQL the row's lock from the FOR UPDATE below
        await session.execute(
            insert(OwnerAdmissionRow).values(owner=owner).on_conflict_do_nothing()
        )
        await session.execute(
            select(OwnerAdmissionRow.owner)
            .where(OwnerAdmissionRow.owner == owner)
            .with_for_update()
        )
        yield session


async def reserve_upload(
    database: Database,
    owner: str,
    recording_id: str,
    in_flight_limit: int,
    quota: int,
    most_bytes: int,
) -> AdmittedUpload:
    """Admits one upload of the owner's: 429 when as many recordings as they may have are
    queued, processing or uploading, 413 when their storage is full. Reserves a place in
    flight and up to `most_bytes` of storage for it (released by `release_upload`, or
    turned into its recording)."""
    async with admitting(database, owner) as session:
        await session.execute(
            delete(UploadReservationRow).where(
                UploadReservationRow.owner == owner,
                UploadReservationRow.created_at < utcnow() - RESERVATION_LASTS,
            )
        )
        recordings_in_flight = await session.scalar(
            select(func.count())
            .select_from(RecordingRow)
            .where(RecordingRow.owner == owner, RecordingRow.status.not_in(AT_REST_STATUSES))
        )
        uploading, reserved = (
            await session.execute(
                select(
                    func.count(), func.coalesce(func.sum(UploadReservationRow.size_bytes), 0)
                ).where(UploadReservationRow.owner == owner)
            )
        ).one()
        in_flight = int(recordings_in_flight or 0) + int(uploading)
        if in_flight >= in_flight_limit:
            raise ApiError(
                429,
                "too_many_recordings",
                f"{in_flight} of your recordings are queued or processing, the most at once is"
                f" {in_flight_limit}: send this one when one of them is done.",
                headers={"Retry-After": "60"},
            )
        stored = await session.scalar(
            select(func.coalesce(func.sum(RecordingRow.size_bytes), 0)).where(
                RecordingRow.owner == owner, RecordingRow.media_deleted_at.is_(None)
            )
        )
        used = int(stored or 0) + int(reserved)
        left = quota - used
        if left <= 0:
            raise quota_exceeded(quota, used)
        granted = min(left, most_bytes)
        session.add(
            UploadReservationRow(recording_id=recording_id, owner=owner, size_bytes=granted)
        )
    return AdmittedUpload(granted, quota_exceeded(quota, used) if left < most_bytes else None)


async def release_upload(session: AsyncSession, recording_id: str) -> None:
    """The upload's reservation ends: it failed, or its recording now counts instead."""
    await session.execute(
        delete(UploadReservationRow).where(UploadReservationRow.recording_id == recording_id)
    )


def quota_exceeded(quota: int, used: int) -> ApiError:
    return ApiError(
        413,
        "quota_exceeded",
        f"Your recordings take {human_bytes(used)} of your {human_bytes(quota)}: delete some"
        " to make room for this one.",
    )


async def check_question_rate(session: AsyncSession, owner: str, per_minute: int) -> None:
    """429 when the owner asked `per_minute` questions in the last minute; run inside
    `admitting`, in the transaction that records the question."""
    since = datetime.now(UTC) - QUESTION_WINDOW
    recent = list(
        await session.scalars(
            select(QuestionRow.created_at)
            .where(QuestionRow.owner == owner, QuestionRow.created_at > since)
            .order_by(QuestionRow.created_at)
        )
    )
    if len(recent) < per_minute:
        return
    oldest = recent[0] if recent[0].tzinfo else recent[0].replace(tzinfo=UTC)
    wait = max(1, math.ceil((oldest - since).total_seconds()))
    raise ApiError(
        429,
        "too_many_questions",
        f"At most {per_minute} questions a minute: ask again in {wait} s.",
        headers={"Retry-After": str(wait)},
    )


class EventStreamLimiter:
    """How many Server-Sent Event streams each API key holds open in this process."""

    def __init__(self, per_key: int) -> None:
        self.per_key = per_key
        self.open: dict[str, int] = {}

    def hold(self, principal: str, events: AsyncIterator[T]) -> AsyncIterator[T]:
        """`events`, counted against the caller's key (`Caller.principal`) while it is being
        streamed; 429 when the key already holds as many as it may."""
        key = principal
        if self.open.get(key, 0) >= self.per_key:
            raise ApiError(
                429,
                "too_many_streams",
                f"This key already holds {self.per_key} event streams open; close one first.",
                headers={"Retry-After": "5"},
            )
        self.open[key] = self.open.get(key, 0) + 1

        async def counted() -> AsyncIterator[T]:
            try:
                async for event in events:
                    yield event
            finally:
                self.open[key] -= 1
                if not self.open[key]:
                    del self.open[key]

        return counted()
