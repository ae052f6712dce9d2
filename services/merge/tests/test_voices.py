"""Recognising speakers among an owner's people."""

from __future__ import annotations

import numpy as np
from secretary_contracts import Speaker, SpeakerVoice
from secretary_contracts.voiceprints import VoiceprintPerson
from secretary_merge.voices import Thresholds, named_speakers, recognise

THRESHOLDS = Thresholds(name_at=0.6, suggest_at=0.45)


def _unit(*values: float) -> list[float]:
    vector = np.array(values, dtype=np.float64)
    return (vector / np.linalg.norm(vector)).tolist()


def _voice(label: str, *values: float) -> SpeakerVoice:
    return SpeakerVoice(speaker=label, embedding=_unit(*values), speech_s=30.0)


def test_people_are_named_suggested_or_left_alone_by_score() -> None:
    maria = VoiceprintPerson(person_id="p1", name="Maria", embeddings=[_unit(1, 0, 0)])
    tom = VoiceprintPerson(person_id="p2", name="Tom", embeddings=[_unit(0, 1, 0)])
    voices = [
        _voice("SPEAKER_00", 1, 0.1, 0),  # Maria, clearly
        _voice("SPEAKER_01", 0.3, 1, 1.5),  # closest to Tom, but not by much: a suggestion
        _voice("SPEAKER_02", 0, 0, 1),  # nobody known
    ]
    recognised = recognise(voices, [maria, tom], THRESHOLDS)
    assert set(recognised) == {"SPEAKER_00", "SPEAKER_01"}
    assert recognised["SPEAKER_00"][0].name == "Maria" and recognised["SPEAKER_00"][1].applied
    assert recognised["SPEAKER_01"][0].name == "Tom" and not recognised["SPEAKER_01"][1].applied
    speakers = named_speakers([Speaker(id=f"SPEAKER_0{i}") for i in range(3)], recognised)
    assert [(s.name, s.person_id) for s in speakers] == [
        ("Maria", "p1"),
        (None, "p2"),
        (None, None),
    ]
    assert speakers[0].match is not None and speakers[0].match.score > 0.99


def test_two_speakers_never_become_the_same_person() -> None:
    maria = VoiceprintPerson(
        person_id="p1", name="Maria", embeddings=[_unit(1, 0, 0), _unit(0.9, 0.1, 0)]
    )
    voices = [_voice("SPEAKER_00", 1, 0.05, 0), _voice("SPEAKER_01", 1, 0.2, 0)]
    recognised = recognise(voices, [maria], THRESHOLDS)
    assert list(recognised) == ["SPEAKER_00"]


def test_nobody_known_or_no_voices_means_no_names() -> None:
    nobody = VoiceprintPerson(person_id="p", name="X", embeddings=[])
    assert recognise([], [nobody], THRESHOLDS) == {}
    assert recognise([_voice("SPEAKER_00", 1, 0, 0)], [nobody], THRESHOLDS) == {}
    assert recognise([_voice("SPEAKER_00", 1, 0, 0)], [], THRESHOLDS) == {}
