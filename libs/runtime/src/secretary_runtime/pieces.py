"""The pieces of a long recording that a stage processes as independent jobs.

Each job stores its piece's result, then looks whether every piece is stored; whichever job
sees them all finishes the recording. Stores happen before looks, so at least one job sees
every piece; when two do at once, both finish it alike and JetStream drops the second
event by its message id.
"""

from __future__ import annotations

from typing import Any

from nats.js import JetStreamContext
from secretary_contracts import ChunkDone, ChunkRequested, ObjectRef, RecordingReady, Stage
from secretary_contracts.messaging import BUCKETS, EventSubject, chunk_artifact_name

from secretary_runtime.objects import stored_digest
from secretary_runtime.publishing import EventPublisher


async def pieces_stored(js: JetStreamContext, recording_id: str, kind: str, count: int) -> int:
    """How many of the recording's `count` pieces have a stored result of `kind`."""
    stored = 0
    for index in range(count):
        name = chunk_artifact_name(recording_id, kind, index)
        if await stored_digest(js, BUCKETS.artifacts, name) is not None:
            stored += 1
    return stored


async def hand_out(
    publisher: EventPublisher, subject: EventSubject, event: RecordingReady, **fields: Any
) -> None:
    """One job per piece of the recording on `subject` (each with its own message id);
    `fields`: what the stage adds to every job (asr: the recording's language)."""
    for chunk in event.chunks:
        await publisher.publish(
            subject,
            ChunkRequested(
                recording_id=event.recording_id,
                audio=event.audio,
                chunk=chunk,
                chunk_count=len(event.chunks),
                owner=event.owner,
                options=event.options,
                **fields,
            ),
            message_id=subject.message_id(event.recording_id, chunk.index),
        )


async def piece_finished(
    publisher: EventPublisher,
    js: JetStreamContext,
    subject: EventSubject,
    event: ChunkRequested,
    result: ObjectRef,
    kind: str,
    stage: Stage,
) -> bool:
    """Announces a stored piece and the stage's progress (pieces stored of all); True when
    every piece is stored, and this job is to finish the recording."""
    await publisher.publish(
        subject,
        ChunkDone(
            recording_id=event.recording_id,
            chunk=event.chunk,
            chunk_count=event.chunk_count,
            result=result,
        ),
        message_id=subject.message_id(event.recording_id, event.chunk.index),
    )
    stored = await pieces_stored(js, event.recording_id, kind, event.chunk_count)
    await publisher.progress(event.recording_id, stage, min(0.99, stored / event.chunk_count))
    return stored == event.chunk_count
