"""What matching reads of an owner's people: the gateway keeps one snapshot per owner in the
`voiceprints` KV bucket, merge reads it before it announces a transcript (ADR 0008)."""

from __future__ import annotations

from pydantic import BaseModel, Field


class VoiceprintPerson(BaseModel):
    person_id: str
    name: str
    embeddings: list[list[float]] = Field(
        description="Unit embeddings, one per recording and speaker the person was enrolled from."
    )


class Voiceprints(BaseModel):
    """An owner's people as matching needs them; never read across owners."""

    owner: str
    people: list[VoiceprintPerson] = Field(default_factory=list)
