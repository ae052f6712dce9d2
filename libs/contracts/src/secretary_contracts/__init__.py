"""Contracts shared by every secretary service: events, artifacts, subjects, streams, buckets."""

from secretary_contracts.artifacts import (
    AsrResult,
    DiarizationResult,
    Speaker,
    SpeakerTurn,
    Transcript,
    TranscriptSegment,
    TranscriptWord,
    Word,
)
from secretary_contracts.errors import ERROR_MESSAGES, ErrorCode
from secretary_contracts.events import (
    AsrDone,
    DeadLetter,
    DiarizationDone,
    MediaReceived,
    ObjectRef,
    RecordingEvent,
    RecordingOptions,
    RecordingReady,
    Stage,
    StageFailed,
    StageProgress,
    TranscriptReady,
)

__all__ = [
    "ERROR_MESSAGES",
    "AsrDone",
    "AsrResult",
    "DeadLetter",
    "DiarizationDone",
    "DiarizationResult",
    "ErrorCode",
    "MediaReceived",
    "ObjectRef",
    "RecordingEvent",
    "RecordingOptions",
    "RecordingReady",
    "Speaker",
    "SpeakerTurn",
    "Stage",
    "StageFailed",
    "StageProgress",
    "Transcript",
    "TranscriptReady",
    "TranscriptSegment",
    "TranscriptWord",
    "Word",
]
