"""Which language a recording is in: windows spread over all of its speech, then a vote.

Whisper detects from one 30-second window; the first minutes of a call are often greetings,
silence or noise, and a whole Russian call came out as Czech that way. Here windows are
taken evenly across the speech of the whole recording (Silero VAD), each gives every
language a probability, and the language with the largest sum wins: a vote weighted by how
sure each window was.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from faster_whisper import WhisperModel
from faster_whisper.vad import VadOptions, get_speech_timestamps
from secretary_contracts import AUDIO_SAMPLE_RATE

SAMPLE_RATE = AUDIO_SAMPLE_RATE
WINDOW_SAMPLES = 30 * SAMPLE_RATE
# Less speech than this is not worth a guess: Whisper invents a language for noise.
MIN_SPEECH_SAMPLES = SAMPLE_RATE // 2


@dataclass(frozen=True)
class LanguageGuess:
    language: str | None
    """None when there is no speech to detect from."""
    probability: float | None


def speech_only(audio: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
    chunks = get_speech_timestamps(audio, VadOptions())
    if not chunks:
        return audio[:0]
    return np.concatenate([audio[c["start"] : c["end"]] for c in chunks])


def spread_windows(speech: npt.NDArray[np.float32], count: int) -> list[npt.NDArray[np.float32]]:
    """Up to `count` windows of 30 s, evenly spaced from the first to the last speech."""
    if len(speech) <= WINDOW_SAMPLES:
        return [speech]
    count = max(1, min(count, len(speech) // WINDOW_SAMPLES))
    starts = np.linspace(0, len(speech) - WINDOW_SAMPLES, count).astype(int)
    return [speech[s : s + WINDOW_SAMPLES] for s in starts]


def detect_language(
    model: WhisperModel, audio: npt.NDArray[np.float32], windows: int
) -> LanguageGuess:
    if not model.model.is_multilingual:
        return LanguageGuess("en", None)
    speech = speech_only(audio)
    if len(speech) < MIN_SPEECH_SAMPLES:
        return LanguageGuess(None, None)
    heard = [model.detect_language(audio=w)[2] for w in spread_windows(speech, windows)]
    return vote(heard, set(model.supported_languages))


def vote(windows: list[list[tuple[str, float]]], supported: set[str]) -> LanguageGuess:
    """Each window's probability for every language, summed: the largest sum wins, and its
    mean is how sure the recording as a whole is."""
    totals: dict[str, float] = {}
    for probabilities in windows:
        for language, probability in probabilities:
            if language in supported:
                totals[language] = totals.get(language, 0.0) + probability
    if not totals:
        return LanguageGuess(None, None)
    language = max(totals, key=lambda name: totals[name])
    return LanguageGuess(language, round(totals[language] / len(windows), 3))
