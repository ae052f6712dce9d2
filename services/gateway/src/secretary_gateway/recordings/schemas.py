"""What the REST API says about a recording."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field
from secretary_contracts import PIPELINE_STAGES, RecordingStatus, overall_progress

from secretary_gateway.db import RecordingRow, as_utc
from secretary_gateway.errors import ErrorDetail
from secretary_gateway.recordings.timeline import stage_durations


class Recording(BaseModel):
    id: str
    status: RecordingStatus
    source: str = Field(description="The door it came in by: `rest` or `telegram`.")
    title: str | None
    filename: str
    size_bytes: int
    progress: float
    stages: dict[str, float]
    duration_s: float | None
    language: str | None
    language_probability: float | None = Field(
        description="How sure the language detection was (null when the language was given)."
    )
    speaker_count: int | None
    transcript_through_s: float | None = Field(
        default=None,
        description="While a long recording is processed: its transcript so far covers the"
        " audio up to here (GET .../transcript answers it with `partial: true`).",
    )
    warnings: list[str] = Field(
        description="Done, but worth knowing: `no_speech` when nobody speaks in the recording."
    )
    flagged_segments: dict[str, int] = Field(
        description="How many transcript segments are flagged `low_confidence` or `repetition`."
    )
    error: ErrorDetail | None
    stage_seconds: dict[str, float] = Field(
        description="How long each finished stage took, from the previous one's end."
    )
    media_available: bool = Field(description="False once retention removed the media.")
    duplicate_of: str | None = Field(
        default=None,
        description="Set when the upload held the same bytes as this earlier recording of"
        " yours: that recording is answered, and nothing new is stored.",
    )
    created_at: datetime
    updated_at: datetime

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "5f2b0c0e9a7d4f0c8e1d2b3a4c5d6e7f",
                    "status": RecordingStatus.PROCESSING,
                    "title": "Weekly planning",
                    "filename": "call.m4a",
                    "size_bytes": 48213377,
                    "progress": 0.42,
                    "stages": {"upload": 1.0, "prepare": 1.0, "asr": 0.6, "diarize": 0.3},
                    "duration_s": 2712.4,
                    "language": None,
                    "language_probability": None,
                    "speaker_count": None,
                    "warnings": [],
                    "flagged_segments": {},
                    "error": None,
                    "stage_seconds": {"prepare": 21.3},
                    "media_available": True,
                    "created_at": "2026-11-26T09:00:00Z",
                    "updated_at": "2026-11-26T09:03:10Z",
                }
            ]
        }
    )

    @classmethod
    def from_row(cls, row: RecordingRow) -> Recording:
        stages = {str(stage): float(row.stages.get(stage, 0.0)) for stage in PIPELINE_STAGES}
        progress = 1.0 if row.status == RecordingStatus.DONE else overall_progress(stages)
        return cls(
            id=row.id,
            source=row.source,
            status=row.status,
            title=row.title,
            filename=row.filename,
            size_bytes=row.size_bytes,
            progress=round(progress, 3),
            stages=stages,
            duration_s=row.duration_s,
            language=row.language,
            language_probability=row.language_probability,
            speaker_count=row.speaker_count,
            transcript_through_s=None
            if row.status == RecordingStatus.DONE
            else row.transcript_through_s,
            warnings=list(row.warnings or []),
            flagged_segments=dict(row.flagged_segments or {}),
            error=ErrorDetail(code=row.error_code, message=row.error_message or "")
            if row.error_code
            else None,
            stage_seconds=stage_durations(row),
            media_available=row.media_deleted_at is None,
            created_at=as_utc(row.created_at),
            updated_at=as_utc(row.updated_at),
        )


class RecordingPage(BaseModel):
    items: list[Recording]
    next_cursor: str | None = Field(
        description="Pass as `cursor` for the next (older) page; null on the last page."
    )
