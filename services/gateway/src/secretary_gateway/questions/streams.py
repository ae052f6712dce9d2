"""Server-Sent Events: an answer as it is written."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

from litestar.response import ServerSentEventMessage
from nats.js import JetStreamContext
from nats.js.api import ConsumerConfig, DeliverPolicy
from secretary_contracts import QuestionStatus
from secretary_contracts.messaging import ANSWER_DELTA

from secretary_gateway.db import Database, QuestionRow, as_utc
from secretary_gateway.questions.schemas import QuestionOut

POLL_S = 0.5


async def answer_events(
    database: Database, js: JetStreamContext, question_id: str
) -> AsyncIterator[ServerSentEventMessage]:
    """Every `delta` of the answer so far (replayed for a late listener), then `answer`."""
    async with database.sessions() as session:
        asked = await session.get(QuestionRow, question_id)
    since = as_utc(asked.created_at) if asked is not None else datetime.now(UTC)
    # deltas are kept for weeks: start reading at the question, not at the stream's beginning
    subscription = await js.subscribe(
        ANSWER_DELTA.of(asked.recording_id) if asked is not None else ANSWER_DELTA.filter,
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
                        # a draft until the `answer` event, which alone is checked
                        data=json.dumps({"text": body["text"], "draft": True}),
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
