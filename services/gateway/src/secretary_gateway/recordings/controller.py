"""Recordings over HTTP: upload, list, status, progress events, deletion (transport only;
the rules are `RecordingService`'s)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from litestar import Controller, Request, Response, delete, get, post
from litestar.datastructures import State
from litestar.di import NamedDependency, Provide
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.spec import (
    OpenAPIFormat,
    OpenAPIMediaType,
    OpenAPIType,
    Operation,
    RequestBody,
    Schema,
)
from litestar.params import FromPath, FromQuery, QueryParameter
from litestar.response import ServerSentEvent
from secretary_contracts import RecordingStatus

from secretary_gateway.http import Caller, errors, idempotency_key
from secretary_gateway.recordings.progress import recording_events
from secretary_gateway.recordings.schemas import Recording, RecordingPage
from secretary_gateway.recordings.service import RecordingService, provide_recordings


@dataclass
class UploadOperation(Operation):
    """The upload reads its body as a stream, so the form it expects is described here."""

    def __post_init__(self) -> None:
        text = Schema(type=OpenAPIType.STRING)
        count = Schema(type=OpenAPIType.INTEGER, minimum=1, maximum=50)
        self.request_body = RequestBody(
            required=True,
            content={
                "multipart/form-data": OpenAPIMediaType(
                    schema=Schema(
                        type=OpenAPIType.OBJECT,
                        required=["file"],
                        properties={
                            "file": Schema(
                                type=OpenAPIType.STRING,
                                format=OpenAPIFormat.BINARY,
                                description="The recording: any audio or video ffmpeg reads.",
                            ),
                            "title": text,
                            "language": Schema(
                                type=OpenAPIType.STRING,
                                description="ISO 639-1 code, or `auto` (the default).",
                                examples=["en", "auto"],
                            ),
                            "num_speakers": count,
                            "min_speakers": count,
                            "max_speakers": count,
                        },
                    )
                )
            },
        )


class RecordingController(Controller):
    path = "/v1/recordings"
    tags = ("recordings",)
    dependencies = {"recordings": Provide(provide_recordings, sync_to_thread=False)}

    @post(
        "/",
        operation_id="uploadRecording",
        request_max_body_size=None,
        status_code=201,
        summary="Upload a recording and start processing it.",
        description="multipart/form-data with the file in `file`; optional fields `title`,"
        " `language` (ISO 639-1 or `auto`), `num_speakers`, `min_speakers`, `max_speakers`."
        " The file streams into storage as it arrives. A retry with the same"
        " `Idempotency-Key` header, or the same bytes uploaded again, answers 200 with the"
        " recording made the first time (`duplicate_of` for the same bytes).",
        responses={
            200: ResponseSpec(
                data_container=Recording,
                description="Made before: a retry with the same Idempotency-Key, or the same"
                " bytes again (`duplicate_of`).",
            ),
            **errors(400, 403, 413, 415, 429, 503, 507),
        },
        operation_class=UploadOperation,
    )
    async def upload(
        self,
        request: Request[Any, Any, State],
        caller: NamedDependency[Caller],
        recordings: NamedDependency[RecordingService],
    ) -> Response[Recording]:
        recording, created = await recordings.create(
            caller,
            request.stream(),
            request.headers.get("content-type", ""),
            int(request.headers.get("content-length") or -1),
            idempotency_key(request),
        )
        return Response(recording, status_code=201 if created else 200)

    @get(
        "/",
        operation_id="listRecordings",
        summary="My recordings, newest first, a page at a time.",
        responses=errors(400, 403),
    )
    async def list_recordings(
        self,
        caller: NamedDependency[Caller],
        recordings: NamedDependency[RecordingService],
        limit: Annotated[int, QueryParameter(ge=1, le=200)] = 50,
        cursor: Annotated[str | None, QueryParameter(max_length=200)] = None,
        status: FromQuery[RecordingStatus | None] = None,
    ) -> RecordingPage:
        return await recordings.page(caller, limit, cursor, status)

    @get(
        "/{recording_id:str}",
        operation_id="getRecording",
        summary="Status and progress of a recording.",
        responses=errors(403, 404),
    )
    async def get_recording(
        self,
        recording_id: FromPath[str],
        caller: NamedDependency[Caller],
        recordings: NamedDependency[RecordingService],
    ) -> Recording:
        return await recordings.get(caller, recording_id)

    @delete(
        "/{recording_id:str}",
        operation_id="deleteRecording",
        summary="Delete a recording: its rows and every stored object (media, audio, artifacts).",
        responses=errors(403, 404, 503),
    )
    async def delete_recording(
        self,
        recording_id: FromPath[str],
        caller: NamedDependency[Caller],
        recordings: NamedDependency[RecordingService],
    ) -> None:
        await recordings.delete(caller, recording_id)

    @get(
        "/{recording_id:str}/events",
        operation_id="recordingEvents",
        summary="Server-Sent Events: `progress` as stages advance, then `done` or `failed`.",
        responses=errors(403, 404, 429),
    )
    async def events(
        self,
        request: Request[Any, Any, State],
        recording_id: FromPath[str],
        caller: NamedDependency[Caller],
        recordings: NamedDependency[RecordingService],
    ) -> ServerSentEvent:
        await recordings.owned(caller, recording_id)
        events = recording_events(recordings.database, recording_id)
        return ServerSentEvent(request.app.state.event_streams.hold(caller.principal, events))
