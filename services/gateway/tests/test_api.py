"""The gateway in process, against a real nats-server and a real SQLite database."""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
from pathlib import Path

import nats
import pytest
from faststream.nats import NatsBroker
from litestar.testing import AsyncTestClient
from nats.aio.client import Client
from secretary_contracts import (
    ErrorCode,
    MediaReceived,
    ObjectRef,
    RecordingReady,
    Stage,
    StageFailed,
    StageProgress,
)
from secretary_contracts.messaging import BUCKETS, MEDIA_RECEIVED
from secretary_gateway.settings import GatewaySettings
from secretary_runtime.nats_server import NatsServer
from secretary_testing import pipeline

from services.gateway.tests.helpers import running_gateway, wait_for_status


async def _next_media_received(nats_client: Client, recording_id: str) -> MediaReceived:
    js = nats_client.jetstream()
    subscription = await js.subscribe(MEDIA_RECEIVED.of(recording_id), ordered_consumer=True)
    try:
        while True:
            msg = await subscription.next_msg(timeout=10)
            event = MediaReceived.model_validate_json(msg.data)
            if event.recording_id == recording_id:
                return event
    finally:
        await subscription.unsubscribe()


async def test_upload_streams_into_the_object_store_and_publishes(
    api: AsyncTestClient, nats_client: Client, tmp_path: Path
) -> None:
    payload = os.urandom(1024 * 1024 + 17)
    response = await api.post(
        "/v1/recordings",
        files={"file": ("call.m4a", payload, "audio/mp4")},
        data={"title": "Weekly", "language": "de", "min_speakers": "2", "max_speakers": "4"},
    )
    assert response.status_code == 201, response.text
    created = response.json()
    assert created["status"] == "queued"
    assert created["title"] == "Weekly"
    event = await _next_media_received(nats_client, created["id"])
    assert event.media.sha256 == hashlib.sha256(payload).hexdigest()
    assert event.options.language == "de"
    assert (event.options.min_speakers, event.options.max_speakers) == (2, 4)
    store = await nats_client.jetstream().object_store(BUCKETS.media)
    info = await store.get_info(created["id"])
    assert info.size == len(payload)

    status = await api.get(f"/v1/recordings/{created['id']}")
    assert status.json()["stages"]["upload"] == 1.0
    transcript = await api.get(f"/v1/recordings/{created['id']}/transcript")
    assert transcript.status_code == 409
    assert transcript.json()["error"]["code"] == "transcript_not_ready"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"num_speakers": "0"}, "num_speakers"),
        ({"num_speakers": "many"}, "num_speakers"),
        ({"min_speakers": "5", "max_speakers": "2"}, "min_speakers"),
    ],
)
async def test_invalid_options_are_refused_and_nothing_is_kept(
    api: AsyncTestClient, nats_client: Client, data: dict[str, str], message: str
) -> None:
    stream = f"OBJ_{BUCKETS.media}"
    before = (await nats_client.jetstream().stream_info(stream)).state.bytes
    response = await api.post("/v1/recordings", files={"file": ("a.wav", b"x" * 5000)}, data=data)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_options"
    assert message in response.json()["error"]["message"]
    # the media's chunks are purged; only the store's small deletion marker remains
    assert (await nats_client.jetstream().stream_info(stream)).state.bytes - before < 1024


async def test_requests_that_are_not_uploads(api: AsyncTestClient) -> None:
    response = await api.post(
        "/v1/recordings", content=b"raw", headers={"content-type": "audio/wav"}
    )
    assert response.status_code == 415
    response = await api.post("/v1/recordings", files={"notfile": ("a.wav", b"123")})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "missing_file"


async def test_health_and_readiness(api: AsyncTestClient) -> None:
    assert (await api.get("/healthz")).json() == {"status": "ok"}
    ready = await api.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["checks"] == {"nats": True, "database": True}
    schema = await api.get("/schema/openapi.json")
    assert "/v1/recordings/{recording_id}/transcript" in schema.json()["paths"]


async def test_projection_is_idempotent_and_terminal_states_stick(
    api: AsyncTestClient, nats_client: Client
) -> None:
    response = await api.post("/v1/recordings", files={"file": ("a.wav", os.urandom(100))})
    recording_id = response.json()["id"]
    js = nats_client.jetstream()
    ref = ObjectRef(bucket="audio", name=f"{recording_id}.wav", size_bytes=1)
    ready = RecordingReady(recording_id=recording_id, audio=ref, duration_s=12.5)
    failed = StageFailed(
        recording_id=recording_id, stage=Stage.ASR, code=ErrorCode.NO_SPEECH, message="silence"
    )
    late_progress = StageProgress(recording_id=recording_id, stage=Stage.DIARIZE, fraction=0.5)
    for subject, event in [
        ("recordings.recording.ready.v1", ready),
        ("recordings.recording.ready.v1", ready),
        ("recordings.failed.v1", failed),
        ("recordings.failed.v1", failed),
    ]:
        await js.publish(f"{subject}.{recording_id}", event.model_dump_json().encode())

    await wait_for_status(api, recording_id, "failed")
    # progress is its own stream: once a recording is failed, a late progress changes nothing
    await js.publish(
        f"progress.recordings.v1.{recording_id}", late_progress.model_dump_json().encode()
    )
    await asyncio.sleep(0.5)
    state = (await api.get(f"/v1/recordings/{recording_id}")).json()
    assert state["status"] == "failed"
    assert state["error"] == {"code": "no_speech", "message": "silence"}
    assert state["duration_s"] == 12.5
    assert state["stages"]["diarize"] == 0.0


async def test_a_message_no_worker_ever_acks_fails_the_recording(
    api: AsyncTestClient, nats_client: Client
) -> None:
    """A worker that crashes on a message never reports anything itself: JetStream's
    max-deliveries advisory, kept in the DEAD_LETTERS stream, is what fails the recording."""
    response = await api.post("/v1/recordings", files={"file": ("a.wav", os.urandom(100))})
    recording_id = response.json()["id"]
    js = nats_client.jetstream()
    ready = RecordingReady(
        recording_id=recording_id,
        audio=ObjectRef(bucket="audio", name=f"{recording_id}.wav", size_bytes=1),
        duration_s=3.0,
    )
    # a consumer named like the asr worker's, that "crashes": it fetches and never acks
    from nats.js.api import AckPolicy, ConsumerConfig

    durable = "asr"
    await js.add_consumer(
        "RECORDINGS",
        ConsumerConfig(
            durable_name=durable,
            filter_subject=f"recordings.recording.ready.v1.{recording_id}",
            ack_policy=AckPolicy.EXPLICIT,
            ack_wait=0.5,
            max_deliver=2,
        ),
    )
    try:
        await js.publish(
            f"recordings.recording.ready.v1.{recording_id}", ready.model_dump_json().encode()
        )
        subscription = await js.pull_subscribe_bind(durable, "RECORDINGS")
        for _ in range(2):
            await subscription.fetch(1, timeout=5)
            await asyncio.sleep(0.7)
        # the next pull finds the message out of deliveries: the server emits the advisory
        with pytest.raises(TimeoutError):
            await subscription.fetch(1, timeout=1)
        await subscription.unsubscribe()
        state = await wait_for_status(api, recording_id, "failed")
        assert state["status"] == "failed"
        assert state["error"]["code"] == "stage_failed"
        assert "asr gave up after 2 deliveries" in state["error"]["message"]
    finally:
        await js.delete_consumer("RECORDINGS", durable)


async def test_a_recording_that_stops_moving_is_reported(
    nats_server: NatsServer, tmp_path: Path
) -> None:
    settings = GatewaySettings(
        nats_url=nats_server.url,
        database_url=f"sqlite+aiosqlite:///{tmp_path}/watchdog.db",
        stuck_after_s=1.0,
        stuck_check_every_s=0.2,
    )
    async with running_gateway(settings) as api:
        response = await api.post("/v1/recordings", files={"file": ("a.wav", os.urandom(100))})
        recording_id = response.json()["id"]
        waiting = await api.post("/v1/recordings", files={"file": ("b.wav", os.urandom(100))})
        # a prepare worker that starts and then goes silent (no worker runs in this test)
        progress = StageProgress(recording_id=recording_id, stage=Stage.PREPARE, fraction=0.3)
        client = await nats.connect(nats_server.url)
        await client.jetstream().publish(
            f"progress.recordings.v1.{recording_id}", progress.model_dump_json().encode()
        )
        await client.close()
        state = await wait_for_status(api, recording_id, "failed")
        assert state["status"] == "failed"
        assert state["error"]["code"] == "stage_timeout"
        assert "no progress in prepare" in state["error"]["message"]
        # waiting in a queue is not being stuck
        queued = (await api.get(f"/v1/recordings/{waiting.json()['id']}")).json()
        assert queued["status"] == "queued"


async def test_questions_wait_for_the_answer_then_fall_back_to_polling(
    nats_server: NatsServer, tmp_path: Path, nats_client: Client
) -> None:
    from secretary_contracts import AnswerReady, Citation, Transcript
    from secretary_contracts.messaging import ANSWER_READY
    from secretary_runtime.publishing import EventPublisher

    settings = GatewaySettings(
        nats_url=nats_server.url,
        database_url=f"sqlite+aiosqlite:///{tmp_path}/questions.db",
        answer_wait_s=0.5,
    )
    async with running_gateway(settings) as api:
        response = await api.post("/v1/recordings", files={"file": ("a.wav", os.urandom(100))})
        recording_id = response.json()["id"]
        early = await api.post(f"/v1/recordings/{recording_id}/questions", json={"question": "?"})
        assert early.status_code == 409
        assert early.json()["error"]["code"] == "transcript_not_ready"

        await pipeline.finish(
            nats_client.jetstream(), recording_id, Transcript(language="en", duration_s=1.0)
        )
        await wait_for_status(api, recording_id, "done")
        broker = NatsBroker(nats_server.url)
        await broker.connect()
        publisher = EventPublisher(broker)

        # no llm service runs here: the question is accepted and left pending
        asked = await api.post(
            f"/v1/recordings/{recording_id}/questions", json={"question": "What was decided?"}
        )
        assert asked.status_code == 202
        question = asked.json()
        assert question["status"] == "pending"
        assert (
            await api.post(f"/v1/recordings/{recording_id}/questions", json={})
        ).status_code == 400

        await publisher.publish(
            ANSWER_READY,
            AnswerReady(
                recording_id=recording_id,
                question_id=question["id"],
                owner="alice",
                question="What was decided?",
                answer="The website [00:01] SPEAKER_00",
                supported=True,
                citations=[Citation(start=1, end=2, speaker="SPEAKER_00", text="Website.")],
            ),
            message_id=f"{question['id']}:ready",
        )
        await broker.stop()
        answered: dict = {}
        for _ in range(50):
            answered = (
                await api.get(f"/v1/recordings/{recording_id}/questions/{question['id']}")
            ).json()
            if answered["status"] == "answered":
                break
            await asyncio.sleep(0.1)
        assert answered["answer"] == "The website [00:01] SPEAKER_00"
        assert answered["citations"][0]["speaker"] == "SPEAKER_00"
        missing = await api.get(f"/v1/recordings/{recording_id}/questions/0000")
        assert missing.status_code == 404


async def test_summary_is_served_once_written(api: AsyncTestClient, nats_client: Client) -> None:
    from secretary_contracts import ActionItem, Summary
    from secretary_contracts.messaging import artifact_object_name
    from secretary_runtime import objects

    response = await api.post("/v1/recordings", files={"file": ("a.wav", os.urandom(100))})
    recording_id = response.json()["id"]
    missing = await api.get(f"/v1/recordings/{recording_id}/summary")
    assert missing.status_code == 409
    assert missing.json()["error"]["code"] == "summary_not_ready"
    await objects.put_model(
        nats_client.jetstream(),
        BUCKETS.artifacts,
        artifact_object_name(recording_id, "summary"),
        Summary(summary="Agreed.", action_items=[ActionItem(who="Tom", what="Plan")]),
    )
    written = (await api.get(f"/v1/recordings/{recording_id}/summary")).json()
    assert written["summary"] == "Agreed."
    assert written["action_items"][0] == {"who": "Tom", "what": "Plan", "when": None}
    assert (await api.get("/v1/recordings/ffff/summary")).status_code == 404


async def _sse(api: AsyncTestClient, url: str, until: str, timeout: float = 20) -> list[tuple]:
    events: list[tuple] = []
    async with asyncio.timeout(timeout), api.stream("GET", url) as response:
        assert response.headers["content-type"].startswith("text/event-stream")
        kind = None
        async for line in response.aiter_lines():
            if line.startswith("event:"):
                kind = line.split(":", 1)[1].strip()
            elif line.startswith("data:"):
                events.append((kind, json.loads(line.split(":", 1)[1])))
                if kind == until:
                    return events
    return events


async def test_progress_and_answers_stream_as_server_sent_events(
    nats_server: NatsServer, tmp_path: Path, nats_client: Client
) -> None:
    from secretary_contracts import AnswerDelta, AnswerReady, RecordingReady, Transcript
    from secretary_contracts.messaging import ANSWER_DELTA, ANSWER_READY, RECORDING_READY
    from secretary_runtime.publishing import EventPublisher

    settings = GatewaySettings(
        nats_url=nats_server.url,
        database_url=f"sqlite+aiosqlite:///{tmp_path}/sse.db",
        answer_wait_s=0,
    )
    async with running_gateway(settings) as api:
        recording_id = (
            await api.post("/v1/recordings", files={"file": ("a.wav", os.urandom(100))})
        ).json()["id"]
        broker = NatsBroker(nats_server.url)
        await broker.connect()
        publisher = EventPublisher(broker)
        ref = ObjectRef(bucket="audio", name=f"{recording_id}.wav", size_bytes=1)
        await publisher.publish(
            RECORDING_READY, RecordingReady(recording_id=recording_id, audio=ref, duration_s=9.0)
        )
        await pipeline.finish(
            nats_client.jetstream(), recording_id, Transcript(language="en", duration_s=9)
        )
        await wait_for_status(api, recording_id, "done")
        # the in-process test transport returns a response only once it is complete: live
        # progress is checked against the real server in tests/e2e
        events = await _sse(api, f"/v1/recordings/{recording_id}/events", until="done")
        assert events == [("done", events[0][1])] and events[0][1]["progress"] == 1.0

        question = (
            await api.post(f"/v1/recordings/{recording_id}/questions", json={"question": "Why?"})
        ).json()
        for sequence, text in enumerate(["Because ", "of the budget."]):
            await publisher.publish(
                ANSWER_DELTA,
                AnswerDelta(
                    recording_id=recording_id,
                    question_id=question["id"],
                    sequence=sequence,
                    text=text,
                ),
                message_id=f"{question['id']}:delta:{sequence}",
            )
        await publisher.publish(
            ANSWER_READY,
            AnswerReady(
                recording_id=recording_id,
                question_id=question["id"],
                owner="alice",
                question="Why?",
                answer="The recording does not say.",
                supported=False,
            ),
            message_id=f"{question['id']}:ready",
        )
        await broker.stop()
        answer_events = await _sse(
            api, f"/v1/recordings/{recording_id}/questions/{question['id']}/events", until="answer"
        )
        assert answer_events[:2] == [
            ("delta", {"text": "Because ", "draft": True}),
            ("delta", {"text": "of the budget.", "draft": True}),
        ]
        assert answer_events[-1][0] == "answer"
        assert answer_events[-1][1]["supported"] is False
