"""Recordings: upload, list, status, progress events, deletion."""

from __future__ import annotations

import base64
import binascii
import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

from faststream.nats import NatsBroker
from litestar import Controller, Request, delete, get, post
from litestar.datastructures import State
from litestar.openapi.spec import (
    OpenAPIFormat,
    OpenAPIMediaType,
    OpenAPIType,
    Operation,
    RequestBody,
    Schema,
)
from litestar.params import FromPath, QueryParameter
from litestar.response import ServerSentEvent
from nats.errors import Error as NatsError
from pydantic import ValidationError
from secretary_contracts import (
    MediaReceived,
    RecordingOptions,
)
from secretary_contracts.messaging import (
    BUCKETS,
    MEDIA_RECEIVED,
)
from secretary_runtime import objects
from secretary_runtime.publishing import EventPublisher
from sqlalchemy import and_, or_, select

from secretary_gateway.db import Database, RecordingRow, new_recording_row
from secretary_gateway.deletion import RecordingDeleter
from secretary_gateway.errors import ApiError
from secretary_gateway.routes.common import Owner, errors, owned_recording
from secretary_gateway.schemas import Recording, RecordingPage
from secretary_gateway.settings import GatewaySettings
from secretary_gateway.streams import recording_events
from secretary_gateway.uploads import receive_upload


def _options(fields: dict[str, str]) -> RecordingOptions:
    values: dict[str, Any] = {}
    if fields.get("language") and fields["language"].lower() != "auto":
        values["language"] = fields["language"].lower()
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


def _encode_cursor(row: RecordingRow) -> str:
    raw = json.dumps([row.created_at.isoformat(), row.id]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_cursor(cursor: str) -> tuple[datetime, str]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        created_at, recording_id = json.loads(raw)
        return datetime.fromisoformat(created_at), str(recording_id)
    except (binascii.Error, ValueError, TypeError) as error:
        raise ApiError(400, "invalid_cursor", "The cursor is not one this API gave out.") from error


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

    @post(
        "/",
        operation_id="uploadRecording",
        request_max_body_size=None,
        status_code=201,
        summary="Upload a recording and start processing it.",
        description="multipart/form-data with the file in `file`; optional fields `title`,"
        " `language` (ISO 639-1 or `auto`), `num_speakers`, `min_speakers`, `max_speakers`."
        " The file streams into storage as it arrives.",
        responses=errors(400, 413, 415, 503),
        operation_class=UploadOperation,
    )
    async def upload(
        self, request: Request[Any, Any, State], state: State, owner: Owner
    ) -> Recording:
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
            owner=owner,
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

    @get(
        "/",
        operation_id="listRecordings",
        summary="My recordings, newest first, a page at a time.",
        responses=errors(400),
    )
    async def list_recordings(
        self,
        state: State,
        owner: Owner,
        limit: Annotated[int, QueryParameter(ge=1, le=200)] = 50,
        cursor: Annotated[str | None, QueryParameter(max_length=200)] = None,
        status: Annotated[
            str | None, QueryParameter(pattern="^(queued|processing|done|failed)$")
        ] = None,
    ) -> RecordingPage:
        database: Database = state.database
        query = select(RecordingRow).where(RecordingRow.owner == owner)
        if status:
            query = query.where(RecordingRow.status == status)
        if cursor:
            created_at, recording_id = _decode_cursor(cursor)
            query = query.where(
                or_(
                    RecordingRow.created_at < created_at,
                    and_(RecordingRow.created_at == created_at, RecordingRow.id < recording_id),
                )
            )
        query = query.order_by(RecordingRow.created_at.desc(), RecordingRow.id.desc())
        async with database.sessions() as session:
            rows = list((await session.scalars(query.limit(limit + 1))).all())
        more = len(rows) > limit
        rows = rows[:limit]
        return RecordingPage(
            items=[Recording.from_row(r) for r in rows],
            next_cursor=_encode_cursor(rows[-1]) if more else None,
        )

    @get(
        "/{recording_id:str}",
        operation_id="getRecording",
        summary="Status and progress of a recording.",
        responses=errors(404),
    )
    async def get_recording(
        self, recording_id: FromPath[str], state: State, owner: Owner
    ) -> Recording:
        return Recording.from_row(await owned_recording(state.database, recording_id, owner))

    @delete(
        "/{recording_id:str}",
        operation_id="deleteRecording",
        summary="Delete a recording: its rows and every stored object (media, audio, artifacts).",
        responses=errors(404, 503),
    )
    async def delete_recording(
        self, recording_id: FromPath[str], state: State, owner: Owner
    ) -> None:
        await owned_recording(state.database, recording_id, owner)
        try:
            await RecordingDeleter(state.broker, state.database).delete(recording_id, owner)
        except (NatsError, TimeoutError) as error:
            raise ApiError(
                503, "unavailable", "Storage did not answer; nothing was lost, try again."
            ) from error

    @get(
        "/{recording_id:str}/events",
        operation_id="recordingEvents",
        summary="Server-Sent Events: `progress` as stages advance, then `done` or `failed`.",
        responses=errors(404),
    )
    async def events(
        self, recording_id: FromPath[str], state: State, owner: Owner
    ) -> ServerSentEvent:
        await owned_recording(state.database, recording_id, owner)
        return ServerSentEvent(recording_events(state.database, recording_id))
