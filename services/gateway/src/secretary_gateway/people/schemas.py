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


class Rename(BaseModel):
    name: str = Field(min_length=1, max_length=100, examples=["Maria Petrova"])


class PersonRecordings(BaseModel):
    items: list[str] = Field(description="Recording ids.")


class Merge(BaseModel):
    into: str = Field(description="The person who stays.")
