"""Tells Telegram users how their recordings are doing: progress, transcripts, failures."""

from __future__ import annotations

import logging
from typing import Any

from faststream.nats import NatsBroker, NatsMessage
from secretary_contracts import (
    AnswerDelta,
    AnswerFailed,
    AnswerReady,
    SpeakersNamed,
    StageFailed,
    StageProgress,
    Summary,
    SummaryReady,
    exports,
)
from secretary_contracts.messaging import (
    ANSWER_DELTA,
    ANSWER_FAILED,
    ANSWER_READY,
    CONSUMER_TELEGRAM_ANSWERS,
    CONSUMER_TELEGRAM_PROGRESS,
    CONSUMER_TELEGRAM_RECORDINGS,
    RECORDING_READY,
    SPEAKERS_NAMED,
    STAGE_FAILED,
    SUMMARY_READY,
    TRANSCRIPT_READY,
)
from secretary_runtime.jobs import subscriber_options
from secretary_runtime.logs import bound_recording

from secretary_ingest.telegram.bot import TelegramBot
from secretary_ingest.telegram.state import ChatRecording
from secretary_ingest.telegram.texts import render_summary, say

logger = logging.getLogger(__name__)


class TelegramNotifier:
    def __init__(self, broker: NatsBroker, bot: TelegramBot) -> None:
        self.broker = broker
        self.bot = bot
        # answer text written so far, per question: it only feeds the live edits
        self._answers: dict[str, list[str]] = {}

    def register(self) -> None:
        @self.broker.subscriber(**subscriber_options(CONSUMER_TELEGRAM_RECORDINGS))
        async def on_recording_event(body: dict[str, Any], msg: NatsMessage) -> None:
            await self._handle(msg, self.on_event(msg.raw_message.subject, body))

        @self.broker.subscriber(**subscriber_options(CONSUMER_TELEGRAM_ANSWERS))
        async def on_answer(body: dict[str, Any], msg: NatsMessage) -> None:
            await self._handle(msg, self.on_answer(msg.raw_message.subject, body))

        @self.broker.subscriber(**subscriber_options(CONSUMER_TELEGRAM_PROGRESS))
        async def on_progress(event: StageProgress, msg: NatsMessage) -> None:
            await self._handle(msg, self.on_progress(event))

    async def _handle(self, msg: NatsMessage, work: Any) -> None:
        try:
            await work
        except Exception:
            logger.exception("telegram notification failed; will retry")
            await msg.nack(delay=5)
            return
        await msg.ack()

    async def on_answer(self, subject: str, body: dict[str, Any]) -> None:
        question = await self.bot.state.question(str(body.get("question_id", "")))
        if question is None:
            return  # asked through the REST API
        key = f"answer:{question.question_id}"
        if subject == ANSWER_DELTA.subject:
            delta = AnswerDelta.model_validate(body)
            written = self._answers.setdefault(question.question_id, [])
            if delta.sequence >= len(written):
                written.append(delta.text)
            text = "".join(written)
            if question.answer_message_id is None:
                sent = await self.bot.client.send_message(
                    question.chat_id, text, reply_to_message_id=question.question_message_id
                )
                question.answer_message_id = sent.id
                await self.bot.state.save_question(question)
            else:
                await self.bot.status.show(key, question.chat_id, question.answer_message_id, text)
        elif subject == ANSWER_READY.subject:
            ready = AnswerReady.model_validate(body)
            self._answers.pop(question.question_id, None)
            text = ready.answer
            if ready.citations:
                lines = [
                    f"[{exports.moment(c.start)}] {c.speaker}: {c.text}" for c in ready.citations
                ]
                text += f"\n\n{say(question.language, 'sources')}\n" + "\n".join(lines)
            if question.answer_message_id is None:
                await self.bot.client.send_message(
                    question.chat_id, text, reply_to_message_id=question.question_message_id
                )
            else:
                await self.bot.status.show(
                    key, question.chat_id, question.answer_message_id, text, final=True
                )
        elif subject == ANSWER_FAILED.subject:
            failed = AnswerFailed.model_validate(body)
            self._answers.pop(question.question_id, None)
            await self.bot.client.send_message(
                question.chat_id,
                say(question.language, "answer_failed", message=failed.message, code=failed.code),
                reply_to_message_id=question.question_message_id,
            )

    async def on_progress(self, event: StageProgress) -> None:
        recording = await self.bot.state.recording(event.recording_id)
        if recording is None or recording.status in ("done", "failed"):
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

    async def on_event(self, subject: str, body: dict[str, Any]) -> None:
        if subject not in (
            RECORDING_READY.subject,
            TRANSCRIPT_READY.subject,
            STAGE_FAILED.subject,
            SUMMARY_READY.subject,
            SPEAKERS_NAMED.subject,
        ):
            return
        recording = await self.bot.state.recording(str(body.get("recording_id", "")))
        if recording is None:
            return  # not a Telegram recording, or deleted
        with bound_recording(recording.recording_id):
            if subject == RECORDING_READY.subject:
                await self._status(recording, stage="prepare", fraction=1.0)
            elif subject == SPEAKERS_NAMED.subject:
                recording.speaker_names = SpeakersNamed.model_validate(body).names
                await self.bot.state.save_recording(recording)
            elif subject == TRANSCRIPT_READY.subject and recording.status != "done":
                await self.bot.send_transcript(recording)
                recording.status = "done"
                await self.bot.state.save_recording(recording)
                await self._status(recording, status="done", final=True)
            elif subject == SUMMARY_READY.subject:
                ready = SummaryReady.model_validate(body)
                store = await self.broker.connection.jetstream().object_store(ready.summary.bucket)
                stored = await store.get(ready.summary.name)
                summary = Summary.model_validate_json(stored.data or b"{}")
                await self.bot.client.send_message(
                    recording.chat_id,
                    render_summary(recording.language, summary),
                    reply_to_message_id=recording.source_message_id,
                )
            elif subject == STAGE_FAILED.subject and recording.status not in ("done", "failed"):
                failure = StageFailed.model_validate(body)
                recording.status = "failed"
                await self.bot.state.save_recording(recording)
                await self._status(recording, status="failed", final=True)
                await self.bot.client.send_message(
                    recording.chat_id,
                    say(recording.language, "failed", message=failure.message, code=failure.code),
                    reply_to_message_id=recording.source_message_id,
                )
