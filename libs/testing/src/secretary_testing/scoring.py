"""Scores a transcript against the truth of a generated dialogue."""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

import jiwer

from secretary_testing.media import Utterance


def normalise(text: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"[^\w\s']", " ", text.lower())).strip()


def word_error_rate(truth: list[Utterance], transcript: dict[str, Any]) -> float:
    reference = normalise(" ".join(u.text for u in truth))
    hypothesis = normalise(" ".join(s["text"] for s in transcript["segments"]))
    return float(jiwer.wer(reference, hypothesis))


def _true_speaker(truth: list[Utterance], start: float, end: float) -> str:
    middle = (start + end) / 2
    return min(
        truth,
        key=lambda u: (
            0.0 if u.start <= middle <= u.end else min(abs(middle - u.start), abs(middle - u.end))
        ),
    ).speaker


def speaker_accuracy(truth: list[Utterance], transcript: dict[str, Any]) -> float:
    """Share of words whose label maps to the true speaker (each label mapped by majority)."""
    pairs = [
        (w["speaker"], _true_speaker(truth, w["start"], w["end"]))
        for s in transcript["segments"]
        for w in s["words"]
    ]
    if not pairs:
        return 0.0
    votes: dict[str, Counter[str]] = {}
    for label, speaker in pairs:
        votes.setdefault(label, Counter())[speaker] += 1
    mapping = {label: counter.most_common(1)[0][0] for label, counter in votes.items()}
    return sum(mapping[label] == speaker for label, speaker in pairs) / len(pairs)


def words_on_right_speaker(
    regions: list[tuple[float, float, str]], transcript: dict[str, Any]
) -> float:
    """Share of words whose label is their true speaker's, under the best one-to-one mapping
    of labels to speakers (a label left over maps to nobody)."""
    import numpy as np
    from scipy.optimize import linear_sum_assignment

    def truth_at(middle: float) -> str:
        return min(
            regions,
            key=lambda r: (
                0.0 if r[0] <= middle <= r[1] else min(abs(middle - r[0]), abs(middle - r[1]))
            ),
        )[2]

    pairs = [
        (w["speaker"], truth_at((w["start"] + w["end"]) / 2))
        for s in transcript["segments"]
        for w in s["words"]
    ]
    if not pairs:
        return 0.0
    labels = sorted({str(label) for label, _ in pairs})
    speakers = sorted({speaker for _, speaker in pairs})
    counts = np.zeros((len(labels), len(speakers)))
    for label, speaker in pairs:
        counts[labels.index(str(label)), speakers.index(speaker)] += 1
    rows, cols = linear_sum_assignment(counts, maximize=True)
    return float(counts[rows, cols].sum() / len(pairs))
