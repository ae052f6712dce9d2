"""A transcript's speakers as the REST API shows them."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field
from secretary_contracts import Transcript


class Suggestion(BaseModel):
    """A person whose voice is close, but not close enough to give the name."""

    person_id: str
    name: str = Field(examples=["Maria"])
    score: float = Field(examples=[0.81])


class SpeakerOut(BaseModel):
    id: str = Field(examples=["SPEAKER_00"])
    name: str = Field(examples=["Maria"], description="The label itself while it has no name.")
    named: bool = Field(
        default=False, description="A name was given, by the owner or by a recognised voice."
    )
    merged: list[str] = Field(
        default_factory=list, description="Other labels shown as this speaker."
    )
    speech_s: float = Field(
        default=0.0, description="Seconds of transcribed speech, merged labels included."
    )
    person_id: str | None = Field(
        default=None, description="The person recognised by voice (GET /v1/people/{id})."
    )
    suggestion: Suggestion | None = None


class Speakers(BaseModel):
    speakers: list[SpeakerOut]
    names: dict[str, str] = Field(description="Every name or merge given so far, by label.")
    voiceprints: bool = Field(
        default=False,
        description="Naming a speaker enrols their voice, recognised in later recordings.",
    )


class RevisionOut(BaseModel):
    revision: int = Field(examples=[2])
    created_at: datetime
    edits: int = Field(default=0, description="How many edits it saved.")
    reverted_to: int | None = Field(
        default=None, description="The earlier revision it went back to, if it did."
    )


class Revisions(BaseModel):
    current: int = Field(examples=[2], description="The revision the transcript reads now.")
    items: list[RevisionOut]
    folded: int = Field(
        default=0,
        description="Older revisions no longer kept (the pipeline's own, 0, always is).",
    )


class Revert(BaseModel):
    revision: int = Field(ge=0, description="The revision it is at now; another answers 409.")


class EditedTranscript(Transcript):
    """The transcript as the edit left it."""

    suggested_terms: list[str] = Field(
        default_factory=list,
        description="Names and terms the edit wrote that the vocabulary lacks: PUT"
        " /v1/vocabulary with them, and the speech model expects them from now on.",
        examples=[["Anna-Maria"]],
    )
