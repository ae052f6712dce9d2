"""The projection runner against a real nats-server: typed dispatch and its one ack policy."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from faststream.nats import NatsBroker
from secretary_contracts import ObjectRef, RecordingDeleted, RecordingReady
from secretary_contracts.messaging import RECORDINGS_STREAM, ConsumerSpec, EventSubject
from secretary_runtime.infrastructure import declare_infrastructure
from secretary_runtime.nats_server import NatsServer
from secretary_runtime.projections import Projection


@pytest.fixture
async def broker(nats_server: NatsServer) -> AsyncIterator[NatsBroker]:
    broker = NatsBroker(nats_server.url)
    await broker.connect()
    await declare_infrastructure(broker.connection.jetstream())
    yield broker
    await broker.stop()


class Subjects:
    """Subjects of this test's own, inside the RECORDINGS stream, so no other test's history
    reaches its consumer."""

    def __init__(self) -> None:
        base = f"recordings.test{uuid.uuid4().hex[:10]}"
        self.ready = EventSubject(f"{base}.ready.v1", RecordingReady, "ready")
        self.deleted = EventSubject(f"{base}.deleted.v1", RecordingDeleted, "deleted")
        self.other = f"{base}.other.v1"
        self.spec = ConsumerSpec(
            f"projection-{uuid.uuid4().hex[:8]}",
            EventSubject(f"{base}.>", RecordingReady, "all"),
            RECORDINGS_STREAM,
            timedelta(seconds=5),
            max_deliver=4,
        )


def _ready(recording_id: str) -> RecordingReady:
    return RecordingReady(
        recording_id=recording_id,
        audio=ObjectRef(bucket="audio", name=f"{recording_id}.wav", size_bytes=1),
        duration_s=1.0,
    )


async def _publish(broker: NatsBroker, subject: str, body: bytes) -> None:
    """On the kind's subject for the body's recording, as the publisher does."""
    recording_id = json.loads(body).get("recording_id", "none")
    await broker.connection.jetstream().publish(f"{subject}.{recording_id}", body)


async def _settled(broker: NatsBroker, durable: str, expected_acked: int) -> None:
    """Until every delivered message is acknowledged or terminated, and none is pending."""
    js = broker.connection.jetstream()
    for _ in range(200):
        info = await js.consumer_info(RECORDINGS_STREAM, durable)
        delivered = info.delivered.stream_seq >= expected_acked
        if delivered and info.num_ack_pending == 0 and info.num_pending == 0:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"{durable} did not settle: {info}")


async def _start(projection: Projection) -> None:
    subscriber = projection.register()
    await subscriber.start()


async def test_each_kind_reaches_its_typed_handler_and_others_are_acknowledged(
    broker: NatsBroker,
) -> None:
    subjects = Subjects()
    seen: list[object] = []

    async def on_ready(event: RecordingReady) -> None:
        seen.append(event)

    async def on_deleted(event: RecordingDeleted) -> None:
        seen.append(event)

    projection = Projection(broker, subjects.spec)
    projection.on(subjects.ready, on_ready)
    projection.on(subjects.deleted, on_deleted)
    await _start(projection)
    await _publish(broker, subjects.ready.subject, _ready("r1").model_dump_json().encode())
    await _publish(broker, subjects.other, b'{"recording_id": "r1"}')
    deleted = RecordingDeleted(recording_id="r1", owner="alice")
    await _publish(broker, subjects.deleted.subject, deleted.model_dump_json().encode())
    await _settled(broker, subjects.spec.durable, 3)
    assert [type(e) for e in seen] == [RecordingReady, RecordingDeleted]
    assert isinstance(seen[0], RecordingReady) and seen[0].duration_s == 1.0


async def test_a_malformed_body_is_terminated_not_retried(broker: NatsBroker) -> None:
    subjects = Subjects()
    seen: list[str] = []

    async def on_ready(event: RecordingReady) -> None:
        seen.append(event.recording_id)

    projection = Projection(broker, subjects.spec)
    projection.on(subjects.ready, on_ready)
    await _start(projection)
    await _publish(broker, subjects.ready.subject, b'{"recording_id": "r1"}')  # no audio
    await _publish(broker, subjects.ready.subject, _ready("r2").model_dump_json().encode())
    await _settled(broker, subjects.spec.durable, 2)
    await asyncio.sleep(0.5)
    info = await broker.connection.jetstream().consumer_info(
        RECORDINGS_STREAM, subjects.spec.durable
    )
    assert seen == ["r2"]
    assert info.num_redelivered == 0


async def test_a_failing_handler_is_retried_until_it_succeeds_once(broker: NatsBroker) -> None:
    subjects = Subjects()
    calls: list[str] = []

    async def flaky(event: RecordingReady) -> None:
        calls.append(event.recording_id)
        if len(calls) < 3:
            raise RuntimeError("the database is away")

    projection = Projection(broker, subjects.spec, retry_delay=lambda _: 0.1)
    projection.on(subjects.ready, flaky)
    await _start(projection)
    await _publish(broker, subjects.ready.subject, _ready("r1").model_dump_json().encode())
    for _ in range(100):
        if len(calls) >= 3:
            break
        await asyncio.sleep(0.05)
    await _settled(broker, subjects.spec.durable, 1)
    await asyncio.sleep(0.3)
    assert calls == ["r1", "r1", "r1"]


def test_a_projection_refuses_handlers_it_could_never_run(broker: NatsBroker) -> None:
    subjects = Subjects()

    async def handler(event: RecordingReady) -> None:
        return None

    projection = Projection(broker, subjects.spec)
    with pytest.raises(ValueError, match="never receives"):
        projection.on(EventSubject("qa.answer.ready.v1", RecordingReady, "elsewhere"), handler)
    projection.on(subjects.ready, handler)
    with pytest.raises(ValueError, match="two handlers"):
        projection.on(subjects.ready, handler)
    with pytest.raises(ValueError, match="without handlers"):
        Projection(broker, subjects.spec).register()


def test_wildcards_match_as_nats_does() -> None:
    every = EventSubject("recordings.>", RecordingReady, "")
    one = EventSubject("qa.*.ready.v1", RecordingReady, "")
    assert every.matches("recordings.asr.done.v1")
    assert not every.matches("recordings")
    assert not every.matches("progress.recordings.v1")
    assert one.matches("qa.answer.ready.v1")
    assert not one.matches("qa.answer.failed.v1")
    assert not one.matches("qa.answer.ready.v1.extra")


class DatabaseAway(Exception):
    """Stands for what a database driver raises while the database is down."""


async def test_an_outage_is_waited_out_however_long_and_other_errors_are_given_up_on(
    broker: NatsBroker,
) -> None:
    """With unlimited deliveries, an outage is retried past any count; a bug is not."""
    subjects = Subjects()
    spec = subjects.spec.__class__(
        subjects.spec.durable,
        subjects.spec.subject,
        RECORDINGS_STREAM,
        timedelta(seconds=5),
        max_deliver=-1,
    )
    calls: dict[str, int] = {}

    async def handler(event: RecordingReady) -> None:
        calls[event.recording_id] = calls.get(event.recording_id, 0) + 1
        if event.recording_id == "outage" and calls["outage"] <= 12:
            raise DatabaseAway("connection refused")
        if event.recording_id == "bug":
            raise RuntimeError("a bug: no retry helps")

    projection = Projection(
        broker,
        spec,
        retry_delay=lambda _: 0.05,
        outages=(DatabaseAway,),
        give_up_after=4,
        outage_retry_s=0.05,
    )
    projection.on(subjects.ready, handler)
    await _start(projection)
    for recording_id in ("outage", "bug"):
        await _publish(
            broker, subjects.ready.subject, _ready(recording_id).model_dump_json().encode()
        )
    await _settled(broker, spec.durable, 2)
    await asyncio.sleep(0.5)
    assert calls == {"outage": 13, "bug": 4}
