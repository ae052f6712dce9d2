"""What the AsyncAPI document takes from the contracts: every published subject, with its
event's schema. The consumers come from the real applications (`tools/asyncapi.py`)."""

from __future__ import annotations

from faststream.nats import NatsBroker

from secretary_contracts import messaging

DESCRIPTION = (
    "secretary turns recordings into speaker-labelled transcripts. Media and results live in "
    "the JetStream Object Store; events carry ids and object references (claim checks)."
)


def published_subjects() -> NatsBroker:
    broker = NatsBroker("nats://127.0.0.1:4222")
    for subject in messaging.ALL_SUBJECTS:
        broker.publisher(
            subject.subject,
            schema=subject.model,
            title=f"publish:{subject.subject}",
            description=subject.description,
        )
    return broker
