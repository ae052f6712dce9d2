"""A short voice clip of one speaker, so that a person can tell who it is: the clearest
stretch of their speech, cut from the prepared audio and encoded as Ogg/Opus."""

from __future__ import annotations

import io
import struct
from dataclasses import dataclass

import av
import numpy as np
from secretary_contracts import AUDIO_SAMPLE_RATE, Transcript

CLIP_MAX_S = 10.0
# a breath either side, so the first and last words are not cut
PADDING_S = 0.15
BYTES_PER_SAMPLE = 2
WAV_HEADER_MAX_BYTES = 4096


@dataclass(frozen=True)
class Span:
    start: float
    end: float


def _free_of(start: float, end: float, others: list[tuple[float, float]]) -> list[Span]:
    """The parts of [start, end] that no one else speaks in."""
    free = [Span(start, end)]
    for other_start, other_end in others:
        cut = []
        for span in free:
            if other_end <= span.start or other_start >= span.end:
                cut.append(span)
                continue
            if other_start > span.start:
                cut.append(Span(span.start, other_start))
            if other_end < span.end:
                cut.append(Span(other_end, span.end))
        free = cut
    return free


def clearest_span(transcript: Transcript, speaker: str, max_s: float = CLIP_MAX_S) -> Span | None:
    """The speaker's longest stretch that nobody talks over, weighted by how sure the speech
    model was of its words, at most `max_s` long and ending on a word's end."""
    others = [(s.start, s.end) for s in transcript.segments if s.speaker != speaker]
    best: tuple[float, Span] | None = None
    for segment in transcript.segments:
        if segment.speaker != speaker:
            continue
        confidence = segment.confidence if segment.confidence is not None else 0.5
        for span in _free_of(segment.start, segment.end, others):
            if span.end - span.start > max_s:
                word_ends = [
                    w.end
                    for w in segment.words
                    if span.start < w.end <= span.start + max_s and w.start >= span.start
                ]
                span = Span(span.start, max(word_ends, default=span.start + max_s))
            value = (span.end - span.start) * (0.5 + confidence)
            if best is None or value > best[0]:
                best = (value, span)
    if best is None or best[1].end - best[1].start <= 0:
        return None
    span = best[1]
    return Span(max(0.0, span.start - PADDING_S), min(transcript.duration_s, span.end + PADDING_S))


def wav_data_offset(header: bytes) -> int:
    """Where the samples of a RIFF/WAVE file begin (after `fmt `, `LIST` or other chunks)."""
    if header[:4] != b"RIFF" or header[8:12] != b"WAVE":
        raise ValueError("the prepared audio is not a WAV file")
    position = 12
    while position + 8 <= len(header):
        chunk_id = header[position : position + 4]
        (size,) = struct.unpack("<I", header[position + 4 : position + 8])
        if chunk_id == b"data":
            return position + 8
        position += 8 + size + (size & 1)
    raise ValueError("no data chunk in the prepared audio's header")


def byte_range(span: Span, data_offset: int) -> tuple[int, int]:
    """The byte offset and length of `span` in a mono 16-bit WAV at the pipeline's rate."""
    first = int(span.start * AUDIO_SAMPLE_RATE)
    last = int(span.end * AUDIO_SAMPLE_RATE)
    return data_offset + first * BYTES_PER_SAMPLE, (last - first) * BYTES_PER_SAMPLE


def to_ogg_opus(pcm16: bytes, sample_rate: int = AUDIO_SAMPLE_RATE) -> bytes:
    """Mono 16-bit PCM as an Ogg/Opus file: what Telegram plays as a voice message."""
    samples = np.frombuffer(pcm16[: len(pcm16) - len(pcm16) % 2], dtype="<i2")
    target = io.BytesIO()
    with av.open(target, "w", format="ogg") as container:
        stream = container.add_stream("libopus", rate=sample_rate)
        stream.layout = "mono"
        stream.bit_rate = 32_000
        frame = av.AudioFrame.from_ndarray(samples.reshape(1, -1), format="s16", layout="mono")
        frame.sample_rate = sample_rate
        for packet in stream.encode(frame):
            container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)
    return target.getvalue()
