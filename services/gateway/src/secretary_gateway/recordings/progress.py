"""Server-Sent Events: a recording's progress until it is done or failed."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

from litestar.response import ServerSentEventMessage
from secretary_contracts import SETTLED_STATUSES, RecordingStatus

from secretary_gateway.db import Database, RecordingRow
from secretary_gateway.recordings.schemas import Recording

POLL_S = 0.5
KEEPALIVE_S = 15.0


async def recording_events(
    database: Database, recording_id: str
) -> AsyncIterator[ServerSentEventMessage]:
    """`progress` whenever the recording changes (`partial` when the change is that the
    transcript so far grew), then one `done` or `failed`, then the end."""
    last = ""
    through_s: float | None = None
    quiet = 0.0
    while True:
        async with database.sessions() as session:
            row = await session.get(RecordingRow, recording_id)
        if row is None or row.status == RecordingStatus.DELETING:
            yield ServerSentEventMessage(event="deleted", data="{}")
            return
        state = Recording.from_row(row).model_dump_json()
        if state != last:
            last, quiet = state, 0.0
            terminal = row.status in SETTLED_STATUSES
            grew = not terminal and (row.transcript_through_s or 0.0) > (through_s or 0.0)
            through_s = row.transcript_through_s
            kind = row.status if terminal else "partial" if grew else "progress"
            yield ServerSentEventMessage(event=kind, data=state)
            if terminal:
                return
        elif quiet >= KEEPALIVE_S:
            quiet = 0.0
            yield ServerSentEventMessage(comment="keep-alive")
        await asyncio.sleep(POLL_S)
        quiet += POLL_S
