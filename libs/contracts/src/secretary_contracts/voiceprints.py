"""What matching reads of an owner's people: the gateway keeps one key per person in the
`voiceprints` KV bucket (`voiceprint_key`), merge reads the owner's keys before it announces a
transcript (ADR 0008)."""

from __future__ import annotations

from pydantic import BaseModel, Field

MAX_VOICEPRINT_EMBEDDINGS = 24
"""The most enrolments one person is matched by: those with the most speech. A person
enrolled from every weekly meeting for years stays one bounded value (24 embeddings of a
few hundred floats are well under the server's payload limit)."""


class VoiceprintPerson(BaseModel):
    person_id: str
    name: str
    embeddings: list[list[float]] = Field(
        description="Unit embeddings, one per recording and speaker the person was enrolled from.",
        max_length=MAX_VOICEPRINT_EMBEDDINGS,
    )


class StoredVoiceprint(VoiceprintPerson):
    """One person as stored under their key; never read across owners."""

    owner: str
