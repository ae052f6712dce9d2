"""The bundled multilingual Whisper base, for real, on generated speech and on silence."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from secretary_asr.engine import Transcriber, resolve_compute_type
from secretary_asr.language import LanguageGuess, spread_windows, vote
from secretary_asr.models import BUNDLED_MODEL_BYTES, bundled_model_dir
from secretary_asr.settings import AsrSettings
from secretary_contracts import ErrorCode
from secretary_runtime.audio import read_pcm16_wav
from secretary_runtime.jobs import JobRejected
from secretary_testing.media import Utterance, make_dialogue
from secretary_testing.meetings import MeetingPlan, VoiceRenderer, make_meeting
from secretary_testing.scoring import normalise


@pytest.fixture(scope="module")
def transcriber() -> Transcriber:
    return Transcriber(AsrSettings(cpu_threads=2))


def test_bundled_model_is_assembled_once(tmp_path: Path) -> None:
    first = bundled_model_dir(tmp_path)
    assert (first / "model.bin").stat().st_size == BUNDLED_MODEL_BYTES
    stamp = (first / "model.bin").stat().st_mtime_ns
    assert bundled_model_dir(tmp_path) == first
    assert (first / "model.bin").stat().st_mtime_ns == stamp


def test_compute_type_follows_the_device() -> None:
    assert resolve_compute_type("auto", "cuda") == "float16"
    assert resolve_compute_type("auto", "cpu") == "int8"
    assert resolve_compute_type("int8_float16", "cuda") == "int8_float16"


def test_dialogue_words_come_with_times_in_order(
    transcriber: Transcriber, dialogue: tuple[Path, list[Utterance]]
) -> None:
    wav, truth = dialogue
    reported: list[float] = []
    result = transcriber.transcribe(read_pcm16_wav(wav), None, reported.append)
    assert result.language == "en"
    text = normalise(" ".join(w.word for w in result.words))
    assert "budget" in text and "tuesday afternoon" in text
    starts = [w.start for w in result.words]
    assert starts == sorted(starts)
    assert all(w.end >= w.start for w in result.words)
    assert result.words[-1].end <= truth[-1].end + 1.0
    assert reported and reported == sorted(reported) and reported[-1] <= 1.0


def test_silence_noise_and_music_give_no_words_not_invented_text(
    transcriber: Transcriber,
) -> None:
    rng = np.random.default_rng(7)
    quiet_noise = (rng.standard_normal(16000 * 20) * 0.003).astype(np.float32)
    assert transcriber.transcribe(quiet_noise, None, lambda _: None).words == []
    silence = np.zeros(16000 * 10, dtype=np.float32)
    assert transcriber.transcribe(silence, "en", lambda _: None).words == []
    # a chord of sustained tones with a slow tremolo: music-like, not speech
    t = np.arange(16000 * 20) / 16000
    chord = sum(np.sin(2 * np.pi * f * t) for f in (220.0, 277.2, 329.6, 440.0))
    music = (0.1 * chord * (0.75 + 0.25 * np.sin(2 * np.pi * 0.5 * t))).astype(np.float32)
    assert transcriber.transcribe(music, None, lambda _: None).words == []


def test_language_can_be_forced_or_is_refused_when_unknown(
    transcriber: Transcriber, dialogue: tuple[Path, list[Utterance]]
) -> None:
    assert transcriber.check_language("EN") == "en"
    assert transcriber.check_language(None) is None
    with pytest.raises(JobRejected) as raised:
        transcriber.check_language("klingon")
    assert raised.value.code == ErrorCode.UNSUPPORTED_LANGUAGE
    wav, _ = dialogue
    audio = read_pcm16_wav(wav)[: 16000 * 10]
    assert transcriber.transcribe(audio, "de", lambda _: None).language == "de"


def test_language_is_voted_over_the_whole_call(transcriber: Transcriber, tmp_path: Path) -> None:
    plan = MeetingPlan("call-en", "en", 3, seed=5, minutes=1.5)
    make_meeting(plan, tmp_path / "call.wav", VoiceRenderer(tmp_path / "voices"))
    # noise first: the opening alone says nothing about the language
    rng = np.random.default_rng(3)
    intro = (rng.standard_normal(16000 * 40) * 0.01).astype(np.float32)
    audio = np.concatenate([intro, read_pcm16_wav(tmp_path / "call.wav")])
    result = transcriber.transcribe(audio, None, lambda _: None)
    assert result.language == "en"
    assert result.language_probability is not None and result.language_probability > 0.5


def test_the_vote_is_weighted_by_how_sure_each_window_is() -> None:
    # the opening minutes sound Czech; the rest of the call is plainly Russian
    windows = [
        [("cs", 0.55), ("ru", 0.30), ("pl", 0.15)],
        [("ru", 0.80), ("uk", 0.15), ("cs", 0.05)],
        [("ru", 0.70), ("bg", 0.20), ("cs", 0.10)],
        [("uk", 0.45), ("ru", 0.40), ("cs", 0.15)],
    ]
    guess = vote(windows, {"ru", "uk", "cs", "pl"})
    assert guess == LanguageGuess("ru", 0.55)
    assert vote([], {"ru"}) == LanguageGuess(None, None)


def test_windows_spread_from_the_first_to_the_last_speech() -> None:
    speech = np.arange(16000 * 300, dtype=np.float32)
    windows = spread_windows(speech, 4)
    assert len(windows) == 4
    assert windows[0][0] == 0 and windows[-1][-1] == speech[-1]
    assert all(len(w) == 16000 * 30 for w in windows)
    assert len(spread_windows(speech[: 16000 * 20], 4)) == 1


def test_pieces_written_without_a_space_are_marked_attached(
    transcriber: Transcriber, tmp_path: Path
) -> None:
    from secretary_contracts.text import join_words

    wav = tmp_path / "numbers.wav"
    make_dialogue(
        wav,
        [("alice", "The budget is 40,000 euros, up 2.5 percent, and we meet at 10:30.")],
    )
    result = transcriber.transcribe(read_pcm16_wav(wav), "en", lambda _: None)
    text = join_words(result.words)
    assert not result.words[0].attached
    assert " ,0" not in text and " .5" not in text and " :3" not in text, text
    # whether Whisper base hears forty or four thousand varies; the number must read joined
    assert re.search(r"\b\d{1,3}([, ]\d{3})+\b|\b\d{4,}\b", text), text


def test_the_owners_vocabulary_is_given_to_the_decoder(
    transcriber: Transcriber,
    dialogue: tuple[Path, list[Utterance]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    wav, _ = dialogue
    audio = read_pcm16_wav(wav)
    decoded = transcriber.pipeline.transcribe
    prompts: list[object] = []

    def recorded(*args: Any, **kwargs: Any) -> Any:
        prompts.append(kwargs.get("hotwords"))
        return decoded(*args, **kwargs)

    monkeypatch.setattr(transcriber.pipeline, "transcribe", recorded)
    result = transcriber.transcribe(audio, "en", lambda _: None, ["Tuesday", "budget"])
    plain = transcriber.transcribe(audio, "en", lambda _: None)
    assert prompts == ["Tuesday, budget", None]
    text = normalise(" ".join(w.word for w in result.words))
    assert "budget" in text and "tuesday" in text
    # the hotwords prompt the decoder; they are not written into the transcript
    assert len(result.words) == pytest.approx(len(plain.words), abs=3)
