"""Generated meetings of two to eight voices, with the truth measured from the audio itself.

Every voice is an espeak-ng voice and variant, then shifted by sox (pitch, which moves the
formants too, and tempo), and jittered per meeting, so no two voices of a meeting, nor of two
meetings, are the same. A meeting has turns of one to three sentences, one-word backchannels
from a listener (sometimes over the end of the turn), interruptions that overlap, pauses of
0.2 to 2 s and light noise. The truth of each utterance is where its own clean samples are
loud, so a silence inside an utterance longer than 0.3 s is not counted as speech.
"""

from __future__ import annotations

import hashlib
import random
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from secretary_testing.media import SAMPLE_RATE, Utterance, write_wav


@dataclass(frozen=True)
class Voice:
    name: str
    gender: str
    espeak: str
    pitch: int
    speed: int
    semitones: float
    """sox `pitch` shift: moves pitch and formants together, a different vocal tract."""


# One ladder of voices for both languages: median F0 from ~70 to ~360 Hz with neighbours of
# one gender at least 3 semitones apart, each with its own espeak variant (its own glottal
# source and formants), speed and sox shift. Checked with CAM++ on three sentences each: one
# voice's sentences are 0.8-0.93 cosine apart, two voices at most 0.70 (English) and 0.76
# (Russian).
_LADDER = (
    # English, Russian, gender, espeak accent, variant, -p, -s, sox semitones
    ("amy", "anna", "f", "en-us", "f3", 55, 160, 0.0),
    ("ben", "boris", "m", "en-gb", "m3", 30, 165, -1.0),
    ("cleo", "vera", "f", "en", "f5", 70, 170, 3.0),
    ("dan", "gleb", "m", "en-us", "m1", 45, 150, -6.0),
    ("eva", "dina", "f", "en-gb-scotland", "f2", 40, 175, -2.5),
    ("finn", "egor", "m", "en-029", "m5", 60, 180, -1.0),
    ("gina", "zoya", "f", "en-us", "f4", 85, 155, 5.5),
    ("hugo", "ivan", "m", "en-gb-x-rp", "m2", 35, 150, 3.0),
    ("iris", "lida", "f", "en-gb-x-rp", "f1", 60, 165, -1.5),
    ("jack", "mark", "m", "en-us-nyc", "m4", 50, 170, 6.0),
)
ENGLISH_VOICES = tuple(
    Voice(en, gender, f"{accent}+{variant}", pitch, speed, shift)
    for en, _, gender, accent, variant, pitch, speed, shift in _LADDER
)
RUSSIAN_VOICES = tuple(
    Voice(ru, gender, f"ru+{variant}", pitch, speed, shift)
    for _, ru, gender, _, variant, pitch, speed, shift in _LADDER
)

_SUBJECTS = {
    "en": [
        "The budget",
        "Our roadmap",
        "The new website",
        "The hiring plan",
        "The data migration",
        "The mobile release",
        "Customer support",
        "The marketing campaign",
        "The security audit",
        "The quarterly report",
        "The office move",
        "The partner contract",
        "Our test coverage",
        "The onboarding flow",
        "The pricing page",
        "The sales pipeline",
    ],
    "ru": [
        "Бюджет",
        "Наш план",
        "Новый сайт",
        "План найма",
        "Перенос данных",
        "Мобильный релиз",
        "Служба поддержки",
        "Рекламная кампания",
        "Проверка безопасности",
        "Квартальный отчёт",
        "Переезд офиса",
        "Договор с партнёром",
        "Покрытие тестами",
        "Процесс адаптации",
        "Страница с ценами",
        "Воронка продаж",
    ],
}
_PREDICATES = {
    "en": [
        "needs another review before Friday",
        "is two weeks behind schedule",
        "looks much better than last month",
        "depends on the answer from finance",
        "should be ready by the end of March",
        "was approved by the board yesterday",
        "still has three open questions",
        "will cost about forty thousand euros",
        "has to wait until the audit is over",
        "can start as soon as we hire someone",
        "went better than anyone expected",
        "is blocked by the vendor again",
    ],
    "ru": [
        "нужно ещё раз проверить до пятницы",
        "отстаёт от графика на две недели",
        "выглядит гораздо лучше, чем в прошлом месяце",
        "зависит от ответа финансового отдела",
        "должен быть готов к концу марта",
        "вчера одобрил совет директоров",
        "всё ещё вызывает три открытых вопроса",
        "обойдётся примерно в сорок тысяч евро",
        "придётся отложить до конца проверки",
        "можно начать, как только мы наймём человека",
        "прошёл лучше, чем все ожидали",
        "снова заблокирован поставщиком",
    ],
}
_OPENERS = {
    "en": ["I think", "To be honest,", "As far as I know,", "Well,", "Honestly,", "So,", ""],
    "ru": ["Я думаю,", "Честно говоря,", "Насколько я знаю,", "Ну,", "Итак,", "Кстати,", ""],
}
BACKCHANNELS = {
    "en": ["Yes.", "Right.", "Exactly.", "Sure.", "Okay.", "Yes, exactly."],
    "ru": ["Да.", "Конечно.", "Точно.", "Хорошо.", "Верно.", "Да, именно."],
}


@dataclass(frozen=True)
class MeetingUtterance(Utterance):
    regions: tuple[tuple[float, float], ...] = ()
    """Where this utterance's own samples are loud: the truth for diarization."""
    backchannel: bool = False


@dataclass
class Meeting:
    name: str
    language: str
    speakers: list[str]
    duration_s: float
    utterances: list[MeetingUtterance] = field(default_factory=list)

    def truth_regions(self) -> list[tuple[float, float, str]]:
        return [(s, e, u.speaker) for u in self.utterances for s, e in u.regions]


@dataclass(frozen=True)
class MeetingPlan:
    name: str
    language: str
    speaker_count: int
    seed: int
    minutes: float
    gender: str | None = None
    """`f` or `m` for a same-gender group; None mixes."""
    noise_db: float = -38.0
    """Noise level relative to full scale (light: speech peaks near -6 dBFS)."""
    voices: tuple[str, ...] = ()
    """These voices (by name) instead of a seeded pick."""


def pick_voices(plan: MeetingPlan) -> list[Voice]:
    bank = ENGLISH_VOICES if plan.language == "en" else RUSSIAN_VOICES
    if plan.voices:
        return [next(v for v in bank if v.name == name) for name in plan.voices]
    pool = [v for v in bank if plan.gender is None or v.gender == plan.gender]
    if plan.speaker_count > len(pool):
        raise ValueError(f"only {len(pool)} voices for {plan}")
    rng = random.Random(f"voices:{plan.seed}:{plan.name}")
    while True:
        chosen = rng.sample(pool, plan.speaker_count)
        if plan.gender or plan.speaker_count < 2 or len({v.gender for v in chosen}) == 2:
            return chosen


def _sentence(rng: random.Random, language: str) -> str:
    opener = rng.choice(_OPENERS[language])
    subject = rng.choice(_SUBJECTS[language])
    if opener:
        subject = subject[0].lower() + subject[1:]
    predicate = rng.choice(_PREDICATES[language])
    return f"{opener} {subject} {predicate}.".strip()


def _run(*command: str) -> None:
    subprocess.run(command, check=True, capture_output=True)


class VoiceRenderer:
    """Speaks text in a voice, once: pieces are cached on disk by their content."""

    def __init__(self, work: Path) -> None:
        self.work = work
        work.mkdir(parents=True, exist_ok=True)

    def render(self, text: str, voice: Voice, semitone_jitter: float, tempo: float) -> np.ndarray:
        key = hashlib.sha256(
            f"{text}|{voice}|{semitone_jitter:.3f}|{tempo:.3f}".encode()
        ).hexdigest()[:24]
        done = self.work / f"{key}.wav"
        if not done.exists():
            raw = self.work / f"{key}.raw.wav"
            _run("espeak-ng", "-v", voice.espeak, "-p", str(voice.pitch), "-s", str(voice.speed),
                 "-w", str(raw), text)  # fmt: skip
            cents = round(100 * (voice.semitones + semitone_jitter))
            _run("sox", str(raw), "-r", str(SAMPLE_RATE), "-c", "1", "-b", "16", str(done),
                 "pitch", str(cents), "tempo", "-s", f"{tempo:.3f}", "norm", "-6")  # fmt: skip
            raw.unlink()
        import wave

        with wave.open(str(done), "rb") as wav:
            samples = np.frombuffer(wav.readframes(wav.getnframes()), dtype="<i2")
        return _trim(samples.astype(np.float32) / 32768.0)


def _trim(samples: np.ndarray) -> np.ndarray:
    loud = np.flatnonzero(np.abs(samples) > 0.01)
    return samples[loud[0] : loud[-1] + 1] if len(loud) else samples[:0]


def speech_regions(
    samples: np.ndarray, offset_s: float, frame_s: float = 0.02, bridge_s: float = 0.3
) -> tuple[tuple[float, float], ...]:
    """Loud stretches of one clean utterance (frames above -40 dB of its peak); a pause
    shorter than `bridge_s` (between words, at a comma) is speech, as people annotate it."""
    frame = int(frame_s * SAMPLE_RATE)
    count = len(samples) // frame
    if count == 0:
        return ()
    rms = np.sqrt(np.mean(samples[: count * frame].reshape(count, frame) ** 2, axis=1))
    loud = rms > max(float(rms.max()) * 0.01, 1e-4)
    regions: list[list[float]] = []
    for index in np.flatnonzero(loud):
        start, end = index * frame_s, (index + 1) * frame_s
        if regions and start - regions[-1][1] <= bridge_s:
            regions[-1][1] = end
        else:
            regions.append([start, end])
    return tuple(
        (round(offset_s + s, 3), round(offset_s + e, 3)) for s, e in regions if e - s >= 0.04
    )


def make_meeting(plan: MeetingPlan, target: Path, renderer: VoiceRenderer) -> Meeting:
    """Writes the meeting as a 16 kHz mono WAV and returns its truth."""
    rng = random.Random(f"meeting:{plan.seed}:{plan.name}")
    voices = pick_voices(plan)
    jitter = {v.name: (rng.uniform(-0.6, 0.6), rng.uniform(0.92, 1.08)) for v in voices}
    # some people talk more than others, as in real meetings
    weights = [rng.uniform(0.5, 2.0) for _ in voices]
    total = plan.minutes * 60
    track = np.zeros(int((total + 30) * SAMPLE_RATE), dtype=np.float32)
    meeting = Meeting(plan.name, plan.language, [v.name for v in voices], 0.0)
    cursor = rng.uniform(0.3, 1.0)
    previous: Voice | None = None
    previous_end = cursor
    spoken = {v.name: 0 for v in voices}

    def place(voice: Voice, text: str, start: float, backchannel: bool = False) -> float:
        shift, tempo = jitter[voice.name]
        samples = renderer.render(text, voice, shift, tempo)
        first = int(start * SAMPLE_RATE)
        track[first : first + len(samples)] += samples
        end = start + len(samples) / SAMPLE_RATE
        meeting.utterances.append(
            MeetingUtterance(
                voice.name,
                text,
                round(start, 3),
                round(end, 3),
                speech_regions(samples, start),
                backchannel,
            )
        )
        spoken[voice.name] += 1
        return end

    while cursor < total:
        # everyone speaks early on; afterwards the talkative ones more often
        silent = [v for v in voices if spoken[v.name] == 0 and v is not previous]
        candidates = [v for v in voices if v is not previous] or voices
        speaker = (
            silent[0]
            if silent
            else rng.choices(candidates, weights=[weights[voices.index(v)] for v in candidates])[0]
        )
        text = " ".join(_sentence(rng, plan.language) for _ in range(rng.choice((1, 1, 2, 2, 3))))
        roll = rng.random()
        if previous is not None and roll < 0.12:
            start = max(0.0, previous_end - rng.uniform(0.3, 1.0))  # interruption
        else:
            start = cursor
        end = place(speaker, text, start)
        listeners = [v for v in voices if v is not speaker]
        if rng.random() < 0.25 and listeners:
            listener = rng.choice(listeners)
            word = rng.choice(BACKCHANNELS[plan.language])
            if rng.random() < 0.3:
                back_start = end - rng.uniform(0.1, 0.4)  # over the end of the turn
            else:
                back_start = end + rng.uniform(0.2, 0.6)
            end = max(end, place(listener, word, back_start, backchannel=True))
            previous = listener
        else:
            previous = speaker
        previous_end = end
        cursor = end + rng.choice(
            (rng.uniform(0.2, 0.6), rng.uniform(0.4, 1.2), rng.uniform(1.0, 2.0))
        )
    meeting.duration_s = round(cursor + 0.5, 3)
    audio = track[: int(meeting.duration_s * SAMPLE_RATE)]
    noise = np.random.default_rng(plan.seed).normal(0.0, 10 ** (plan.noise_db / 20), len(audio))
    mixed = np.clip(audio + noise.astype(np.float32), -1.0, 1.0)
    write_wav((mixed * 32767).astype(np.int16), target)
    meeting.utterances.sort(key=lambda u: u.start)
    return meeting
