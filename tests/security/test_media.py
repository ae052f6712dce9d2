"""ffmpeg cannot be turned against us: a file that lies about its length is measured by what
it decodes to and stopped at the limit; playlists and concat lists cannot make ffmpeg read
other files or URLs; a hanging ffmpeg or ffprobe is killed; decoding starts only with room
for it. Real ffmpeg and ffprobe throughout."""

from __future__ import annotations

import asyncio
import os
import socket
import struct
import subprocess
import time
from pathlib import Path

import pytest
from secretary_contracts import ErrorCode
from secretary_prepare import media
from secretary_prepare.settings import PrepareSettings
from secretary_prepare.worker import Preparer, ScratchFull


def _lying_mkv(tmp_path: Path, holds_s: int, claims_s: float) -> Path:
    """Low-bitrate Opus in Matroska whose header claims another duration."""
    path = tmp_path / "lying.mkv"
    subprocess.run(
        ["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "anullsrc=r=48000:cl=mono",
         "-t", str(holds_s), "-c:a", "libopus", "-b:a", "6k", str(path)],
        check=True,
    )  # fmt: skip
    data = bytearray(path.read_bytes())
    duration = data.find(b"\x44\x89\x88")  # Segment Info › Duration, an 8-byte float (ms)
    assert duration > 0
    data[duration + 3 : duration + 11] = struct.pack(">d", claims_s * 1000)
    path.write_bytes(bytes(data))
    return path


async def test_a_file_that_claims_a_minute_and_holds_twenty_is_stopped_at_the_limit(
    tmp_path: Path,
) -> None:
    source = _lying_mkv(tmp_path, holds_s=1200, claims_s=60)
    probed = await media.probe(source)
    assert probed.duration_s is not None and probed.duration_s < 61  # the lie is believed
    target = tmp_path / "audio.wav"
    started = time.monotonic()
    with pytest.raises(media.MediaError) as refused:
        await media.normalise(source, target, probed, max_duration_s=120)
    assert refused.value.code == ErrorCode.TOO_LONG
    assert time.monotonic() - started < 20
    assert target.stat().st_size <= (121 * media.BYTES_PER_SECOND) + 1024  # 3.9 MB, not 38


@pytest.mark.parametrize(
    "listing",
    [
        "#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:10,\nhttp://127.0.0.1:{port}/a.ts\n"
        "#EXT-X-ENDLIST\n",
        "ffconcat version 1.0\nfile 'http://127.0.0.1:{port}/a.wav'\nfile '/etc/passwd'\n",
    ],
    ids=["hls-playlist", "concat-list"],
)
async def test_a_playlist_cannot_make_ffmpeg_fetch_or_read_anything(
    listing: str, tmp_path: Path
) -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        listener.setblocking(False)
        port = listener.getsockname()[1]
        source = tmp_path / "list.m3u8"
        source.write_text(listing.format(port=port))
        with pytest.raises(media.MediaError) as refused:
            await media.probe(source)
        assert refused.value.code == ErrorCode.NOT_MEDIA
        with pytest.raises(media.MediaError):
            probed = media.Probe(format_name="hls", duration_s=10.0, audio_codec="aac")
            await media.normalise(source, tmp_path / "audio.wav", probed)
        with pytest.raises(BlockingIOError):
            listener.accept()  # nobody came


async def test_a_decode_that_hangs_is_killed(tmp_path: Path) -> None:
    source = tmp_path / "never.wav"
    os.mkfifo(source)  # ffmpeg waits forever for a writer
    probed = media.Probe(format_name="wav", duration_s=10.0, audio_codec="pcm_s16le")
    started = time.monotonic()
    with pytest.raises(media.MediaError) as stopped:
        await media.normalise(source, tmp_path / "audio.wav", probed, timeout_s=2)
    assert stopped.value.code == ErrorCode.MEDIA_TIMEOUT
    assert "stopped after 2 s" in stopped.value.message
    assert time.monotonic() - started < 10
    leftover = subprocess.run(["pgrep", "-f", str(source)], capture_output=True, text=True)
    assert leftover.stdout.strip() == ""


async def test_a_probe_that_hangs_is_killed(tmp_path: Path) -> None:
    # ffprobe cannot be made to hang on a regular file at will; a stand-in that never answers
    hanging = tmp_path / "ffprobe"
    hanging.write_text("#!/bin/sh\nexec sleep 6017\n")
    hanging.chmod(0o755)
    source = tmp_path / "call.wav"
    source.write_bytes(b"RIFF" + b"\0" * 100)
    started = time.monotonic()
    with pytest.raises(media.MediaError) as stopped:
        await media.probe(source, str(hanging), timeout_s=1)
    assert stopped.value.code == ErrorCode.MEDIA_TIMEOUT
    assert time.monotonic() - started < 5
    await asyncio.sleep(0.1)
    leftover = subprocess.run(["pgrep", "-f", "sleep 6017"], capture_output=True, text=True)
    assert leftover.stdout.strip() == ""


def test_decoding_starts_only_with_room_for_the_longest_allowed(tmp_path: Path) -> None:
    roomy = Preparer(PrepareSettings(max_duration_s=60), broker=None, jobs=None)  # type: ignore[arg-type]
    roomy._check_scratch(tmp_path)
    cramped = Preparer(PrepareSettings(max_duration_s=1e12), broker=None, jobs=None)  # type: ignore[arg-type]
    with pytest.raises(ScratchFull, match="MiB needed"):
        cramped._check_scratch(tmp_path)
