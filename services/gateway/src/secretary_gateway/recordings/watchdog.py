"""Reports recordings that stopped moving in a stage, so none stays `processing` forever.

Only a stage that has started (0 < progress < 1) can be stuck: a recording waiting in a queue
behind others is a capacity question, and a message whose deliveries ran out is reported by
the dead-letter watcher.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta

from secretary_contracts import ERROR_MESSAGES, ErrorCode, RecordingStatus, Stage
from secretary_runtime.publishing import EventPublisher
from sqlalchemy import select

from secretary_gateway.db import Database, RecordingRow, as_utc

logger = logging.getLogger(__name__)


def stage_in_progress(row: RecordingRow) -> Stage | None:
    for stage in (Stage.PREPARE, Stage.ASR, Stage.DIARIZE, Stage.MERGE):
        if 0.0 < float(row.stages.get(stage, 0.0)) < 1.0:
            return stage
    return None


class StuckRecordingWatchdog:
    def __init__(
        self, database: Database, publisher: EventPublisher, stuck_after_s: float, every_s: float
    ) -> None:
        self.database = database
        self.publisher = publisher
        self.stuck_after = timedelta(seconds=stuck_after_s)
        self.every_s = every_s

    async def run_forever(self) -> None:
        while True:
            try:
                await self.check()
            except Exception:
                logger.exception("stuck-recording check failed")
            await asyncio.sleep(self.every_s)

    async def check(self) -> list[str]:
        deadline = datetime.now(UTC) - self.stuck_after
        async with self.database.sessions() as session:
            rows = (
                await session.scalars(
                    select(RecordingRow).where(RecordingRow.status == RecordingStatus.PROCESSING)
                )
            ).all()
        stuck = [
            (row, stage)
            for row in rows
            if as_utc(row.updated_at) < deadline and (stage := stage_in_progress(row)) is not None
        ]
        for row, stage in stuck:
            minutes = self.stuck_after.total_seconds() / 60
            await self.publisher.failed(
                row.id,
                stage,
                ErrorCode.STAGE_TIMEOUT,
                f"{ERROR_MESSAGES[ErrorCode.STAGE_TIMEOUT]} (no progress in {stage} "
                f"for {minutes:.0f} min)",
            )
            logger.error("recording stuck in %s", stage, extra={"fields": {"recording_id": row.id}})
        return [row.id for row, _ in stuck]
