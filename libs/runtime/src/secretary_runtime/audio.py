"""Reads the normalised audio that the prepare stage writes: 16 kHz mono 16-bit PCM WAV."""

import wave
from pathlib import Path

import numpy as np
import numpy.typing as npt
from secretary_contracts import AUDIO_SAMPLE_RATE

SAMPLE_RATE = AUDIO_SAMPLE_RATE


def read_pcm16_wav(path: Path) -> npt.NDArray[np.float32]:
    """The whole waveform as float32 in [-1, 1]; 3 hours of audio is ~700 MB."""
    with wave.open(str(path), "rb") as wav:
        if wav.getnchannels() != 1 or wav.getsampwidth() != 2:
            raise ValueError(f"{path} is not mono 16-bit PCM")
        if wav.getframerate() != SAMPLE_RATE:
            raise ValueError(f"{path} is not {SAMPLE_RATE} Hz")
        frames = wav.getnframes()
        samples = np.empty(frames, dtype=np.float32)
        position = 0
        block = SAMPLE_RATE * 60
        while position < frames:
            raw = wav.readframes(block)
            if not raw:
                break
            chunk = np.frombuffer(raw, dtype="<i2")
            samples[position : position + len(chunk)] = chunk
            position += len(chunk)
    samples = samples[:position]
    samples /= 32768.0
    return samples
