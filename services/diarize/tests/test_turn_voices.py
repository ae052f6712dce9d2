"""Turns judged again by their own voices, on vectors made for the purpose."""

from __future__ import annotations

import io

import numpy as np
import numpy.typing as npt
import pytest
from pyannote.core import SlidingWindow, SlidingWindowFeature
from secretary_contracts import RecordingOptions, SpeakerTurn, SpeakerVoice
from secretary_diarize.engine import judge_turns
from secretary_diarize.pieces import PieceAnalysis
from secretary_diarize.turn_voices import (
    MIN_OWN_SPEECH_S,
    Stretches,
    TurnVoice,
    measure_turns,
    own_speech,
    regroup,
    relabel,
    turn_voices,
)

DIMENSION = 16


def direction(index: int, noise: float = 0.0, seed: int = 0) -> npt.NDArray[np.float64]:
    vector = np.zeros(DIMENSION)
    vector[index] = 1.0
    vector += noise * np.random.default_rng(seed).standard_normal(DIMENSION)
    return vector / np.linalg.norm(vector)


def turn(start: float, end: float, speaker: str) -> SpeakerTurn:
    return SpeakerTurn(start=start, end=end, speaker=speaker)


def test_own_speech_leaves_out_everyone_elses_turns() -> None:
    turns = [turn(0.0, 10.0, "A"), turn(3.0, 4.0, "B"), turn(6.0, 6.2, "C"), turn(9.9, 12.0, "B")]
    parts = own_speech(turns)
    assert parts[0] == [(0.0, 3.0), (4.0, 6.0), (6.2, 9.9)]
    assert parts[1] == []  # wholly under A's turn: nobody's own
    assert parts[2] == []  # wholly under A's turn and too short besides
    assert parts[3] == [(10.0, 12.0)]


def test_a_turn_on_the_wrong_speaker_moves_to_its_own_voice() -> None:
    voices = [TurnVoice(direction(0, 0.1, s), 5.0) for s in range(4)]
    voices += [TurnVoice(direction(1, 0.1, s), 5.0) for s in range(4, 8)]
    labels = [0, 0, 0, 1, 1, 1, 1, 1]  # the fourth turn of the first voice went astray
    assert regroup(voices, labels, merge_at=None) == [0, 0, 0, 0, 1, 1, 1, 1]


def test_one_voice_split_in_two_becomes_one_speaker_and_two_voices_stay_two() -> None:
    first = [TurnVoice(direction(0, 0.05, s), 4.0) for s in range(6)]
    second = [TurnVoice(direction(1, 0.05, s), 4.0) for s in range(6, 9)]
    labels = [0, 0, 0, 2, 2, 2, 1, 1, 1]
    assert regroup(first + second, labels) == [0, 0, 0, 0, 0, 0, 1, 1, 1]  # the later label joins
    # merging stops at the number of speakers asked for
    assert len(set(regroup(first + second, labels, keep=3))) == 3


def test_unmeasured_turns_keep_their_speaker_and_follow_a_merge() -> None:
    voices: list[TurnVoice | None] = [
        TurnVoice(direction(0, 0.05, 1), 4.0),
        None,
        TurnVoice(direction(0, 0.05, 2), 4.0),
        None,
        TurnVoice(direction(1, 0.05, 3), 4.0),
    ]
    assert regroup(voices, [0, 0, 1, 1, 2]) == [0, 0, 0, 0, 2]
    assert regroup(voices, [0, 0, 1, 1, 2], merge_at=None) == [0, 0, 1, 1, 2]


def test_relabelled_turns_keep_the_voices_of_the_speakers_that_remain() -> None:
    turns = [turn(0, 4, "SPEAKER_00"), turn(4, 8, "SPEAKER_01"), turn(8, 12, "SPEAKER_02")]
    measured = [TurnVoice(direction(0, 0.05, 1), 4.0), TurnVoice(direction(0, 0.05, 2), 4.0)]
    measured.append(TurnVoice(direction(1), 4.0))
    voices = [
        SpeakerVoice(speaker=f"SPEAKER_0{i}", embedding=list(direction(i)), speech_s=4.0)
        for i in range(3)
    ]
    moved, remaining = relabel(turns, list(measured), voices)
    assert [t.speaker for t in moved] == ["SPEAKER_00", "SPEAKER_00", "SPEAKER_02"]
    assert [(v.speaker, v.speech_s) for v in remaining] == [
        ("SPEAKER_00", 8.0),
        ("SPEAKER_02", 4.0),
    ]
    assert remaining[0].embedding == voices[0].embedding


def test_each_turn_is_embedded_from_its_own_audio() -> None:
    """The embedder sees exactly the samples of each turn's own speech."""
    rate = 16000
    audio = np.concatenate([np.full(2 * rate, 0.1), np.full(2 * rate, 0.9)]).astype(np.float32)

    def embed(samples: npt.NDArray[np.float32]) -> npt.NDArray[np.float64]:
        return direction(0) if float(samples.mean()) < 0.5 else direction(1)

    turns = [turn(10.0, 12.0, "A"), turn(12.0, 14.0, "A"), turn(13.8, 14.0, "B")]
    measured = measure_turns(turns, audio, embed, offset_s=10.0)
    assert measured[0] is not None and measured[0].vector[0] == 1.0
    assert measured[1] is not None and measured[1].vector[1] == 1.0
    assert measured[1].seconds == pytest.approx(1.8)
    assert measured[2] is None and MIN_OWN_SPEECH_S > 0.2


def test_a_speaker_count_the_user_gave_is_kept() -> None:
    rate = 16000
    audio = np.zeros(12 * rate, dtype=np.float32)
    turns = [turn(0, 4, "SPEAKER_00"), turn(4, 8, "SPEAKER_01"), turn(8, 12, "SPEAKER_02")]
    voices = [
        SpeakerVoice(speaker=f"SPEAKER_0{i}", embedding=list(direction(0)), speech_s=4.0)
        for i in range(3)
    ]

    def embed(samples: npt.NDArray[np.float32]) -> npt.NDArray[np.float64]:
        return direction(0)  # three turns that all sound alike

    measured = measure_turns(turns, audio, embed)
    merged, _ = judge_turns(turns, voices, measured, RecordingOptions())
    assert len({t.speaker for t in merged}) == 1
    kept, kept_voices = judge_turns(turns, voices, measured, RecordingOptions(num_speakers=3))
    assert len({t.speaker for t in kept}) == 3 and len(kept_voices) == 3
    floor, _ = judge_turns(turns, voices, measured, RecordingOptions(min_speakers=2))
    assert len({t.speaker for t in floor}) == 2


def test_a_turn_takes_the_voices_of_the_stretches_measured_under_it() -> None:
    """In pieces, the stretches were measured under the piece's own labels; a final turn
    weighs each by how long it runs under the turn's own speech."""
    stretches = Stretches(
        np.array([[0.0, 3.0], [3.0, 4.0], [10.0, 12.0]]),
        np.vstack([direction(0), direction(1), direction(2)]),
    )
    turns = [turn(0.0, 4.0, "A"), turn(10.0, 11.0, "B"), turn(20.0, 25.0, "A")]
    first, second, third = turn_voices(turns, stretches)
    assert first is not None and first.seconds == pytest.approx(4.0)
    assert first.vector @ direction(0) > first.vector @ direction(1) > 0.0
    assert second is not None and second.seconds == pytest.approx(1.0)
    assert second.vector @ direction(2) == pytest.approx(1.0)
    assert third is None  # nothing measured there


def test_stretches_travel_with_a_piece_and_an_older_piece_reads_as_none() -> None:
    window = SlidingWindow(start=0.0, duration=10.0, step=3.3)
    piece = PieceAnalysis(
        0.0,
        0.0,
        20.0,
        SlidingWindowFeature(np.zeros((4, 10, 3), dtype=np.float32), window),
        SlidingWindowFeature(np.zeros((40, 1), dtype=np.int8), window),
        np.zeros((4, 3, DIMENSION), dtype=np.float32),
        Stretches(np.array([[1.0, 2.5]]), direction(3)[None, :]),
    )
    read = PieceAnalysis.from_bytes(piece.to_bytes())
    assert read.stretches.spans.tolist() == [[1.0, 2.5]]
    assert read.stretches.vectors[0] @ direction(3) == pytest.approx(1.0, abs=1e-6)
    with np.load(io.BytesIO(piece.to_bytes())) as stored:
        older = {k: stored[k] for k in stored.files if not k.startswith("stretch")}
    buffer = io.BytesIO()
    np.savez_compressed(buffer, **older)
    assert len(PieceAnalysis.from_bytes(buffer.getvalue()).stretches.spans) == 0
