"""Provisional speaker labels across pieces diarized on their own."""

from __future__ import annotations

import numpy as np
from secretary_contracts import DiarizationResult, SpeakerTurn, SpeakerVoice
from secretary_merge.provisional import provisional_turns


def _voice(label: str, direction: list[float]) -> SpeakerVoice:
    vector = np.asarray(direction, dtype=np.float64)
    unit = vector / np.linalg.norm(vector)
    return SpeakerVoice(speaker=label, embedding=unit.tolist(), speech_s=10.0)


def _piece(start: float, voices: dict[str, list[float]]) -> DiarizationResult:
    turns = [
        SpeakerTurn(start=start + 5 * n, end=start + 5 * n + 4, speaker=label)
        for n, label in enumerate(voices)
    ]
    return DiarizationResult(
        duration_s=60.0, turns=turns, voices=[_voice(k, v) for k, v in voices.items()]
    )


ANNA, BORIS, CLARA = [1.0, 0.1, 0.0], [0.0, 1.0, 0.1], [0.1, 0.0, 1.0]


def test_a_voice_keeps_its_label_when_the_next_piece_numbers_it_otherwise() -> None:
    first = _piece(0.0, {"SPEAKER_00": ANNA, "SPEAKER_01": BORIS})
    # the second piece met Boris first and Clara is new
    second = _piece(60.0, {"SPEAKER_00": BORIS, "SPEAKER_01": CLARA, "SPEAKER_02": ANNA})
    turns = provisional_turns([first, second], same_at=0.7)
    labels = [(t.start, t.speaker) for t in turns]
    assert labels == [
        (0.0, "SPEAKER_00"),
        (5.0, "SPEAKER_01"),
        (60.0, "SPEAKER_01"),
        (65.0, "SPEAKER_02"),
        (70.0, "SPEAKER_00"),
    ]


def test_two_speakers_of_one_piece_never_share_a_label() -> None:
    first = _piece(0.0, {"SPEAKER_00": ANNA})
    second = _piece(60.0, {"SPEAKER_00": [1.0, 0.12, 0.0], "SPEAKER_01": [1.0, 0.0, 0.1]})
    turns = provisional_turns([first, second], same_at=0.7)
    assert len({t.speaker for t in turns if t.start >= 60}) == 2
