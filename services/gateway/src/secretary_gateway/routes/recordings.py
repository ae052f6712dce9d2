"""Recordings: upload, list, status, progress events, transcript exports, speakers, deletion."""

from __future__ import annotations

import base64
import binascii
import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any

from faststream.nats import NatsBroker
from litestar import Controller, Request, Response, delete, get, patch, post
from litestar.datastructures import State
from litestar.openapi.spec import (
    Example,
    OpenAPIFormat,
    OpenAPIMediaType,
    OpenAPIType,
    Operation,
    RequestBody,
    Schema,
)
from litestar.params import Body, FromPath, FromQuery, QueryParameter
from litestar.response import ServerSentEvent
from nats.js.errors import ObjectNotFoundError
from pydantic import ValidationError
from secretary_contracts import (
    MediaReceived,
    RecordingOptions,
    SpeakersNamed,
    Summary,
    Transcript,
    exports,
)
from secretary_contracts.messaging import (
    BUCKETS,
    MEDIA_RECEIVED,
    SPEAKERS_NAMED,
    artifact_object_name,
    speakers_named_message_id,
)
from secretary_contracts.speakers import (
    apply_speaker_names,
    rename_in_text,
    resolve_speakers,
    speaker_labels,
)
from secretary_runtime import objects
from secretary_runtime.publishing import EventPublisher
from sqlalchemy import and_, or_, select

from secretary_gateway.db import Database, RecordingRow, TranscriptRow, new_recording_row
from secretary_gateway.deletion import RecordingDeleter
from secretary_gateway.documents import DOCX_MEDIA_TYPE, to_docx
from secretary_gateway.errors import ApiError
from secretary_gateway.routes.common import Owner, errors, owned_recording
from secretary_gateway.schemas import Recording, RecordingPage, SpeakerOut, Speakers
from secretary_gateway.settings import GatewaySettings
from secretary_gateway.streams import recording_events
from secretary_gateway.uploads import receive_upload

MAX_NAME_LENGTH = 100


class TranscriptFormat(StrEnum):
    JSON = "json"
    TXT = "txt"
    SRT = "srt"
    VTT = "vtt"
    MD = "md"
    DOCX = "docx"


MEDIA_TYPES = {
    TranscriptFormat.TXT: "text/plain; charset=utf-8",
    TranscriptFormat.SRT: "application/x-subrip; charset=utf-8",
    TranscriptFormat.VTT: "text/vtt; charset=utf-8",
    TranscriptFormat.MD: "text/markdown; charset=utf-8",
    TranscriptFormat.DOCX: DOCX_MEDIA_TYPE,
}


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


async def _stored_transcript(database: Database, row: RecordingRow) -> Transcript:
    async with database.sessions() as session:
        stored = await session.get(TranscriptRow, row.id)
    if stored is None:
        if row.status == "failed":
            raise ApiError(409, "recording_failed", f"The recording failed: {row.error_message}")
        raise ApiError(409, "transcript_not_ready", f"The recording is {row.status}; try later.")
    return Transcript.model_validate_json(stored.body)


def _speakers(transcript: Transcript, names: dict[str, str]) -> Speakers:
    labels = speaker_labels(transcript)
    resolved = resolve_speakers(labels, names)
    shown: dict[str, SpeakerOut] = {}
    for label in labels:
        canonical, name = resolved[label]
        speaker = shown.setdefault(canonical, SpeakerOut(id=canonical, name=name))
        if label != canonical:
            speaker.merged.append(label)
    return Speakers(speakers=list(shown.values()), names=names)


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
        except Exception as error:
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

    @get(
        "/{recording_id:str}/transcript",
        operation_id="getTranscript",
        summary="The speaker-labelled transcript: json, txt, srt, vtt, md or docx.",
        description="Speaker names given with PATCH .../speakers are applied in every format.",
        responses=errors(404, 409),
    )
    async def get_transcript(
        self,
        recording_id: FromPath[str],
        state: State,
        owner: Owner,
        format: FromQuery[TranscriptFormat] = TranscriptFormat.JSON,
    ) -> Response[Any]:
        row = await owned_recording(state.database, recording_id, owner)
        transcript = apply_speaker_names(
            await _stored_transcript(state.database, row), row.speaker_names or {}
        )
        if format is TranscriptFormat.JSON:
            return Response(transcript.model_dump(mode="json"))
        if format is TranscriptFormat.DOCX:
            stem = (row.title or row.filename or row.id).rsplit(".", 1)[0][:80] or row.id
            return Response(
                to_docx(transcript, row.title),
                media_type=DOCX_MEDIA_TYPE,
                headers={"Content-Disposition": f'attachment; filename="{_ascii(stem)}.docx"'},
            )
        rendered = {
            TranscriptFormat.TXT: exports.to_text,
            TranscriptFormat.SRT: exports.to_srt,
            TranscriptFormat.VTT: exports.to_vtt,
            TranscriptFormat.MD: lambda t: exports.to_markdown(t, row.title),
        }[format](transcript)
        return Response(rendered, media_type=MEDIA_TYPES[format])

    @get(
        "/{recording_id:str}/speakers",
        operation_id="getSpeakers",
        summary="The speakers found, with the names given to them.",
        responses=errors(404, 409),
    )
    async def get_speakers(
        self, recording_id: FromPath[str], state: State, owner: Owner
    ) -> Speakers:
        row = await owned_recording(state.database, recording_id, owner)
        transcript = await _stored_transcript(state.database, row)
        return _speakers(transcript, row.speaker_names or {})

    @patch(
        "/{recording_id:str}/speakers",
        operation_id="nameSpeakers",
        summary="Name speakers, or merge two labels into one.",
        description='`{"SPEAKER_00": "Maria"}` names a label; `{"SPEAKER_02": "SPEAKER_00"}`'
        " (or giving two labels one name) merges them; `null` takes a name back. The"
        " transcript, every export and later answers use the names.",
        responses=errors(400, 404, 409),
    )
    async def name_speakers(
        self,
        recording_id: FromPath[str],
        state: State,
        owner: Owner,
        data: Annotated[
            dict[str, str | None],
            Body(
                description="Label → name, another label (to merge), or null.",
                examples=[
                    Example(
                        summary="name two speakers, merge a third",
                        value={
                            "SPEAKER_00": "Maria",
                            "SPEAKER_01": "Tom",
                            "SPEAKER_02": "SPEAKER_01",
                        },
                    )
                ],
            ),
        ],
    ) -> Speakers:
        database: Database = state.database
        row = await owned_recording(database, recording_id, owner)
        transcript = await _stored_transcript(database, row)
        labels = speaker_labels(transcript)
        names = dict(row.speaker_names or {})
        for label, given in data.items():
            if label not in labels:
                raise ApiError(
                    400,
                    "unknown_speaker",
                    f"No speaker {label!r} in this recording"
                    f" (it has {', '.join(labels) or 'none'}).",
                )
            name = (given or "").strip()
            if given is not None and not (0 < len(name) <= MAX_NAME_LENGTH):
                raise ApiError(
                    400, "invalid_speaker_name", f"A name has 1 to {MAX_NAME_LENGTH} characters."
                )
            if given is None or name == label:
                names.pop(label, None)
            else:
                names[label] = name
        async with database.sessions.begin() as session:
            stored = await session.get(RecordingRow, recording_id)
            assert stored is not None
            stored.speaker_names = names
        # the Telegram chat (for its own recordings) keeps the same names
        named = SpeakersNamed(recording_id=recording_id, owner=owner, names=names)
        await EventPublisher(state.broker).publish(
            SPEAKERS_NAMED, named, message_id=speakers_named_message_id(named)
        )
        return _speakers(transcript, names)

    @get(
        "/{recording_id:str}/summary",
        operation_id="getSummary",
        summary="Summary, decisions and action items, once the llm service has written them.",
        responses=errors(404, 409),
    )
    async def get_summary(self, recording_id: FromPath[str], state: State, owner: Owner) -> Summary:
        row = await owned_recording(state.database, recording_id, owner)
        store = await state.broker.connection.jetstream().object_store(BUCKETS.artifacts)
        try:
            stored = await store.get(artifact_object_name(recording_id, "summary"))
        except ObjectNotFoundError as missing:
            raise ApiError(409, "summary_not_ready", "The summary is not written yet.") from missing
        summary = Summary.model_validate_json(stored.data or b"{}")
        names = row.speaker_names or {}
        if not names:
            return summary
        labels = speaker_labels(await _stored_transcript(state.database, row))
        renamed = json.loads(summary.model_dump_json())

        def rename(value: Any) -> Any:
            if isinstance(value, str):
                return rename_in_text(value, labels, names)
            if isinstance(value, list):
                return [rename(v) for v in value]
            if isinstance(value, dict):
                return {k: rename(v) for k, v in value.items()}
            return value

        return Summary.model_validate(rename(renamed))


def _ascii(name: str) -> str:
    return "".join(c if c.isascii() and (c.isalnum() or c in "-_ .") else "_" for c in name)
