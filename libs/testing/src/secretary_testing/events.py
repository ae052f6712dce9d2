"""Reads what was published on a subject, straight from its JetStream stream."""

from __future__ import annotations

import json
from typing import Any

from nats.aio.client import Client


async def published(client: Client, subject: str, recording_id: str | None = None) -> list[Any]:
    """Every event of the kind `subject` still in its stream (of one recording, or of all),
    oldest first, as parsed JSON."""
    on = f"{subject}.{recording_id}" if recording_id else f"{subject}.*"
    subscription = await client.jetstream().subscribe(on, ordered_consumer=True)
    found: list[Any] = []
    try:
        while True:
            try:
                msg = await subscription.next_msg(timeout=0.5)
            except TimeoutError:
                return found
            body = json.loads(msg.data)
            if recording_id is None or body.get("recording_id") == recording_id:
                found.append(body)
    finally:
        await subscription.unsubscribe()
