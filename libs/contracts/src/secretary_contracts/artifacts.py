"""Stage results stored in the artifacts object bucket (claim check: events only name them)."""

from enum import StrEnum

from pydantic import BaseModel, Field


class SegmentFlag(StrEnum):
    """Why a segment's text may be wrong."""

    LOW_CONFIDENCE = "low_confidence"
    REPETITION = "repetition"


class TranscriptWarning(StrEnum):
    """Something a user should know about a finished transcript."""

    NO_SPEECH = "no_speech"


class Word(BaseModel):
    start: float
    end: float
    word: str
    score: float | None = None
    attached: bool = Field(
        default=False,
        description="Written straight after the previous word, with no space (`,000` of 40,000).",
    )


class AsrResult(BaseModel):
    """What the asr stage produces: the language and every recognised word with its times."""

    schema_version: int = 1
    language: str
    duration_s: float
    words: list[Word]
    language_probability: float | None = Field(
        default=None, description="How sure the language detection was; null when forced."
    )


class SpeakerTurn(BaseModel):
    start: float
    end: float
    speaker: str


class SpeakerVoice(BaseModel):
    """How one speaker of one recording sounds: what voiceprints are enrolled from and matched
    against. Computed once by the diarize stage; no later stage reads audio for it."""

    speaker: str = Field(examples=["SPEAKER_00"])
    embedding: list[float] = Field(
        description="Unit-length speaker embedding (CAM++, 192 values): a robust centroid of"
        " the embeddings of the speaker's speech without overlap."
    )
    speech_s: float = Field(ge=0, description="Seconds of the speaker's speech without overlap.")


class DiarizationResult(BaseModel):
    """What the diarize stage produces: who spoke when, and how each speaker sounds."""

    schema_version: int = 1
    duration_s: float
    turns: list[SpeakerTurn]
    voices: list[SpeakerVoice] = Field(
        default_factory=list,
        description="One per speaker that has an embedding (older results have none).",
    )


class TranscriptWord(BaseModel):
    start: float
    end: float
    word: str
    speaker: str | None
    score: float | None = None
    attached: bool = False


class TranscriptSegment(BaseModel):
    start: float
    end: float
    speaker: str | None
    text: str
    words: list[TranscriptWord]
    confidence: float | None = Field(
        default=None, description="Mean probability of the segment's words (0-1)."
    )
    flags: list[SegmentFlag] = Field(default_factory=list)


class ActionItem(BaseModel):
    who: str | None = None
    what: str
    when: str | None = None


class Summary(BaseModel):
    """What a meeting came to: a short summary, the decisions, the action items."""

    schema_version: int = 1
    summary: str
    decisions: list[str] = Field(
        default_factory=list, description="Each ends with where it was said: [mm:ss] Speaker."
    )
    action_items: list[ActionItem] = Field(default_factory=list)
    unsupported: list[str] = Field(
        default_factory=list,
        description="Decisions and action items (their `what`) that cite nothing found in the"
        " transcript: kept, but not to be taken as said.",
    )


class SpeakerMatch(BaseModel):
    """How a speaker was recognised from the owner's voiceprints."""

    score: float = Field(description="Cosine similarity to the person's closest enrolment.")
    applied: bool = Field(
        description="True: the name was given; false: only suggested (between the thresholds)."
    )


class Speaker(BaseModel):
    id: str
    name: str | None = None
    person_id: str | None = Field(
        default=None, description="The person the voice was recognised as, or suggested to be."
    )
    match: SpeakerMatch | None = None


class Transcript(BaseModel):
    """The merged, speaker-labelled transcript; the shape the REST API returns as JSON."""

    language: str
    duration_s: float
    speakers: list[Speaker] = Field(default_factory=list)
    segments: list[TranscriptSegment] = Field(default_factory=list)
    language_probability: float | None = None
    warnings: list[TranscriptWarning] = Field(default_factory=list)
    revision: int = Field(
        default=0, ge=0, description="How many edits its owner saved (0: as the pipeline wrote it)."
    )
    partial: bool = Field(
        default=False,
        description="The transcript so far of a long recording still being processed: it"
        " covers `duration_s` seconds, and its speaker labels may change in the final one.",
    )

    def flagged_segments(self) -> dict[str, int]:
        """How many segments carry each flag."""
        counts = {str(flag): 0 for flag in SegmentFlag}
        for segment in self.segments:
            for flag in segment.flags:
                counts[str(flag)] += 1
        return counts
