"""The front door on a fresh machine: how long the first `make run` takes to print a transcript.

    python bench/front_door.py --minutes 3

Clones this repository into a scratch directory and runs `make run` there with an empty uv
cache and an empty home (so no package, no assembled model and no data directory is reused),
on a generated stand-up of three voices; then runs it once more, warm, to tell the install
from the run. Reports both times and what the run printed about the recording.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import tempfile
import time
from pathlib import Path

from secretary_testing.media import to_video
from secretary_testing.meetings import MeetingPlan, VoiceRenderer, make_meeting

ROOT = Path(__file__).resolve().parents[1]


def _make_run(clone: Path, media: Path, env: dict[str, str]) -> tuple[float, str]:
    started = time.monotonic()
    done = subprocess.run(
        ["make", "run", f"FILE={media}"],
        cwd=clone,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    took = time.monotonic() - started
    if done.returncode != 0:
        raise SystemExit(f"make run failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    summary = next(line for line in done.stdout.splitlines() if "speaker(s)" in line)
    return took, summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--minutes", type=float, default=3.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="secretary-front-door-") as scratch_dir:
        scratch = Path(scratch_dir)
        wav = scratch / "standup.wav"
        plan = MeetingPlan("standup", "en", 3, seed=7, minutes=args.minutes)
        make_meeting(plan, wav, VoiceRenderer(scratch / "voices"))
        media = to_video(wav, scratch / "standup.mp4")
        clone = scratch / "clone"
        subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True)
        (scratch / "home").mkdir()
        env = {
            **os.environ,
            "UV_CACHE_DIR": str(scratch / "uv-cache"),
            "HOME": str(scratch / "home"),
            "PYENV_ROOT": os.environ.get("PYENV_ROOT", str(Path.home() / ".pyenv")),
        }
        env.pop("VIRTUAL_ENV", None)
        first, summary = _make_run(clone, media, env)
        warm, _ = _make_run(clone, media, env)
    print("| | seconds |")
    print("| --- | --- |")
    print(f"| first `make run` on a fresh clone, empty caches | {first:.0f} |")
    print(f"| the same again, installed | {warm:.0f} |")
    print(f"| install (the difference) | {first - warm:.0f} |")
    print(f"\n{summary}")


if __name__ == "__main__":
    main()
