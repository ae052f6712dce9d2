"""Keeps answers to questions in the read model, as the llm service publishes them."""

from __future__ import annotations

from typing import Any

from faststream.nats import NatsBroker
from secretary_contracts import AnswerFailed, AnswerReady, QuestionStatus
from secretary_contracts.messaging import ANSWER_FAILED, ANSWER_READY, CONSUMER_GATEWAY_ANSWERS
from secretary_runtime.projections import Projection

from secretary_gateway.db import DATABASE_OUTAGES, Database, QuestionRow


class AnswerProjector:
    def __init__(self, broker: NatsBroker, database: Database) -> None:
        self.broker = broker
        self.database = database

    def register(self) -> None:
        answers = Projection(self.broker, CONSUMER_GATEWAY_ANSWERS, outages=DATABASE_OUTAGES)
        answers.on(ANSWER_READY, self.answered)
        answers.on(ANSWER_FAILED, self.failed)
        answers.register()

    async def answered(self, ready: AnswerReady) -> None:
        await self._update(
            ready.question_id,
            status=QuestionStatus.ANSWERED,
            answer=ready.answer,
            supported=ready.supported,
            unsupported_sentences=ready.unsupported_sentences,
            citations=[c.model_dump() for c in ready.citations],
        )

    async def failed(self, failed: AnswerFailed) -> None:
        await self._update(
            failed.question_id,
            status=QuestionStatus.FAILED,
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
