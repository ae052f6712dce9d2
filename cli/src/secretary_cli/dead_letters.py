"""`secretary dlq list|retry`: what the pipeline gave up on, and sending it round again."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

import nats
from nats.js.errors import NotFoundError
from secretary_contracts import DeadLetter
from secretary_contracts.messaging import DEAD_LETTERS_STREAM, RECORDINGS_STREAM


@dataclass(frozen=True)
class DeadLetterEntry:
    sequence: int
    at: datetime | None
    advisory: DeadLetter
    subject: str | None
    recording_id: str | None


async def list_dead_letters(nats_url: str, limit: int = 100) -> list[DeadLetterEntry]:
    client = await nats.connect(nats_url)
    try:
        js = client.jetstream()
        try:
            info = await js.stream_info(DEAD_LETTERS_STREAM)
        except NotFoundError:
            return []
        entries: list[DeadLetterEntry] = []
        if not info.state.messages:
            return entries
        first = max(info.state.first_seq, info.state.last_seq - limit + 1, 1)
        for sequence in range(first, info.state.last_seq + 1):
            try:
                raw = await js.get_msg(DEAD_LETTERS_STREAM, sequence)
            except NotFoundError:
                continue
            advisory = DeadLetter.model_validate_json(raw.data or b"{}")
            subject, recording_id = None, None
            try:
                original = await js.get_msg(RECORDINGS_STREAM, advisory.stream_seq)
                subject = original.subject
                recording_id = json.loads(original.data or b"{}").get("recording_id")
            except NotFoundError:
                pass
            entries.append(DeadLetterEntry(sequence, raw.time, advisory, subject, recording_id))
        return entries
    finally:
        await client.close()


async def retry_dead_letter(nats_url: str, sequence: int) -> str:
    """Publishes the message again on its subject; every consumer of that subject sees it."""
    client = await nats.connect(nats_url)
    try:
        js = client.jetstream()
        raw = await js.get_msg(DEAD_LETTERS_STREAM, sequence)
        advisory = DeadLetter.model_validate_json(raw.data or b"{}")
        original = await js.get_msg(RECORDINGS_STREAM, advisory.stream_seq)
        assert original.subject is not None
        await js.publish(
            original.subject,
            original.data or b"",
            headers={"Nats-Msg-Id": f"retry:{sequence}:{advisory.stream_seq}"},
        )
        return original.subject
    finally:
        await client.close()
