"""Deleting a recording as a saga that finishes: marked `deleting`, the news published, then
every stored object and key, every row and the voiceprints it gave."""

from __future__ import annotations

import logging

from faststream.nats import NatsBroker
from secretary_contracts import RecordingDeleted, RecordingStatus
from secretary_contracts.messaging import RECORDING_DELETED
from secretary_runtime.publishing import EventPublisher
from secretary_runtime.recordings import purge_recording
from sqlalchemy import delete, update
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
    utcnow,
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
    """Deletion as steps that each can run again. The row is marked `deleting` first: from
    then on the recording is gone for every reader, and its row is what a retry (or the
    retention sweep) resumes from. Then the news, so that every service forgets the
    recording even if this request dies half way (and the gateway's own projection of it
    finishes the rest); then the objects, the rows, the voiceprints. A call that fails part
    way answers "try again"."""

    def __init__(self, broker: NatsBroker, database: Database, voiceprints: bool = True) -> None:
        self.broker = broker
        self.database = database
        self.voiceprints = voiceprints

    async def delete(self, recording_id: str, owner: str) -> None:
        async with self.database.sessions.begin() as session:
            await session.execute(
                update(RecordingRow)
                .where(RecordingRow.id == recording_id)
                # the key may name a new upload at once
                .values(status=RecordingStatus.DELETING, idempotency_key=None, updated_at=utcnow())
            )
        # the Telegram chat, the llm's history and the gateway's projection forget it; the
        # same id again is one event (a retry's publish is deduplicated)
        await EventPublisher(self.broker).publish(
            RECORDING_DELETED,
            RecordingDeleted(recording_id=recording_id, owner=owner),
            message_id=f"{recording_id}:deleted",
        )
        await self.finish(recording_id, owner)
        logger.info("recording deleted", extra={"fields": {"recording_id": recording_id}})

    async def finish(self, recording_id: str, owner: str) -> None:
        """Everything stored of the recording goes; idempotent, for the request and for the
        event alike. Rows go after the objects, so that while storage is away they stay and
        a retry can find them."""
        await purge_recording(self.broker.connection.jetstream(), recording_id)
        async with self.database.sessions.begin() as session:
            await delete_rows(session, recording_id)
        # the voices enrolled from this recording are no one's voiceprint any more
        await write_snapshot(self.database, self.broker, owner, self.voiceprints)
