"""The bundled multilingual Whisper base, for real, on generated speech and on silence."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from secretary_asr.engine import Transcriber, resolve_compute_type
from secretary_asr.models import BUNDLED_MODEL_BYTES, bundled_model_dir
from secretary_asr.settings import AsrSettings
from secretary_contracts import ErrorCode
from secretary_runtime.audio import read_pcm16_wav
from secretary_runtime.jobs import JobRejected
from secretary_testing.media import Utterance
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


def test_silence_and_noise_give_no_speech_not_invented_text(transcriber: Transcriber) -> None:
    rng = np.random.default_rng(7)
    quiet_noise = (rng.standard_normal(16000 * 20) * 0.003).astype(np.float32)
    with pytest.raises(JobRejected) as raised:
        transcriber.transcribe(quiet_noise, None, lambda _: None)
    assert raised.value.code == ErrorCode.NO_SPEECH
    with pytest.raises(JobRejected):
        transcriber.transcribe(np.zeros(16000 * 10, dtype=np.float32), "en", lambda _: None)


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
