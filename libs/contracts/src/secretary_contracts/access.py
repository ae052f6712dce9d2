"""What each service may do on NATS: the events it publishes, the consumers it reads, the
buckets it reads and writes. NATS permissions are derived from this (ADR 0010), so that a
service can neither forge another's events nor read what is not its business."""

from __future__ import annotations

from dataclasses import dataclass

from secretary_contracts.messaging import (
    ANSWER_DELTA,
    ANSWER_FAILED,
    ANSWER_READY,
    ASR_CHUNK_DONE,
    ASR_CHUNK_REQUESTED,
    ASR_DONE,
    BUCKETS,
    CONSUMER_ASR,
    CONSUMER_ASR_CHUNKS,
    CONSUMER_DIARIZE,
    CONSUMER_DIARIZE_CHUNKS,
    CONSUMER_GATEWAY_ANSWERS,
    CONSUMER_GATEWAY_DEAD_LETTERS,
    CONSUMER_GATEWAY_PROGRESS,
    CONSUMER_GATEWAY_RECORDINGS,
    CONSUMER_GATEWAY_WEBHOOKS,
    CONSUMER_LLM_EDITS,
    CONSUMER_LLM_QUESTIONS,
    CONSUMER_LLM_SUMMARIES,
    CONSUMER_MERGE_ASR,
    CONSUMER_MERGE_ASR_CHUNKS,
    CONSUMER_MERGE_DIARIZATION,
    CONSUMER_MERGE_DIARIZATION_CHUNKS,
    CONSUMER_PREPARE,
    CONSUMER_TELEGRAM_ANSWERS,
    CONSUMER_TELEGRAM_PROGRESS,
    CONSUMER_TELEGRAM_RECORDINGS,
    DIARIZATION_CHUNK_DONE,
    DIARIZATION_CHUNK_REQUESTED,
    DIARIZATION_DONE,
    MEDIA_RECEIVED,
    PROGRESS_STREAM,
    QA_STREAM,
    QUESTION_ASKED,
    RECORDING_DELETED,
    RECORDING_READY,
    RECORDINGS_STREAM,
    SPEAKERS_NAMED,
    STAGE_FAILED,
    STAGE_PROGRESS,
    SUMMARY_READY,
    SUMMARY_UNAVAILABLE,
    TRANSCRIPT_EDITED,
    TRANSCRIPT_PARTIAL,
    TRANSCRIPT_READY,
    WEBHOOK_DELIVERY,
    WEBHOOKS_STREAM,
    ConsumerSpec,
    EventSubject,
)

ADMIN = "admin"
"""The one user that declares streams and buckets (`python -m secretary_runtime.declare`) and
runs operator commands (`secretary dlq`); no service connects as it."""


@dataclass(frozen=True)
class ServiceAccess:
    service: str
    publishes: tuple[EventSubject, ...] = ()
    consumes: tuple[ConsumerSpec, ...] = ()
    listens: tuple[EventSubject, ...] = ()
    """Plain subscriptions that every replica receives (not a durable consumer)."""
    reads: tuple[str, ...] = ()
    """Buckets it reads (objects or keys)."""
    writes: tuple[str, ...] = ()
    """Buckets it writes and deletes from (reading them too)."""
    browses: tuple[str, ...] = ()
    """Streams it reads from any point with short-lived consumers of its own."""
    purges: tuple[str, ...] = ()
    """Streams it removes a recording's events from."""
    fetches: tuple[str, ...] = ()
    """Streams it reads single messages from by sequence (the one a dead letter names)."""

    @property
    def inbox_prefix(self) -> str:
        """Replies to this service's requests arrive under this prefix, which no other
        service may subscribe to."""
        return f"_INBOX_{self.service}"


WORKER_REPORTS = (STAGE_FAILED, STAGE_PROGRESS)

SERVICE_ACCESS = (
    ServiceAccess(
        "prepare",
        publishes=(RECORDING_READY, *WORKER_REPORTS),
        consumes=(CONSUMER_PREPARE,),
        reads=(BUCKETS.media, BUCKETS.owner_settings),
        writes=(BUCKETS.audio,),
    ),
    ServiceAccess(
        "asr",
        publishes=(ASR_CHUNK_REQUESTED, ASR_CHUNK_DONE, ASR_DONE, *WORKER_REPORTS),
        consumes=(CONSUMER_ASR, CONSUMER_ASR_CHUNKS),
        reads=(BUCKETS.audio,),
        writes=(BUCKETS.artifacts,),
    ),
    ServiceAccess(
        "diarize",
        publishes=(
            DIARIZATION_CHUNK_REQUESTED,
            DIARIZATION_CHUNK_DONE,
            DIARIZATION_DONE,
            *WORKER_REPORTS,
        ),
        consumes=(CONSUMER_DIARIZE, CONSUMER_DIARIZE_CHUNKS),
        reads=(BUCKETS.audio,),
        writes=(BUCKETS.artifacts,),
    ),
    ServiceAccess(
        "merge",
        publishes=(TRANSCRIPT_PARTIAL, TRANSCRIPT_READY, *WORKER_REPORTS),
        consumes=(
            CONSUMER_MERGE_ASR,
            CONSUMER_MERGE_DIARIZATION,
            CONSUMER_MERGE_ASR_CHUNKS,
            CONSUMER_MERGE_DIARIZATION_CHUNKS,
        ),
        reads=(BUCKETS.voiceprints,),
        writes=(BUCKETS.artifacts, BUCKETS.merge_state),
    ),
    ServiceAccess(
        "llm",
        publishes=(
            SUMMARY_READY,
            SUMMARY_UNAVAILABLE,
            ANSWER_DELTA,
            ANSWER_READY,
            ANSWER_FAILED,
            *WORKER_REPORTS,
        ),
        consumes=(CONSUMER_LLM_SUMMARIES, CONSUMER_LLM_EDITS, CONSUMER_LLM_QUESTIONS),
        listens=(RECORDING_DELETED,),
        writes=(BUCKETS.artifacts, BUCKETS.qa_history),
    ),
    ServiceAccess(
        "gateway",
        publishes=(
            MEDIA_RECEIVED,
            RECORDING_DELETED,
            SPEAKERS_NAMED,
            TRANSCRIPT_EDITED,
            QUESTION_ASKED,
            WEBHOOK_DELIVERY,
            STAGE_FAILED,
        ),
        consumes=(
            CONSUMER_GATEWAY_RECORDINGS,
            CONSUMER_GATEWAY_PROGRESS,
            CONSUMER_GATEWAY_WEBHOOKS,
            CONSUMER_GATEWAY_DEAD_LETTERS,
            CONSUMER_GATEWAY_ANSWERS,
        ),
        writes=(
            BUCKETS.media,
            BUCKETS.audio,
            BUCKETS.artifacts,
            BUCKETS.merge_state,
            BUCKETS.qa_history,
            BUCKETS.owner_settings,
            BUCKETS.voiceprints,
        ),
        browses=(QA_STREAM,),
        purges=(RECORDINGS_STREAM, PROGRESS_STREAM, QA_STREAM, WEBHOOKS_STREAM),
        fetches=(RECORDINGS_STREAM,),
    ),
    ServiceAccess(
        "ingest",
        consumes=(
            CONSUMER_TELEGRAM_RECORDINGS,
            CONSUMER_TELEGRAM_PROGRESS,
            CONSUMER_TELEGRAM_ANSWERS,
        ),
        writes=(BUCKETS.telegram,),
    ),
)

ACCESS_OF = {access.service: access for access in SERVICE_ACCESS}


def consumer_inbox_prefix(spec: ConsumerSpec) -> str:
    """Where the messages a durable consumer is pulled from arrive: under the inbox prefix of
    the service that owns the consumer (`_INBOX` for one no service owns). By name: a
    deployment may tune a consumer's ack wait and deliveries."""
    for access in SERVICE_ACCESS:
        if any((c.stream, c.durable) == (spec.stream, spec.durable) for c in access.consumes):
            return access.inbox_prefix
    return "_INBOX"
