"""Questions and answers as the REST API shows them."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field
from secretary_contracts import QuestionStatus

from secretary_gateway.db import QuestionRow
from secretary_gateway.errors import ErrorDetail


class QuestionRequest(BaseModel):
    question: str = Field(
        min_length=1, max_length=2000, examples=["What did we decide about the budget?"]
    )
    language: str | None = Field(
        default=None,
        min_length=2,
        max_length=8,
        description="The language to answer in (ISO 639-1); null = the question's own.",
    )
    wait_s: float | None = Field(
        default=None,
        ge=0,
        le=60,
        description="How long to wait for the answer before answering 202; null = the"
        " server's setting, 0 = at once (then poll or follow the events).",
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
    support: Literal["full", "partial", "none"] | None = Field(
        default=None,
        description="`full`: every sentence cites where it was said; `partial`: some cite"
        " nothing found in the transcript (`unsupported_sentences`); `none`: not in the"
        " recording.",
    )
    unsupported_sentences: list[str] = Field(default_factory=list)
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
            support=None
            if row.supported is None
            else "none"
            if not row.supported
            else "partial"
            if row.unsupported_sentences
            else "full",
            unsupported_sentences=list(row.unsupported_sentences or []),
            citations=[CitationOut.model_validate(c) for c in row.citations or []],
            error=ErrorDetail(code=row.error_code, message=row.error_message or "")
            if row.error_code
            else None,
        )
