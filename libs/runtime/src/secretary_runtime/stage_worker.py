"""The shape of a model stage that takes whole recordings and pieces of long ones (asr and
diarize): its two durable consumers, each job run by the job runner, one thread for the
model, and a whole recording's audio read once. A stage says what it does with a recording,
a piece, and the pieces handed out; not how it is subscribed."""

from __future__ import annotations

import tempfile
from abc import ABC, abstractmethod
from pathlib import Path
from typing import ClassVar, Generic, TypeVar

import numpy as np
import numpy.typing as npt
from faststream.nats import NatsBroker, NatsMessage
from secretary_contracts import ChunkRequested, RecordingReady, Stage
from secretary_contracts.messaging import ConsumerSpec

from secretary_runtime import objects
from secretary_runtime.audio import read_pcm16_wav
from secretary_runtime.jobs import JobRunner, Progress, subscriber_options, tuned
from secretary_runtime.model_thread import ModelThread
from secretary_runtime.settings import ServiceSettings

SettingsT = TypeVar("SettingsT", bound=ServiceSettings)


class StageWorker(ABC, Generic[SettingsT]):
    stage: ClassVar[Stage]
    whole: ClassVar[ConsumerSpec]
    """The consumer of recordings ready (a long one's pieces are handed out from it)."""
    pieces: ClassVar[ConsumerSpec]
    """The consumer of the pieces of long recordings."""

    def __init__(self, settings: SettingsT, broker: NatsBroker, jobs: JobRunner) -> None:
        self.settings = settings
        self.broker = broker
        self.jobs = jobs
        self.model_thread = ModelThread(f"{self.stage}-model")

    def register(self) -> None:
        spec = tuned(self.whole, self.settings)
        chunk_spec = tuned(self.pieces, self.settings)

        @self.broker.subscriber(**subscriber_options(spec))
        async def on_recording_ready(event: RecordingReady, msg: NatsMessage) -> None:
            await self.jobs.run(
                msg,
                event,
                self.stage,
                spec,
                lambda p: self.run(event, p),
                report_progress=not event.chunks,
            )

        @self.broker.subscriber(**subscriber_options(chunk_spec))
        async def on_chunk_requested(event: ChunkRequested, msg: NatsMessage) -> None:
            await self.jobs.run(
                msg,
                event,
                self.stage,
                chunk_spec,
                lambda p: self.run_chunk(event),
                report_progress=False,
            )

    async def run(self, event: RecordingReady, progress: Progress) -> None:
        if event.chunks:
            await self.hand_out_chunks(event)
        else:
            await self.run_whole(event, progress)

    async def whole_audio(self, event: RecordingReady) -> npt.NDArray[np.float32]:
        """The recording's samples, downloaded to the work directory and read once."""
        js = self.broker.connection.jetstream()
        work_dir = self.settings.work_dir or None
        with tempfile.TemporaryDirectory(prefix=f"{self.stage}-", dir=work_dir) as directory:
            wav = await objects.download(js, event.audio, Path(directory) / "audio.wav")
            return read_pcm16_wav(wav)

    @abstractmethod
    async def run_whole(self, event: RecordingReady, progress: Progress) -> None:
        """A recording short enough to be one job."""

    @abstractmethod
    async def hand_out_chunks(self, event: RecordingReady) -> None:
        """A long recording: its pieces become jobs of their own."""

    @abstractmethod
    async def run_chunk(self, event: ChunkRequested) -> None:
        """One piece; the last one stored joins them all."""
