"""Questions about a recording: ask, poll, or follow the answer as it is written."""

from __future__ import annotations

import asyncio
import uuid

from litestar import Controller, Response, get, post
from litestar.datastructures import State
from litestar.params import FromPath, JSONBody
from litestar.response import ServerSentEvent
from secretary_contracts import QuestionAsked, QuestionStatus, RecordingStatus
from secretary_contracts.messaging import QUESTION_ASKED
from secretary_runtime.publishing import EventPublisher

from secretary_gateway.db import Database, QuestionRow
from secretary_gateway.errors import ApiError
from secretary_gateway.routes.common import Owner, errors, owned_recording
from secretary_gateway.schemas import QuestionOut, QuestionRequest
from secretary_gateway.settings import GatewaySettings
from secretary_gateway.streams import answer_events


class QuestionController(Controller):
    path = "/v1/recordings/{recording_id:str}/questions"
    tags = ("questions",)

    @post(
        "/",
        operation_id="askQuestion",
        summary="Ask about a recording; answers within the wait, else 202 and poll.",
        responses=errors(400, 404, 409),
    )
    async def ask(
        self,
        recording_id: FromPath[str],
        data: JSONBody[QuestionRequest],
        state: State,
        owner: Owner,
    ) -> Response[QuestionOut]:
        database: Database = state.database
        settings: GatewaySettings = state.settings
        row = await owned_recording(database, recording_id, owner)
        if row.status != RecordingStatus.DONE:
            raise ApiError(
                409, "transcript_not_ready", f"The recording is {row.status}; ask once it is done."
            )
        question = QuestionRow(
            id=uuid.uuid4().hex,
            recording_id=recording_id,
            owner=owner,
            question=data.question,
            status=QuestionStatus.PENDING,
            citations=[],
        )
        async with database.sessions.begin() as session:
            session.add(question)
        await EventPublisher(state.broker).publish(
            QUESTION_ASKED,
            QuestionAsked(
                recording_id=recording_id,
                question_id=question.id,
                owner=owner,
                question=data.question,
                speaker_names=row.speaker_names or {},
            ),
            message_id=f"{question.id}:asked",
        )
        loop = asyncio.get_running_loop()
        deadline = loop.time() + settings.answer_wait_s
        while True:
            async with database.sessions() as session:
                current = await session.get(QuestionRow, question.id)
            assert current is not None
            if current.status != QuestionStatus.PENDING or loop.time() >= deadline:
                break
            await asyncio.sleep(0.2)
        return Response(
            QuestionOut.from_row(current),
            status_code=202 if current.status == QuestionStatus.PENDING else 200,
        )

    @get(
        "/{question_id:str}/events",
        operation_id="answerEvents",
        summary="Server-Sent Events: the answer's `delta`s as it is written, then `answer`.",
        responses=errors(404),
    )
    async def answer_stream(
        self, recording_id: FromPath[str], question_id: FromPath[str], state: State, owner: Owner
    ) -> ServerSentEvent:
        await owned_recording(state.database, recording_id, owner)
        await _question(state.database, recording_id, question_id)
        js = state.broker.connection.jetstream()
        return ServerSentEvent(answer_events(state.database, js, question_id))

    @get(
        "/{question_id:str}",
        operation_id="getQuestion",
        summary="A question and its answer.",
        responses=errors(404),
    )
    async def get_question(
        self, recording_id: FromPath[str], question_id: FromPath[str], state: State, owner: Owner
    ) -> QuestionOut:
        await owned_recording(state.database, recording_id, owner)
        return QuestionOut.from_row(await _question(state.database, recording_id, question_id))


async def _question(database: Database, recording_id: str, question_id: str) -> QuestionRow:
    async with database.sessions() as session:
        row = await session.get(QuestionRow, question_id)
    if row is None or row.recording_id != recording_id:
        raise ApiError(404, "question_not_found", f"No question with id {question_id}.")
    return row
