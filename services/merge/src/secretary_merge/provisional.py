"""Speaker labels for the transcript so far of a long recording.

Each piece is diarized on its own, so its labels are its own: `SPEAKER_00` of the second
piece need not be `SPEAKER_00` of the first. Until the final clustering labels every piece
at once, a piece's speakers are matched to the speakers met in the pieces before it by
their voices (one to one, like voiceprints); a voice like none of them is someone new.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import linear_sum_assignment
from secretary_contracts import DiarizationResult, SpeakerTurn


def provisional_turns(pieces: list[DiarizationResult], same_at: float) -> list[SpeakerTurn]:
    """Every piece's turns with labels shared across pieces: a voice at least `same_at`
    alike (cosine) a speaker of an earlier piece takes that speaker's label."""
    dimension = next((len(v.embedding) for p in pieces for v in p.voices), 1)
    known: list[np.ndarray] = []  # running sum of each known speaker's unit voices
    turns: list[SpeakerTurn] = []
    for piece in pieces:
        voices = {v.speaker: np.asarray(v.embedding, dtype=np.float64) for v in piece.voices}
        local = sorted(voices)
        mapping: dict[str, str] = {}
        if known and local:
            centres = np.vstack([k / max(np.linalg.norm(k), 1e-12) for k in known])
            scores = np.vstack([voices[label] for label in local]) @ centres.T
            rows, columns = linear_sum_assignment(-scores)
            for row, column in zip(rows.tolist(), columns.tolist(), strict=True):
                if scores[row, column] >= same_at:
                    mapping[local[row]] = _label(column)
                    known[column] = known[column] + voices[local[row]]
        for label in local:
            if label not in mapping:
                mapping[label] = _label(len(known))
                known.append(voices[label].copy())
        for turn in piece.turns:
            if turn.speaker not in mapping:  # a speaker with no voice: someone new
                mapping[turn.speaker] = _label(len(known))
                known.append(np.zeros(dimension))
            turns.append(turn.model_copy(update={"speaker": mapping[turn.speaker]}))
    return turns


def _label(index: int) -> str:
    return f"SPEAKER_{index:02d}"
