"""pytest fixtures shared by every test suite: a real nats-server, generated recordings."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import nats
import pytest
from nats.aio.client import Client
from secretary_cli.nats_server import NatsServer

from secretary_testing.media import Utterance, make_dialogue, to_video

os.environ.setdefault("PYANNOTE_METRICS_ENABLED", "false")
os.environ.setdefault("HF_HUB_OFFLINE", "1")


@pytest.fixture(scope="session")
def nats_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NatsServer]:
    with NatsServer(tmp_path_factory.mktemp("nats")) as server:
        yield server


@pytest.fixture
async def nats_client(nats_server: NatsServer) -> AsyncIterator[Client]:
    client = await nats.connect(nats_server.url)
    yield client
    await client.drain()


@pytest.fixture(scope="session")
def dialogue(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Utterance]]:
    """~40 s of two voices (female, male) as WAV, with the truth about who said what."""
    directory = tmp_path_factory.mktemp("dialogue")
    wav = directory / "dialogue.wav"
    return wav, make_dialogue(wav)


@pytest.fixture(scope="session")
def dialogue_video(dialogue: tuple[Path, list[Utterance]]) -> Path:
    wav, _ = dialogue
    return to_video(wav, wav.with_name("meeting.mp4"))
