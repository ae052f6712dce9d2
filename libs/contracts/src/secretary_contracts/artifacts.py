"""Stage results stored in the artifacts object bucket (claim check: events only name them)."""

from pydantic import BaseModel, Field


class Word(BaseModel):
    start: float
    end: float
    word: str
    score: float | None = None


class AsrResult(BaseModel):
    """What the asr stage produces: the language and every recognised word with its times."""

    schema_version: int = 1
    language: str
    duration_s: float
    words: list[Word]


class SpeakerTurn(BaseModel):
    start: float
    end: float
    speaker: str


class DiarizationResult(BaseModel):
    """What the diarize stage produces: who spoke when."""

    schema_version: int = 1
    duration_s: float
    turns: list[SpeakerTurn]


class TranscriptWord(BaseModel):
    start: float
    end: float
    word: str
    speaker: str | None
    score: float | None = None


class TranscriptSegment(BaseModel):
    start: float
    end: float
    speaker: str | None
    text: str
    words: list[TranscriptWord]


class ActionItem(BaseModel):
    who: str | None = None
    what: str
    when: str | None = None


class Summary(BaseModel):
    """What a meeting came to: a short summary, the decisions, the action items."""

    schema_version: int = 1
    summary: str
    decisions: list[str] = Field(default_factory=list)
    action_items: list[ActionItem] = Field(default_factory=list)


class Speaker(BaseModel):
    id: str
    name: str | None = None


class Transcript(BaseModel):
    """The merged, speaker-labelled transcript; the shape the REST API returns as JSON."""

    language: str
    duration_s: float
    speakers: list[Speaker] = Field(default_factory=list)
    segments: list[TranscriptSegment] = Field(default_factory=list)
