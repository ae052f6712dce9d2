"""Keeps answers to questions in the read model, as the llm service publishes them."""

from __future__ import annotations

import logging
from typing import Any

from faststream.nats import NatsBroker, NatsMessage
from secretary_contracts import AnswerFailed, AnswerReady
from secretary_contracts.messaging import ANSWER_FAILED, ANSWER_READY, CONSUMER_GATEWAY_ANSWERS
from secretary_runtime.jobs import subscriber_options

from secretary_gateway.db import Database, QuestionRow

logger = logging.getLogger(__name__)


class AnswerProjector:
    def __init__(self, broker: NatsBroker, database: Database) -> None:
        self.broker = broker
        self.database = database

    def register(self) -> None:
        @self.broker.subscriber(**subscriber_options(CONSUMER_GATEWAY_ANSWERS))
        async def on_answer(body: dict[str, Any], msg: NatsMessage) -> None:
            try:
                await self.apply(msg.raw_message.subject, body)
            except Exception:
                logger.exception("answer projection failed; will retry")
                await msg.nack(delay=2)
                return
            await msg.ack()

    async def apply(self, subject: str, body: dict[str, Any]) -> None:
        if subject == ANSWER_READY.subject:
            ready = AnswerReady.model_validate(body)
            await self._update(
                ready.question_id,
                status="answered",
                answer=ready.answer,
                supported=ready.supported,
                citations=[c.model_dump() for c in ready.citations],
            )
        elif subject == ANSWER_FAILED.subject:
            failed = AnswerFailed.model_validate(body)
            await self._update(
                failed.question_id,
                status="failed",
                error_code=str(failed.code),
                error_message=failed.message,
            )

    async def _update(self, question_id: str, **fields: Any) -> None:
        async with self.database.sessions.begin() as session:
            row = await session.get(QuestionRow, question_id)
            if row is None:
                return  # asked through Telegram: not the REST API's to keep
            for name, value in fields.items():
                setattr(row, name, value)
