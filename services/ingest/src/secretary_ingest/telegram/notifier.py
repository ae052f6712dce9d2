"""Tells Telegram users how their recordings are doing: progress, transcripts, failures."""

from __future__ import annotations

import logging
from typing import Any

from faststream.nats import NatsBroker
from secretary_contracts import (
    AnswerDelta,
    AnswerFailed,
    AnswerReady,
    RecordingDeleted,
    RecordingReady,
    Stage,
    StageFailed,
    StageProgress,
    SummaryReady,
    SummaryUnavailable,
    TranscriptPartial,
    TranscriptReady,
    exports,
)
from secretary_contracts.messaging import (
    ANSWER_DELTA,
    ANSWER_FAILED,
    ANSWER_READY,
    CONSUMER_TELEGRAM_ANSWERS,
    CONSUMER_TELEGRAM_PROGRESS,
    CONSUMER_TELEGRAM_RECORDINGS,
    RECORDING_DELETED,
    RECORDING_READY,
    STAGE_FAILED,
    STAGE_PROGRESS,
    SUMMARY_READY,
    SUMMARY_UNAVAILABLE,
    TRANSCRIPT_PARTIAL,
    TRANSCRIPT_READY,
)
from secretary_runtime.projections import Projection

from secretary_ingest.telegram.bot import TelegramBot
from secretary_ingest.telegram.state import ChatRecording
from secretary_ingest.telegram.texts import PLAIN, say

logger = logging.getLogger(__name__)


class TelegramNotifier:
    def __init__(self, broker: NatsBroker, bot: TelegramBot) -> None:
        self.broker = broker
        self.bot = bot
        # answer text written so far, per question: it only feeds the live edits
        self._answers: dict[str, list[str]] = {}

    def register(self) -> None:
        recordings = Projection(self.broker, CONSUMER_TELEGRAM_RECORDINGS)
        recordings.on(RECORDING_READY, self.on_ready)
        recordings.on(TRANSCRIPT_PARTIAL, self.on_partial)
        recordings.on(TRANSCRIPT_READY, self.on_transcript)
        recordings.on(SUMMARY_READY, self.on_summary)
        recordings.on(SUMMARY_UNAVAILABLE, self.on_no_summary)
        recordings.on(STAGE_FAILED, self.on_failed)
        recordings.on(RECORDING_DELETED, self.on_deleted)
        recordings.register()
        answers = Projection(self.broker, CONSUMER_TELEGRAM_ANSWERS)
        answers.on(ANSWER_DELTA, self.on_answer_delta)
        answers.on(ANSWER_READY, self.on_answer_ready)
        answers.on(ANSWER_FAILED, self.on_answer_failed)
        answers.register()
        progress = Projection(self.broker, CONSUMER_TELEGRAM_PROGRESS)
        progress.on(STAGE_PROGRESS, self.on_progress)
        progress.register()

    async def on_answer_delta(self, delta: AnswerDelta) -> None:
        question = await self.bot.state.question(delta.question_id)
        if question is None:
            return  # asked through the REST API
        written = self._answers.setdefault(question.question_id, [])
        if delta.sequence >= len(written):
            written.append(delta.text)
        # what the model writes is shown as a draft until it is checked against the recording
        text = "".join(written) + "\n\n" + say(question.language, "draft")
        if question.answer_message_id is None:
            sent = await self.bot.client.send_message(
                question.chat_id, text, reply_to_message_id=question.question_message_id, **PLAIN
            )
            question.answer_message_id = sent.id
            await self.bot.state.save_question(question)
        else:
            key = f"answer:{question.question_id}"
            await self.bot.status.show(key, question.chat_id, question.answer_message_id, text)

    async def on_answer_ready(self, ready: AnswerReady) -> None:
        question = await self.bot.state.question(ready.question_id)
        if question is None:
            return
        self._answers.pop(question.question_id, None)
        text = ready.answer
        if ready.unsupported_sentences:
            text += "\n\n" + say(
                question.language, "partly_supported", count=len(ready.unsupported_sentences)
            )
        if ready.citations:
            lines = [f"[{exports.moment(c.start)}] {c.speaker}: {c.text}" for c in ready.citations]
            text += f"\n\n{say(question.language, 'sources')}\n" + "\n".join(lines)
        if question.answer_message_id is None:
            await self.bot.client.send_message(
                question.chat_id, text, reply_to_message_id=question.question_message_id, **PLAIN
            )
        else:
            key = f"answer:{question.question_id}"
            await self.bot.status.show(
                key, question.chat_id, question.answer_message_id, text, final=True
            )

    async def on_answer_failed(self, failed: AnswerFailed) -> None:
        question = await self.bot.state.question(failed.question_id)
        if question is None:
            return
        self._answers.pop(question.question_id, None)
        await self.bot.client.send_message(
            question.chat_id,
            say(question.language, "answer_failed", message=failed.message, code=failed.code),
            reply_to_message_id=question.question_message_id,
            **PLAIN,
        )

    async def on_progress(self, event: StageProgress) -> None:
        recording = await self.bot.state.recording(event.recording_id)
        if recording is None or recording.delivered:
            return
        await self._status(recording, stage=str(event.stage), fraction=event.fraction)

    async def _status(self, recording: ChatRecording, **update: Any) -> None:
        await self.bot.status.update(
            recording.recording_id,
            recording.chat_id,
            recording.status_message_id,
            recording.language,
            **update,
        )

    async def on_ready(self, event: RecordingReady) -> None:
        if (recording := await self.bot.state.recording(event.recording_id)) is not None:
            await self._status(recording, stage=Stage.PREPARE, fraction=1.0)

    async def on_partial(self, event: TranscriptPartial) -> None:
        recording = await self.bot.state.recording(event.recording_id)
        if recording is not None and not recording.delivered:
            await self._status(recording, so_far_s=event.through_s)

    async def on_transcript(self, event: TranscriptReady) -> None:
        recording = await self.bot.state.recording(event.recording_id)
        if recording is None or (recording.delivered and recording.asked_all):
            return  # not a Telegram recording, deleted, or sent already
        # read from the gateway: until it has projected the transcript it answers 409, and
        # the projection's retry asks again
        await self.bot.deliver_transcript(recording)

    async def on_summary(self, ready: SummaryReady) -> None:
        if (recording := await self.bot.state.recording(ready.recording_id)) is not None:
            await self.bot.send_summary(recording)

    async def on_no_summary(self, event: SummaryUnavailable) -> None:
        if event.revision:
            return  # the chat was told about the recording's first summary only
        if (recording := await self.bot.state.recording(event.recording_id)) is not None:
            await self.bot.send_no_summary(recording, str(event.code), event.message)

    async def on_deleted(self, event: RecordingDeleted) -> None:
        """Deleted through any door: the chat forgets it too."""
        if (recording := await self.bot.state.recording(event.recording_id)) is not None:
            await self.bot.state.forget(recording)

    async def on_failed(self, failure: StageFailed) -> None:
        recording = await self.bot.state.recording(failure.recording_id)
        if recording is not None:
            await self.bot.deliver_failure(recording, failure.code, failure.message)
