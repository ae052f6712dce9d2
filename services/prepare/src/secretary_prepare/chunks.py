"""Where a long recording is cut into pieces that workers process at once: at its quietest
moments near each target length, so that no cut falls inside a word.

The decoded WAV is read once, a block at a time; what is kept is one loudness value per
0.1 s (a few MB for six hours), never the samples.
"""

from __future__ import annotations

import itertools
import wave
from pathlib import Path

import numpy as np
import numpy.typing as npt
from secretary_contracts import AUDIO_SAMPLE_RATE, MAX_CHUNKS, AudioChunk

FRAME_S = 0.1
FRAME_SAMPLES = int(AUDIO_SAMPLE_RATE * FRAME_S)
QUIET_WINDOW_FRAMES = 3
"""A cut sits in the middle of the quietest 0.3 s: shorter than most pauses between turns,
longer than the gap between two words."""
SEARCH_SHARE = 0.2
"""How far from the target length a cut may move to find quiet, as a share of the target."""
FIRST_PIECE_SHARE = 1 / 3
"""The first piece is a third of the others: its transcript, the first text a user sees,
comes after a third of the wait, for one more piece's worth of overhead."""


def frame_loudness(wav_path: Path) -> npt.NDArray[np.float32]:
    """Mean square of each 0.1 s of a 16 kHz mono PCM16 WAV, read in blocks of a minute."""
    levels: list[npt.NDArray[np.float32]] = []
    carry = np.zeros(0, dtype=np.float32)
    with wave.open(str(wav_path), "rb") as wav:
        while True:
            raw = wav.readframes(AUDIO_SAMPLE_RATE * 60)
            if not raw:
                break
            samples = np.concatenate(
                [carry, np.frombuffer(raw, dtype="<i2").astype(np.float32) / 32768.0]
            )
            whole = len(samples) // FRAME_SAMPLES * FRAME_SAMPLES
            frames = samples[:whole].reshape(-1, FRAME_SAMPLES)
            levels.append(np.mean(frames * frames, axis=1))
            carry = samples[whole:]
    if len(carry):
        levels.append(np.array([np.mean(carry * carry)], dtype=np.float32))
    return np.concatenate(levels) if levels else np.zeros(0, dtype=np.float32)


def plan_chunks(
    loudness: npt.NDArray[np.float32], duration_s: float, target_s: float
) -> list[AudioChunk]:
    """Pieces of about `target_s` each (the first a third of that), cut at the quietest 0.3 s
    within ±20 % of the length aimed at; none when the recording is one piece anyway (shorter
    than 1.5 targets) or `target_s` is 0. The target grows when needed so that there are
    never more than `MAX_CHUNKS` pieces."""
    if target_s <= 0 or duration_s < 1.5 * target_s:
        return []
    # every piece but the first is at least (1 − SEARCH_SHARE) × target long
    target_s = max(target_s, duration_s / ((1 - SEARCH_SHARE) * (MAX_CHUNKS - 2)))
    kernel = np.ones(QUIET_WINDOW_FRAMES, dtype=np.float32) / QUIET_WINDOW_FRAMES
    quiet = np.convolve(loudness, kernel, mode="same")
    cuts: list[float] = []
    start = 0.0
    length = target_s * FIRST_PIECE_SHARE
    while duration_s - start >= length + 0.5 * target_s:
        low = int((start + length * (1 - SEARCH_SHARE)) / FRAME_S)
        high = min(int((start + length * (1 + SEARCH_SHARE)) / FRAME_S), len(quiet))
        if high <= low:
            break
        cut = round((low + int(np.argmin(quiet[low:high])) + 0.5) * FRAME_S, 3)
        cuts.append(cut)
        start, length = cut, target_s
    bounds = [0.0, *cuts, round(duration_s, 3)]
    return [
        AudioChunk(index=index, start_s=begin, end_s=end)
        for index, (begin, end) in enumerate(itertools.pairwise(bounds))
    ]
