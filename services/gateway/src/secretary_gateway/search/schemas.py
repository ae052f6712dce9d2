"""Search results."""

from __future__ import annotations

from pydantic import BaseModel, Field


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
