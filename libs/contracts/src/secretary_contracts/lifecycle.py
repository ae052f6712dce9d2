"""The one vocabulary of a recording's life: its stages, how they follow each other, its statuses.

Every service and both front doors speak these names; none writes a status as a bare string.
"""

from __future__ import annotations

from enum import StrEnum

AUDIO_SAMPLE_RATE = 16000
"""Every stage after prepare reads 16 kHz mono 16-bit PCM, decoded once."""


class Stage(StrEnum):
    UPLOAD = "upload"
    PREPARE = "prepare"
    ASR = "asr"
    DIARIZE = "diarize"
    MERGE = "merge"
    QA = "qa"


STARTS_AFTER: dict[Stage, tuple[Stage, ...]] = {
    Stage.UPLOAD: (),
    Stage.PREPARE: (Stage.UPLOAD,),
    Stage.ASR: (Stage.PREPARE,),
    Stage.DIARIZE: (Stage.PREPARE,),
    Stage.MERGE: (Stage.ASR, Stage.DIARIZE),
}
"""The stage graph: asr and diarize run side by side on prepare's audio; merge waits for both."""

PIPELINE_STAGES = tuple(STARTS_AFTER)

STAGE_WEIGHTS: dict[Stage, float] = {
    Stage.UPLOAD: 0.05,
    Stage.PREPARE: 0.05,
    Stage.ASR: 0.45,
    Stage.DIARIZE: 0.4,
    Stage.MERGE: 0.05,
}
"""Each stage's share of the work, for one overall progress figure."""


def overall_progress(stages: dict[str, float]) -> float:
    return round(sum(STAGE_WEIGHTS[s] * min(1.0, stages.get(s, 0.0)) for s in PIPELINE_STAGES), 3)


class RecordingStatus(StrEnum):
    QUEUED = "queued"
    PROCESSING = "processing"
    DONE = "done"
    FAILED = "failed"
    DELETING = "deleting"
    """Its owner deleted it and the deletion is under way: to everyone else it is gone, and
    a retried delete (or the gateway's sweep) finishes what remains."""


SETTLED_STATUSES = (RecordingStatus.DONE, RecordingStatus.FAILED)
"""Nothing more will happen to a recording by itself."""

AT_REST_STATUSES = (*SETTLED_STATUSES, RecordingStatus.DELETING)
"""The pipeline's progress no longer moves a recording: it is settled, or being deleted."""


class QuestionStatus(StrEnum):
    PENDING = "pending"
    ANSWERED = "answered"
    FAILED = "failed"


class DeliveryStatus(StrEnum):
    """A webhook delivery: retried while pending, until delivered or given up."""

    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"
