"""Keeps the read model in step with the pipeline's events; every update is idempotent.

Events of one recording arrive in publish order on one consumer, and media-received is always
first; an event for a recording the read model does not know (deleted, or never accepted)
is acknowledged and dropped rather than retried.
"""

from __future__ import annotations

import logging
from typing import Any

from faststream.nats import NatsBroker
from secretary_contracts import (
    SETTLED_STATUSES,
    AsrDone,
    DiarizationDone,
    MediaReceived,
    RecordingDeleted,
    RecordingEvent,
    RecordingReady,
    RecordingStatus,
    SpeakersNamed,
    Stage,
    StageFailed,
    StageProgress,
    SummaryReady,
    SummaryUnavailable,
    Transcript,
    TranscriptPartial,
    TranscriptReady,
)
from secretary_contracts.messaging import (
    ASR_DONE,
    CONSUMER_GATEWAY_PROGRESS,
    CONSUMER_GATEWAY_RECORDINGS,
    DIARIZATION_DONE,
    MEDIA_RECEIVED,
    RECORDING_DELETED,
    RECORDING_READY,
    SPEAKERS_NAMED,
    STAGE_FAILED,
    STAGE_PROGRESS,
    SUMMARY_READY,
    SUMMARY_UNAVAILABLE,
    TRANSCRIPT_PARTIAL,
    TRANSCRIPT_READY,
)
from secretary_runtime import objects
from secretary_runtime.projections import Projection
from secretary_runtime.recordings import purge_recording
from sqlalchemy.ext.asyncio import AsyncSession

from secretary_gateway.db import (
    DATABASE_OUTAGES,
    Database,
    RecordingRow,
    TranscriptRow,
    new_recording_row,
    utcnow,
)
from secretary_gateway.metrics import Metrics
from secretary_gateway.recordings.deletion import RecordingDeleter
from secretary_gateway.recordings.timeline import finish_stage
from secretary_gateway.search.index import index_transcript
from secretary_gateway.webhooks.delivery import WebhookAnnouncer

logger = logging.getLogger(__name__)


async def _live(session: AsyncSession, recording_id: str) -> RecordingRow | None:
    """The recording as the pipeline's news may still change it: none once its owner
    deleted it, even while the deletion is under way."""
    row = await session.get(RecordingRow, recording_id)
    return None if row is None or row.status == RecordingStatus.DELETING else row


class Projector:
    def __init__(
        self, broker: NatsBroker, database: Database, metrics: Metrics, voiceprints: bool = True
    ) -> None:
        self.broker = broker
        self.database = database
        self.metrics = metrics
        self.voiceprints = voiceprints
        self.webhooks = WebhookAnnouncer(broker, database)

    def register(self) -> None:
        recordings = Projection(self.broker, CONSUMER_GATEWAY_RECORDINGS, outages=DATABASE_OUTAGES)
        recordings.on(MEDIA_RECEIVED, self.media_received)
        recordings.on(RECORDING_READY, self.recording_ready)
        recordings.on(ASR_DONE, self.asr_done)
        recordings.on(DIARIZATION_DONE, self.diarization_done)
        recordings.on(TRANSCRIPT_PARTIAL, self.transcript_partial)
        recordings.on(TRANSCRIPT_READY, self.transcript_ready)
        recordings.on(STAGE_FAILED, self.failed)
        recordings.on(RECORDING_DELETED, self.deleted)
        recordings.on(SPEAKERS_NAMED, self.speakers_named)
        recordings.on(SUMMARY_READY, self.summary_ready)
        recordings.on(SUMMARY_UNAVAILABLE, self.summary_unavailable)
        recordings.register()
        progress = Projection(self.broker, CONSUMER_GATEWAY_PROGRESS)
        progress.on(STAGE_PROGRESS, self.progress)
        progress.register()

    async def recording_ready(self, event: RecordingReady) -> None:
        await self._update(event, Stage.PREPARE, duration_s=event.duration_s)

    async def asr_done(self, event: AsrDone) -> None:
        await self._update(
            event,
            Stage.ASR,
            language=event.language or None,
            language_probability=event.language_probability,
        )

    async def diarization_done(self, event: DiarizationDone) -> None:
        await self._update(event, Stage.DIARIZE)

    async def media_received(self, event: MediaReceived) -> None:
        async with self.database.sessions.begin() as session:
            if await session.get(RecordingRow, event.recording_id) is None:
                session.add(new_recording_row(event))

    def _finish(self, row: RecordingRow, stage: Stage, event: RecordingEvent) -> None:
        took = finish_stage(row, stage, event.occurred_at)
        if took is not None:
            self.metrics.stage_seconds.labels(str(stage)).observe(took)

    async def _update(self, event: RecordingEvent, finished: Stage, **fields: Any) -> None:
        async with self.database.sessions.begin() as session:
            row = await _live(session, event.recording_id)
            if row is None:
                logger.info("event for an unknown recording ignored")
                return
            for name, value in fields.items():
                setattr(row, name, value)
            self._finish(row, finished, event)
            if row.status not in SETTLED_STATUSES:
                row.status = RecordingStatus.PROCESSING
                row.stages = {**row.stages, finished: 1.0}

    async def progress(self, event: StageProgress) -> None:
        async with self.database.sessions.begin() as session:
            row = await _live(session, event.recording_id)
            if row is None or row.status in SETTLED_STATUSES:
                return
            if event.fraction > float(row.stages.get(event.stage, 0.0)):
                row.stages = {**row.stages, event.stage: round(event.fraction, 3)}
                row.status = RecordingStatus.PROCESSING
            # a redelivered job reports progress below what was reached before: still alive
            row.updated_at = utcnow()

    async def transcript_partial(self, event: TranscriptPartial) -> None:
        """How far the transcript so far reaches; it is read from its artifact on request.
        A later piece's partial can overtake an earlier one's: the furthest stands."""
        async with self.database.sessions.begin() as session:
            row = await _live(session, event.recording_id)
            if row is None or row.status in SETTLED_STATUSES:
                return
            if event.through_s > (row.transcript_through_s or 0.0):
                row.transcript_through_s = event.through_s

    async def transcript_ready(self, event: TranscriptReady) -> None:
        js = self.broker.connection.jetstream()
        transcript = await objects.get_model(js, event.transcript, Transcript)
        async with self.database.sessions.begin() as session:
            row = await _live(session, event.recording_id)
            if row is None:
                # deleted while the pipeline worked on it: what it made since goes too
                await purge_recording(js, event.recording_id)
                logger.info("transcript for a deleted recording removed")
                return
            stored = await session.get(TranscriptRow, event.recording_id)
            if stored is None or stored.revision == 0:
                await session.merge(
                    TranscriptRow(
                        recording_id=event.recording_id, body=transcript.model_dump_json()
                    )
                )
                await index_transcript(session, event.recording_id, transcript)
            # else: redelivered after its owner edited it; the edits stand
            self._finish(row, Stage.MERGE, event)
            # a transcript is the final word: a recording failed earlier and then retried
            # from the dead-letter stream ends done
            row.status = RecordingStatus.DONE
            row.error_code = None
            row.error_message = None
            row.stages = {**row.stages, Stage.MERGE: 1.0}
            row.duration_s = event.duration_s
            row.language = event.language or None
            row.language_probability = event.language_probability
            row.speaker_count = event.speaker_count
            row.warnings = list(event.warnings)
            row.flagged_segments = dict(event.flagged_segments)
        await self.webhooks.announce(row)
        logger.info("recording done")

    async def speakers_named(self, event: SpeakersNamed) -> None:
        async with self.database.sessions.begin() as session:
            row = await session.get(RecordingRow, event.recording_id)
            if row is not None and row.owner == event.owner:
                row.speaker_names = event.names

    async def summary_ready(self, event: SummaryReady) -> None:
        await self._summary_error(event.recording_id, None, None)

    async def summary_unavailable(self, event: SummaryUnavailable) -> None:
        await self._summary_error(event.recording_id, str(event.code), event.message)

    async def _summary_error(
        self, recording_id: str, code: str | None, message: str | None
    ) -> None:
        async with self.database.sessions.begin() as session:
            row = await session.get(RecordingRow, recording_id)
            if row is not None:
                row.summary_error_code, row.summary_error_message = code, message

    async def deleted(self, event: RecordingDeleted) -> None:
        # a deletion whose request died after its news went out is finished here
        await RecordingDeleter(self.broker, self.database, self.voiceprints).finish(
            event.recording_id, event.owner
        )
        logger.info("recording deleted")

    async def failed(self, event: StageFailed) -> None:
        async with self.database.sessions.begin() as session:
            row = await _live(session, event.recording_id)
            if row is None:
                await purge_recording(self.broker.connection.jetstream(), event.recording_id)
                logger.info("failure of an unknown recording ignored")
                return
            if row.status == RecordingStatus.DONE:
                return
            row.status = RecordingStatus.FAILED
            row.error_code = event.code
            row.error_message = event.message
        await self.webhooks.announce(row)
        logger.info("recording failed", extra={"fields": {"code": str(event.code)}})
