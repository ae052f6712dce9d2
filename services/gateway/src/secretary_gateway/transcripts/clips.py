"""A short voice clip of one speaker, so that a person can tell who it is: the clearest
stretch of their speech, cut from the prepared audio and encoded as Ogg/Opus."""

from __future__ import annotations

import bisect
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


def _merged(intervals: list[tuple[float, float]]) -> list[Span]:
    """The time covered by any of `intervals`, as disjoint spans in order."""
    merged: list[Span] = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1].end:
            merged[-1] = Span(merged[-1].start, max(merged[-1].end, end))
        else:
            merged.append(Span(start, end))
    return merged


def _free_of(start: float, end: float, busy: list[Span], busy_ends: list[float]) -> list[Span]:
    """The parts of [start, end] outside `busy` (disjoint, in order; `busy_ends` their ends):
    only the busy spans that reach into it are looked at."""
    free, at = [], start
    for index in range(bisect.bisect_right(busy_ends, start), len(busy)):
        taken = busy[index]
        if taken.start >= end:
            break
        if taken.start > at:
            free.append(Span(at, taken.start))
        at = max(at, taken.end)
    if at < end:
        free.append(Span(at, end))
    return free


def clearest_span(transcript: Transcript, speaker: str, max_s: float = CLIP_MAX_S) -> Span | None:
    """The speaker's longest stretch that nobody talks over, weighted by how sure the speech
    model was of its words, at most `max_s` long and ending on a word's end. Linear in the
    segments but for one sort, however many there are."""
    busy = _merged([(s.start, s.end) for s in transcript.segments if s.speaker != speaker])
    busy_ends = [span.end for span in busy]
    best: tuple[float, Span] | None = None
    for segment in transcript.segments:
        if segment.speaker != speaker:
            continue
        confidence = segment.confidence if segment.confidence is not None else 0.5
        for span in _free_of(segment.start, segment.end, busy, busy_ends):
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
