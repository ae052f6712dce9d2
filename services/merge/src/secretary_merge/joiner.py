"""Waits for both halves of a recording (words, speaker turns) in a KV bucket, then merges."""

from __future__ import annotations

import logging

from faststream.nats import NatsBroker, NatsMessage
from nats.js.errors import KeyNotFoundError
from secretary_contracts import (
    AsrDone,
    AsrResult,
    ChunkDone,
    DiarizationDone,
    DiarizationResult,
    Stage,
    TranscriptPartial,
    TranscriptReady,
)
from secretary_contracts.events import ObjectRef
from secretary_contracts.messaging import (
    BUCKETS,
    CONSUMER_MERGE_ASR,
    CONSUMER_MERGE_ASR_CHUNKS,
    CONSUMER_MERGE_DIARIZATION,
    CONSUMER_MERGE_DIARIZATION_CHUNKS,
    TRANSCRIPT_PARTIAL,
    TRANSCRIPT_READY,
    ConsumerSpec,
    artifact_object_name,
)
from secretary_runtime import objects
from secretary_runtime.jobs import JobRunner, Progress, subscriber_options, tuned
from secretary_runtime.recordings import purge_chunk_artifacts
from secretary_runtime.voiceprints import people_of

from secretary_merge.alignment import SegmentationRules, merge_transcript
from secretary_merge.provisional import provisional_turns
from secretary_merge.settings import MergeSettings
from secretary_merge.voices import Thresholds, named_speakers, recognise

logger = logging.getLogger(__name__)


def _piece_key(recording_id: str, half: str, index: int) -> str:
    return f"{recording_id}.piece.{half}.{index:03d}"


class Joiner:
    def __init__(self, settings: MergeSettings, broker: NatsBroker, jobs: JobRunner) -> None:
        self.settings = settings
        self.broker = broker
        self.jobs = jobs
        self.rules = SegmentationRules(
            settings.segment_pause_s,
            settings.max_segment_s,
            settings.low_confidence_below,
            settings.repetition_times,
        )
        self.thresholds = Thresholds(settings.voiceprint_name_at, settings.voiceprint_suggest_at)

    def register(self) -> None:
        asr_spec = tuned(CONSUMER_MERGE_ASR, self.settings)
        diarization_spec = tuned(CONSUMER_MERGE_DIARIZATION, self.settings)

        @self.broker.subscriber(**subscriber_options(asr_spec))
        async def on_asr_done(event: AsrDone, msg: NatsMessage) -> None:
            await self.jobs.run(
                msg,
                event,
                Stage.MERGE,
                asr_spec,
                lambda p: self.arrived(event.recording_id, "asr", event.model_dump_json(), p),
                report_progress=False,
            )

        @self.broker.subscriber(**subscriber_options(diarization_spec))
        async def on_diarization_done(event: DiarizationDone, msg: NatsMessage) -> None:
            await self.jobs.run(
                msg,
                event,
                Stage.MERGE,
                diarization_spec,
                lambda p: self.arrived(
                    event.recording_id, "diarization", event.model_dump_json(), p
                ),
                report_progress=False,
            )

        for half, spec in (
            ("asr", tuned(CONSUMER_MERGE_ASR_CHUNKS, self.settings)),
            ("diarization", tuned(CONSUMER_MERGE_DIARIZATION_CHUNKS, self.settings)),
        ):
            self._register_pieces(half, spec)

    def _register_pieces(self, half: str, spec: ConsumerSpec) -> None:
        @self.broker.subscriber(**subscriber_options(spec))
        async def on_piece_done(event: ChunkDone, msg: NatsMessage) -> None:
            await self.jobs.run(
                msg,
                event,
                Stage.MERGE,
                spec,
                lambda p: self.piece_arrived(event, half),
                report_progress=False,
            )

    async def piece_arrived(self, event: ChunkDone, half: str) -> None:
        """Records one piece's half; when it completes the run of pieces from the first on,
        the transcript of that run is published (with provisional speaker labels)."""
        kv = await self.broker.connection.jetstream().key_value(BUCKETS.merge_state)
        await kv.put(
            _piece_key(event.recording_id, half, event.chunk.index),
            event.result.model_dump_json().encode(),
        )
        ready: list[tuple[ObjectRef, ObjectRef]] = []
        for index in range(event.chunk_count):
            try:
                words = await kv.get(_piece_key(event.recording_id, "asr", index))
                turns = await kv.get(_piece_key(event.recording_id, "diarization", index))
            except KeyNotFoundError:
                break
            ready.append(
                (
                    ObjectRef.model_validate_json(words.value or b""),
                    ObjectRef.model_validate_json(turns.value or b""),
                )
            )
        if len(ready) <= event.chunk.index or len(ready) == event.chunk_count:
            return  # nothing new in the run from the first piece, or the final one follows
        await self.publish_partial(event.recording_id, ready, event.chunk_count)

    async def publish_partial(
        self, recording_id: str, ready: list[tuple[ObjectRef, ObjectRef]], chunk_count: int
    ) -> None:
        js = self.broker.connection.jetstream()
        words = [await objects.get_model(js, ref, AsrResult) for ref, _ in ready]
        pieces = [await objects.get_model(js, ref, DiarizationResult) for _, ref in ready]
        through_s = round(sum(w.duration_s for w in words), 3)
        transcript = merge_transcript(
            words[0].language,
            through_s,
            [w for piece in words for w in piece.words],
            provisional_turns(pieces, self.settings.voiceprint_suggest_at),
            self.rules,
            language_probability=words[0].language_probability,
        )
        transcript.partial = True
        transcript.warnings = []  # nobody speaking so far says nothing of the rest
        ref = await objects.put_model(
            js, BUCKETS.artifacts, artifact_object_name(recording_id, "partial"), transcript
        )
        await self.jobs.publisher.publish(
            TRANSCRIPT_PARTIAL,
            TranscriptPartial(
                recording_id=recording_id,
                transcript=ref,
                through_s=through_s,
                chunks_done=len(ready),
                chunk_count=chunk_count,
                speaker_count=len(transcript.speakers),
            ),
            message_id=TRANSCRIPT_PARTIAL.message_id(recording_id, len(ready)),
        )
        logger.info(
            "transcript so far published",
            extra={"fields": {"through_s": through_s, "pieces": len(ready)}},
        )

    async def arrived(self, recording_id: str, half: str, event_json: str, _: Progress) -> None:
        kv = await self.broker.connection.jetstream().key_value(BUCKETS.merge_state)
        await kv.put(f"{recording_id}.{half}", event_json.encode())
        try:
            asr_entry = await kv.get(f"{recording_id}.asr")
            diarization_entry = await kv.get(f"{recording_id}.diarization")
        except KeyNotFoundError:
            logger.info("%s arrived; waiting for the other half", half)
            return
        # Whichever half lands second merges; if both land at once, both merge to the same
        # transcript and JetStream drops the second transcript-ready by its message id.
        await self.merge(
            AsrDone.model_validate_json(asr_entry.value or b""),
            DiarizationDone.model_validate_json(diarization_entry.value or b""),
        )

    async def merge(self, asr: AsrDone, diarization: DiarizationDone) -> None:
        js = self.broker.connection.jetstream()
        recording_id = asr.recording_id
        words = await objects.get_model(js, asr.result, AsrResult)
        turns = await objects.get_model(js, diarization.result, DiarizationResult)
        transcript = merge_transcript(
            words.language,
            words.duration_s,
            words.words,
            turns.turns,
            self.rules,
            language_probability=words.language_probability,
        )
        if self.settings.voiceprints and diarization.owner:
            people = await people_of(js, diarization.owner)
            recognised = recognise(turns.voices, people, self.thresholds)
            transcript.speakers = named_speakers(transcript.speakers, recognised)
        ref = await objects.put_model(
            js, BUCKETS.artifacts, artifact_object_name(recording_id, "transcript"), transcript
        )
        published = await self.jobs.publisher.publish(
            TRANSCRIPT_READY,
            TranscriptReady(
                recording_id=recording_id,
                transcript=ref,
                language=transcript.language,
                duration_s=transcript.duration_s,
                speaker_count=len(transcript.speakers),
                segment_count=len(transcript.segments),
                warnings=[str(w) for w in transcript.warnings],
                flagged_segments=transcript.flagged_segments(),
                language_probability=transcript.language_probability,
            ),
        )
        logger.info(
            "transcript ready" if published else "transcript was already published",
            extra={"fields": {"segments": len(transcript.segments)}},
        )
        # what the stages kept of each piece served the transcript so far and the joins,
        # which are done: a stage job redone later finds pieces missing and joins nothing
        await purge_chunk_artifacts(js, recording_id, every_piece_stored=True)
