"""Each speaker turn judged again by its own voice, after the clustering.

The clustering labels ten-second windows: a window holds up to three local speakers, and a
local speaker's embedding is blurred by whoever else speaks in the window, so a whole turn
can land on a similar voice. Once the turns are known, each turn's own speech (the turn
without anyone else's) is embedded by itself and the turns are clustered again around those
cleaner vectors (a cosine k-means started from the clustering's labels); two speakers whose
turns then sound alike are one person split in two and are merged.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from secretary_contracts import AUDIO_SAMPLE_RATE, SpeakerTurn, SpeakerVoice

from secretary_diarize.clustering import merge_alike_clusters, nearest_centroid_labels

FloatArray = npt.NDArray[np.float64]
Embed = Callable[[npt.NDArray[np.float32]], FloatArray]

MIN_PART_S = 0.3
"""Shorter stretches of a turn's own speech are not embedded: CAM++ needs a few syllables."""
MIN_OWN_SPEECH_S = 0.5
"""A turn with less own speech keeps the clustering's label (chosen on bench/diarization.py's
tuning half, against 1 s)."""
MERGE_AT = 0.85
"""Two speakers whose turns' mean voices are at least this alike become one (chosen on the
tuning half against 0.8 and 0.9)."""
ITERATIONS = 5


@dataclass(frozen=True)
class TurnVoice:
    vector: FloatArray
    """Unit embedding of the turn's own speech."""
    seconds: float


def own_speech(turns: Sequence[SpeakerTurn]) -> list[list[tuple[float, float]]]:
    """Each turn's stretches of at least `MIN_PART_S` where no other speaker's turn runs."""
    result = []
    for turn in turns:
        others = sorted(
            (other.start, other.end)
            for other in turns
            if other.speaker != turn.speaker and other.start < turn.end and other.end > turn.start
        )
        parts, cursor = [], turn.start
        for start, end in others:
            if start > cursor:
                parts.append((cursor, min(start, turn.end)))
            cursor = max(cursor, end)
            if cursor >= turn.end:
                break
        if cursor < turn.end:
            parts.append((cursor, turn.end))
        result.append([(s, e) for s, e in parts if e - s >= MIN_PART_S])
    return result


@dataclass(frozen=True)
class Stretches:
    """Stretches of one speaker's speech, each with its own voice: what a piece of a long
    recording keeps for the final judgement, when its audio is no longer at hand."""

    spans: FloatArray
    """(n, 2) start and end, in the recording's seconds."""
    vectors: FloatArray
    """(n, dimension) unit embeddings."""

    @classmethod
    def empty(cls) -> Stretches:
        return cls(np.zeros((0, 2)), np.zeros((0, 0)))

    @classmethod
    def join(cls, parts: Sequence[Stretches]) -> Stretches:
        kept = [p for p in parts if len(p.spans)]
        if not kept:
            return cls.empty()
        return cls(np.vstack([p.spans for p in kept]), np.vstack([p.vectors for p in kept]))


def measure_stretches(
    turns: Sequence[SpeakerTurn],
    audio: npt.NDArray[np.float32],
    embed: Embed,
    offset_s: float = 0.0,
    min_own_speech_s: float = 0.0,
) -> Stretches:
    """The voice of every stretch of the turns' own speech (`own_speech`), for the turns
    with at least `min_own_speech_s` of it; `audio` starts at `offset_s` of the recording."""
    spans, vectors = [], []
    for parts in own_speech(turns):
        if sum(e - s for s, e in parts) < min_own_speech_s:
            continue
        for start, end in parts:
            first = max(0, round((start - offset_s) * AUDIO_SAMPLE_RATE))
            last = round((end - offset_s) * AUDIO_SAMPLE_RATE)
            vector = _unit(embed(audio[first:last]))
            if np.all(np.isfinite(vector)):
                spans.append((start, end))
                vectors.append(vector)
    if not spans:
        return Stretches.empty()
    return Stretches(np.array(spans, dtype=np.float64), np.vstack(vectors))


def turn_voices(
    turns: Sequence[SpeakerTurn],
    stretches: Stretches,
    min_own_speech_s: float = MIN_OWN_SPEECH_S,
) -> list[TurnVoice | None]:
    """The voice of each turn with at least `min_own_speech_s` of its own speech measured:
    the measured stretches under it, weighted by how long they run under it."""
    voices: list[TurnVoice | None] = []
    starts, ends = stretches.spans[:, 0], stretches.spans[:, 1]
    for parts in own_speech(turns):
        weights = np.zeros(len(starts))
        for start, end in parts:
            weights += np.clip(np.minimum(end, ends) - np.maximum(start, starts), 0.0, None)
        seconds = float(weights.sum())
        if seconds < min_own_speech_s or seconds <= 0.0:
            voices.append(None)
            continue
        voices.append(TurnVoice(_unit(weights @ stretches.vectors), seconds))
    return voices


def measure_turns(
    turns: Sequence[SpeakerTurn],
    audio: npt.NDArray[np.float32],
    embed: Embed,
    offset_s: float = 0.0,
    min_own_speech_s: float = MIN_OWN_SPEECH_S,
) -> list[TurnVoice | None]:
    """The voice of each turn with at least `min_own_speech_s` of its own speech."""
    measured = measure_stretches(turns, audio, embed, offset_s, min_own_speech_s)
    return turn_voices(turns, measured, min_own_speech_s)


def _unit(vector: FloatArray) -> FloatArray:
    vector = np.asarray(vector, dtype=np.float64).reshape(-1)
    return vector / max(float(np.linalg.norm(vector)), 1e-12)


def regroup(
    voices: Sequence[TurnVoice | None],
    labels: Sequence[int],
    merge_at: float | None = MERGE_AT,
    keep: int = 1,
    iterations: int = ITERATIONS,
) -> list[int]:
    """New cluster labels for the turns: the measured turns go through the clustering's own
    cosine k-means, weighted by their speech, then its merge of alike clusters at `merge_at`
    (`secretary_diarize.clustering`); unmeasured turns keep their label and follow a merge.
    No step leaves fewer than `keep` clusters of measured turns."""
    result = np.array(labels, dtype=np.int64)
    measured = np.array([voice is not None for voice in voices], dtype=bool)
    if not measured.any():
        return result.tolist()
    unit = np.vstack([voice.vector for voice in voices if voice is not None])
    seconds = np.array([voice.seconds for voice in voices if voice is not None])
    moved = nearest_centroid_labels(unit, result[measured], seconds, iterations, keep)
    merged = moved
    if merge_at is not None:
        merged = merge_alike_clusters(unit, moved, merge_at, keep, seconds)
    absorbed = {int(a): int(b) for a, b in zip(moved, merged, strict=True)}
    result[measured] = merged
    result[~measured] = [absorbed.get(int(label), int(label)) for label in result[~measured]]
    return result.tolist()


def relabel(
    turns: Sequence[SpeakerTurn],
    voices: Sequence[TurnVoice | None],
    speaker_voices: Sequence[SpeakerVoice],
    merge_at: float | None = MERGE_AT,
    keep: int = 1,
) -> tuple[list[SpeakerTurn], list[SpeakerVoice]]:
    """The turns under their regrouped speakers, and the voices of the speakers that remain
    (a speaker keeps the clustering's voice, which voiceprints are calibrated on)."""
    names = sorted({t.speaker for t in turns})
    labels = regroup(voices, [names.index(t.speaker) for t in turns], merge_at, keep)
    moved = [
        turn.model_copy(update={"speaker": names[label]})
        for turn, label in zip(turns, labels, strict=True)
    ]
    speech: dict[str, float] = {}
    for turn, parts in zip(moved, own_speech(moved), strict=True):
        speech[turn.speaker] = speech.get(turn.speaker, 0.0) + sum(e - s for s, e in parts)
    remaining = [
        voice.model_copy(update={"speech_s": round(speech[voice.speaker], 3)})
        for voice in speaker_voices
        if voice.speaker in speech
    ]
    return moved, remaining
