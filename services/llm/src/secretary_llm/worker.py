"""The llm service's consumer: a question in, answer deltas and a checked answer out."""

from __future__ import annotations

import hashlib
import logging
import time
from collections import OrderedDict

from faststream.nats import NatsBroker, NatsMessage
from nats.js.errors import KeyNotFoundError, ObjectNotFoundError
from pydantic import TypeAdapter
from secretary_contracts import (
    ERROR_MESSAGES,
    AnswerDelta,
    AnswerFailed,
    AnswerReady,
    ErrorCode,
    QuestionAsked,
    RecordingDeleted,
    Stage,
    SummaryReady,
    SummaryUnavailable,
    Transcript,
    TranscriptEdited,
    TranscriptReady,
)
from secretary_contracts.messaging import (
    ANSWER_DELTA,
    ANSWER_FAILED,
    ANSWER_READY,
    BUCKETS,
    CONSUMER_LLM_EDITS,
    CONSUMER_LLM_QUESTIONS,
    CONSUMER_LLM_SUMMARIES,
    RECORDING_DELETED,
    SUMMARY_READY,
    SUMMARY_UNAVAILABLE,
    artifact_object_name,
)
from secretary_contracts.speakers import apply_speaker_names
from secretary_runtime import objects
from secretary_runtime.jobs import JobRejected, JobRunner, Progress, subscriber_options, tuned

from secretary_llm.answerer import Answerer
from secretary_llm.passages import passages
from secretary_llm.prompting import Exchange
from secretary_llm.retrieval import Embedder, PassageIndex
from secretary_llm.settings import LlmSettings
from secretary_llm.summaries import Summarizer

logger = logging.getLogger(__name__)

DELTA_INTERVAL_S = 0.3
_HISTORY = TypeAdapter(list[Exchange])


def transcript_object_name(recording_id: str, revision: int) -> str:
    """Where the transcript the owner reads is: the pipeline's, or their latest edit."""
    return artifact_object_name(recording_id, "edited" if revision else "transcript")


class SummaryWorker:
    """Summarises every transcript once it is ready, and again when its owner edits it; a
    failure leaves the recording done."""

    def __init__(
        self, settings: LlmSettings, broker: NatsBroker, jobs: JobRunner, summarizer: Summarizer
    ) -> None:
        self.settings = settings
        self.broker = broker
        self.jobs = jobs
        self.summarizer = summarizer

    def register(self) -> None:
        spec = tuned(CONSUMER_LLM_SUMMARIES, self.settings)

        @self.broker.subscriber(**subscriber_options(spec))
        async def on_transcript_ready(event: TranscriptReady, msg: NatsMessage) -> None:
            async def failed(code: ErrorCode, message: str) -> None:
                logger.error("no summary: %s", message, extra={"fields": {"code": str(code)}})
                await self.unavailable(event.recording_id, 0, code, message)

            await self.jobs.run(
                msg,
                event,
                Stage.QA,
                spec,
                lambda p: self.summarize(event),
                report_progress=False,
                on_failure=failed,
            )

        edits = tuned(CONSUMER_LLM_EDITS, self.settings)

        @self.broker.subscriber(**subscriber_options(edits))
        async def on_transcript_edited(event: TranscriptEdited, msg: NatsMessage) -> None:
            async def failed(code: ErrorCode, message: str) -> None:
                logger.error("no new summary: %s", message, extra={"fields": {"code": str(code)}})
                await self.unavailable(event.recording_id, event.revision, code, message)

            await self.jobs.run(
                msg,
                event,
                Stage.QA,
                edits,
                lambda p: self.summarize(event),
                report_progress=False,
                on_failure=failed,
            )

    async def unavailable(
        self, recording_id: str, revision: int, code: ErrorCode, message: str
    ) -> None:
        """Says that no summary will come for this revision, so that every door can say why."""
        await self.jobs.publisher.publish(
            SUMMARY_UNAVAILABLE,
            SummaryUnavailable(
                recording_id=recording_id, code=code, message=message, revision=revision
            ),
            message_id=f"{recording_id}:summary-unavailable:{revision}",
        )

    async def summarize(self, event: TranscriptReady | TranscriptEdited) -> None:
        js = self.broker.connection.jetstream()
        revision = event.revision if isinstance(event, TranscriptEdited) else 0
        if not self.settings.llm_configured:
            # said once at start; nothing to retry
            code = ErrorCode.LLM_NOT_CONFIGURED
            await self.unavailable(event.recording_id, revision, code, ERROR_MESSAGES[code])
            return
        if event.segment_count == 0:
            logger.info("nobody speaks: nothing to summarise")
            return
        edited = artifact_object_name(event.recording_id, "edited")
        if revision == 0 and await objects.stored_digest(js, BUCKETS.artifacts, edited) is not None:
            logger.info("a redelivered transcript its owner has edited since: summary kept")
            return
        transcript = await objects.get_model(js, event.transcript, Transcript)
        summary, parts = await self.summarizer.summarize(transcript)
        latest = await objects.stored_digest(js, BUCKETS.artifacts, edited)
        if revision and latest != event.transcript.sha256:
            # edited again while this one was summarised: the later edit's summary stands
            logger.info("summary of revision %d superseded", revision)
            return
        ref = await objects.put_model(
            js, BUCKETS.artifacts, artifact_object_name(event.recording_id, "summary"), summary
        )
        await self.jobs.publisher.publish(
            SUMMARY_READY,
            SummaryReady(recording_id=event.recording_id, summary=ref),
            message_id=f"{event.recording_id}:summary:{revision}" if revision else None,
        )
        logger.info("summary ready", extra={"fields": {"parts": parts, "revision": revision}})


class QuestionWorker:
    def __init__(
        self,
        settings: LlmSettings,
        broker: NatsBroker,
        jobs: JobRunner,
        answerer: Answerer,
        embedder: Embedder,
        cached_indexes: int = 8,
    ) -> None:
        self.settings = settings
        self.broker = broker
        self.jobs = jobs
        self.answerer = answerer
        self.embedder = embedder
        self._indexes: OrderedDict[str, tuple[Transcript, PassageIndex]] = OrderedDict()
        self._cached_indexes = cached_indexes

    def register(self) -> None:
        spec = tuned(CONSUMER_LLM_QUESTIONS, self.settings)

        @self.broker.subscriber(**subscriber_options(spec))
        async def on_question(event: QuestionAsked, msg: NatsMessage) -> None:
            async def failed(code: ErrorCode, message: str) -> None:
                if code == ErrorCode.STAGE_FAILED:
                    code, message = ErrorCode.LLM_UNAVAILABLE, f"{message}"
                await self.jobs.publisher.publish(
                    ANSWER_FAILED,
                    AnswerFailed(
                        recording_id=event.recording_id,
                        question_id=event.question_id,
                        owner=event.owner,
                        code=code,
                        message=message,
                    ),
                    message_id=f"{event.question_id}:failed",
                )

            await self.jobs.run(
                msg,
                event,
                Stage.QA,
                spec,
                lambda p: self.answer(event, p),
                report_progress=False,
                on_failure=failed,
            )

        # every replica forgets what it keeps of a deleted recording: a plain subscription,
        # which each process receives, not a durable consumer that one of them would
        @self.broker.subscriber(
            RECORDING_DELETED.filter,
            title=f"llm-forget:{RECORDING_DELETED.subject}",
            description="Each llm process drops the transcript it keeps in memory for a deleted"
            " recording.",
        )
        async def on_deleted(event: RecordingDeleted) -> None:
            self.forget(event.recording_id)

    def forget(self, recording_id: str) -> None:
        for key in [k for k in self._indexes if k.startswith(f"{recording_id}:")]:
            del self._indexes[key]

    @property
    def remembered(self) -> list[str]:
        """The recordings whose transcript this process keeps in memory."""
        return [key.split(":", 1)[0] for key in self._indexes]

    async def _transcript(
        self, recording_id: str, speaker_names: dict[str, str], revision: int = 0
    ) -> tuple[Transcript, PassageIndex]:
        """The transcript at the owner's revision with their speaker names, and its passage
        index (cached: an edit or a new name makes a new key)."""
        key = f"{recording_id}:{revision}:{sorted(speaker_names.items())}"
        if key in self._indexes:
            self._indexes.move_to_end(key)
            return self._indexes[key]
        store = await self.broker.connection.jetstream().object_store(BUCKETS.artifacts)
        try:
            stored = await store.get(transcript_object_name(recording_id, revision))
        except ObjectNotFoundError as missing:
            raise JobRejected(ErrorCode.TRANSCRIPT_NOT_READY) from missing
        transcript = apply_speaker_names(
            Transcript.model_validate_json(stored.data or b"{}"), speaker_names
        )
        index = PassageIndex(
            passages(transcript, self.settings.chunk_window_s),
            self.embedder,
            self.settings.retrieval_semantic_weight,
            self.settings.retrieval_expansion_similarity,
        )
        self._indexes[key] = (transcript, index)
        while len(self._indexes) > self._cached_indexes:
            self._indexes.popitem(last=False)
        return transcript, index

    def _history_key(self, event: QuestionAsked) -> str:
        owner = hashlib.sha256(event.owner.encode()).hexdigest()[:16]
        return f"{event.recording_id}.{owner}"

    async def _history(self, event: QuestionAsked) -> list[Exchange]:
        kv = await self.broker.connection.jetstream().key_value(BUCKETS.qa_history)
        try:
            entry = await kv.get(self._history_key(event))
        except KeyNotFoundError:
            return []
        return _HISTORY.validate_json(entry.value or b"[]")

    async def _remember(self, event: QuestionAsked, history: list[Exchange], answer: str) -> None:
        kv = await self.broker.connection.jetstream().key_value(BUCKETS.qa_history)
        kept = [*history, Exchange(event.question, answer)][-self.settings.history_turns :]
        await kv.put(self._history_key(event), _HISTORY.dump_json(kept))

    async def answer(self, event: QuestionAsked, _: Progress) -> None:
        if not self.settings.llm_configured:
            raise JobRejected(ErrorCode.LLM_NOT_CONFIGURED)
        transcript, index = await self._transcript(
            event.recording_id, event.speaker_names, event.transcript_revision
        )
        history = await self._history(event)
        buffer: list[str] = []
        sequence = 0
        last_sent = time.monotonic()

        async def flush() -> None:
            nonlocal sequence, last_sent
            if buffer:
                await self.jobs.publisher.publish(
                    ANSWER_DELTA,
                    AnswerDelta(
                        recording_id=event.recording_id,
                        question_id=event.question_id,
                        sequence=sequence,
                        text="".join(buffer),
                    ),
                    message_id=f"{event.question_id}:delta:{sequence}",
                )
                buffer.clear()
                sequence += 1
                last_sent = time.monotonic()

        async def on_delta(piece: str) -> None:
            buffer.append(piece)
            if time.monotonic() - last_sent >= DELTA_INTERVAL_S:
                await flush()

        answer = await self.answerer.answer(transcript, index, event.question, history, on_delta)
        await flush()
        await self.jobs.publisher.publish(
            ANSWER_READY,
            AnswerReady(
                recording_id=event.recording_id,
                question_id=event.question_id,
                owner=event.owner,
                question=event.question,
                answer=answer.text,
                supported=answer.supported,
                citations=answer.citations,
                unsupported_sentences=answer.unsupported_sentences,
            ),
            message_id=f"{event.question_id}:ready",
        )
        await self._remember(event, history, answer.text)
        logger.info(
            "question answered",
            extra={
                "fields": {
                    "supported": answer.supported,
                    "citations": len(answer.citations),
                    "unsupported_sentences": len(answer.unsupported_sentences),
                }
            },
        )
