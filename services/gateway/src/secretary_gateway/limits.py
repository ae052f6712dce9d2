"""What one owner may take of the service, so that no owner can stop the others: recordings
in flight, bytes stored, questions a minute, event streams held open. Counted from the
database where every replica must agree; streams, which live in one process, per replica."""

from __future__ import annotations

import hashlib
import math
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import TypeVar

from secretary_contracts import SETTLED_STATUSES
from sqlalchemy import func, select

from secretary_gateway.db import Database, QuestionRow, RecordingRow
from secretary_gateway.errors import ApiError

T = TypeVar("T")
QUESTION_WINDOW = timedelta(seconds=60)


def human_bytes(size: int) -> str:
    value = float(size)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} GiB"


async def check_recordings_in_flight(database: Database, owner: str, limit: int) -> None:
    async with database.sessions() as session:
        in_flight = await session.scalar(
            select(func.count())
            .select_from(RecordingRow)
            .where(RecordingRow.owner == owner, RecordingRow.status.not_in(SETTLED_STATUSES))
        )
    if (in_flight or 0) >= limit:
        raise ApiError(
            429,
            "too_many_recordings",
            f"{in_flight} of your recordings are queued or processing, the most at once is"
            f" {limit}: send this one when one of them is done.",
            headers={"Retry-After": "60"},
        )


async def storage_left(database: Database, owner: str, quota: int) -> int:
    """Bytes the owner may still store; 413 when there are none."""
    async with database.sessions() as session:
        used = await session.scalar(
            select(func.coalesce(func.sum(RecordingRow.size_bytes), 0)).where(
                RecordingRow.owner == owner, RecordingRow.media_deleted_at.is_(None)
            )
        )
    left = quota - int(used or 0)
    if left <= 0:
        raise quota_exceeded(quota, int(used or 0))
    return left


def quota_exceeded(quota: int, used: int) -> ApiError:
    return ApiError(
        413,
        "quota_exceeded",
        f"Your recordings take {human_bytes(used)} of your {human_bytes(quota)}: delete some"
        " to make room for this one.",
    )


async def check_question_rate(database: Database, owner: str, per_minute: int) -> None:
    since = datetime.now(UTC) - QUESTION_WINDOW
    async with database.sessions() as session:
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

    def hold(self, api_key: str, events: AsyncIterator[T]) -> AsyncIterator[T]:
        """`events`, counted against the key while it is being streamed; 429 when the key
        already holds as many as it may."""
        key = hashlib.sha256(api_key.encode()).hexdigest()[:16]
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
