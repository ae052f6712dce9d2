"""The asr stage: recording-ready in, words with times out.

A long recording comes cut into pieces (`RecordingReady.chunks`): its language is detected
once over all of it, then each piece is a job of its own that any replica takes, and the
job that stores the last piece joins them into the recording's words.
"""

from __future__ import annotations

import logging

import numpy as np
from faststream.nats import NatsBroker
from secretary_contracts import (
    AsrDone,
    AsrResult,
    ChunkRequested,
    ObjectRef,
    RecordingReady,
    Stage,
)
from secretary_contracts.messaging import (
    ASR_CHUNK_DONE,
    ASR_CHUNK_REQUESTED,
    ASR_DONE,
    BUCKETS,
    CONSUMER_ASR,
    CONSUMER_ASR_CHUNKS,
    artifact_object_name,
    chunk_artifact_name,
)
from secretary_runtime import objects
from secretary_runtime.audio import read_pcm16_span
from secretary_runtime.jobs import JobRunner, Progress
from secretary_runtime.pieces import hand_out, piece_finished
from secretary_runtime.stage_worker import StageWorker

from secretary_asr.engine import Transcriber
from secretary_asr.language import LanguageGuess, detect_language
from secretary_asr.settings import AsrSettings

logger = logging.getLogger(__name__)

LANGUAGE_SAMPLE_S = 40.0
"""Audio read from each sampled piece to detect a long recording's language: one 30-second
detection window of speech, with room for the pauses voice detection leaves out."""


class AsrWorker(StageWorker[AsrSettings]):
    stage = Stage.ASR
    whole = CONSUMER_ASR
    pieces = CONSUMER_ASR_CHUNKS

    def __init__(
        self, settings: AsrSettings, broker: NatsBroker, jobs: JobRunner, transcriber: Transcriber
    ) -> None:
        super().__init__(settings, broker, jobs)
        self.transcriber = transcriber

    async def run(self, event: RecordingReady, progress: Progress) -> None:
        # Fail fast on a language the model cannot do, before downloading anything.
        self.transcriber.check_language(event.options.language)
        await super().run(event, progress)

    async def run_whole(self, event: RecordingReady, progress: Progress) -> None:
        audio = await self.whole_audio(event)
        result = await self.model_thread.run(
            self.transcriber.transcribe,
            audio,
            event.options.language,
            progress.report,
            event.options.vocabulary,
        )
        ref = await objects.put_model(
            self.broker.connection.jetstream(),
            BUCKETS.artifacts,
            artifact_object_name(event.recording_id, "asr"),
            result,
        )
        await self._announce(event.recording_id, ref, result)

    async def _announce(self, recording_id: str, ref: ObjectRef, result: AsrResult) -> None:
        await self.jobs.publisher.publish(
            ASR_DONE,
            AsrDone(
                recording_id=recording_id,
                result=ref,
                language=result.language,
                word_count=len(result.words),
                language_probability=result.language_probability,
            ),
        )

    async def _detect_language(self, event: RecordingReady) -> LanguageGuess:
        """One language for every piece: a minute from each of up to as many pieces as
        there are detection windows, spread over the recording, then the usual vote."""
        forced = self.transcriber.check_language(event.options.language)
        if forced:
            return LanguageGuess(forced, None)
        js = self.broker.connection.jetstream()
        windows = self.settings.language_detection_segments
        picks = np.unique(np.linspace(0, len(event.chunks) - 1, windows).round().astype(int))
        samples = []
        for index in picks:
            chunk = event.chunks[int(index)]
            middle = (chunk.start_s + chunk.end_s) / 2
            begin = max(chunk.start_s, middle - LANGUAGE_SAMPLE_S / 2)
            end = min(chunk.end_s, begin + LANGUAGE_SAMPLE_S)
            samples.append(await read_pcm16_span(js, event.audio, begin, end))
        return await self.model_thread.run(
            detect_language, self.transcriber.model, np.concatenate(samples), windows
        )

    async def hand_out_chunks(self, event: RecordingReady) -> None:
        guess = await self._detect_language(event)
        logger.info(
            "language detected; handing out pieces",
            extra={"fields": {"language": guess.language, "chunks": len(event.chunks)}},
        )
        await hand_out(
            self.jobs.publisher,
            ASR_CHUNK_REQUESTED,
            event,
            language=guess.language,
            language_probability=guess.probability,
        )

    async def run_chunk(self, event: ChunkRequested) -> None:
        js = self.broker.connection.jetstream()
        chunk = event.chunk
        logger.info(
            "transcribing piece %d of %d",
            chunk.index + 1,
            event.chunk_count,
            extra={"fields": {"start_s": chunk.start_s, "end_s": chunk.end_s}},
        )
        audio = await read_pcm16_span(js, event.audio, chunk.start_s, chunk.end_s)
        result = await self.model_thread.run(
            self.transcriber.transcribe,
            audio,
            event.language,
            lambda _: None,
            event.options.vocabulary,
        )
        shifted = result.model_copy(
            update={
                "duration_s": round(chunk.end_s - chunk.start_s, 3),
                "words": [
                    w.model_copy(
                        update={
                            "start": round(w.start + chunk.start_s, 3),
                            "end": round(w.end + chunk.start_s, 3),
                        }
                    )
                    for w in result.words
                ],
                "language_probability": event.language_probability,
            }
        )
        ref = await objects.put_model(
            js,
            BUCKETS.artifacts,
            chunk_artifact_name(event.recording_id, "asr", chunk.index),
            shifted,
        )
        every_piece = await piece_finished(
            self.jobs.publisher, js, ASR_CHUNK_DONE, event, ref, "asr", Stage.ASR
        )
        if every_piece:
            await self.join_chunks(event)

    async def join_chunks(self, event: ChunkRequested) -> None:
        """The recording's words, piece after piece; its language is the one every piece
        was transcribed in (or, where none was detected over the whole, the pieces' most
        common)."""
        js = self.broker.connection.jetstream()
        pieces = []
        for index in range(event.chunk_count):
            name = chunk_artifact_name(event.recording_id, "asr", index)
            ref = ObjectRef(bucket=BUCKETS.artifacts, name=name, size_bytes=0)
            pieces.append(await objects.get_model(js, ref, AsrResult))
        heard = [p.language for p in pieces if p.language and p.words]
        language = event.language or (max(set(heard), key=heard.count) if heard else "")
        result = AsrResult(
            language=language,
            duration_s=round(sum(p.duration_s for p in pieces), 3),
            words=[w for p in pieces for w in p.words],
            language_probability=event.language_probability,
        )
        ref = await objects.put_model(
            js, BUCKETS.artifacts, artifact_object_name(event.recording_id, "asr"), result
        )
        await self._announce(event.recording_id, ref, result)
        await self.jobs.publisher.progress(event.recording_id, Stage.ASR, 1.0)
