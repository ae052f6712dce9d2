"""A recording's transcript: exports in six formats, its speakers' names, its summary."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

from litestar import Controller, Response, get, patch
from litestar.datastructures import State
from litestar.openapi.spec import Example
from litestar.params import Body, FromPath, FromQuery
from nats.js.errors import ObjectNotFoundError
from secretary_contracts import RecordingStatus, SpeakersNamed, Summary, Transcript, exports
from secretary_contracts.messaging import (
    BUCKETS,
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
from secretary_runtime.publishing import EventPublisher

from secretary_gateway.db import Database, RecordingRow, TranscriptRow
from secretary_gateway.documents import DOCX_MEDIA_TYPE, to_docx
from secretary_gateway.errors import ApiError
from secretary_gateway.routes.common import Owner, errors, owned_recording
from secretary_gateway.schemas import SpeakerOut, Speakers

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


async def _stored_transcript(database: Database, row: RecordingRow) -> Transcript:
    async with database.sessions() as session:
        stored = await session.get(TranscriptRow, row.id)
    if stored is None:
        if row.status == RecordingStatus.FAILED:
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


class TranscriptController(Controller):
    path = "/v1/recordings/{recording_id:str}"
    tags = ("recordings",)

    @get(
        "/transcript",
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
        "/speakers",
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
        "/speakers",
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
        "/summary",
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

        def rename(value: Any) -> Any:
            if isinstance(value, str):
                return rename_in_text(value, labels, names)
            if isinstance(value, list):
                return [rename(v) for v in value]
            if isinstance(value, dict):
                return {k: rename(v) for k, v in value.items()}
            return value

        # every text of the summary, whatever fields it grows
        return Summary.model_validate(rename(summary.model_dump()))


def _ascii(name: str) -> str:
    return "".join(c if c.isascii() and (c.isalnum() or c in "-_ .") else "_" for c in name)
