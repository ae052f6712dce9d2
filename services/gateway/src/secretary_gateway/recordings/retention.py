"""Retention: media goes after N days (transcripts stay), whole recordings after M days; and
deletions that stopped part way are finished."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta

from faststream.nats import NatsBroker
from secretary_contracts import SETTLED_STATUSES, RecordingStatus
from secretary_runtime.recordings import purge_media
from sqlalchemy import select

from secretary_gateway.db import Database, RecordingRow
from secretary_gateway.recordings.deletion import RecordingDeleter

logger = logging.getLogger(__name__)

# a recording still in the pipeline keeps its media whatever its age

# a deletion this old is no longer running in any request
DELETION_RESUMED_AFTER = timedelta(minutes=5)


class RetentionSweeper:
    def __init__(
        self,
        broker: NatsBroker,
        database: Database,
        media_days: float | None,
        transcript_days: float | None,
        every_s: float,
    ) -> None:
        self.broker = broker
        self.database = database
        self.deleter = RecordingDeleter(broker, database)
        self.media_days = media_days
        self.transcript_days = transcript_days
        self.every_s = every_s

    async def run_forever(self) -> None:
        while True:
            try:
                await self.sweep()
            except Exception:
                logger.exception("retention sweep failed")
            await asyncio.sleep(self.every_s)

    async def _finish_deletions(self, now: datetime) -> list[str]:
        """Deletions whose request stopped before the end (its caller gone, storage away)
        and that no one retried: finished here."""
        async with self.database.sessions() as session:
            stalled = (
                await session.execute(
                    select(RecordingRow.id, RecordingRow.owner).where(
                        RecordingRow.status == RecordingStatus.DELETING,
                        RecordingRow.updated_at < now - DELETION_RESUMED_AFTER,
                    )
                )
            ).all()
        for recording_id, owner in stalled:
            await self.deleter.delete(recording_id, owner)
        return [recording_id for recording_id, _ in stalled]

    async def sweep(self) -> tuple[list[str], list[str]]:
        """Returns (recordings whose media was removed, recordings removed entirely)."""
        now = datetime.now(UTC)
        removed = await self._finish_deletions(now)
        if self.transcript_days is not None:
            cutoff = now - timedelta(days=self.transcript_days)
            async with self.database.sessions() as session:
                expired = (
                    await session.execute(
                        select(RecordingRow.id, RecordingRow.owner).where(
                            RecordingRow.created_at < cutoff,
                            RecordingRow.status.in_(SETTLED_STATUSES),
                        )
                    )
                ).all()
            for recording_id, owner in expired:
                await self.deleter.delete(recording_id, owner)
                removed.append(recording_id)
        stripped: list[str] = []
        if self.media_days is not None:
            cutoff = now - timedelta(days=self.media_days)
            async with self.database.sessions() as session:
                aged = (
                    await session.scalars(
                        select(RecordingRow.id).where(
                            RecordingRow.created_at < cutoff,
                            RecordingRow.status.in_(SETTLED_STATUSES),
                            RecordingRow.media_deleted_at.is_(None),
                        )
                    )
                ).all()
            js = self.broker.connection.jetstream()
            for recording_id in aged:
                await purge_media(js, recording_id)
                async with self.database.sessions.begin() as session:
                    row = await session.get(RecordingRow, recording_id)
                    if row is not None:
                        row.media_deleted_at = now
                stripped.append(recording_id)
        if removed or stripped:
            logger.info(
                "retention: %d recording(s) deleted, media of %d removed",
                len(removed),
                len(stripped),
            )
        return stripped, removed
