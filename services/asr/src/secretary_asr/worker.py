"""The asr stage: recording-ready in, words with times out."""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path

from faststream.nats import NatsBroker, NatsMessage
from secretary_contracts import AsrDone, RecordingReady, Stage
from secretary_contracts.messaging import ASR_DONE, BUCKETS, CONSUMER_ASR, artifact_object_name
from secretary_runtime import objects
from secretary_runtime.audio import read_pcm16_wav
from secretary_runtime.jobs import JobRunner, Progress, subscriber_options, tuned

from secretary_asr.engine import Transcriber
from secretary_asr.settings import AsrSettings


class AsrWorker:
    def __init__(
        self, settings: AsrSettings, broker: NatsBroker, jobs: JobRunner, transcriber: Transcriber
    ) -> None:
        self.settings = settings
        self.broker = broker
        self.jobs = jobs
        self.transcriber = transcriber

    def register(self) -> None:
        spec = tuned(CONSUMER_ASR, self.settings)

        @self.broker.subscriber(**subscriber_options(spec))
        async def on_recording_ready(event: RecordingReady, msg: NatsMessage) -> None:
            await self.jobs.run(msg, event, Stage.ASR, spec, lambda p: self.run(event, p))

    async def run(self, event: RecordingReady, progress: Progress) -> None:
        js = self.broker.connection.jetstream()
        # Fail fast on a language the model cannot do, before downloading anything.
        self.transcriber.check_language(event.options.language)
        with tempfile.TemporaryDirectory(prefix="asr-", dir=self.settings.work_dir or None) as d:
            wav = await objects.download(js, event.audio, Path(d) / "audio.wav")
            audio = read_pcm16_wav(wav)
        result = await asyncio.to_thread(
            self.transcriber.transcribe,
            audio,
            event.options.language,
            progress.report,
            event.options.vocabulary,
        )
        ref = await objects.put_model(
            js, BUCKETS.artifacts, artifact_object_name(event.recording_id, "asr"), result
        )
        await self.jobs.publisher.publish(
            ASR_DONE,
            AsrDone(
                recording_id=event.recording_id,
                result=ref,
                language=result.language,
                word_count=len(result.words),
                language_probability=result.language_probability,
            ),
        )
