"""Waits for both halves of a recording (words, speaker turns) in a KV bucket, then merges."""

from __future__ import annotations

import logging

from faststream.nats import NatsBroker, NatsMessage
from nats.js.errors import KeyNotFoundError
from secretary_contracts import (
    AsrDone,
    AsrResult,
    DiarizationDone,
    DiarizationResult,
    Stage,
    TranscriptReady,
)
from secretary_contracts.messaging import (
    BUCKETS,
    CONSUMER_MERGE_ASR,
    CONSUMER_MERGE_DIARIZATION,
    TRANSCRIPT_READY,
    artifact_object_name,
    owner_key,
)
from secretary_contracts.voiceprints import VoiceprintPerson, Voiceprints
from secretary_runtime import objects
from secretary_runtime.jobs import JobRunner, Progress, subscriber_options, tuned

from secretary_merge.alignment import SegmentationRules, merge_transcript
from secretary_merge.settings import MergeSettings
from secretary_merge.voices import Thresholds, named_speakers, recognise

logger = logging.getLogger(__name__)


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

    async def _people(self, owner: str) -> list[VoiceprintPerson]:
        """The owner's people as the gateway last wrote them; none when it never did."""
        kv = await self.broker.connection.jetstream().key_value(BUCKETS.voiceprints)
        try:
            entry = await kv.get(owner_key(owner))
        except KeyNotFoundError:
            return []
        snapshot = Voiceprints.model_validate_json(entry.value or b"{}")
        # the key is the owner's: a snapshot of anyone else's is never used
        return snapshot.people if snapshot.owner == owner else []

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
            people = await self._people(diarization.owner)
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
