"""The merge service's KV join against a real nats-server: either order, duplicates, once."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import pytest
from faststream.nats import NatsBroker
from nats.aio.client import Client
from secretary_contracts import (
    AsrDone,
    AsrResult,
    DiarizationDone,
    DiarizationResult,
    SpeakerTurn,
    Transcript,
    TranscriptReady,
    Word,
)
from secretary_contracts.messaging import (
    ASR_DONE,
    BUCKETS,
    DIARIZATION_DONE,
    TRANSCRIPT_READY,
    artifact_object_name,
)
from secretary_merge.joiner import Joiner
from secretary_merge.settings import MergeSettings
from secretary_runtime import objects
from secretary_runtime.jobs import JobRunner
from secretary_runtime.nats_server import NatsServer
from secretary_runtime.publishing import EventPublisher
from secretary_testing.brokers import started_broker
from secretary_testing.events import published


@pytest.fixture
async def merge_service(nats_server: NatsServer) -> AsyncIterator[NatsBroker]:
    def register(broker: NatsBroker) -> None:
        Joiner(MergeSettings(), broker, JobRunner(broker, EventPublisher(broker))).register()

    async with started_broker(nats_server.url, register) as broker:
        yield broker


async def _halves(broker: NatsBroker, recording_id: str) -> tuple[AsrDone, DiarizationDone]:
    js = broker.connection.jetstream()
    words = AsrResult(
        language="en",
        duration_s=4.0,
        words=[
            Word(start=0.1, end=0.5, word="hello"),
            Word(start=0.6, end=1.0, word="there."),
            Word(start=2.1, end=2.5, word="hi"),
            Word(start=2.6, end=3.0, word="back."),
        ],
    )
    turns = DiarizationResult(
        duration_s=4.0,
        turns=[
            SpeakerTurn(start=0.0, end=1.2, speaker="SPEAKER_00"),
            SpeakerTurn(start=2.0, end=3.2, speaker="SPEAKER_01"),
        ],
    )
    asr_ref = await objects.put_model(
        js, BUCKETS.artifacts, artifact_object_name(recording_id, "asr"), words
    )
    diar_ref = await objects.put_model(
        js, BUCKETS.artifacts, artifact_object_name(recording_id, "diarization"), turns
    )
    return (
        AsrDone(recording_id=recording_id, result=asr_ref, language="en", word_count=4),
        DiarizationDone(recording_id=recording_id, result=diar_ref, speaker_count=2),
    )


async def _transcript_events(nats_client: Client, recording_id: str) -> list[TranscriptReady]:
    bodies = await published(nats_client, TRANSCRIPT_READY.subject, recording_id)
    return [TranscriptReady.model_validate(body) for body in bodies]


@pytest.mark.parametrize("order", ["asr-first", "diarization-first", "duplicates"])
async def test_one_transcript_whatever_the_order(
    merge_service: NatsBroker, nats_client: Client, order: str
) -> None:
    recording_id = uuid.uuid4().hex
    asr, diarization = await _halves(merge_service, recording_id)
    js = nats_client.jetstream()

    async def send(subject: str, event: AsrDone | DiarizationDone) -> None:
        # without Nats-Msg-Id, as a redelivery or a buggy producer would
        await js.publish(f"{subject}.{recording_id}", event.model_dump_json().encode())

    if order == "asr-first":
        await send(ASR_DONE.subject, asr)
        await asyncio.sleep(0.5)
        await send(DIARIZATION_DONE.subject, diarization)
    elif order == "diarization-first":
        await send(DIARIZATION_DONE.subject, diarization)
        await asyncio.sleep(0.5)
        await send(ASR_DONE.subject, asr)
    else:
        for _ in range(3):
            await send(ASR_DONE.subject, asr)
            await send(DIARIZATION_DONE.subject, diarization)

    events: list[TranscriptReady] = []
    for _ in range(40):
        events = await _transcript_events(nats_client, recording_id)
        if events:
            break
    await asyncio.sleep(1.0)
    events = await _transcript_events(nats_client, recording_id)
    assert len(events) == 1
    assert (events[0].speaker_count, events[0].segment_count) == (2, 2)
    transcript = await objects.get_model(js, events[0].transcript, Transcript)
    assert [(s.speaker, s.text) for s in transcript.segments] == [
        ("SPEAKER_00", "hello there."),
        ("SPEAKER_01", "hi back."),
    ]


async def test_speakers_are_recognised_among_their_owners_people_before_announcing(
    merge_service: NatsBroker, nats_client: Client
) -> None:
    """The first transcript anyone receives already carries the names (ADR 0008)."""
    from secretary_contracts import SpeakerVoice
    from secretary_contracts.voiceprints import VoiceprintPerson
    from secretary_runtime.voiceprints import store_people

    js = nats_client.jetstream()
    maria, tom = [1.0] + [0.0] * 191, [0.0, 1.0] + [0.0] * 190
    # someone whose voice is only somewhat like Tom's (cosine 0.8, between the thresholds)
    like_tom = [0.0, 0.8, 0.6] + [0.0] * 189
    owner = f"team-{uuid.uuid4().hex[:6]}"
    await store_people(
        js,
        owner,
        [
            VoiceprintPerson(person_id="p-maria", name="Maria", embeddings=[maria]),
            VoiceprintPerson(person_id="p-tom", name="Tom", embeddings=[tom]),
        ],
    )

    async def merged(for_owner: str | None) -> Transcript:
        recording_id = uuid.uuid4().hex
        asr, diarization = await _halves(merge_service, recording_id)
        result = await objects.get_model(js, diarization.result, DiarizationResult)
        result.voices = [
            SpeakerVoice(speaker="SPEAKER_00", embedding=maria, speech_s=20.0),
            SpeakerVoice(speaker="SPEAKER_01", embedding=like_tom, speech_s=20.0),
        ]
        await objects.put_model(
            js, BUCKETS.artifacts, artifact_object_name(recording_id, "diarization"), result
        )
        diarization = diarization.model_copy(update={"owner": for_owner})
        await js.publish(ASR_DONE.of(recording_id), asr.model_dump_json().encode())
        await js.publish(DIARIZATION_DONE.of(recording_id), diarization.model_dump_json().encode())
        for _ in range(100):
            if events := await _transcript_events(nats_client, recording_id):
                return await objects.get_model(js, events[0].transcript, Transcript)
            await asyncio.sleep(0.1)
        raise AssertionError("no transcript")

    named = await merged(owner)
    assert [(s.id, s.name, s.person_id) for s in named.speakers] == [
        ("SPEAKER_00", "Maria", "p-maria"),
        ("SPEAKER_01", None, "p-tom"),  # suggested, not named
    ]
    assert named.speakers[0].match is not None and named.speakers[0].match.applied
    assert named.speakers[1].match is not None and not named.speakers[1].match.applied
    assert named.speakers[1].match.score == 0.8
    # the same voices for another owner: nobody is known there
    stranger = await merged("someone-else")
    assert all(s.name is None and s.person_id is None for s in stranger.speakers)
