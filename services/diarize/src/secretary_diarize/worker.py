"""The diarize stage: recording-ready in, speaker turns out."""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path

from faststream.nats import NatsBroker, NatsMessage
from secretary_contracts import DiarizationDone, RecordingReady, Stage
from secretary_contracts.messaging import (
    BUCKETS,
    CONSUMER_DIARIZE,
    DIARIZATION_DONE,
    artifact_object_name,
)
from secretary_runtime import objects
from secretary_runtime.audio import read_pcm16_wav
from secretary_runtime.jobs import JobRunner, Progress, subscriber_options, tuned

from secretary_diarize.engine import Diarizer
from secretary_diarize.settings import DiarizeSettings


class DiarizeWorker:
    def __init__(
        self, settings: DiarizeSettings, broker: NatsBroker, jobs: JobRunner, diarizer: Diarizer
    ) -> None:
        self.settings = settings
        self.broker = broker
        self.jobs = jobs
        self.diarizer = diarizer

    def register(self) -> None:
        spec = tuned(CONSUMER_DIARIZE, self.settings)

        @self.broker.subscriber(**subscriber_options(spec))
        async def on_recording_ready(event: RecordingReady, msg: NatsMessage) -> None:
            await self.jobs.run(msg, event, Stage.DIARIZE, spec, lambda p: self.run(event, p))

    async def run(self, event: RecordingReady, progress: Progress) -> None:
        js = self.broker.connection.jetstream()
        with tempfile.TemporaryDirectory(
            prefix="diarize-", dir=self.settings.work_dir or None
        ) as d:
            wav = await objects.download(js, event.audio, Path(d) / "audio.wav")
            audio = read_pcm16_wav(wav)
        result = await asyncio.to_thread(
            self.diarizer.diarize, audio, event.options, progress.report
        )
        ref = await objects.put_model(
            js, BUCKETS.artifacts, artifact_object_name(event.recording_id, "diarization"), result
        )
        await self.jobs.publisher.publish(
            DIARIZATION_DONE,
            DiarizationDone(
                recording_id=event.recording_id,
                result=ref,
                speaker_count=len({t.speaker for t in result.turns}),
                owner=event.owner,
            ),
        )
