"""The event flow as an AsyncAPI document: `faststream docs gen secretary_contracts.asyncapi:app`.

Only declarations: the handlers here are never run; each service registers its own.
"""

from __future__ import annotations

from typing import Any

from faststream import FastStream
from faststream.nats import JStream, NatsBroker, PullSub
from faststream.specification import AsyncAPI

from secretary_contracts import messaging

DESCRIPTION = (
    "secretary turns recordings into speaker-labelled transcripts. Media and results live in "
    "the JetStream Object Store; events carry ids and object references (claim checks)."
)


def build_broker() -> NatsBroker:
    broker = NatsBroker("nats://127.0.0.1:4222")
    consumers = (
        messaging.CONSUMER_PREPARE,
        messaging.CONSUMER_ASR,
        messaging.CONSUMER_DIARIZE,
        messaging.CONSUMER_MERGE_ASR,
        messaging.CONSUMER_MERGE_DIARIZATION,
        messaging.CONSUMER_GATEWAY_RECORDINGS,
        messaging.CONSUMER_GATEWAY_PROGRESS,
        messaging.CONSUMER_GATEWAY_WEBHOOKS,
        messaging.CONSUMER_GATEWAY_DEAD_LETTERS,
        messaging.CONSUMER_TELEGRAM_RECORDINGS,
        messaging.CONSUMER_TELEGRAM_PROGRESS,
        messaging.CONSUMER_LLM_QUESTIONS,
        messaging.CONSUMER_LLM_SUMMARIES,
        messaging.CONSUMER_GATEWAY_ANSWERS,
        messaging.CONSUMER_TELEGRAM_ANSWERS,
    )
    for spec in consumers:
        model = spec.subject.model

        async def handler(event: Any) -> None:  # pragma: no cover - documentation only
            return None

        handler.__annotations__["event"] = model
        handler.__name__ = f"{spec.durable.replace('-', '_')}"
        broker.subscriber(
            spec.subject.subject,
            stream=JStream(spec.stream, declare=False),
            durable=spec.durable,
            pull_sub=PullSub(batch_size=1),
            title=f"{spec.durable}:{spec.subject.subject}",
            description=f"Durable consumer `{spec.durable}` (max_deliver {spec.max_deliver},"
            f" ack_wait {int(spec.ack_wait.total_seconds())} s).",
        )(handler)
    for subject in messaging.ALL_SUBJECTS:
        broker.publisher(
            subject.subject,
            schema=subject.model,
            title=f"publish:{subject.subject}",
            description=subject.description,
        )
    return broker


app = FastStream(
    build_broker(),
    specification=AsyncAPI(title="secretary", version="1", description=DESCRIPTION),
)
