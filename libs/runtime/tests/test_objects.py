"""Streaming into and out of a real JetStream Object Store."""

from __future__ import annotations

import hashlib
import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from nats.aio.client import Client
from nats.js.errors import ObjectNotFoundError
from secretary_contracts.messaging import BUCKETS
from secretary_runtime import objects
from secretary_runtime.infrastructure import declare_infrastructure


async def _chunks(data: bytes, size: int) -> AsyncIterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


@pytest.fixture
async def js(nats_client: Client):
    context = nats_client.jetstream()
    await declare_infrastructure(context)
    return context


async def test_streamed_object_reads_back_identical(js, tmp_path: Path) -> None:
    data = os.urandom(3 * 1024 * 1024 + 12345)
    ref = await objects.put_stream(js, BUCKETS.media, "streamed", _chunks(data, 65536 + 7))
    assert ref.size_bytes == len(data)
    assert ref.sha256 == hashlib.sha256(data).hexdigest()
    target = await objects.download(js, ref, tmp_path / "back")
    assert target.read_bytes() == data


async def test_overwriting_an_object_frees_the_old_chunks(js) -> None:
    stream = f"OBJ_{BUCKETS.media}"
    await objects.put_stream(js, BUCKETS.media, "again", _chunks(os.urandom(1 << 20), 1 << 16))
    before = (await js.stream_info(stream)).state.bytes
    await objects.put_stream(js, BUCKETS.media, "again", _chunks(os.urandom(1 << 20), 1 << 16))
    after = (await js.stream_info(stream)).state.bytes
    assert abs(after - before) < 64 * 1024


async def test_too_large_upload_leaves_nothing_behind(js) -> None:
    stream = f"OBJ_{BUCKETS.media}"
    before = (await js.stream_info(stream)).state.bytes
    with pytest.raises(objects.ObjectTooLargeError):
        await objects.put_stream(
            js, BUCKETS.media, "too-big", _chunks(os.urandom(2 << 20), 1 << 16), max_bytes=1 << 20
        )
    assert (await js.stream_info(stream)).state.bytes == before
    store = await js.object_store(BUCKETS.media)
    with pytest.raises(ObjectNotFoundError):
        await store.get_info("too-big")


async def test_file_round_trip_carries_its_checksum(js, tmp_path: Path) -> None:
    source = tmp_path / "audio.wav"
    source.write_bytes(os.urandom(500_000))
    ref = await objects.put_file(js, BUCKETS.audio, "x.wav", source)
    assert ref.sha256 == hashlib.sha256(source.read_bytes()).hexdigest()
    assert (await objects.download(js, ref, tmp_path / "copy")).read_bytes() == source.read_bytes()
