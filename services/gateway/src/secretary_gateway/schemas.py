"""What the REST API returns."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import AnyHttpUrl, BaseModel, ConfigDict, Field
from secretary_contracts import (
    PIPELINE_STAGES,
    DeliveryStatus,
    QuestionStatus,
    RecordingStatus,
    overall_progress,
)

from secretary_gateway.db import QuestionRow, RecordingRow
from secretary_gateway.timeline import stage_durations


class ErrorDetail(BaseModel):
    code: str = Field(examples=["recording_not_found"])
    message: str = Field(examples=["No recording with id 5f2b0c0e9a7d4f0c8e1d2b3a4c5d6e7f."])


class ErrorBody(BaseModel):
    """Every error: a stable machine-readable code and a sentence for people."""

    error: ErrorDetail


class Recording(BaseModel):
    id: str
    status: RecordingStatus
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
            warnings=list(row.warnings or []),
            flagged_segments=dict(row.flagged_segments or {}),
            error=ErrorDetail(code=row.error_code, message=row.error_message or "")
            if row.error_code
            else None,
            stage_seconds=stage_durations(row),
            media_available=row.media_deleted_at is None,
            created_at=row.created_at,
            updated_at=row.updated_at,
        )


class QuestionRequest(BaseModel):
    question: str = Field(
        min_length=1, max_length=2000, examples=["What did we decide about the budget?"]
    )


class CitationOut(BaseModel):
    start: float
    end: float
    speaker: str
    text: str


class QuestionOut(BaseModel):
    id: str
    status: QuestionStatus
    question: str
    answer: str | None
    supported: bool | None
    citations: list[CitationOut]
    error: ErrorDetail | None

    @classmethod
    def from_row(cls, row: QuestionRow) -> QuestionOut:
        return cls(
            id=row.id,
            status=row.status,
            question=row.question,
            answer=row.answer,
            supported=row.supported,
            citations=[CitationOut.model_validate(c) for c in row.citations or []],
            error=ErrorDetail(code=row.error_code, message=row.error_message or "")
            if row.error_code
            else None,
        )


class RecordingPage(BaseModel):
    items: list[Recording]
    next_cursor: str | None = Field(
        description="Pass as `cursor` for the next (older) page; null on the last page."
    )


class SpeakerOut(BaseModel):
    id: str = Field(examples=["SPEAKER_00"])
    name: str = Field(examples=["Maria"])
    merged: list[str] = Field(
        default_factory=list, description="Other labels shown as this speaker."
    )


class Speakers(BaseModel):
    speakers: list[SpeakerOut]
    names: dict[str, str] = Field(description="Every name or merge given so far, by label.")


class SearchHit(BaseModel):
    recording_id: str
    recording_title: str | None
    at: str = Field(description="`mm:ss` (or `h:mm:ss`) where it was said.", examples=["12:04"])
    start: float
    end: float
    speaker: str = Field(examples=["Maria"])
    text: str = Field(examples=["We move the launch to March."])


class SearchResults(BaseModel):
    query: str
    items: list[SearchHit]


WebhookEvent = Literal["transcript.ready", "recording.failed"]
WEBHOOK_EVENTS: tuple[WebhookEvent, ...] = ("transcript.ready", "recording.failed")


class WebhookRequest(BaseModel):
    url: AnyHttpUrl = Field(examples=["https://example.com/hooks/secretary"])
    events: list[WebhookEvent] = Field(default_factory=lambda: list(WEBHOOK_EVENTS), min_length=1)


class Webhook(BaseModel):
    """Read straight from its row (`Webhook.model_validate(row)`)."""

    model_config = ConfigDict(from_attributes=True)

    id: str
    url: str
    events: list[WebhookEvent]
    created_at: datetime


class WebhookCreated(Webhook):
    secret: str = Field(
        description="Signs every delivery (`X-Secretary-Signature: t=<unix>,v1=<hex HMAC-SHA256"
        " of '<t>.<body>'>`); shown only now."
    )


class WebhookList(BaseModel):
    items: list[Webhook]


class Delivery(BaseModel):
    """Read straight from its row (`Delivery.model_validate(row)`)."""

    model_config = ConfigDict(from_attributes=True)

    id: str
    recording_id: str
    event: WebhookEvent
    status: DeliveryStatus
    attempts: int
    response_status: int | None
    error: str | None
    updated_at: datetime


class DeliveryList(BaseModel):
    items: list[Delivery]
