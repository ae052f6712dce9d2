"""A transcript's speakers as the REST API shows them."""

from __future__ import annotations

from pydantic import BaseModel, Field


class SpeakerOut(BaseModel):
    id: str = Field(examples=["SPEAKER_00"])
    name: str = Field(examples=["Maria"])
    merged: list[str] = Field(
        default_factory=list, description="Other labels shown as this speaker."
    )


class Speakers(BaseModel):
    speakers: list[SpeakerOut]
    names: dict[str, str] = Field(description="Every name or merge given so far, by label.")
