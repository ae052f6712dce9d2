"""The job runner against a real nats-server: acks, progress, rejection, retries, final failure."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from faststream.nats import NatsBroker, NatsMessage
from nats.aio.client import Client
from secretary_contracts import (
    ErrorCode,
    ObjectRef,
    RecordingReady,
    Stage,
    StageFailed,
    StageProgress,
)
from secretary_contracts.messaging import (
    RECORDING_READY,
    STAGE_FAILED,
    STAGE_PROGRESS,
    ConsumerSpec,
)
from secretary_runtime.infrastructure import declare_infrastructure
from secretary_runtime.jobs import JobRejected, JobRunner, Progress, subscriber_options
from secretary_runtime.nats_server import NatsServer
from secretary_runtime.publishing import EventPublisher


def _event(recording_id: str) -> RecordingReady:
    return RecordingReady(
        recording_id=recording_id,
        audio=ObjectRef(bucket="audio", name=f"{recording_id}.wav", size_bytes=1),
        duration_s=1.0,
    )


async def _collect(nats_client: Client, subject: str, sink: list[bytes]) -> None:
    async def on_message(msg) -> None:
        sink.append(msg.data)

    await nats_client.subscribe(subject, cb=on_message)


@pytest.fixture
async def broker(nats_server: NatsServer) -> AsyncIterator[NatsBroker]:
    broker = NatsBroker(nats_server.url)
    await broker.connect()
    await declare_infrastructure(broker.connection.jetstream())
    yield broker
    await broker.stop()


async def _run_consumer(
    broker: NatsBroker,
    durable: str,
    work,
    max_deliver: int = 3,
) -> JobRunner:
    spec = ConsumerSpec(
        durable, RECORDING_READY, "RECORDINGS", timedelta(seconds=3), max_deliver=max_deliver
    )
    runner = JobRunner(broker, EventPublisher(broker))
    options = subscriber_options(spec)
    options["config"].filter_subject = RECORDING_READY.filter
    # each test has its own durable, reading only what is published after it starts
    from faststream.nats import DeliverPolicy

    options["config"].deliver_policy = DeliverPolicy.NEW

    subscriber = broker.subscriber(**options)

    @subscriber
    async def handle(event: RecordingReady, msg: NatsMessage) -> None:
        await runner.run(msg, event, Stage.ASR, spec, lambda p: work(event, p))

    await subscriber.start()
    return runner


async def _wait_for(predicate, timeout: float = 20.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not predicate():
        assert asyncio.get_running_loop().time() < deadline, "timed out"
        await asyncio.sleep(0.05)


async def test_progress_is_published_while_a_long_job_runs(
    broker: NatsBroker, nats_client: Client
) -> None:
    recording_id = uuid.uuid4().hex
    progress_seen: list[bytes] = []
    await _collect(nats_client, STAGE_PROGRESS.filter, progress_seen)
    finished = asyncio.Event()
    attempts: list[int] = []

    async def work(_: RecordingReady, progress: Progress) -> None:
        attempts.append(1)
        for step in range(1, 5):
            # longer than ack_wait (3 s) in all: heartbeats must keep the message ours
            await asyncio.sleep(1.1)
            progress.report(step / 5)
        finished.set()

    await _run_consumer(broker, "progress-test", work)
    await EventPublisher(broker).publish(RECORDING_READY, _event(recording_id))
    await asyncio.wait_for(finished.wait(), 30)
    await _wait_for(lambda: any(b'"fraction":1.0' in m for m in progress_seen))
    fractions = [
        StageProgress.model_validate_json(m).fraction
        for m in progress_seen
        if recording_id.encode() in m
    ]
    assert any(0 < f < 1 for f in fractions), fractions
    assert fractions == sorted(fractions)
    # 4.4 s of work against a 3 s ack_wait: the heartbeats kept it from being redelivered
    await asyncio.sleep(3.5)
    assert len(attempts) == 1


async def test_rejected_job_reports_its_code_once_and_is_not_retried(
    broker: NatsBroker, nats_client: Client
) -> None:
    recording_id = uuid.uuid4().hex
    failures: list[bytes] = []
    await _collect(nats_client, STAGE_FAILED.filter, failures)
    attempts: list[int] = []

    async def work(_: RecordingReady, __: Progress) -> None:
        attempts.append(1)
        raise JobRejected(ErrorCode.NO_SPEECH)

    await _run_consumer(broker, "reject-test", work)
    await EventPublisher(broker).publish(RECORDING_READY, _event(recording_id))
    await _wait_for(lambda: any(recording_id.encode() in f for f in failures))
    await asyncio.sleep(2)
    assert len(attempts) == 1
    failed = StageFailed.model_validate_json(failures[0])
    assert failed.code == ErrorCode.NO_SPEECH


async def test_failing_job_is_retried_then_fails_for_good(
    broker: NatsBroker, nats_client: Client
) -> None:
    recording_id = uuid.uuid4().hex
    failures: list[bytes] = []
    await _collect(nats_client, STAGE_FAILED.filter, failures)
    attempts: list[int] = []

    async def work(_: RecordingReady, __: Progress) -> None:
        attempts.append(1)
        raise RuntimeError("model exploded")

    await _run_consumer(broker, "retry-test", work, max_deliver=3)
    await EventPublisher(broker).publish(RECORDING_READY, _event(recording_id))
    await _wait_for(lambda: any(recording_id.encode() in f for f in failures), timeout=30)
    assert len(attempts) == 3
    failed = StageFailed.model_validate_json(failures[0])
    assert failed.code == ErrorCode.STAGE_FAILED
    assert "model exploded" in failed.message


async def test_duplicate_publish_is_dropped(broker: NatsBroker) -> None:
    publisher = EventPublisher(broker)
    event = _event(uuid.uuid4().hex)
    assert await publisher.publish(RECORDING_READY, event) is True
    assert await publisher.publish(RECORDING_READY, event) is False


async def test_a_malformed_event_is_terminated_on_its_first_delivery(
    nats_server: NatsServer, nats_client: Client
) -> None:
    """Valid JSON that is not the subject's model: the worker never sees it, it is terminated
    at once (JetStream's advisory takes it to the dead letters) and never redelivered."""
    from secretary_contracts.messaging import TERMINATED_ADVISORY
    from secretary_runtime.service import create_broker
    from secretary_runtime.settings import ServiceSettings

    broker = create_broker(ServiceSettings(nats_url=nats_server.url))
    await broker.connect()
    try:
        await declare_infrastructure(broker.connection.jetstream())
        terminated: list[bytes] = []
        await _collect(nats_client, f"{TERMINATED_ADVISORY}.>", terminated)
        attempts: list[int] = []

        async def work(_: RecordingReady, __: Progress) -> None:
            attempts.append(1)

        await _run_consumer(broker, "malformed-test", work, max_deliver=5)
        recording_id = uuid.uuid4().hex
        await nats_client.jetstream().publish(
            RECORDING_READY.of(recording_id), b'{"recording_id": "%s"}' % recording_id.encode()
        )
        await _wait_for(lambda: bool(terminated))
        await asyncio.sleep(4)  # past the 3 s ack wait: nothing comes back
        info = await nats_client.jetstream().consumer_info("RECORDINGS", "malformed-test")
        assert attempts == []
        assert info.num_redelivered == 0 and info.num_ack_pending == 0
        assert info.delivered.consumer_seq == 1
    finally:
        await broker.stop()
