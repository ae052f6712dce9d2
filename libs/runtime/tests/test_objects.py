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


async def _range(js, name: str, start: int, length: int) -> bytes:
    return b"".join([c async for c in objects.read_range(js, BUCKETS.audio, name, start, length)])


async def test_a_range_reads_exactly_those_bytes_stored_in_one_run_or_interleaved(js) -> None:
    import asyncio

    alone = os.urandom(1_000_000)
    await objects.put_stream(js, BUCKETS.audio, "alone", _chunks(alone, 50_000))

    async def slowly(data: bytes) -> AsyncIterator[bytes]:
        async for piece in _chunks(data, 131072):
            await asyncio.sleep(0.01)
            yield piece

    # two objects stored at once: their chunks alternate in the bucket's stream
    left, right = os.urandom(900_000), os.urandom(900_000)
    await asyncio.gather(
        objects.put_stream(js, BUCKETS.audio, "left", slowly(left)),
        objects.put_stream(js, BUCKETS.audio, "right", slowly(right)),
    )
    for name, data in (("alone", alone), ("left", left), ("right", right)):
        for start, length in ((0, 44), (131_000, 400), (131_072, 131_072), (600_001, 5_000_000)):
            assert await _range(js, name, start, length) == data[start : start + length], (
                name,
                start,
            )
        assert await _range(js, name, len(data), 10) == b""
