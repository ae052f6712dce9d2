"""Asking about a recording, whichever door the question came in by."""

from __future__ import annotations

import asyncio
import uuid

from faststream.nats import NatsBroker
from litestar.datastructures import State
from secretary_contracts import QuestionAsked, QuestionStatus, RecordingStatus
from secretary_contracts.messaging import QUESTION_ASKED
from secretary_runtime.publishing import EventPublisher
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from secretary_gateway.db import Database, QuestionRow, TranscriptRow
from secretary_gateway.errors import ApiError
from secretary_gateway.http import Caller
from secretary_gateway.limits import admitting, check_question_rate
from secretary_gateway.recordings.service import owned_recording
from secretary_gateway.settings import GatewaySettings

POLL_S = 0.2


class QuestionService:
    def __init__(self, database: Database, broker: NatsBroker, settings: GatewaySettings) -> None:
        self.database = database
        self.broker = broker
        self.settings = settings

    async def ask(
        self,
        caller: Caller,
        recording_id: str,
        question: str,
        language: str | None = None,
        wait_s: float | None = None,
        idempotency_key: str | None = None,
    ) -> QuestionRow:
        """Stores the question and hands it to the llm service; waits up to `wait_s` (the
        setting by default) for the answer, and returns the question as it then stands. The
        same `idempotency_key` again returns the question asked with it."""
        row = await owned_recording(self.database, caller, recording_id)
        wait = self.settings.answer_wait_s if wait_s is None else wait_s
        if idempotency_key is not None and (
            asked_before := await self._asked_with(caller, idempotency_key)
        ):
            return await self._settled_within(asked_before.id, wait)
        if row.status != RecordingStatus.DONE:
            raise ApiError(
                409, "transcript_not_ready", f"The recording is {row.status}; ask once it is done."
            )
        asked = QuestionRow(
            id=uuid.uuid4().hex,
            recording_id=recording_id,
            owner=caller.owner,
            question=question,
            status=QuestionStatus.PENDING,
            citations=[],
            idempotency_key=idempotency_key,
        )
        try:
            async with admitting(self.database, caller.owner) as session:
                await check_question_rate(
                    session, caller.owner, self.settings.questions_per_minute_per_owner
                )
                session.add(asked)
        except IntegrityError:
            # the same key twice at once: the other request asked it
            first = await self._asked_with(caller, idempotency_key or "")
            if first is None:
                raise
            return await self._settled_within(first.id, wait)
        await EventPublisher(self.broker).publish(
            QUESTION_ASKED,
            QuestionAsked(
                recording_id=recording_id,
                question_id=asked.id,
                owner=caller.owner,
                question=question,
                language=language,
                speaker_names=row.speaker_names or {},
                transcript_revision=await self._revision(recording_id),
            ),
            message_id=f"{asked.id}:asked",
        )
        return await self._settled_within(asked.id, wait)

    async def _revision(self, recording_id: str) -> int:
        """The revision of the transcript the owner reads, so that answers quote their edits."""
        async with self.database.sessions() as session:
            stored = await session.get(TranscriptRow, recording_id)
        return stored.revision if stored is not None else 0

    async def _asked_with(self, caller: Caller, idempotency_key: str) -> QuestionRow | None:
        async with self.database.sessions() as session:
            found = await session.scalars(
                select(QuestionRow).where(
                    QuestionRow.owner == caller.owner,
                    QuestionRow.idempotency_key == idempotency_key,
                )
            )
            return found.first()

    async def _settled_within(self, question_id: str, wait_s: float) -> QuestionRow:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + wait_s
        while True:
            async with self.database.sessions() as session:
                current = await session.get(QuestionRow, question_id)
            assert current is not None
            if current.status != QuestionStatus.PENDING or loop.time() >= deadline:
                return current
            await asyncio.sleep(POLL_S)

    async def get(self, caller: Caller, recording_id: str, question_id: str) -> QuestionRow:
        await owned_recording(self.database, caller, recording_id)
        async with self.database.sessions() as session:
            row = await session.get(QuestionRow, question_id)
        if row is None or row.recording_id != recording_id:
            raise ApiError(404, "question_not_found", f"No question with id {question_id}.")
        return row


def provide_questions(state: State) -> QuestionService:
    return QuestionService(state.database, state.broker, state.settings)
