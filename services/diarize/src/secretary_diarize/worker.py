"""The diarize stage: recording-ready in, speaker turns out.

A long recording comes cut into pieces (`RecordingReady.chunks`): each piece is segmented
and embedded as a job of its own that any replica takes, and the job that stores the last
piece clusters every piece's embeddings together (`pieces`).
"""

from __future__ import annotations

import logging

from faststream.nats import NatsBroker
from secretary_contracts import (
    ChunkRequested,
    DiarizationDone,
    DiarizationResult,
    RecordingReady,
    Stage,
)
from secretary_contracts.messaging import (
    BUCKETS,
    CONSUMER_DIARIZE,
    CONSUMER_DIARIZE_CHUNKS,
    DIARIZATION_CHUNK_DONE,
    DIARIZATION_CHUNK_REQUESTED,
    DIARIZATION_DONE,
    artifact_object_name,
    chunk_artifact_name,
)
from secretary_runtime import objects
from secretary_runtime.audio import read_pcm16_span
from secretary_runtime.jobs import JobRunner, Progress
from secretary_runtime.pieces import hand_out, piece_finished
from secretary_runtime.stage_worker import StageWorker

from secretary_diarize.engine import Diarizer
from secretary_diarize.pieces import PIECE_MARGIN_S, PieceAnalysis
from secretary_diarize.settings import DiarizeSettings

logger = logging.getLogger(__name__)

EMBEDDINGS = "embeddings"
"""The piece's analysis the final clustering reads (`PieceAnalysis`)."""
PROVISIONAL = "diarization"
"""The piece's turns with its own labels, for the transcript so far."""


class DiarizeWorker(StageWorker[DiarizeSettings]):
    stage = Stage.DIARIZE
    whole = CONSUMER_DIARIZE
    pieces = CONSUMER_DIARIZE_CHUNKS

    def __init__(
        self, settings: DiarizeSettings, broker: NatsBroker, jobs: JobRunner, diarizer: Diarizer
    ) -> None:
        super().__init__(settings, broker, jobs)
        self.diarizer = diarizer

    async def run_whole(self, event: RecordingReady, progress: Progress) -> None:
        audio = await self.whole_audio(event)
        result = await self.model_thread.run(
            self.diarizer.diarize, audio, event.options, progress.report
        )
        await self._announce(event.recording_id, event.owner, result)

    async def _announce(
        self, recording_id: str, owner: str | None, result: DiarizationResult
    ) -> None:
        js = self.broker.connection.jetstream()
        ref = await objects.put_model(
            js, BUCKETS.artifacts, artifact_object_name(recording_id, "diarization"), result
        )
        await self.jobs.publisher.publish(
            DIARIZATION_DONE,
            DiarizationDone(
                recording_id=recording_id,
                result=ref,
                speaker_count=len({t.speaker for t in result.turns}),
                owner=owner,
            ),
        )

    async def hand_out_chunks(self, event: RecordingReady) -> None:
        await hand_out(self.jobs.publisher, DIARIZATION_CHUNK_REQUESTED, event)

    async def run_chunk(self, event: ChunkRequested) -> None:
        js = self.broker.connection.jetstream()
        chunk = event.chunk
        logger.info(
            "analysing piece %d of %d",
            chunk.index + 1,
            event.chunk_count,
            extra={"fields": {"start_s": chunk.start_s, "end_s": chunk.end_s}},
        )
        offset_s = max(0.0, chunk.start_s - PIECE_MARGIN_S)
        audio = await read_pcm16_span(js, event.audio, offset_s, chunk.end_s + PIECE_MARGIN_S)
        analysis, provisional = await self.model_thread.run(
            self.diarizer.analyse_piece,
            audio,
            offset_s,
            chunk.start_s,
            chunk.end_s,
            event.options,
        )
        del audio
        store = await js.object_store(BUCKETS.artifacts)
        await store.put(
            chunk_artifact_name(event.recording_id, EMBEDDINGS, chunk.index), analysis.to_bytes()
        )
        ref = await objects.put_model(
            js,
            BUCKETS.artifacts,
            chunk_artifact_name(event.recording_id, PROVISIONAL, chunk.index),
            provisional,
        )
        every_piece = await piece_finished(
            self.jobs.publisher, js, DIARIZATION_CHUNK_DONE, event, ref, EMBEDDINGS, Stage.DIARIZE
        )
        if every_piece:
            await self.cluster_chunks(event)

    async def cluster_chunks(self, event: ChunkRequested) -> None:
        js = self.broker.connection.jetstream()
        store = await js.object_store(BUCKETS.artifacts)
        pieces = []
        for index in range(event.chunk_count):
            stored = await store.get(chunk_artifact_name(event.recording_id, EMBEDDINGS, index))
            pieces.append(PieceAnalysis.from_bytes(stored.data or b""))
        result = await self.model_thread.run(self.diarizer.cluster_pieces, pieces, event.options)
        logger.info(
            "pieces clustered together",
            extra={"fields": {"pieces": len(pieces), "speakers": len(result.voices)}},
        )
        await self._announce(event.recording_id, event.owner, result)
        await self.jobs.publisher.progress(event.recording_id, Stage.DIARIZE, 1.0)
