"""REST routes: upload, status, transcript, health."""

from __future__ import annotations

import asyncio
import uuid
from enum import StrEnum
from typing import Annotated, Any

from faststream.nats import NatsBroker
from litestar import Controller, Request, Response, get, post
from litestar.datastructures import State
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter
from litestar.response import ServerSentEvent
from nats.js.errors import ObjectNotFoundError
from pydantic import ValidationError
from secretary_contracts import (
    MediaReceived,
    QuestionAsked,
    RecordingOptions,
    Summary,
    Transcript,
    exports,
)
from secretary_contracts.messaging import (
    BUCKETS,
    MEDIA_RECEIVED,
    QUESTION_ASKED,
    artifact_object_name,
)
from secretary_runtime import objects
from secretary_runtime.publishing import EventPublisher
from sqlalchemy import select

from secretary_gateway.db import (
    Database,
    QuestionRow,
    RecordingRow,
    TranscriptRow,
    new_recording_row,
)
from secretary_gateway.errors import ApiError, error_body
from secretary_gateway.schemas import QuestionOut, QuestionRequest, Recording, RecordingList
from secretary_gateway.settings import GatewaySettings
from secretary_gateway.streams import answer_events, recording_events
from secretary_gateway.uploads import receive_upload


class TranscriptFormat(StrEnum):
    JSON = "json"
    TXT = "txt"
    SRT = "srt"
    VTT = "vtt"


MEDIA_TYPES = {
    TranscriptFormat.TXT: "text/plain; charset=utf-8",
    TranscriptFormat.SRT: "application/x-subrip; charset=utf-8",
    TranscriptFormat.VTT: "text/vtt; charset=utf-8",
}


def _options(fields: dict[str, str]) -> RecordingOptions:
    values: dict[str, Any] = {}
    for name in ("language",):
        if fields.get(name) and fields[name].lower() != "auto":
            values[name] = fields[name].lower()
    for name in ("num_speakers", "min_speakers", "max_speakers"):
        if fields.get(name):
            values[name] = fields[name]
    try:
        options = RecordingOptions.model_validate(values)
    except ValidationError as error:
        problems = "; ".join(f"{e['loc'][0]}: {e['msg']}" for e in error.errors())
        raise ApiError(400, "invalid_options", problems) from error
    if (
        options.min_speakers
        and options.max_speakers
        and options.min_speakers > options.max_speakers
    ):
        raise ApiError(400, "invalid_options", "min_speakers is larger than max_speakers.")
    return options


async def _owned_recording(database: Database, recording_id: str, owner: str) -> RecordingRow:
    async with database.sessions() as session:
        row = await session.get(RecordingRow, recording_id)
    if row is None or row.owner != owner:
        raise ApiError(404, "recording_not_found", f"No recording with id {recording_id}.")
    return row


class RecordingController(Controller):
    path = "/v1/recordings"
    tags = ("recordings",)

    @post(
        "/",
        operation_id="uploadRecording",
        request_max_body_size=None,
        status_code=201,
        summary="Upload a recording (multipart field `file`) and start processing it.",
    )
    async def upload(self, request: Request[Any, Any, State], state: State) -> Recording:
        settings: GatewaySettings = state.settings
        broker: NatsBroker = state.broker
        database: Database = state.database
        js = broker.connection.jetstream()
        recording_id = uuid.uuid4().hex
        upload = await receive_upload(
            request.stream(),
            request.headers.get("content-type", ""),
            int(request.headers.get("content-length") or -1),
            js,
            BUCKETS.media,
            recording_id,
            settings.max_upload_bytes,
        )
        assert upload.media is not None
        try:
            options = _options(upload.fields)
            if upload.media.size_bytes == 0:
                raise ApiError(400, "empty_file", "The file is empty (0 bytes).")
        except ApiError:
            await objects.delete_object(js, BUCKETS.media, recording_id)
            raise
        event = MediaReceived(
            recording_id=recording_id,
            owner=settings.default_owner,
            source="rest",
            filename=upload.filename,
            content_type=upload.content_type,
            title=upload.fields.get("title") or None,
            media=upload.media,
            options=options,
        )
        row = new_recording_row(event)
        async with database.sessions.begin() as session:
            session.add(row)
        try:
            await EventPublisher(broker).publish(MEDIA_RECEIVED, event)
        except Exception as error:
            # never leave a recording queued that nothing will process
            async with database.sessions.begin() as session:
                await session.delete(await session.get(RecordingRow, recording_id))
            await objects.delete_object(js, BUCKETS.media, recording_id)
            raise ApiError(
                503, "unavailable", "The recording could not be queued; try again."
            ) from error
        return Recording.from_row(row)

    @get("/", operation_id="listRecordings", summary="My recordings, newest first.")
    async def list_recordings(
        self, state: State, limit: Annotated[int, QueryParameter(ge=1, le=500)] = 50
    ) -> RecordingList:
        database: Database = state.database
        async with database.sessions() as session:
            rows = await session.scalars(
                select(RecordingRow)
                .where(RecordingRow.owner == state.settings.default_owner)
                .order_by(RecordingRow.created_at.desc())
                .limit(limit)
            )
            return RecordingList(items=[Recording.from_row(r) for r in rows])

    @get(
        "/{recording_id:str}/events",
        operation_id="recordingEvents",
        summary="Server-Sent Events: `progress` as stages advance, then `done` or `failed`.",
    )
    async def events(self, recording_id: FromPath[str], state: State) -> ServerSentEvent:
        await _owned_recording(state.database, recording_id, state.settings.default_owner)
        return ServerSentEvent(recording_events(state.database, recording_id))

    @get("/{recording_id:str}", operation_id="getRecording", summary="Status and progress.")
    async def get_recording(self, recording_id: FromPath[str], state: State) -> Recording:
        row = await _owned_recording(state.database, recording_id, state.settings.default_owner)
        return Recording.from_row(row)

    @get(
        "/{recording_id:str}/transcript",
        operation_id="getTranscript",
        summary="The speaker-labelled transcript as json, txt, srt or vtt.",
    )
    async def get_transcript(
        self,
        recording_id: FromPath[str],
        state: State,
        format: FromQuery[TranscriptFormat] = TranscriptFormat.JSON,
    ) -> Response[Any]:
        database: Database = state.database
        row = await _owned_recording(database, recording_id, state.settings.default_owner)
        async with database.sessions() as session:
            stored = await session.get(TranscriptRow, recording_id)
        if stored is None:
            code, message = (
                ("recording_failed", f"The recording failed: {row.error_message}")
                if row.status == "failed"
                else ("transcript_not_ready", f"The recording is {row.status}; try again later.")
            )
            return Response(error_body(code, message), status_code=409)
        transcript = Transcript.model_validate_json(stored.body)
        if format is TranscriptFormat.JSON:
            return Response(transcript.model_dump(mode="json"))
        render = {
            TranscriptFormat.TXT: exports.to_text,
            TranscriptFormat.SRT: exports.to_srt,
            TranscriptFormat.VTT: exports.to_vtt,
        }[format]
        return Response(render(transcript), media_type=MEDIA_TYPES[format])


@get(
    "/v1/recordings/{recording_id:str}/summary",
    operation_id="getSummary",
    tags=["recordings"],
    summary="Summary, decisions and action items, once the llm service has written them.",
)
async def get_summary(recording_id: FromPath[str], state: State) -> Response[Any]:
    await _owned_recording(state.database, recording_id, state.settings.default_owner)
    store = await state.broker.connection.jetstream().object_store(BUCKETS.artifacts)
    try:
        stored = await store.get(artifact_object_name(recording_id, "summary"))
    except ObjectNotFoundError:
        return Response(
            error_body("summary_not_ready", "The summary is not written yet."), status_code=409
        )
    return Response(Summary.model_validate_json(stored.data or b"{}").model_dump(mode="json"))


class QuestionController(Controller):
    path = "/v1/recordings/{recording_id:str}/questions"
    tags = ("questions",)

    @post(
        "/",
        operation_id="askQuestion",
        summary="Ask about a recording; answers within the wait, else 202 and poll.",
    )
    async def ask(
        self, recording_id: FromPath[str], data: JSONBody[QuestionRequest], state: State
    ) -> Response[QuestionOut]:
        database: Database = state.database
        settings: GatewaySettings = state.settings
        row = await _owned_recording(database, recording_id, settings.default_owner)
        if row.status != "done":
            raise ApiError(
                409, "transcript_not_ready", f"The recording is {row.status}; ask once it is done."
            )
        question = QuestionRow(
            id=uuid.uuid4().hex,
            recording_id=recording_id,
            owner=row.owner,
            question=data.question,
            status="pending",
            citations=[],
        )
        async with database.sessions.begin() as session:
            session.add(question)
        await EventPublisher(state.broker).publish(
            QUESTION_ASKED,
            QuestionAsked(
                recording_id=recording_id,
                question_id=question.id,
                owner=row.owner,
                question=data.question,
            ),
            message_id=f"{question.id}:asked",
        )
        loop = asyncio.get_running_loop()
        deadline = loop.time() + settings.answer_wait_s
        while True:
            async with database.sessions() as session:
                current = await session.get(QuestionRow, question.id)
            assert current is not None
            if current.status != "pending" or loop.time() >= deadline:
                break
            await asyncio.sleep(0.2)
        return Response(
            QuestionOut.from_row(current), status_code=202 if current.status == "pending" else 200
        )

    @get(
        "/{question_id:str}/events",
        operation_id="answerEvents",
        summary="Server-Sent Events: the answer's `delta`s as it is written, then `answer`.",
    )
    async def answer_stream(
        self, recording_id: FromPath[str], question_id: FromPath[str], state: State
    ) -> ServerSentEvent:
        await _owned_recording(state.database, recording_id, state.settings.default_owner)
        js = state.broker.connection.jetstream()
        return ServerSentEvent(answer_events(state.database, js, question_id))

    @get("/{question_id:str}", operation_id="getQuestion", summary="A question and its answer.")
    async def get_question(
        self, recording_id: FromPath[str], question_id: FromPath[str], state: State
    ) -> QuestionOut:
        await _owned_recording(state.database, recording_id, state.settings.default_owner)
        async with state.database.sessions() as session:
            row = await session.get(QuestionRow, question_id)
        if row is None or row.recording_id != recording_id:
            raise ApiError(404, "question_not_found", f"No question with id {question_id}.")
        return QuestionOut.from_row(row)


@get("/healthz", operation_id="health", include_in_schema=True, summary="The process is alive.")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@get("/readyz", operation_id="ready", summary="Ready when NATS and the database answer.")
async def readyz(state: State) -> Response[dict[str, Any]]:
    broker: NatsBroker = state.broker
    checks = {
        "nats": bool(broker.connection and broker.connection.is_connected),
        "database": await state.database.ping(),
    }
    ready = all(checks.values())
    return Response(
        {"status": "ready" if ready else "not_ready", "checks": checks},
        status_code=200 if ready else 503,
    )
