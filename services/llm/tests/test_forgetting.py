"""A deleted recording is forgotten by every llm process: the transcript and index it keeps in
memory go with it. Real nats-server; two workers stand for two replicas."""

from __future__ import annotations

import asyncio
import uuid
from contextlib import AsyncExitStack

from faststream.nats import NatsBroker
from secretary_contracts import RecordingDeleted, Transcript
from secretary_contracts.messaging import RECORDING_DELETED
from secretary_llm.answerer import Answerer
from secretary_llm.client import create_client
from secretary_llm.passages import passages
from secretary_llm.retrieval import MiniLmEmbedder, PassageIndex
from secretary_llm.settings import LlmSettings
from secretary_llm.worker import QuestionWorker
from secretary_runtime.jobs import JobRunner
from secretary_runtime.nats_server import NatsServer
from secretary_runtime.publishing import EventPublisher
from secretary_testing.brokers import started_broker

EMPTY = Transcript(language="en", duration_s=1.0)


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
        for worker in workers:
            for recording_id in (deleted, kept):
                index = PassageIndex(passages(EMPTY), embedder)
                worker._indexes[f"{recording_id}:[]"] = (EMPTY, index)
        await EventPublisher(brokers[0]).publish(
            RECORDING_DELETED, RecordingDeleted(recording_id=deleted, owner="alice")
        )
        for _ in range(100):
            if all(deleted not in w.remembered for w in workers):
                break
            await asyncio.sleep(0.05)
        assert [w.remembered for w in workers] == [[kept], [kept]]
