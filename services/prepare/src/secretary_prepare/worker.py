"""The prepare worker: one MediaReceived in, the decoded audio and RecordingReady out."""

from __future__ import annotations

import asyncio
import logging
import shutil
import tempfile
from pathlib import Path

from faststream.nats import NatsBroker, NatsMessage
from secretary_contracts import (
    AudioChunk,
    ErrorCode,
    MediaReceived,
    ObjectRef,
    RecordingReady,
    Stage,
)
from secretary_contracts.messaging import (
    BUCKETS,
    CONSUMER_PREPARE,
    RECORDING_READY,
    audio_object_name,
    playback_object_name,
)
from secretary_runtime import objects
from secretary_runtime.jobs import JobRejected, JobRunner, Progress, subscriber_options, tuned
from secretary_runtime.owners import read_owner_settings

from secretary_prepare import media
from secretary_prepare.chunks import frame_loudness, plan_chunks
from secretary_prepare.settings import PrepareSettings

logger = logging.getLogger(__name__)


class ScratchFull(Exception):
    """Not enough scratch space to decode: the job is retried, not failed."""


class Preparer:
    def __init__(self, settings: PrepareSettings, broker: NatsBroker, jobs: JobRunner) -> None:
        self.settings = settings
        self.broker = broker
        self.jobs = jobs

    def register(self) -> None:
        spec = tuned(CONSUMER_PREPARE, self.settings)

        @self.broker.subscriber(**subscriber_options(spec))
        async def on_media_received(event: MediaReceived, msg: NatsMessage) -> None:
            await self.jobs.run(msg, event, Stage.PREPARE, spec, lambda p: self.prepare(event, p))

    def _check_scratch(self, scratch: Path) -> None:
        """Room for the longest decode allowed, before it starts: a worker short of disk
        hands the job back (to itself later, or to another replica) rather than fail it."""
        needed = int((self.settings.max_duration_s + 1) * media.BYTES_PER_SECOND)
        free = shutil.disk_usage(scratch).free
        if free < needed:
            raise ScratchFull(
                f"{free // 2**20} MiB free in {scratch.parent}, {needed // 2**20} MiB needed"
            )

    async def prepare(self, event: MediaReceived, progress: Progress) -> None:
        js = self.broker.connection.jetstream()
        with tempfile.TemporaryDirectory(
            prefix="prepare-", dir=self.settings.work_dir or None
        ) as scratch:
            original = await objects.download(js, event.media, Path(scratch) / "original")
            try:
                probed = await media.probe(
                    original, self.settings.ffprobe_path, self.settings.probe_timeout_s
                )
                if probed.duration_s and probed.duration_s > self.settings.max_duration_s:
                    raise media.MediaError(
                        ErrorCode.TOO_LONG,
                        f"The recording lasts {probed.duration_s / 3600:.1f} h; "
                        f"the limit is {self.settings.max_duration_s / 3600:.1f} h.",
                    )
                self._check_scratch(Path(scratch))
                normalised = await media.normalise(
                    original,
                    Path(scratch) / "audio.wav",
                    probed,
                    self.settings.ffmpeg_path,
                    on_progress=lambda f: progress.report(0.9 * f),
                    max_duration_s=self.settings.max_duration_s,
                    timeout_s=self.settings.decode_timeout_s,
                )
            except media.MediaError as error:
                raise JobRejected(error.code, error.message) from error
            original.unlink()
            if normalised.duration_s > self.settings.max_duration_s:
                raise JobRejected(ErrorCode.TOO_LONG)
            audio = await objects.put_file(
                js, BUCKETS.audio, audio_object_name(event.recording_id), normalised.path
            )
            chunks = await self._plan_chunks(normalised.path, normalised.duration_s)
            await self._announce(event, audio, normalised.duration_s, chunks)
            # after the model stages have their audio: listening can wait, transcribing not
            await self._render_playback(event.recording_id, normalised.path)

    async def _plan_chunks(self, wav: Path, duration_s: float) -> list[AudioChunk]:
        target_s = self.settings.chunk_target_s
        if not target_s or duration_s < 1.5 * target_s:
            return []
        loudness = await asyncio.to_thread(frame_loudness, wav)
        chunks = plan_chunks(loudness, duration_s, target_s)
        logger.info(
            "cut into pieces",
            extra={"fields": {"chunks": len(chunks), "cuts": [c.start_s for c in chunks[1:]]}},
        )
        return chunks

    async def _render_playback(self, recording_id: str, wav: Path) -> None:
        """The rendition the review page plays; without it the page plays the WAV, so a
        failure here is logged, not the recording's."""
        if not self.settings.playback_bitrate_kbit:
            return
        js = self.broker.connection.jetstream()
        try:
            rendition = await media.render_playback(
                wav,
                wav.with_name("playback.webm"),
                self.settings.playback_bitrate_kbit,
                self.settings.ffmpeg_path,
                self.settings.decode_timeout_s,
            )
        except media.MediaError as error:
            logger.warning("no playback rendition: %s", error.message)
            return
        await objects.put_file(js, BUCKETS.audio, playback_object_name(recording_id), rendition)

    async def _announce(
        self, event: MediaReceived, audio: ObjectRef, duration_s: float, chunks: list[AudioChunk]
    ) -> None:
        js = self.broker.connection.jetstream()
        # the owner's defaults, whichever door they set them at
        owner = await read_owner_settings(js, event.owner)
        options = event.options.model_copy(
            update={
                "language": event.options.language or owner.language,
                "vocabulary": event.options.vocabulary or owner.vocabulary,
            }
        )
        await self.jobs.publisher.publish(
            RECORDING_READY,
            RecordingReady(
                recording_id=event.recording_id,
                audio=audio,
                owner=event.owner,
                duration_s=round(duration_s, 3),
                options=options,
                chunks=chunks,
            ),
        )
