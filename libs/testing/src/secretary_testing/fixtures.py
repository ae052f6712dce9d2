"""pytest fixtures shared by every test suite: a real nats-server, generated recordings."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from pathlib import Path

import nats
import pytest
from nats.aio.client import Client
from secretary_runtime.nats_server import NatsServer

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


POSTGRES_ADMIN_DSN = os.environ.get(
    "SECRETARY_TEST_POSTGRES_DSN", "postgresql://postgres@127.0.0.1:5432/postgres"
)


@contextmanager
def new_postgresql_database() -> Iterator[str]:
    """A new, empty PostgreSQL database, dropped afterwards.

    Skipped where no PostgreSQL answers, except in CI (`CI=true`), where it must.
    """
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    import asyncpg

    name = f"secretary_test_{uuid.uuid4().hex[:12]}"

    async def execute(statement: str) -> None:
        connection = await asyncpg.connect(POSTGRES_ADMIN_DSN, timeout=5)
        try:
            await connection.execute(statement)
        finally:
            await connection.close()

    def admin(statement: str) -> None:
        # first requested from inside a running event loop (an async fixture)
        with ThreadPoolExecutor(1) as thread:
            thread.submit(asyncio.run, execute(statement)).result()

    try:
        admin(f'CREATE DATABASE "{name}"')
    except (OSError, asyncpg.PostgresError) as error:
        if os.environ.get("CI") == "true":
            raise
        pytest.skip(f"no PostgreSQL at {POSTGRES_ADMIN_DSN}: {error}")
    base = POSTGRES_ADMIN_DSN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://")
    try:
        yield f"{base}/{name}"
    finally:
        admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def postgresql_url() -> Iterator[str]:
    """A PostgreSQL database shared by the test session."""
    with new_postgresql_database() as url:
        yield url


@pytest.fixture
def empty_postgresql_url() -> Iterator[str]:
    """A PostgreSQL database of the test's own (for tests of the schema itself)."""
    with new_postgresql_database() as url:
        yield url


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
