"""Probing and decoding with the real ffmpeg, over every container users send."""

from __future__ import annotations

import wave
from pathlib import Path

import pytest
from secretary_contracts import ErrorCode
from secretary_prepare.media import MediaError, normalise, probe, render_playback
from secretary_testing.media import Utterance, convert, silent_video

FORMATS = {
    "call.mkv": ("-c:a", "libopus"),
    "call.webm": ("-c:a", "libopus"),
    "call.mov": ("-c:a", "aac"),
    "voice.m4a": ("-c:a", "aac"),
    "voice-note.ogg": ("-c:a", "libopus"),
    "talk.mp3": ("-c:a", "libmp3lame"),
    "talk.flac": ("-c:a", "flac"),
    "talk.wav": ("-c:a", "pcm_s16le", "-ar", "44100", "-ac", "2"),
}


@pytest.mark.parametrize("name", sorted(FORMATS))
async def test_every_common_container_decodes_once_to_16k_mono(
    name: str, dialogue: tuple[Path, list[Utterance]], tmp_path: Path
) -> None:
    wav, truth = dialogue
    source = convert(wav, tmp_path / name, *FORMATS[name])
    probed = await probe(source)
    result = await normalise(source, tmp_path / "out.wav", probed)
    with wave.open(str(result.path)) as out:
        assert (out.getnchannels(), out.getframerate(), out.getsampwidth()) == (1, 16000, 2)
    assert result.duration_s == pytest.approx(truth[-1].end + 0.6, abs=0.15)


async def test_video_with_aac_audio(dialogue_video: Path, tmp_path: Path) -> None:
    probed = await probe(dialogue_video)
    assert probed.audio_codec == "aac"
    reported: list[float] = []
    result = await normalise(
        dialogue_video, tmp_path / "out.wav", probed, on_progress=reported.append
    )
    assert result.duration_s > 30
    assert reported and max(reported) <= 1.01


async def test_the_decoded_audio_gets_a_small_playback_rendition(
    dialogue_video: Path, tmp_path: Path
) -> None:
    result = await normalise(dialogue_video, tmp_path / "out.wav", await probe(dialogue_video))
    playback = await render_playback(result.path, tmp_path / "playback.webm", bitrate_kbit=24)
    rendition = await probe(playback)
    assert (rendition.format_name, rendition.audio_codec) == ("matroska,webm", "opus")
    assert rendition.duration_s == pytest.approx(result.duration_s, abs=0.1)
    # 24 kbit/s and container overhead: about 3 kB a second, a tenth of the WAV
    per_second = playback.stat().st_size / result.duration_s
    assert 2000 < per_second < 4500


@pytest.mark.parametrize(
    ("content", "code"),
    [
        (b"", ErrorCode.EMPTY_FILE),
        (b"Minutes of the meeting, typed by hand.\n" * 100, ErrorCode.NOT_MEDIA),
        (bytes(range(256)) * 40, ErrorCode.NOT_MEDIA),
        (b"\x89PNG\r\n\x1a\n" + b"\0" * 2000, ErrorCode.NOT_MEDIA),
    ],
    ids=["empty", "text", "random", "png-header"],
)
async def test_files_that_are_not_media(content: bytes, code: ErrorCode, tmp_path: Path) -> None:
    path = tmp_path / "upload.mp3"
    path.write_bytes(content)
    with pytest.raises(MediaError) as raised:
        await probe(path)
    assert raised.value.code == code


async def test_truncated_mp4_is_corrupt(dialogue_video: Path, tmp_path: Path) -> None:
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(dialogue_video.read_bytes()[: dialogue_video.stat().st_size // 2])
    with pytest.raises(MediaError) as raised:
        await probe(cut)
    assert raised.value.code == ErrorCode.CORRUPT_MEDIA


async def test_truncated_flac_decodes_what_is_there_or_reports_corruption(
    dialogue: tuple[Path, list[Utterance]], tmp_path: Path
) -> None:
    wav, _ = dialogue
    flac = convert(wav, tmp_path / "talk.flac", "-c:a", "flac")
    cut = tmp_path / "cut.flac"
    cut.write_bytes(flac.read_bytes()[: flac.stat().st_size // 3])
    probed = await probe(cut)
    try:
        result = await normalise(cut, tmp_path / "out.wav", probed)
    except MediaError as error:
        assert error.code == ErrorCode.CORRUPT_MEDIA
    else:
        assert result.duration_s > 5


async def test_video_without_audio(tmp_path: Path) -> None:
    silent = tmp_path / "screen.mp4"
    silent_video(silent)
    with pytest.raises(MediaError) as raised:
        await probe(silent)
    assert raised.value.code == ErrorCode.NO_AUDIO_STREAM
