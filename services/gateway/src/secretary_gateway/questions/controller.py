"""Questions over HTTP: ask, poll, or follow the answer as it is written (transport only)."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import State
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, JSONBody
from litestar.response import ServerSentEvent
from secretary_contracts import QuestionStatus

from secretary_gateway.http import Caller, errors, idempotency_key
from secretary_gateway.questions.schemas import QuestionOut, QuestionRequest
from secretary_gateway.questions.service import QuestionService, provide_questions
from secretary_gateway.questions.streams import answer_events


class QuestionController(Controller):
    path = "/v1/recordings/{recording_id:str}/questions"
    tags = ("questions",)
    dependencies = {"questions": Provide(provide_questions, sync_to_thread=False)}

    @post(
        "/",
        operation_id="askQuestion",
        summary="Ask about a recording; answers within the wait, else 202 and poll.",
        description="A retry with the same `Idempotency-Key` header answers the question asked"
        " the first time; it is not asked again.",
        responses=errors(400, 403, 404, 409, 429),
    )
    async def ask(
        self,
        request: Request[Any, Any, State],
        recording_id: FromPath[str],
        data: JSONBody[QuestionRequest],
        caller: NamedDependency[Caller],
        questions: NamedDependency[QuestionService],
    ) -> Response[QuestionOut]:
        asked = await questions.ask(
            caller,
            recording_id,
            data.question,
            data.language,
            data.wait_s,
            idempotency_key(request),
        )
        pending = asked.status == QuestionStatus.PENDING
        return Response(QuestionOut.from_row(asked), status_code=202 if pending else 200)

    @get(
        "/{question_id:str}/events",
        operation_id="answerEvents",
        summary="Server-Sent Events: the answer's `delta`s as it is written, then `answer`.",
        responses=errors(403, 404, 429),
    )
    async def answer_stream(
        self,
        request: Request[Any, Any, State],
        recording_id: FromPath[str],
        question_id: FromPath[str],
        caller: NamedDependency[Caller],
        questions: NamedDependency[QuestionService],
    ) -> ServerSentEvent:
        await questions.get(caller, recording_id, question_id)
        js = questions.broker.connection.jetstream()
        events = answer_events(questions.database, js, question_id)
        return ServerSentEvent(request.app.state.event_streams.hold(caller.principal, events))

    @get(
        "/{question_id:str}",
        operation_id="getQuestion",
        summary="A question and its answer.",
        responses=errors(403, 404),
    )
    async def get_question(
        self,
        recording_id: FromPath[str],
        question_id: FromPath[str],
        caller: NamedDependency[Caller],
        questions: NamedDependency[QuestionService],
    ) -> QuestionOut:
        return QuestionOut.from_row(await questions.get(caller, recording_id, question_id))
