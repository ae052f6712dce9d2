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
