"""Playback rendition benchmark: what the review page's audio costs per hour of recording.

    python bench/playback.py [--minutes 60] [--work DIR]

A generated dialogue, repeated to the length asked for and sent as AAC (as a phone records
it), goes through prepare's own steps: the decode to 16 kHz WAV, then the Opus rendition at
each bitrate and encoder level. Reports bytes per hour, CPU-seconds per hour of audio and
the decode's own time for comparison. Prints a Markdown table (docs/benchmarks.md).
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import tempfile
import time
from pathlib import Path

from secretary_prepare import media
from secretary_testing.media import convert, make_dialogue


def _children_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


async def _measure(work: Path, minutes: float) -> list[str]:
    dialogue = work / "dialogue.wav"
    truth = make_dialogue(dialogue)
    repeat = max(1, round(minutes * 60 / (truth[-1].end + 0.6)))
    long = work / "long.wav"
    make_dialogue(long, repeat=repeat)
    source = convert(long, work / "call.m4a", "-c:a", "aac", "-b:a", "64k")
    probed = await media.probe(source)

    cpu, wall = _children_cpu_s(), time.monotonic()
    decoded = await media.normalise(source, work / "audio.wav", probed)
    decode_cpu, decode_wall = _children_cpu_s() - cpu, time.monotonic() - wall
    hours = decoded.duration_s / 3600
    wav_mb = decoded.path.stat().st_size / 1e6
    rows = [
        f"Audio: {decoded.duration_s / 60:.1f} min of a two-voice dialogue, AAC 64 kbit/s;"
        f" decoded WAV {wav_mb / hours:.0f} MB/h; the decode took {decode_wall:.1f} s"
        f" ({decode_cpu / hours:.0f} CPU-s/h).",
        "",
        "| bitrate | encoder level | MB per hour | CPU-s per hour | wall s per hour |",
        "| --- | --- | --- | --- | --- |",
    ]
    for bitrate in (24, 32):
        for level in (10, 5):
            target = work / f"playback-{bitrate}-{level}.webm"
            cpu, wall = _children_cpu_s(), time.monotonic()
            await media.render_playback(decoded.path, target, bitrate, compression_level=level)
            spent, took = _children_cpu_s() - cpu, time.monotonic() - wall
            size = target.stat().st_size / 1e6
            default = (bitrate, level) == (24, media.PLAYBACK_COMPRESSION_LEVEL)
            rows.append(
                f"| {bitrate} kbit/s{' (default)' if default else ''} | {level} |"
                f" {size / hours:.1f} | {spent / hours:.0f} | {took / hours:.0f} |"
            )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=60.0)
    parser.add_argument("--work", type=Path, default=None)
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-playback-") as scratch:
        work = arguments.work or Path(scratch)
        work.mkdir(parents=True, exist_ok=True)
        rows = asyncio.run(_measure(work, arguments.minutes))
    print("\n".join(rows))


if __name__ == "__main__":
    main()
