"""Generated recordings with known words, speakers and turn boundaries."""

from __future__ import annotations

import subprocess
import wave
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from secretary_contracts import AUDIO_SAMPLE_RATE

SAMPLE_RATE = AUDIO_SAMPLE_RATE

# Voices of different gender and pitch: espeak-ng's male voices sound alike to embedders.
VOICES = {
    "alice": ("en-us+f3", 60),
    "bob": ("en-gb+m3", 25),
    "carol": ("en-us+f4", 80),
}

DIALOGUE = [
    ("alice", "Good morning everyone, thank you for joining the planning meeting today."),
    ("bob", "Thanks Alice. I want to start with the budget for the next quarter."),
    ("alice", "Sure. We agreed to spend more money on the new website."),
    ("bob", "That sounds right, but the marketing team asked for more time."),
    ("alice", "Then we will move the launch to the end of March."),
    ("bob", "Good. I will send the updated plan to the whole team on Friday."),
    ("alice", "Perfect. Let us also review the hiring plan next week."),
    ("bob", "Agreed. I will book a room for Tuesday afternoon."),
    ("alice", "One more thing. Who will write the summary for the board?"),
    ("bob", "I can do that. The board meeting is on Monday morning."),
]


@dataclass(frozen=True)
class Utterance:
    speaker: str
    text: str
    start: float
    end: float


def speak(text: str, voice: str, pitch: int, target: Path, speed: int = 165) -> None:
    subprocess.run(
        ["espeak-ng", "-v", voice, "-p", str(pitch), "-s", str(speed), "-w", str(target), text],
        check=True,
        capture_output=True,
    )


def _read_mono(path: Path) -> np.ndarray:
    """espeak-ng writes 22.05 kHz; resample with sox so every piece shares one rate."""
    resampled = path.with_suffix(".16k.wav")
    subprocess.run(
        ["sox", str(path), "-r", str(SAMPLE_RATE), "-c", "1", "-b", "16", str(resampled)],
        check=True,
        capture_output=True,
    )
    with wave.open(str(resampled), "rb") as wav:
        return np.frombuffer(wav.readframes(wav.getnframes()), dtype="<i2").copy()


def _trim(samples: np.ndarray, threshold: int = 200) -> np.ndarray:
    loud = np.flatnonzero(np.abs(samples) > threshold)
    return samples[loud[0] : loud[-1] + 1] if len(loud) else samples[:0]


def write_wav(samples: np.ndarray, target: Path) -> None:
    with wave.open(str(target), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(SAMPLE_RATE)
        wav.writeframes(samples.astype("<i2").tobytes())


def make_dialogue(
    target: Path,
    lines: list[tuple[str, str]] = DIALOGUE,
    gap_s: float = 0.6,
    repeat: int = 1,
    lead_s: float = 0.5,
) -> list[Utterance]:
    """A WAV dialogue and the truth about it: who said what, from when to when."""
    work = target.parent / f".{target.stem}-pieces"
    work.mkdir(parents=True, exist_ok=True)
    pieces: list[np.ndarray] = [np.zeros(int(lead_s * SAMPLE_RATE), dtype=np.int16)]
    truth: list[Utterance] = []
    cursor = lead_s
    cache: dict[tuple[str, str], np.ndarray] = {}
    gap = np.zeros(int(gap_s * SAMPLE_RATE), dtype=np.int16)
    for _ in range(repeat):
        for speaker, text in lines:
            if (speaker, text) not in cache:
                voice, pitch = VOICES[speaker]
                raw = work / f"{len(cache)}.wav"
                speak(text, voice, pitch, raw)
                cache[(speaker, text)] = _trim(_read_mono(raw))
            samples = cache[(speaker, text)]
            duration = len(samples) / SAMPLE_RATE
            truth.append(Utterance(speaker, text, round(cursor, 3), round(cursor + duration, 3)))
            pieces += [samples, gap]
            cursor += duration + gap_s
    write_wav(np.concatenate(pieces), target)
    return truth


def _ffmpeg(*args: str) -> None:
    subprocess.run(
        ["ffmpeg", "-nostdin", "-v", "error", "-y", *args], check=True, capture_output=True
    )


def to_video(source_wav: Path, target: Path) -> Path:
    """An mp4 with H.264 video and AAC audio, as a video call recorder writes it."""
    _ffmpeg(
        "-f", "lavfi", "-i", "color=c=navy:s=160x120:r=5", "-i", str(source_wav),
        "-shortest", "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p",
        "-c:a", "aac", "-b:a", "64k", str(target),
    )  # fmt: skip
    return target


def silent_video(target: Path, seconds: float = 1.0) -> Path:
    """An mp4 with a video track and no audio track at all (a screen recording)."""
    _ffmpeg(
        "-f", "lavfi", "-i", "color=c=red:s=64x64:r=5", "-t", str(seconds),
        "-c:v", "libx264", "-preset", "ultrafast", str(target),
    )  # fmt: skip
    return target


def tone(target: Path, seconds: float = 1.0) -> Path:
    """A sine tone: decodable audio with no speech in it."""
    _ffmpeg("-f", "lavfi", "-i", f"sine=frequency=440:duration={seconds}", str(target))
    return target


def convert(source: Path, target: Path, *codec_args: str) -> Path:
    _ffmpeg("-i", str(source), *codec_args, str(target))
    return target
