"""Transcripts over HTTP: exports in six formats, speakers' names, the summary (transport
only; the rules are `TranscriptService`'s)."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

from litestar import Controller, Response, get, patch, post
from litestar.di import NamedDependency, Provide
from litestar.openapi.spec import Example
from litestar.params import Body, FromPath, FromQuery
from secretary_contracts import Summary, Transcript, exports

from secretary_gateway.http import Caller, errors
from secretary_gateway.transcripts.documents import DOCX_MEDIA_TYPE, to_docx
from secretary_gateway.transcripts.editing import TranscriptEdits
from secretary_gateway.transcripts.schemas import EditedTranscript, Revert, Revisions, Speakers
from secretary_gateway.transcripts.service import TranscriptService, provide_transcripts


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


class TranscriptController(Controller):
    path = "/v1/recordings/{recording_id:str}"
    tags = ("recordings",)
    dependencies = {"transcripts": Provide(provide_transcripts, sync_to_thread=False)}

    @get(
        "/transcript",
        operation_id="getTranscript",
        summary="The speaker-labelled transcript: json, txt, srt, vtt, md or docx.",
        description="Speaker names given with PATCH .../speakers are applied in every format.",
        responses=errors(403, 404, 409),
    )
    async def get_transcript(
        self,
        recording_id: FromPath[str],
        caller: NamedDependency[Caller],
        transcripts: NamedDependency[TranscriptService],
        format: FromQuery[TranscriptFormat] = TranscriptFormat.JSON,
    ) -> Response[Any]:
        row, transcript = await transcripts.named(caller, recording_id)
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

    @patch(
        "/transcript",
        operation_id="editTranscript",
        summary="Edit words, split or join segments, change a segment's speaker.",
        description="Edits apply in order, each on the transcript the ones before it left;"
        " every word keeps its times (a replaced run of words spreads over the time it"
        " took). `revision` is the one the edits were made on: another answers 409"
        " stale_revision. Saved as a new revision, seen by every export, search, the"
        " summary and later answers.",
        responses=errors(400, 403, 404, 409),
    )
    async def edit_transcript(
        self,
        recording_id: FromPath[str],
        caller: NamedDependency[Caller],
        transcripts: NamedDependency[TranscriptService],
        data: Annotated[
            TranscriptEdits,
            Body(
                examples=[
                    Example(
                        summary="correct a name, give a segment to another speaker",
                        value={
                            "revision": 0,
                            "edits": [
                                {
                                    "op": "replace",
                                    "segment": 3,
                                    "first_word": 2,
                                    "last_word": 3,
                                    "text": "Anna-Maria",
                                },
                                {"op": "speaker", "segment": 4, "speaker": "SPEAKER_01"},
                                {"op": "split", "segment": 5, "before_word": 6},
                                {"op": "join", "segment": 7},
                            ],
                        },
                    )
                ]
            ),
        ],
    ) -> EditedTranscript:
        return await transcripts.edit(caller, recording_id, data.revision, data.edits)

    @get(
        "/transcript/revisions",
        operation_id="listTranscriptRevisions",
        summary="Every saved revision of the transcript, the pipeline's own (0) first.",
        responses=errors(403, 404, 409),
    )
    async def list_revisions(
        self,
        recording_id: FromPath[str],
        caller: NamedDependency[Caller],
        transcripts: NamedDependency[TranscriptService],
    ) -> Revisions:
        return await transcripts.revisions(caller, recording_id)

    @post(
        "/transcript/revisions/{revision:int}/revert",
        operation_id="revertTranscript",
        status_code=200,
        summary="Go back to an earlier revision (saved as a new one, so nothing is lost).",
        responses=errors(403, 404, 409),
    )
    async def revert_transcript(
        self,
        recording_id: FromPath[str],
        revision: FromPath[int],
        caller: NamedDependency[Caller],
        transcripts: NamedDependency[TranscriptService],
        data: Annotated[Revert, Body(description="The revision the transcript is at now.")],
    ) -> Transcript:
        return await transcripts.revert(caller, recording_id, data.revision, revision)

    @get(
        "/speakers",
        operation_id="getSpeakers",
        summary="The speakers found, with the names given to them.",
        responses=errors(403, 404, 409),
    )
    async def get_speakers(
        self,
        recording_id: FromPath[str],
        caller: NamedDependency[Caller],
        transcripts: NamedDependency[TranscriptService],
    ) -> Speakers:
        return await transcripts.speakers(caller, recording_id)

    @patch(
        "/speakers",
        operation_id="nameSpeakers",
        summary="Name speakers, or merge two labels into one.",
        description='`{"SPEAKER_00": "Maria"}` names a label; `{"SPEAKER_02": "SPEAKER_00"}`'
        " (or giving two labels one name) merges them; `null` takes a name back. The"
        " transcript, every export and later answers use the names.",
        responses=errors(400, 403, 404, 409),
    )
    async def name_speakers(
        self,
        recording_id: FromPath[str],
        caller: NamedDependency[Caller],
        transcripts: NamedDependency[TranscriptService],
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
        return await transcripts.name_speakers(caller, recording_id, data)

    @get(
        "/speakers/{speaker:str}/clip",
        operation_id="getSpeakerClip",
        summary="Up to ten seconds of one speaker's clearest speech, as Ogg/Opus.",
        description="The longest stretch of the speaker's speech that nobody talks over, to"
        " tell who it is before naming them. A merged label plays the speaker it is shown as.",
        media_type="audio/ogg",
        responses=errors(403, 404, 409, 410),
    )
    async def get_speaker_clip(
        self,
        recording_id: FromPath[str],
        speaker: FromPath[str],
        caller: NamedDependency[Caller],
        transcripts: NamedDependency[TranscriptService],
    ) -> Response[bytes]:
        clip = await transcripts.clip(caller, recording_id, speaker)
        return Response(
            clip,
            media_type="audio/ogg",
            headers={"Content-Disposition": f'inline; filename="{_ascii(speaker)}.ogg"'},
        )

    @get(
        "/summary",
        operation_id="getSummary",
        summary="Summary, decisions and action items, once the llm service has written them.",
        responses=errors(403, 404, 409),
    )
    async def get_summary(
        self,
        recording_id: FromPath[str],
        caller: NamedDependency[Caller],
        transcripts: NamedDependency[TranscriptService],
    ) -> Summary:
        return await transcripts.summary(caller, recording_id)


def _ascii(name: str) -> str:
    return "".join(c if c.isascii() and (c.isalnum() or c in "-_ .") else "_" for c in name)
