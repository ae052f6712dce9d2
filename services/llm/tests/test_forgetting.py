"""A deleted recording is forgotten by every llm process: the transcript and index it keeps in
memory go with it. Real nats-server; two workers stand for two replicas."""

from __future__ import annotations

import asyncio
import uuid
from contextlib import AsyncExitStack

from faststream.nats import NatsBroker
from secretary_contracts import RecordingDeleted, Speaker, Transcript, TranscriptSegment
from secretary_contracts.messaging import BUCKETS, RECORDING_DELETED, artifact_object_name
from secretary_llm.answerer import Answerer
from secretary_llm.client import create_client
from secretary_llm.retrieval import MiniLmEmbedder
from secretary_llm.settings import LlmSettings
from secretary_llm.worker import QuestionWorker
from secretary_runtime import objects
from secretary_runtime.jobs import JobRunner
from secretary_runtime.nats_server import NatsServer
from secretary_runtime.publishing import EventPublisher
from secretary_testing.brokers import started_broker

MEETING = Transcript(
    language="en",
    duration_s=5.0,
    speakers=[Speaker(id="SPEAKER_00")],
    segments=[
        TranscriptSegment(start=0, end=5, speaker="SPEAKER_00", text="The budget.", words=[])
    ],
)


async def test_every_replica_forgets_a_deleted_recording(nats_server: NatsServer) -> None:
    settings = LlmSettings(nats_url=nats_server.url, llm_base_url="http://127.0.0.1:9/v1")
    embedder = MiniLmEmbedder()
    workers: list[QuestionWorker] = []

    def register(broker: NatsBroker) -> None:
        worker = QuestionWorker(
            settings,
            broker,
            JobRunner(broker, EventPublisher(broker)),
            Answerer(settings, create_client(settings)),
            embedder,
        )
        worker.register()
        workers.append(worker)

    deleted, kept = uuid.uuid4().hex, uuid.uuid4().hex
    async with AsyncExitStack() as stack:
        brokers = [
            await stack.enter_async_context(started_broker(nats_server.url, register))
            for _ in range(2)
        ]
        js = brokers[0].connection.jetstream()
        for recording_id in (deleted, kept):
            await objects.put_model(
                js, BUCKETS.artifacts, artifact_object_name(recording_id, "transcript"), MEETING
            )
            for worker in workers:  # as when each replica answered a question about it
                await worker._transcript(recording_id, {})
        assert [sorted(w.remembered) for w in workers] == [sorted([deleted, kept])] * 2
        await EventPublisher(brokers[0]).publish(
            RECORDING_DELETED, RecordingDeleted(recording_id=deleted, owner="alice")
        )
        for _ in range(100):
            if all(deleted not in w.remembered for w in workers):
                break
            await asyncio.sleep(0.05)
        assert [w.remembered for w in workers] == [[kept], [kept]]
