"""What the REST API returns."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from secretary_gateway.db import QuestionRow, RecordingRow

Status = Literal["queued", "processing", "done", "failed"]
STAGE_WEIGHTS = {"upload": 0.05, "prepare": 0.05, "asr": 0.45, "diarize": 0.4, "merge": 0.05}


class ErrorDetail(BaseModel):
    code: str
    message: str


class Recording(BaseModel):
    id: str
    status: Status
    title: str | None
    filename: str
    size_bytes: int
    progress: float
    stages: dict[str, float]
    duration_s: float | None
    language: str | None
    speaker_count: int | None
    error: ErrorDetail | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_row(cls, row: RecordingRow) -> Recording:
        stages = {stage: float(row.stages.get(stage, 0.0)) for stage in STAGE_WEIGHTS}
        progress = (
            1.0 if row.status == "done" else sum(STAGE_WEIGHTS[s] * f for s, f in stages.items())
        )
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
            speaker_count=row.speaker_count,
            error=ErrorDetail(code=row.error_code, message=row.error_message or "")
            if row.error_code
            else None,
            created_at=row.created_at,
            updated_at=row.updated_at,
        )


class QuestionRequest(BaseModel):
    question: str = Field(min_length=1, max_length=2000)


class CitationOut(BaseModel):
    start: float
    end: float
    speaker: str
    text: str


class QuestionOut(BaseModel):
    id: str
    status: Literal["pending", "answered", "failed"]
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


class RecordingList(BaseModel):
    items: list[Recording]
