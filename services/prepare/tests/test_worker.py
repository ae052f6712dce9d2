"""The prepare worker on a real nats-server: a stored upload in, the decoded audio, the
playback rendition and RecordingReady with the owner's defaults out."""

from __future__ import annotations

import asyncio
import time
import uuid
from pathlib import Path

from faststream.nats import NatsBroker
from nats.aio.client import Client
from nats.js.errors import ObjectNotFoundError
from secretary_contracts import MediaReceived, OwnerSettings, RecordingOptions, RecordingReady
from secretary_contracts.messaging import (
    BUCKETS,
    MEDIA_RECEIVED,
    RECORDING_READY,
    audio_object_name,
    playback_object_name,
)
from secretary_prepare.media import probe
from secretary_prepare.settings import PrepareSettings
from secretary_prepare.worker import Preparer
from secretary_runtime import objects
from secretary_runtime.infrastructure import declare_infrastructure
from secretary_runtime.jobs import JobRunner
from secretary_runtime.nats_server import NatsServer
from secretary_runtime.owners import write_owner_settings
from secretary_runtime.publishing import EventPublisher
from secretary_testing.brokers import started_broker
from secretary_testing.events import published


async def _prepared(
    nats_server: NatsServer, nats_client: Client, media: Path, options: RecordingOptions
) -> RecordingReady:
    settings = PrepareSettings(nats_url=nats_server.url)
    recording_id = uuid.uuid4().hex

    def register(broker: NatsBroker) -> None:
        Preparer(settings, broker, JobRunner(broker, EventPublisher(broker))).register()

    async with started_broker(nats_server.url, register) as broker:
        js = nats_client.jetstream()
        ref = await objects.put_file(js, BUCKETS.media, recording_id, media)
        await EventPublisher(broker).publish(
            MEDIA_RECEIVED,
            MediaReceived(
                recording_id=recording_id,
                owner="maria",
                filename=media.name,
                media=ref,
                options=options,
            ),
        )
        audio = await js.object_store(BUCKETS.audio)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            ready = await published(nats_client, RECORDING_READY.subject, recording_id)
            try:
                # written after the model stages were told: listening can wait, not transcribing
                await audio.get_info(playback_object_name(recording_id))
            except ObjectNotFoundError:
                ready = []
            if ready:
                return RecordingReady.model_validate(ready[0])
            await asyncio.sleep(0.3)
    raise TimeoutError("no RecordingReady and playback rendition")


async def test_the_owners_defaults_and_a_playback_rendition_come_with_the_audio(
    nats_server: NatsServer, nats_client: Client, dialogue_video: Path, tmp_path: Path
) -> None:
    js = nats_client.jetstream()
    await declare_infrastructure(js)
    await write_owner_settings(
        js, "maria", OwnerSettings(language="ru", vocabulary=["Anna-Maria", "OKR"])
    )
    ready = await _prepared(nats_server, nats_client, dialogue_video, RecordingOptions())
    assert ready.options.language == "ru"
    assert ready.options.vocabulary == ["Anna-Maria", "OKR"]

    store = await js.object_store(BUCKETS.audio)
    wav = await store.get_info(audio_object_name(ready.recording_id))
    assert wav.size == ready.audio.size_bytes
    rendition = tmp_path / "playback.webm"
    rendition.write_bytes((await store.get(playback_object_name(ready.recording_id))).data or b"")
    probed = await probe(rendition)
    assert probed.audio_codec == "opus"
    assert probed.duration_s is not None
    assert abs(probed.duration_s - ready.duration_s) < 0.1
    assert rendition.stat().st_size < (wav.size or 0) / 10

    # what the recording asked for itself wins over the owner's defaults
    own = RecordingOptions(language="en", vocabulary=["Tuesday"])
    ready = await _prepared(nats_server, nats_client, dialogue_video, own)
    assert (ready.options.language, ready.options.vocabulary) == ("en", ["Tuesday"])
