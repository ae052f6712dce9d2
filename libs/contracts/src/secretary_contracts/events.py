"""Every event that crosses a service boundary.

Events carry ids, object names, sizes and checksums, never media or large results.
A change to a published event is additive only; a breaking change gets a new subject version.
"""

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, StringConstraints

from secretary_contracts.errors import ErrorCode
from secretary_contracts.lifecycle import AUDIO_SAMPLE_RATE, Stage

MAX_VOCABULARY = 200
MAX_TERM_LENGTH = 60
MAX_CHUNKS = 100
"""A recording is cut into at most this many pieces (longer ones for longer recordings)."""


def _now() -> datetime:
    return datetime.now(UTC)


class RecordingOptions(BaseModel):
    """What the submitter asked for; every stage reads only the part it needs."""

    language: str | None = Field(
        default=None, description="ISO 639-1 code to force, or null to detect."
    )
    num_speakers: int | None = Field(default=None, ge=1, le=50)
    min_speakers: int | None = Field(default=None, ge=1, le=50)
    max_speakers: int | None = Field(default=None, ge=1, le=50)
    vocabulary: list[str] = Field(
        default_factory=list,
        description="Names and terms the speech model is told to expect (the owner's"
        " vocabulary when the recording was prepared).",
    )


class OwnerSettings(BaseModel):
    """An owner's defaults for new recordings, the same whether set over REST or in the chat."""

    language: str | None = Field(
        default=None,
        min_length=2,
        max_length=8,
        description="ISO 639-1 code used when a recording does not name one; null = detect.",
        examples=["ru"],
    )
    vocabulary: list[
        Annotated[
            str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_TERM_LENGTH)
        ]
    ] = Field(
        default_factory=list,
        max_length=MAX_VOCABULARY,
        description="Names and terms (people, products, jargon) the speech model is told to"
        " expect in the owner's recordings.",
        examples=[["Anna-Maria", "Kubernetes", "OKR"]],
    )


class ObjectRef(BaseModel):
    """A claim check: where a blob lives in the Object Store and how to verify it."""

    bucket: str
    name: str
    size_bytes: int = Field(ge=0)
    sha256: str | None = None


class RecordingEvent(BaseModel):
    schema_version: Literal[1] = 1
    recording_id: str
    occurred_at: datetime = Field(default_factory=_now)


class MediaReceived(RecordingEvent):
    """An original file is stored and waits to be probed and normalised."""

    owner: str
    source: Literal["rest", "telegram", "cli"] = "rest"
    filename: str
    content_type: str | None = None
    title: str | None = None
    media: ObjectRef
    options: RecordingOptions = Field(default_factory=RecordingOptions)


class AudioChunk(BaseModel):
    """One piece of a long recording, cut at a pause, in the recording's own seconds."""

    index: int = Field(ge=0, lt=MAX_CHUNKS)
    start_s: float = Field(ge=0)
    end_s: float = Field(gt=0)


class RecordingReady(RecordingEvent):
    """The audio is decoded once to mono PCM at `sample_rate` and ready for the model stages."""

    audio: ObjectRef
    owner: str | None = Field(default=None, description="The recording's owner.")
    sample_rate: int = AUDIO_SAMPLE_RATE
    duration_s: float = Field(ge=0)
    options: RecordingOptions = Field(default_factory=RecordingOptions)
    chunks: list[AudioChunk] = Field(
        default_factory=list,
        max_length=MAX_CHUNKS,
        description="Where a long recording is cut into pieces that each stage processes as"
        " independent jobs; empty: the recording is one piece.",
    )


class ChunkRequested(RecordingEvent):
    """One piece of a long recording for a model stage to process on its own (any replica)."""

    audio: ObjectRef
    chunk: AudioChunk
    chunk_count: int = Field(ge=1)
    owner: str | None = None
    options: RecordingOptions = Field(default_factory=RecordingOptions)
    language: str | None = Field(
        default=None,
        description="asr: the language of the whole recording, detected once for all pieces;"
        " null when nobody speaks in it.",
    )
    language_probability: float | None = None


class ChunkDone(RecordingEvent):
    """A stage finished one piece; `result` holds it in the recording's own times."""

    chunk: AudioChunk
    chunk_count: int = Field(ge=1)
    result: ObjectRef


class TranscriptPartial(RecordingEvent):
    """The transcript of the recording's first pieces, with provisional speaker labels: the
    final transcript may relabel speakers, and replaces it."""

    transcript: ObjectRef
    through_s: float = Field(ge=0, description="The transcript covers the audio up to here.")
    chunks_done: int = Field(ge=1)
    chunk_count: int = Field(ge=1)
    speaker_count: int = Field(ge=0)


class AsrDone(RecordingEvent):
    result: ObjectRef
    language: str
    word_count: int = Field(ge=0)
    language_probability: float | None = None


class DiarizationDone(RecordingEvent):
    result: ObjectRef
    speaker_count: int = Field(ge=0)
    owner: str | None = Field(
        default=None, description="Whose people the speakers may be recognised among."
    )


class TranscriptReady(RecordingEvent):
    transcript: ObjectRef
    language: str
    duration_s: float = Field(ge=0)
    speaker_count: int = Field(ge=0)
    segment_count: int = Field(ge=0)
    warnings: list[str] = Field(
        default_factory=list, description="e.g. `no_speech`: done, but nobody spoke."
    )
    flagged_segments: dict[str, int] = Field(
        default_factory=dict, description="Segments per flag (`low_confidence`, `repetition`)."
    )
    language_probability: float | None = None


class TranscriptEdited(RecordingEvent):
    """The owner saved an edit of the transcript (or went back to an earlier revision): what
    was derived from it (summary, passages to answer from) is derived again."""

    owner: str
    revision: int = Field(ge=1)
    transcript: ObjectRef = Field(description="The edited transcript, as it now reads.")
    segment_count: int = Field(ge=0)


class SummaryReady(RecordingEvent):
    summary: ObjectRef


class SummaryUnavailable(RecordingEvent):
    """No summary will be written for the transcript (or this revision of it), and why: no
    language model is configured, or it could not be reached after every retry."""

    code: ErrorCode
    message: str
    revision: int = Field(default=0, ge=0)


class StageProgress(RecordingEvent):
    stage: Stage
    fraction: float = Field(ge=0.0, le=1.0)


class RecordingDeleted(RecordingEvent):
    """The owner deleted the recording: every service forgets it and drops its objects."""

    owner: str


class SpeakersNamed(RecordingEvent):
    """The owner named (or merged) speakers, over REST or in the chat: every name so far."""

    owner: str
    names: dict[str, str] = Field(
        description="Label → name, or → another label to merge into it; the whole mapping."
    )


class QuestionAsked(RecordingEvent):
    """A user asked about a recording; the llm service answers on `qa.answer.*`."""

    question_id: str
    owner: str
    question: str
    language: str | None = None
    speaker_names: dict[str, str] = Field(
        default_factory=dict,
        description="Names (or another label, to merge) the owner gave the speaker labels.",
    )
    transcript_revision: int = Field(
        default=0,
        ge=0,
        description="The revision of the transcript the owner reads (0: the pipeline's; more:"
        " the `edited` artifact).",
    )


class Citation(BaseModel):
    """Where an answer's statement was said, checked against the transcript."""

    start: float
    end: float
    speaker: str
    text: str


class AnswerDelta(RecordingEvent):
    """A piece of an answer as the model writes it (for live display)."""

    question_id: str
    sequence: int = Field(ge=0)
    text: str
    draft: bool = Field(
        default=True,
        description="Always true: not yet checked against the transcript; only `AnswerReady`"
        " is the answer.",
    )


class AnswerReady(RecordingEvent):
    question_id: str
    owner: str
    question: str
    answer: str
    supported: bool = Field(description="False when the transcript did not contain the answer.")
    citations: list[Citation] = Field(default_factory=list)
    unsupported_sentences: list[str] = Field(
        default_factory=list,
        description="Sentences of a supported answer that cite nothing found in the transcript:"
        " the answer is only partly supported.",
    )


class AnswerFailed(RecordingEvent):
    question_id: str
    owner: str
    code: ErrorCode
    message: str


class WebhookDelivery(RecordingEvent):
    """One event to POST to one registered webhook; retried with back-off until it lands."""

    delivery_id: str
    webhook_id: str
    event: Literal["transcript.ready", "recording.failed"]
    payload: dict[str, Any]


class DeadLetter(BaseModel):
    """JetStream's advisory that a consumer gave up on a message (max deliveries, terminated).

    Not ours to version: the server writes it; only the fields read here are declared.
    """

    type: str
    stream: str
    consumer: str
    stream_seq: int
    deliveries: int
    reason: str | None = None


class StageFailed(RecordingEvent):
    """A stage gave up on a recording; the recording is failed and the user is told."""

    stage: Stage
    code: ErrorCode
    message: str
