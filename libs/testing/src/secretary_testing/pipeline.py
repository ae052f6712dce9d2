"""Stands in for the pipeline's workers in tests of what reads their events."""

from __future__ import annotations

from nats.js import JetStreamContext
from secretary_contracts import (
    ErrorCode,
    RecordingEvent,
    Stage,
    StageFailed,
    Transcript,
    TranscriptReady,
)
from secretary_contracts.messaging import (
    BUCKETS,
    STAGE_FAILED,
    TRANSCRIPT_READY,
    EventSubject,
    artifact_object_name,
)
from secretary_runtime import objects


async def publish(js: JetStreamContext, subject: EventSubject, event: RecordingEvent) -> None:
    await js.publish(
        subject.subject,
        event.model_dump_json().encode(),
        headers={"Nats-Msg-Id": subject.message_id(event.recording_id)},
    )


async def finish(js: JetStreamContext, recording_id: str, transcript: Transcript) -> None:
    """What the merge stage does at the end: store the transcript, announce it."""
    ref = await objects.put_model(
        js, BUCKETS.artifacts, artifact_object_name(recording_id, "transcript"), transcript
    )
    await publish(
        js,
        TRANSCRIPT_READY,
        TranscriptReady(
            recording_id=recording_id,
            transcript=ref,
            language=transcript.language,
            duration_s=transcript.duration_s,
            speaker_count=len(transcript.speakers),
            segment_count=len(transcript.segments),
        ),
    )


async def fail(js: JetStreamContext, recording_id: str, code: ErrorCode, message: str) -> None:
    await publish(
        js,
        STAGE_FAILED,
        StageFailed(recording_id=recording_id, stage=Stage.ASR, code=code, message=message),
    )
