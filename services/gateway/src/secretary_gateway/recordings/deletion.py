"""Deleting a recording: every stored object and key, every row, then the news for the others."""

from __future__ import annotations

import logging

from faststream.nats import NatsBroker
from secretary_contracts import RecordingDeleted
from secretary_contracts.messaging import RECORDING_DELETED
from secretary_runtime.publishing import EventPublisher
from secretary_runtime.recordings import purge_recording
from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from secretary_gateway.db import (
    Database,
    EnrolmentRow,
    QuestionRow,
    RecordingRow,
    SegmentRow,
    TranscriptRevisionRow,
    TranscriptRow,
    WebhookDeliveryRow,
)
from secretary_gateway.people.service import write_snapshot

logger = logging.getLogger(__name__)


async def delete_rows(session: AsyncSession, recording_id: str) -> None:
    for table, column in (
        (SegmentRow, SegmentRow.recording_id),
        (TranscriptRow, TranscriptRow.recording_id),
        (TranscriptRevisionRow, TranscriptRevisionRow.recording_id),
        (QuestionRow, QuestionRow.recording_id),
        (WebhookDeliveryRow, WebhookDeliveryRow.recording_id),
        (EnrolmentRow, EnrolmentRow.recording_id),
        (RecordingRow, RecordingRow.id),
    ):
        await session.execute(delete(table).where(column == recording_id))


class RecordingDeleter:
    def __init__(self, broker: NatsBroker, database: Database) -> None:
        self.broker = broker
        self.database = database

    async def delete(self, recording_id: str, owner: str) -> None:
        # objects first: if the Object Store is away, the rows stay and the owner can retry
        await purge_recording(self.broker.connection.jetstream(), recording_id)
        async with self.database.sessions.begin() as session:
            await delete_rows(session, recording_id)
        # the voices enrolled from this recording are no one's voiceprint any more
        await write_snapshot(self.database, self.broker, owner)
        # the Telegram chat and the llm's history forget it too; the gateway's own
        # projection of this event finds nothing left to delete
        await EventPublisher(self.broker).publish(
            RECORDING_DELETED, RecordingDeleted(recording_id=recording_id, owner=owner)
        )
        logger.info("recording deleted", extra={"fields": {"recording_id": recording_id}})
