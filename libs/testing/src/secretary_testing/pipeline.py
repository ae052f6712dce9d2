"""Stands in for the pipeline's workers in tests of what reads their events."""

from __future__ import annotations

import io
import wave

import numpy as np
from nats.js import JetStreamContext
from secretary_contracts import (
    AUDIO_SAMPLE_RATE,
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
    audio_object_name,
)
from secretary_runtime import objects


async def publish(js: JetStreamContext, subject: EventSubject, event: RecordingEvent) -> None:
    await js.publish(
        subject.of(event.recording_id),
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


def speaker_tones(transcript: Transcript, frequencies: dict[str, float]) -> np.ndarray:
    """Audio in which each speaker's segments are a tone of their own, silence elsewhere:
    which speaker a piece of it belongs to can be heard back."""
    samples = np.zeros(int(transcript.duration_s * AUDIO_SAMPLE_RATE), dtype=np.float64)
    for segment in transcript.segments:
        first, last = (int(t * AUDIO_SAMPLE_RATE) for t in (segment.start, segment.end))
        time = np.arange(last - first) / AUDIO_SAMPLE_RATE
        samples[first:last] += 8000 * np.sin(2 * np.pi * frequencies[segment.speaker or ""] * time)
    return samples.astype("<i2")


async def prepare(js: JetStreamContext, recording_id: str, samples: np.ndarray) -> None:
    """What the prepare stage stores: the recording as mono 16-bit WAV at the pipeline's rate."""
    body = io.BytesIO()
    with wave.open(body, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(AUDIO_SAMPLE_RATE)
        wav.writeframes(samples.astype("<i2").tobytes())
    store = await js.object_store(BUCKETS.audio)
    await store.put(audio_object_name(recording_id), body.getvalue())
