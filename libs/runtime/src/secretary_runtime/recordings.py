"""Removes what the pipeline stored for a recording: on deletion, and when retention expires."""

from __future__ import annotations

import asyncio

from nats.js import JetStreamContext
from secretary_contracts.messaging import (
    ALL_SUBJECTS,
    ARTIFACT_KINDS,
    BUCKETS,
    CHUNK_ARTIFACT_KINDS,
    MAX_CHUNKS,
    RECORDING_DELETED,
    artifact_object_name,
    audio_object_name,
    chunk_artifact_name,
    playback_object_name,
    stream_of,
)

from secretary_runtime.kv import live_entries
from secretary_runtime.objects import delete_object, stored_digest

# KV buckets whose keys start with the recording id (`<id>.<part>`)
KEYED_BY_RECORDING = (BUCKETS.merge_state, BUCKETS.qa_history)
# deletions of piece names in flight together: a few round trips, not hundreds in a row
PURGED_AT_ONCE = 50


async def purge_media(js: JetStreamContext, recording_id: str) -> None:
    """The original file, its decoded audio and its playback rendition: the large objects."""
    await delete_object(js, BUCKETS.media, recording_id)
    await delete_object(js, BUCKETS.audio, audio_object_name(recording_id))
    await delete_object(js, BUCKETS.audio, playback_object_name(recording_id))


async def purge_events(js: JetStreamContext, recording_id: str) -> None:
    """The recording's events, from every stream that holds them (questions, answers and
    their citations, progress, webhook deliveries): their subjects end with its id. The news
    of its deletion stays: a consumer that has not read it yet still does, and a retried
    delete finds it."""
    for subject in ALL_SUBJECTS:
        if subject.per_recording and subject != RECORDING_DELETED:
            await js.purge_stream(stream_of(subject.subject), subject=subject.of(recording_id))


async def purge_recording(js: JetStreamContext, recording_id: str) -> None:
    """Every object, key and event made for the recording; idempotent."""
    await purge_media(js, recording_id)
    for kind in ARTIFACT_KINDS:
        await delete_object(js, BUCKETS.artifacts, artifact_object_name(recording_id, kind))
    await purge_chunk_artifacts(js, recording_id)
    for bucket in KEYED_BY_RECORDING:
        kv = await js.key_value(bucket)
        for key in await keys_of_recording(js, bucket, recording_id):
            await kv.purge(key)
    await purge_events(js, recording_id)


async def purge_chunk_artifacts(
    js: JetStreamContext, recording_id: str, every_piece_stored: bool = False
) -> None:
    """What the stages stored for each piece of a long recording. Object names cannot be
    listed by prefix, so names are tried. `every_piece_stored` (merge, after both joins):
    the pieces are numbered from 0 without a gap, and the first one missing ends each kind
    (a recording never cut costs one look per kind). Otherwise (a deletion, at any moment) a
    piece that failed or is still being made leaves a gap, so every name a piece can have
    is deleted."""
    if every_piece_stored:
        for kind in CHUNK_ARTIFACT_KINDS:
            for index in range(MAX_CHUNKS):
                name = chunk_artifact_name(recording_id, kind, index)
                if await stored_digest(js, BUCKETS.artifacts, name) is None:
                    break
                await delete_object(js, BUCKETS.artifacts, name)
        return
    names = [
        chunk_artifact_name(recording_id, kind, index)
        for kind in CHUNK_ARTIFACT_KINDS
        for index in range(MAX_CHUNKS)
    ]
    for start in range(0, len(names), PURGED_AT_ONCE):
        batch = names[start : start + PURGED_AT_ONCE]
        await asyncio.gather(*(delete_object(js, BUCKETS.artifacts, name) for name in batch))


async def keys_of_recording(js: JetStreamContext, bucket: str, recording_id: str) -> list[str]:
    """The bucket's live keys under `<recording id>.`."""
    return [entry.key for entry in await live_entries(js, bucket, f"{recording_id}.>")]
