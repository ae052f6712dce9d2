"""Subjects, streams, durable consumers and buckets, declared once for every service."""

import base64
import hashlib
import json
from dataclasses import dataclass
from datetime import timedelta
from typing import Generic, TypeVar

from pydantic import BaseModel

from secretary_contracts import events
from secretary_contracts.events import DeadLetter

Model = TypeVar("Model", bound=BaseModel)


@dataclass(frozen=True)
class EventSubject(Generic[Model]):
    subject: str
    model: type[Model]
    description: str
    per_recording: bool = True
    """Published once per recording, on the kind followed by the recording's id (JetStream's
    own advisories are not)."""

    def matches(self, subject: str) -> bool:
        """Whether a message on `subject` reaches a consumer filtered by this one (NATS
        wildcards: `*` one token, `>` the rest)."""
        pattern, tokens = self.subject.split("."), subject.split(".")
        for index, part in enumerate(pattern):
            if part == ">":
                return len(tokens) > index
            if index >= len(tokens) or part not in ("*", tokens[index]):
                return False
        return len(tokens) == len(pattern)

    def message_id(self, recording_id: str, part: int | None = None) -> str:
        """The Nats-Msg-Id: one event of a kind per recording (or per piece of it, `part`),
        so a re-publish is dropped."""
        base = f"{recording_id}:{self.subject}"
        return base if part is None else f"{base}:{part}"

    def of(self, recording_id: str) -> str:
        """The subject one recording's event of this kind goes on: the kind, then the
        recording's id, so that a recording's events can be purged from their stream."""
        return f"{self.subject}.{recording_id}"

    @property
    def filter(self) -> str:
        """What a consumer of this kind filters on: the events of every recording."""
        if not self.per_recording or self.subject.endswith(">"):
            return self.subject
        return f"{self.subject}.*"


def stream_of(subject: str) -> str:
    """The stream that holds a subject."""
    for spec in STREAMS:
        for pattern in spec.subjects:
            if subject.startswith(pattern.removesuffix(">")):
                return spec.name
    raise ValueError(f"no stream holds {subject}")


def kind_of(subject: str) -> str:
    """The kind of event a message's subject carries (its subject without the recording)."""
    return subject.rsplit(".", 1)[0]


RECORDINGS_STREAM = "RECORDINGS"
PROGRESS_STREAM = "PROGRESS"
QA_STREAM = "QA"
DEAD_LETTERS_STREAM = "DEAD_LETTERS"
WEBHOOKS_STREAM = "WEBHOOKS"
# JetStream's own advisories when a consumer gives up on a message: after max_deliver
# deliveries (a worker that kept crashing or timing out included), or terminated by a worker.
MAX_DELIVERIES_ADVISORY = "$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES"
TERMINATED_ADVISORY = "$JS.EVENT.ADVISORY.CONSUMER.MSG_TERMINATED"

MEDIA_RECEIVED = EventSubject(
    "recordings.media.received.v1", events.MediaReceived, "An original file is stored."
)
RECORDING_READY = EventSubject(
    "recordings.recording.ready.v1", events.RecordingReady, "Audio is decoded to 16 kHz mono."
)
ASR_DONE = EventSubject("recordings.asr.done.v1", events.AsrDone, "Words and times are stored.")
DIARIZATION_DONE = EventSubject(
    "recordings.diarization.done.v1", events.DiarizationDone, "Speaker turns are stored."
)
ASR_CHUNK_REQUESTED = EventSubject(
    "recordings.asr.chunk.requested.v1",
    events.ChunkRequested,
    "One piece of a long recording to transcribe, in the recording's language.",
)
ASR_CHUNK_DONE = EventSubject(
    "recordings.asr.chunk.done.v1", events.ChunkDone, "One piece's words and times are stored."
)
DIARIZATION_CHUNK_REQUESTED = EventSubject(
    "recordings.diarization.chunk.requested.v1",
    events.ChunkRequested,
    "One piece of a long recording to segment and embed.",
)
DIARIZATION_CHUNK_DONE = EventSubject(
    "recordings.diarization.chunk.done.v1",
    events.ChunkDone,
    "One piece's speaker turns (provisional labels) and embeddings are stored.",
)
TRANSCRIPT_PARTIAL = EventSubject(
    "recordings.transcript.partial.v1",
    events.TranscriptPartial,
    "The transcript so far, of the first pieces, with provisional speaker labels.",
)
TRANSCRIPT_READY = EventSubject(
    "recordings.transcript.ready.v1", events.TranscriptReady, "The merged transcript is stored."
)
TRANSCRIPT_EDITED = EventSubject(
    "recordings.transcript.edited.v1",
    events.TranscriptEdited,
    "The owner edited the transcript; what was derived from it is derived again.",
)
STAGE_FAILED = EventSubject(
    "recordings.failed.v1", events.StageFailed, "A stage gave up on a recording."
)
RECORDING_DELETED = EventSubject(
    "recordings.recording.deleted.v1",
    events.RecordingDeleted,
    "The owner deleted the recording and everything made from it.",
)
SPEAKERS_NAMED = EventSubject(
    "recordings.speakers.named.v1",
    events.SpeakersNamed,
    "The owner named or merged speakers (REST or chat); carries every name so far.",
)
QUESTION_ASKED = EventSubject(
    "qa.question.asked.v1", events.QuestionAsked, "A user asked about a recording."
)
SUMMARY_READY = EventSubject(
    "recordings.summary.ready.v1", events.SummaryReady, "Summary, decisions, action items."
)
SUMMARY_UNAVAILABLE = EventSubject(
    "recordings.summary.unavailable.v1",
    events.SummaryUnavailable,
    "No summary will come for the transcript, with the reason.",
)
ANSWER_DELTA = EventSubject(
    "qa.answer.delta.v1", events.AnswerDelta, "A piece of an answer being written."
)
ANSWER_READY = EventSubject(
    "qa.answer.ready.v1", events.AnswerReady, "An answer with its checked citations."
)
ANSWER_FAILED = EventSubject(
    "qa.answer.failed.v1", events.AnswerFailed, "A question could not be answered."
)
STAGE_PROGRESS = EventSubject(
    "progress.recordings.v1", events.StageProgress, "How far a stage has got with a recording."
)
WEBHOOK_DELIVERY = EventSubject(
    "webhooks.delivery.v1",
    events.WebhookDelivery,
    "An event for one owner's webhook, POSTed and retried by the gateway.",
)

ALL_SUBJECTS = (
    MEDIA_RECEIVED,
    RECORDING_READY,
    ASR_CHUNK_REQUESTED,
    ASR_CHUNK_DONE,
    DIARIZATION_CHUNK_REQUESTED,
    DIARIZATION_CHUNK_DONE,
    ASR_DONE,
    DIARIZATION_DONE,
    TRANSCRIPT_PARTIAL,
    TRANSCRIPT_READY,
    TRANSCRIPT_EDITED,
    STAGE_FAILED,
    RECORDING_DELETED,
    SPEAKERS_NAMED,
    SUMMARY_READY,
    SUMMARY_UNAVAILABLE,
    QUESTION_ASKED,
    ANSWER_DELTA,
    ANSWER_READY,
    ANSWER_FAILED,
    STAGE_PROGRESS,
    WEBHOOK_DELIVERY,
)


@dataclass(frozen=True)
class StreamSpec:
    name: str
    subjects: tuple[str, ...]
    max_age: timedelta
    duplicate_window: timedelta


STREAMS = (
    StreamSpec(
        RECORDINGS_STREAM,
        ("recordings.>",),
        max_age=timedelta(days=7),
        duplicate_window=timedelta(minutes=30),
    ),
    # Progress is advisory and frequent: kept briefly, so a restarted reader catches up
    # on recent progress without replaying days of it.
    StreamSpec(
        PROGRESS_STREAM,
        ("progress.>",),
        max_age=timedelta(hours=1),
        duplicate_window=timedelta(seconds=30),
    ),
    # Questions wait here for the llm service, however long it is away.
    StreamSpec(
        QA_STREAM,
        ("qa.>",),
        max_age=timedelta(days=30),
        duplicate_window=timedelta(minutes=30),
    ),
    # Webhook deliveries wait here while a receiver is down (retried with back-off).
    StreamSpec(
        WEBHOOKS_STREAM,
        ("webhooks.>",),
        max_age=timedelta(days=3),
        duplicate_window=timedelta(minutes=30),
    ),
    # Dead letters are the advisories themselves; the message they name stays in RECORDINGS
    # (`secretary dlq list|retry`).
    StreamSpec(
        DEAD_LETTERS_STREAM,
        (
            f"{MAX_DELIVERIES_ADVISORY}.{RECORDINGS_STREAM}.*",
            f"{TERMINATED_ADVISORY}.{RECORDINGS_STREAM}.*",
        ),
        max_age=timedelta(days=30),
        duplicate_window=timedelta(minutes=2),
    ),
)


@dataclass(frozen=True)
class ConsumerSpec:
    durable: str
    subject: EventSubject
    stream: str
    ack_wait: timedelta
    max_deliver: int


CONSUMER_PREPARE = ConsumerSpec(
    "prepare", MEDIA_RECEIVED, RECORDINGS_STREAM, timedelta(minutes=2), max_deliver=5
)
CONSUMER_ASR = ConsumerSpec(
    "asr", RECORDING_READY, RECORDINGS_STREAM, timedelta(minutes=2), max_deliver=5
)
CONSUMER_DIARIZE = ConsumerSpec(
    "diarize", RECORDING_READY, RECORDINGS_STREAM, timedelta(minutes=2), max_deliver=5
)
# a piece is a few minutes of audio: the same ack wait as a whole recording's job, which
# heartbeats while it works
CONSUMER_ASR_CHUNKS = ConsumerSpec(
    "asr-chunks", ASR_CHUNK_REQUESTED, RECORDINGS_STREAM, timedelta(minutes=2), max_deliver=5
)
CONSUMER_DIARIZE_CHUNKS = ConsumerSpec(
    "diarize-chunks",
    DIARIZATION_CHUNK_REQUESTED,
    RECORDINGS_STREAM,
    timedelta(minutes=2),
    max_deliver=5,
)
CONSUMER_MERGE_ASR_CHUNKS = ConsumerSpec(
    "merge-asr-chunks", ASR_CHUNK_DONE, RECORDINGS_STREAM, timedelta(minutes=1), max_deliver=10
)
CONSUMER_MERGE_DIARIZATION_CHUNKS = ConsumerSpec(
    "merge-diarization-chunks",
    DIARIZATION_CHUNK_DONE,
    RECORDINGS_STREAM,
    timedelta(minutes=1),
    max_deliver=10,
)
CONSUMER_MERGE_ASR = ConsumerSpec(
    "merge-asr", ASR_DONE, RECORDINGS_STREAM, timedelta(minutes=1), max_deliver=10
)
CONSUMER_MERGE_DIARIZATION = ConsumerSpec(
    "merge-diarization", DIARIZATION_DONE, RECORDINGS_STREAM, timedelta(minutes=1), max_deliver=10
)
# the read model outlasts a database outage: redelivered until the database is back (the
# projection gives up on other errors itself)
CONSUMER_GATEWAY_RECORDINGS = ConsumerSpec(
    "gateway-recordings",
    EventSubject("recordings.>", events.RecordingEvent, "All events."),
    RECORDINGS_STREAM,
    timedelta(seconds=30),
    max_deliver=-1,
)
CONSUMER_GATEWAY_DEAD_LETTERS = ConsumerSpec(
    "gateway-dead-letters",
    EventSubject(
        f"$JS.EVENT.ADVISORY.CONSUMER.*.{RECORDINGS_STREAM}.*",
        DeadLetter,
        "A consumer gave up on a message.",
        per_recording=False,
    ),
    DEAD_LETTERS_STREAM,
    timedelta(seconds=30),
    max_deliver=20,
)
CONSUMER_LLM_SUMMARIES = ConsumerSpec(
    "llm-summaries", TRANSCRIPT_READY, RECORDINGS_STREAM, timedelta(minutes=5), max_deliver=4
)
CONSUMER_LLM_EDITS = ConsumerSpec(
    "llm-edits", TRANSCRIPT_EDITED, RECORDINGS_STREAM, timedelta(minutes=5), max_deliver=4
)
CONSUMER_LLM_QUESTIONS = ConsumerSpec(
    "llm-questions", QUESTION_ASKED, QA_STREAM, timedelta(minutes=2), max_deliver=4
)
ANSWERS = EventSubject("qa.answer.>", events.RecordingEvent, "Answer deltas, answers, failures.")
CONSUMER_GATEWAY_ANSWERS = ConsumerSpec(
    "gateway-answers", ANSWERS, QA_STREAM, timedelta(seconds=30), max_deliver=-1
)
CONSUMER_TELEGRAM_ANSWERS = ConsumerSpec(
    "telegram-answers", ANSWERS, QA_STREAM, timedelta(seconds=30), max_deliver=20
)
CONSUMER_TELEGRAM_RECORDINGS = ConsumerSpec(
    "telegram-recordings",
    EventSubject("recordings.>", events.RecordingEvent, "All events."),
    RECORDINGS_STREAM,
    timedelta(seconds=60),
    max_deliver=20,
)
CONSUMER_TELEGRAM_PROGRESS = ConsumerSpec(
    "telegram-progress", STAGE_PROGRESS, PROGRESS_STREAM, timedelta(seconds=30), max_deliver=3
)
# the gateway counts a delivery's tries itself (SECRETARY_WEBHOOK_MAX_ATTEMPTS); JetStream's
# count also grows while a webhook's earlier deliveries keep it busy, which are not tries
CONSUMER_GATEWAY_WEBHOOKS = ConsumerSpec(
    "gateway-webhooks", WEBHOOK_DELIVERY, WEBHOOKS_STREAM, timedelta(seconds=60), max_deliver=1000
)
CONSUMER_GATEWAY_PROGRESS = ConsumerSpec(
    "gateway-progress", STAGE_PROGRESS, PROGRESS_STREAM, timedelta(seconds=30), max_deliver=5
)

# every durable consumer of every service (each service registers its own)
CONSUMER_SPECS = (
    CONSUMER_PREPARE,
    CONSUMER_ASR,
    CONSUMER_ASR_CHUNKS,
    CONSUMER_DIARIZE,
    CONSUMER_DIARIZE_CHUNKS,
    CONSUMER_MERGE_ASR,
    CONSUMER_MERGE_DIARIZATION,
    CONSUMER_MERGE_ASR_CHUNKS,
    CONSUMER_MERGE_DIARIZATION_CHUNKS,
    CONSUMER_GATEWAY_RECORDINGS,
    CONSUMER_GATEWAY_PROGRESS,
    CONSUMER_GATEWAY_WEBHOOKS,
    CONSUMER_GATEWAY_DEAD_LETTERS,
    CONSUMER_GATEWAY_ANSWERS,
    CONSUMER_TELEGRAM_RECORDINGS,
    CONSUMER_TELEGRAM_PROGRESS,
    CONSUMER_TELEGRAM_ANSWERS,
    CONSUMER_LLM_QUESTIONS,
    CONSUMER_LLM_SUMMARIES,
    CONSUMER_LLM_EDITS,
)


@dataclass(frozen=True)
class Buckets:
    media: str = "media"
    audio: str = "audio"
    artifacts: str = "artifacts"
    merge_state: str = "merge-state"
    telegram: str = "telegram"
    qa_history: str = "qa-history"
    owner_settings: str = "owner-settings"
    """An owner's defaults (`OwnerSettings`), one key per owner, whichever door set them."""
    voiceprints: str = "voiceprints"
    """An owner's people as matching needs them (`StoredVoiceprint`), one key per person
    (`voiceprint_key`): written by the gateway, read by merge (ADR 0008)."""


BUCKETS = Buckets()
OBJECT_BUCKETS = (BUCKETS.media, BUCKETS.audio, BUCKETS.artifacts)
KEY_VALUE_BUCKETS = (
    BUCKETS.merge_state,
    BUCKETS.telegram,
    BUCKETS.qa_history,
    BUCKETS.owner_settings,
    BUCKETS.voiceprints,
)


def bucket_stream(bucket: str) -> str:
    """The JetStream stream that holds a bucket."""
    return f"KV_{bucket}" if bucket in KEY_VALUE_BUCKETS else f"OBJ_{bucket}"


# Which stage each worker consumer is, for failures reported on its behalf.
STAGE_OF_CONSUMER = {
    CONSUMER_PREPARE.durable: events.Stage.PREPARE,
    CONSUMER_ASR.durable: events.Stage.ASR,
    CONSUMER_ASR_CHUNKS.durable: events.Stage.ASR,
    CONSUMER_DIARIZE.durable: events.Stage.DIARIZE,
    CONSUMER_DIARIZE_CHUNKS.durable: events.Stage.DIARIZE,
    CONSUMER_MERGE_ASR.durable: events.Stage.MERGE,
    CONSUMER_MERGE_DIARIZATION.durable: events.Stage.MERGE,
    CONSUMER_MERGE_ASR_CHUNKS.durable: events.Stage.MERGE,
    CONSUMER_MERGE_DIARIZATION_CHUNKS.durable: events.Stage.MERGE,
}


def audio_object_name(recording_id: str) -> str:
    return f"{recording_id}.wav"


def playback_object_name(recording_id: str) -> str:
    """The small Opus rendition a browser plays, next to the decoded audio."""
    return f"{recording_id}.webm"


# Every artifact a recording can have, for deletion and retention.
ARTIFACT_KINDS = ("asr", "diarization", "partial", "transcript", "edited", "summary")
MAX_CHUNKS = events.MAX_CHUNKS
# ... and every one each piece of a long recording can have (`chunk_artifact_name`)
CHUNK_ARTIFACT_KINDS = ("asr", "diarization", "embeddings")


def speakers_named_message_id(event: events.SpeakersNamed) -> str:
    """One message per distinct mapping: a repeat is dropped, a change is not."""
    digest = hashlib.sha256(json.dumps(event.names, sort_keys=True).encode()).hexdigest()[:16]
    return f"{event.recording_id}:speakers:{digest}"


def owner_key(owner: str) -> str:
    """KV keys allow fewer characters than owner names (`telegram:42`): base64url, unpadded."""
    return base64.urlsafe_b64encode(owner.encode()).decode().rstrip("=")


def voiceprint_key(owner: str, person_id: str) -> str:
    """A person's key: under the owner's, so that one filter finds exactly the owner's people
    (base64url has no dot, an owner's prefix never matches another's)."""
    return f"{owner_key(owner)}.{person_id}"


def artifact_object_name(recording_id: str, kind: str) -> str:
    return f"{recording_id}/{kind}.json"


def chunk_artifact_name(recording_id: str, kind: str, index: int) -> str:
    """A stage's result for one piece of a long recording."""
    return f"{recording_id}/chunks/{kind}-{index:03d}"
