"""Probing and normalising media with ffmpeg: no NATS here, only files in and files out."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from secretary_contracts import AUDIO_SAMPLE_RATE, ErrorCode

logger = logging.getLogger(__name__)

# A decode that yields less than this share of the probed duration means the file was cut off.
TRUNCATION_TOLERANCE = 0.9
# Only local files are read, and only by the demuxers of audio and video files: playlists and
# concat lists (hls, concat, ...), which can name other files or URLs, are not among them.
INPUT_OPTIONS = (
    "-protocol_whitelist",
    "file",
    "-format_whitelist",
    "mov,matroska,ogg,mp3,wav,w64,flac,aac,avi,asf,amr,caf,aiff,mpeg,mpegts,flv,au,wv,ape,"
    "tta,ac3,eac3,dts,loas,rm,voc,xwma,mxf,dsf",
)
BYTES_PER_SECOND = AUDIO_SAMPLE_RATE * 2


class MediaError(Exception):
    def __init__(self, code: ErrorCode, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Probe:
    format_name: str
    duration_s: float | None
    audio_codec: str


@dataclass(frozen=True)
class Normalised:
    path: Path
    duration_s: float


def _has_media_signature(path: Path) -> bool:
    """Whether the file starts like a media container, so a failed probe means damage."""
    with path.open("rb") as media:
        head = media.read(12)
    return (
        head[4:8] == b"ftyp"  # mp4, m4a, mov
        or head.startswith((b"OggS", b"RIFF", b"fLaC", b"ID3", b"\x1a\x45\xdf\xa3", b"#!AMR"))
        or (len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0)  # MPEG audio frame
    )


def _timed_out(tool: str, timeout_s: float) -> MediaError:
    return MediaError(
        ErrorCode.MEDIA_TIMEOUT,
        f"Reading the recording took too long ({tool} was stopped after {timeout_s:.0f} s).",
    )


async def _stop(process: asyncio.subprocess.Process) -> None:
    if process.returncode is None:
        process.kill()
        await process.wait()


async def _run(*args: str, timeout_s: float, niceness: int = 0) -> tuple[int, bytes, bytes]:
    """Runs a tool to its end or its deadline; `niceness` lowers its priority."""
    process = await asyncio.create_subprocess_exec(
        *args,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    if niceness:
        with contextlib.suppress(OSError):
            os.setpriority(os.PRIO_PROCESS, process.pid, niceness)
    try:
        out, err = await asyncio.wait_for(process.communicate(), timeout_s)
    except TimeoutError:
        await _stop(process)
        raise _timed_out(Path(args[0]).name, timeout_s) from None
    return process.returncode or 0, out, err


async def probe(path: Path, ffprobe: str = "ffprobe", timeout_s: float = 60.0) -> Probe:
    if path.stat().st_size == 0:
        raise MediaError(ErrorCode.EMPTY_FILE, "The file is empty (0 bytes).")
    code, out, err = await _run(
        ffprobe,
        "-v",
        "error",
        *INPUT_OPTIONS,
        "-print_format",
        "json",
        "-show_format",
        "-show_streams",
        str(path),
        timeout_s=timeout_s,
    )
    if code != 0:
        if _has_media_signature(path):
            reason = err.decode(errors="replace").strip().splitlines()
            detail = reason[0] if reason else "ffprobe failed"
            raise MediaError(
                ErrorCode.CORRUPT_MEDIA, f"The recording is truncated or corrupt ({detail})."
            )
        raise MediaError(ErrorCode.NOT_MEDIA, "The file is not an audio or video recording.")
    info = json.loads(out or b"{}")
    streams = info.get("streams", [])
    fmt = info.get("format", {})
    format_name = fmt.get("format_name", "")
    # ffprobe "recognises" plain text and images as media of sorts; none of them have audio.
    if format_name in {"tty", "image2", "png_pipe", "jpeg_pipe"} or not streams:
        raise MediaError(ErrorCode.NOT_MEDIA, "The file is not an audio or video recording.")
    audio = [s for s in streams if s.get("codec_type") == "audio"]
    if not audio:
        raise MediaError(ErrorCode.NO_AUDIO_STREAM, "The file has no audio track.")
    duration = fmt.get("duration") or audio[0].get("duration")
    return Probe(
        format_name=format_name,
        duration_s=float(duration) if duration not in (None, "N/A") else None,
        audio_codec=str(audio[0].get("codec_name", "unknown")),
    )


async def normalise(
    source: Path,
    target: Path,
    probed: Probe,
    ffmpeg: str = "ffmpeg",
    on_progress: Callable[[float], None] | None = None,
    max_duration_s: float | None = None,
    timeout_s: float = 1800.0,
) -> Normalised:
    """Decodes the first audio track once, to 16 kHz mono 16-bit PCM WAV. Decoding stops a
    second past `max_duration_s` of decoded audio, whatever the container claims, so a file
    that says one minute and holds a day takes seconds and little scratch space to refuse."""
    cap = ("-t", f"{max_duration_s + 1:.3f}") if max_duration_s else ()
    process = await asyncio.create_subprocess_exec(
        ffmpeg,
        "-nostdin",
        "-hide_banner",
        "-v",
        "error",
        "-y",
        *INPUT_OPTIONS,
        "-i",
        str(source),
        *cap,
        "-map",
        "0:a:0",
        "-vn",
        "-sn",
        "-dn",
        "-ac",
        "1",
        "-ar",
        str(AUDIO_SAMPLE_RATE),
        "-c:a",
        "pcm_s16le",
        "-map_metadata",
        "-1",
        "-fflags",
        "+bitexact",
        "-f",
        "wav",
        "-progress",
        "pipe:1",
        "-nostats",
        str(target),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    assert process.stdout is not None and process.stderr is not None
    stdout, stderr = process.stdout, process.stderr

    async def follow() -> bytes:
        errors_read = asyncio.create_task(stderr.read())
        async for raw in stdout:
            line = raw.decode(errors="replace").strip()
            if line.startswith("out_time_us=") and on_progress and probed.duration_s:
                value = line.split("=", 1)[1]
                if value.isdigit():
                    on_progress(int(value) / 1e6 / probed.duration_s)
        await process.wait()
        return await errors_read

    try:
        errors = (await asyncio.wait_for(follow(), timeout_s)).decode(errors="replace").strip()
    except TimeoutError:
        await _stop(process)
        raise _timed_out("ffmpeg", timeout_s) from None
    code = process.returncode
    if code != 0:
        raise MediaError(
            ErrorCode.CORRUPT_MEDIA,
            f"The recording could not be decoded ({_last_line(errors)}).",
        )
    decoded_s = max(0.0, (target.stat().st_size - 44) / 2 / AUDIO_SAMPLE_RATE)
    if decoded_s == 0:
        raise MediaError(ErrorCode.CORRUPT_MEDIA, "The audio track decodes to nothing.")
    if max_duration_s and decoded_s > max_duration_s:
        raise MediaError(
            ErrorCode.TOO_LONG,
            f"The recording lasts more than {max_duration_s / 3600:.1f} h, the limit"
            f" (its file claimed {(probed.duration_s or 0) / 3600:.1f} h).",
        )
    if errors and probed.duration_s and decoded_s < TRUNCATION_TOLERANCE * probed.duration_s:
        raise MediaError(
            ErrorCode.CORRUPT_MEDIA,
            f"The recording is truncated: {decoded_s:.0f} s of {probed.duration_s:.0f} s "
            f"could be decoded ({_last_line(errors)}).",
        )
    if errors:
        logger.warning(
            "ffmpeg reported decode errors", extra={"fields": {"ffmpeg": _last_line(errors)}}
        )
    return Normalised(path=target, duration_s=decoded_s)


# A lower priority than the model stages the encoder shares a machine with, and a faster
# encoder setting: at 24 kbit/s level 5 gives the same size as the default level 10 for a
# third less CPU (bench/playback.py: 38 against 57 CPU-seconds per hour of audio).
PLAYBACK_NICENESS = 10
PLAYBACK_COMPRESSION_LEVEL = 5


async def render_playback(
    wav: Path,
    target: Path,
    bitrate_kbit: int,
    ffmpeg: str = "ffmpeg",
    timeout_s: float = 1800.0,
    compression_level: int = PLAYBACK_COMPRESSION_LEVEL,
) -> Path:
    """A small file to listen to while reading, from the decoded audio: Opus in WebM, which
    every current browser seeks in by HTTP Range (WebM's cues make a seek one request)."""
    code, _, errors = await _run(
        ffmpeg,
        "-nostdin",
        "-hide_banner",
        "-v",
        "error",
        "-y",
        "-i",
        str(wav),
        "-c:a",
        "libopus",
        "-b:a",
        f"{bitrate_kbit}k",
        "-application",
        "voip",
        "-compression_level",
        str(compression_level),
        "-map_metadata",
        "-1",
        "-f",
        "webm",
        str(target),
        timeout_s=timeout_s,
        niceness=PLAYBACK_NICENESS,
    )
    if code != 0:
        raise MediaError(
            ErrorCode.CORRUPT_MEDIA,
            f"The playback rendition failed ({_last_line(errors.decode(errors='replace'))}).",
        )
    return target


def _last_line(text: str) -> str:
    lines = [line for line in text.splitlines() if line.strip()]
    return lines[-1][:300] if lines else "unknown error"
