"""The bundled offline diarization pipeline, for real, on generated voices."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from secretary_contracts import RecordingOptions, SpeakerTurn
from secretary_diarize.bundle import bundled_pipeline_dir
from secretary_diarize.engine import Diarizer
from secretary_diarize.settings import DiarizeSettings
from secretary_runtime.audio import read_pcm16_wav
from secretary_testing.media import Utterance


@pytest.fixture(scope="module")
def diarizer(tmp_path_factory: pytest.TempPathFactory) -> Diarizer:
    cache = tmp_path_factory.mktemp("models")
    return Diarizer(DiarizeSettings(model_cache_dir=cache, torch_threads=2))


def _speaker_at(turns: list[SpeakerTurn], t: float) -> str | None:
    covering = [turn for turn in turns if turn.start <= t <= turn.end]
    return covering[0].speaker if covering else None


def test_two_voices_are_told_apart(
    diarizer: Diarizer, dialogue: tuple[Path, list[Utterance]]
) -> None:
    wav, truth = dialogue
    reported: list[float] = []
    result = diarizer.diarize(read_pcm16_wav(wav), RecordingOptions(), reported.append)
    assert len({t.speaker for t in result.turns}) == 2
    votes: dict[str, Counter[str]] = {}
    for utterance in truth:
        label = _speaker_at(result.turns, (utterance.start + utterance.end) / 2)
        assert label is not None
        votes.setdefault(utterance.speaker, Counter())[label] += 1
    assert all(len(counter) == 1 for counter in votes.values()), votes
    assert votes["alice"].most_common(1)[0][0] != votes["bob"].most_common(1)[0][0]
    assert reported and max(reported) <= 1.0 and reported == sorted(reported)


def test_speaker_count_options_are_honoured(
    diarizer: Diarizer, dialogue: tuple[Path, list[Utterance]]
) -> None:
    wav, _ = dialogue
    audio = read_pcm16_wav(wav)
    forced = diarizer.diarize(audio, RecordingOptions(num_speakers=3), lambda _: None)
    assert len({t.speaker for t in forced.turns}) == 3
    capped = diarizer.diarize(audio, RecordingOptions(max_speakers=1), lambda _: None)
    assert len({t.speaker for t in capped.turns}) == 1


def test_bundle_is_built_once(tmp_path: Path) -> None:
    first = bundled_pipeline_dir(tmp_path)
    stamp = (first / "config.yaml").stat().st_mtime_ns
    assert bundled_pipeline_dir(tmp_path) == first
    assert (first / "config.yaml").stat().st_mtime_ns == stamp
