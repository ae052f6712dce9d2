"""Reads the normalised audio that the prepare stage writes: 16 kHz mono 16-bit PCM WAV."""

import wave
from pathlib import Path

import numpy as np
import numpy.typing as npt
from nats.js import JetStreamContext
from secretary_contracts import AUDIO_SAMPLE_RATE, ObjectRef

from secretary_runtime import objects

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


def pcm16_data_offset(header: bytes) -> int:
    """Where the samples start in a RIFF/WAVE file (ffmpeg writes a LIST chunk before
    `data`, so not always at byte 44)."""
    if header[:4] != b"RIFF" or header[8:12] != b"WAVE":
        raise ValueError("not a WAV file")
    position = 12
    while position + 8 <= len(header):
        kind = header[position : position + 4]
        size = int.from_bytes(header[position + 4 : position + 8], "little")
        if kind == b"data":
            return position + 8
        position += 8 + size + (size & 1)
    raise ValueError("no data chunk in the first bytes of the WAV file")


WAV_HEADER_BYTES = 4096


async def read_pcm16_span(
    js: JetStreamContext, audio: ObjectRef, start_s: float, end_s: float
) -> npt.NDArray[np.float32]:
    """The samples from `start_s` to `end_s` of the decoded audio in the Object Store,
    fetching only the object's chunks that hold them: a piece of a long recording costs
    its own size in memory, not the recording's."""
    header = b"".join(
        [
            part
            async for part in objects.read_range(js, audio.bucket, audio.name, 0, WAV_HEADER_BYTES)
        ]
    )
    offset = pcm16_data_offset(header)
    first = round(start_s * SAMPLE_RATE)
    count = max(0, round(end_s * SAMPLE_RATE) - first)
    samples = np.empty(count, dtype=np.float32)
    position = 0
    async for part in objects.read_range(
        js, audio.bucket, audio.name, offset + 2 * first, 2 * count
    ):
        values = np.frombuffer(part[: len(part) // 2 * 2], dtype="<i2")
        samples[position : position + len(values)] = values
        position += len(values)
    samples = samples[:position]
    samples /= 32768.0
    return samples
