"""Where a long recording is cut: at its quietest moment near each target length."""

from __future__ import annotations

import itertools
import wave
from pathlib import Path

import numpy as np
from secretary_contracts import MAX_CHUNKS
from secretary_prepare.chunks import FRAME_S, frame_loudness, plan_chunks


def _speech_with_pauses(duration_s: float, pauses: list[float]) -> np.ndarray:
    """Loudness per 0.1 s: loud everywhere but 0.6 s pauses starting at `pauses`."""
    rng = np.random.default_rng(0)
    loudness = rng.uniform(0.01, 0.05, int(duration_s / FRAME_S)).astype(np.float32)
    for start in pauses:
        first = int(start / FRAME_S)
        loudness[first : first + 6] = 1e-6
    return loudness


def test_each_cut_falls_in_the_pause_nearest_the_target() -> None:
    pauses = [34.0, 55.0, 97.3, 140.0, 190.0, 240.0, 330.0]
    chunks = plan_chunks(_speech_with_pauses(350.0, pauses), 350.0, 100.0)
    cuts = [c.start_s for c in chunks[1:]]
    for cut in cuts:
        assert any(p <= cut <= p + 0.6 for p in pauses), cut
    # the first piece is short (the first text comes sooner), the others near the target
    assert 26 <= cuts[0] <= 40
    assert all(80 <= b - a <= 120 for a, b in itertools.pairwise(cuts))
    assert len(cuts) == 3
    assert chunks[0].start_s == 0.0 and chunks[-1].end_s == 350.0
    assert all(a.end_s == b.start_s for a, b in itertools.pairwise(chunks))
    assert [c.index for c in chunks] == list(range(len(chunks)))


def test_a_recording_shorter_than_a_piece_and_a_half_is_one_piece() -> None:
    assert plan_chunks(_speech_with_pauses(140.0, [60.0]), 140.0, 100.0) == []
    assert plan_chunks(_speech_with_pauses(400.0, [100.0]), 400.0, 0.0) == []


def test_a_very_long_recording_gets_longer_pieces_not_too_many() -> None:
    hours = 6 * 3600.0
    chunks = plan_chunks(np.full(int(hours / FRAME_S), 0.02, np.float32), hours, 60.0)
    assert 1 < len(chunks) <= MAX_CHUNKS


def test_loudness_is_read_from_the_wav_frame_by_frame(tmp_path: Path) -> None:
    rate = 16000
    samples = np.concatenate([np.full(rate, 8000), np.zeros(rate // 2), np.full(rate, 8000)])
    path = tmp_path / "a.wav"
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(rate)
        wav.writeframes(samples.astype("<i2").tobytes())
    loudness = frame_loudness(path)
    assert len(loudness) == 25
    assert loudness[12] == 0.0 and loudness[2] > 0.01
