"""Server-Sent Events: a recording's progress, and an answer as it is written."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

from litestar.response import ServerSentEventMessage
from nats.js import JetStreamContext
from nats.js.api import ConsumerConfig, DeliverPolicy
from secretary_contracts import SETTLED_STATUSES, QuestionStatus
from secretary_contracts.messaging import ANSWER_DELTA

from secretary_gateway.db import Database, QuestionRow, RecordingRow, as_utc
from secretary_gateway.schemas import QuestionOut, Recording

POLL_S = 0.5
KEEPALIVE_S = 15.0


async def recording_events(
    database: Database, recording_id: str
) -> AsyncIterator[ServerSentEventMessage]:
    """`progress` whenever the recording changes, then one `done` or `failed`, then the end."""
    last = ""
    quiet = 0.0
    while True:
        async with database.sessions() as session:
            row = await session.get(RecordingRow, recording_id)
        if row is None:
            yield ServerSentEventMessage(event="deleted", data="{}")
            return
        state = Recording.from_row(row).model_dump_json()
        if state != last:
            last, quiet = state, 0.0
            terminal = row.status in SETTLED_STATUSES
            yield ServerSentEventMessage(event=row.status if terminal else "progress", data=state)
            if terminal:
                return
        elif quiet >= KEEPALIVE_S:
            quiet = 0.0
            yield ServerSentEventMessage(comment="keep-alive")
        await asyncio.sleep(POLL_S)
        quiet += POLL_S


async def answer_events(
    database: Database, js: JetStreamContext, question_id: str
) -> AsyncIterator[ServerSentEventMessage]:
    """Every `delta` of the answer so far (replayed for a late listener), then `answer`."""
    async with database.sessions() as session:
        asked = await session.get(QuestionRow, question_id)
    since = as_utc(asked.created_at) if asked is not None else datetime.now(UTC)
    # deltas are kept for weeks: start reading at the question, not at the stream's beginning
    subscription = await js.subscribe(
        ANSWER_DELTA.subject,
        ordered_consumer=True,
        deliver_policy=DeliverPolicy.BY_START_TIME,
        config=ConsumerConfig(opt_start_time=since - timedelta(seconds=1)),
    )
    try:
        while True:
            try:
                msg = await subscription.next_msg(timeout=POLL_S)
            except TimeoutError:
                msg = None
            if msg is not None:
                body = json.loads(msg.data)
                if body.get("question_id") == question_id:
                    yield ServerSentEventMessage(
                        event="delta",
                        data=json.dumps({"text": body["text"]}),
                        id=body["sequence"],
                    )
                continue
            async with database.sessions() as session:
                row = await session.get(QuestionRow, question_id)
            if row is None or row.status != QuestionStatus.PENDING:
                if row is not None:
                    answered = row.status == QuestionStatus.ANSWERED
                    yield ServerSentEventMessage(
                        event="answer" if answered else "failed",
                        data=QuestionOut.from_row(row).model_dump_json(),
                    )
                return
    finally:
        await subscription.unsubscribe()
