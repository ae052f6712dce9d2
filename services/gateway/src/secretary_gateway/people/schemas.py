"""People as the REST API shows them (never their embeddings)."""

from __future__ import annotations

from pydantic import BaseModel, Field


class Person(BaseModel):
    id: str
    name: str = Field(examples=["Maria"])
    recordings: int = Field(description="Recordings the voiceprint was enrolled from.")
    speech_s: float = Field(description="Seconds of speech the voiceprint rests on.")


class PersonList(BaseModel):
    items: list[Person]
