"""Speech recognition with word timestamps; loaded once per process, used for every job."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
from faster_whisper import BatchedInferencePipeline, WhisperModel
from secretary_contracts import AUDIO_SAMPLE_RATE, AsrResult, ErrorCode, Word
from secretary_runtime.jobs import JobRejected

from secretary_asr.language import LanguageGuess, detect_language
from secretary_asr.models import resolve_model
from secretary_asr.settings import AsrSettings

logger = logging.getLogger(__name__)

SAMPLE_RATE = AUDIO_SAMPLE_RATE
# Whisper's own rule for a window it should not have transcribed (batched decoding skips it).
NO_SPEECH_PROBABILITY = 0.6
NO_SPEECH_LOGPROB = -1.0


def resolve_device(device: str) -> str:
    if device != "auto":
        return device
    import ctranslate2

    return "cuda" if ctranslate2.get_cuda_device_count() > 0 else "cpu"


def resolve_compute_type(compute_type: str, device: str) -> str:
    if compute_type != "auto":
        return compute_type
    return "float16" if device == "cuda" else "int8"


class Transcriber:
    def __init__(self, settings: AsrSettings) -> None:
        self.settings = settings
        self.device = resolve_device(settings.device)
        self.compute_type = resolve_compute_type(settings.compute_type, self.device)
        model_path = resolve_model(settings.model_path, settings.model_cache_dir)
        self.model = WhisperModel(
            model_path,
            device=self.device,
            compute_type=self.compute_type,
            cpu_threads=settings.cpu_threads,
            download_root=str(settings.model_cache_dir),
            local_files_only=True,
        )
        self.pipeline = BatchedInferencePipeline(self.model)
        self._aligners: dict[str, tuple[Any, dict[str, Any]]] = {}
        logger.info(
            "speech model loaded",
            extra={
                "fields": {
                    "model": model_path,
                    "device": self.device,
                    "compute_type": self.compute_type,
                    "multilingual": self.model.model.is_multilingual,
                }
            },
        )

    def check_language(self, language: str | None) -> str | None:
        requested = language or (
            None if self.settings.language == "auto" else self.settings.language
        )
        if requested is None:
            return None if self.model.model.is_multilingual else "en"
        requested = requested.lower()
        if requested not in self.model.supported_languages:
            raise JobRejected(
                ErrorCode.UNSUPPORTED_LANGUAGE,
                f"The speech model does not support the language '{requested}'.",
            )
        return requested

    def transcribe(
        self,
        audio: npt.NDArray[np.float32],
        language: str | None,
        on_progress: Callable[[float], None],
        vocabulary: Sequence[str] = (),
    ) -> AsrResult:
        """`vocabulary`: names and terms to expect, given to the decoder as hotwords (a prompt
        it continues from), so that `Anna-Maria` is written as the owner writes her."""
        duration_s = len(audio) / SAMPLE_RATE
        forced = self.check_language(language)
        guess = (
            LanguageGuess(forced, None)
            if forced
            else detect_language(self.model, audio, self.settings.language_detection_segments)
        )
        if guess.language is None:
            return AsrResult(language="", duration_s=round(duration_s, 3), words=[])
        segments, info = self.pipeline.transcribe(
            audio,
            language=guess.language,
            batch_size=self.settings.batch_size,
            beam_size=self.settings.beam_size,
            word_timestamps=True,
            vad_filter=True,
            hotwords=", ".join(vocabulary) or None,
        )
        words: list[Word] = []
        texts: list[dict[str, Any]] = []
        for segment in segments:
            on_progress(0.95 * segment.end / duration_s if duration_s else 0.0)
            if (
                segment.no_speech_prob > NO_SPEECH_PROBABILITY
                and segment.avg_logprob < NO_SPEECH_LOGPROB
            ):
                continue
            texts.append({"start": segment.start, "end": segment.end, "text": segment.text})
            for w in segment.words or []:
                token = w.word.strip()
                if token:
                    words.append(
                        Word(
                            start=round(w.start, 3),
                            end=round(w.end, 3),
                            word=token,
                            score=round(w.probability, 3),
                            attached=bool(words) and not w.word[:1].isspace(),
                        )
                    )
        if words and self.settings.align_model_dir:
            words = self._align(texts, audio, info.language)
        return AsrResult(
            language=info.language,
            duration_s=round(duration_s, 3),
            words=words,
            language_probability=guess.probability,
        )

    def _align(
        self, texts: list[dict[str, Any]], audio: npt.NDArray[np.float32], language: str
    ) -> list[Word]:
        """Refines word times with a wav2vec2 model through whisperx, when one is configured."""
        import whisperx

        if language not in self._aligners:
            self._aligners[language] = whisperx.load_align_model(
                language_code=language,
                device=self.device,
                model_dir=self.settings.align_model_dir,
                model_cache_only=True,
            )
        model, metadata = self._aligners[language]
        aligned = whisperx.align(texts, model, metadata, audio, self.device)
        words: list[Word] = []
        for segment in aligned["segments"]:
            for w in segment.get("words", []):
                if "start" in w and "end" in w and w["word"].strip():
                    words.append(
                        Word(
                            start=round(w["start"], 3),
                            end=round(w["end"], 3),
                            word=w["word"].strip(),
                            score=round(w.get("score", 0.0), 3),
                        )
                    )
        return words
