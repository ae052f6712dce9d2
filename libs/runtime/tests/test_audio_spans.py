"""Pieces of the decoded audio read from the Object Store by time, without the rest of it."""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pytest
from nats.aio.client import Client
from secretary_contracts.messaging import BUCKETS, chunk_artifact_name
from secretary_runtime import objects
from secretary_runtime.audio import pcm16_data_offset, read_pcm16_span, read_pcm16_wav
from secretary_runtime.infrastructure import declare_infrastructure
from secretary_runtime.pieces import pieces_stored
from secretary_runtime.recordings import purge_chunk_artifacts, purge_recording


@pytest.fixture
async def js(nats_client: Client):
    context = nats_client.jetstream()
    await declare_infrastructure(context)
    return context


def _ffmpeg_wav(path: Path, seconds: float) -> Path:
    """A WAV as prepare writes it (ffmpeg puts a LIST chunk before the samples)."""
    subprocess.run(
        ["ffmpeg", "-v", "error", "-y", "-f", "lavfi",
         "-i", f"sine=frequency=220:duration={seconds}",
         "-ac", "1", "-ar", "16000", "-c:a", "pcm_s16le", str(path)],
        check=True,
    )  # fmt: skip
    return path


async def test_a_span_is_the_same_samples_as_in_the_whole_file(js, tmp_path: Path) -> None:
    wav = _ffmpeg_wav(tmp_path / "tone.wav", 20.0)
    assert pcm16_data_offset(wav.read_bytes()[:4096]) > 44  # not the textbook header
    ref = await objects.put_file(js, BUCKETS.audio, "tone.wav", wav)
    whole = read_pcm16_wav(wav)
    for start_s, end_s in ((0.0, 3.0), (7.3, 15.1), (19.5, 25.0)):
        span = await read_pcm16_span(js, ref, start_s, end_s)
        expected = whole[round(start_s * 16000) : round(end_s * 16000)]
        assert np.array_equal(span, expected), (start_s, end_s)


async def test_pieces_are_counted_and_purged_with_their_recording(js) -> None:
    store = await js.object_store(BUCKETS.artifacts)
    for index in (0, 1, 3):
        await store.put(chunk_artifact_name("rec1", "asr", index), b"{}")
    await store.put(chunk_artifact_name("rec1", "embeddings", 0), b"npz")
    assert await pieces_stored(js, "rec1", "asr", 4) == 3
    # a gap (piece 2 failed, or is still being made) and the last piece there can be
    await store.put(chunk_artifact_name("rec1", "diarization", 99), b"{}")
    await purge_recording(js, "rec1")
    assert await pieces_stored(js, "rec1", "asr", 4) == 0
    assert await pieces_stored(js, "rec1", "embeddings", 1) == 0
    assert await pieces_stored(js, "rec1", "diarization", 100) == 0


async def test_once_every_piece_is_joined_the_pieces_are_purged_up_to_the_first_missing(
    js,
) -> None:
    """Merge's purge, after both joins: pieces numbered without a gap, all of them go."""
    store = await js.object_store(BUCKETS.artifacts)
    for index in range(3):
        await store.put(chunk_artifact_name("rec2", "asr", index), b"{}")
    await purge_chunk_artifacts(js, "rec2", every_piece_stored=True)
    assert await pieces_stored(js, "rec2", "asr", 3) == 0
