"""Pipeline benchmark: upload-to-transcript through every service vs one warm process.

    python bench/pipeline.py --minutes 5

Generates a two-voice recording of the given length, then
1. the pipeline: nats-server and each service as its own process (as `make up` runs them),
   the file uploaded through the REST API; wall time from upload to `done`, CPU-seconds and
   peak RSS of every service, stage times from the services' logs;
2. the baseline: the same models run one after the other in one warm process
   (transcribe -> diarize -> assign speakers), with all cores to each.
Prints a Markdown report (paste it into docs/benchmarks.md).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

SPEECH_TIMEOUT_S = 3600


def _proc_cpu_s(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks


def _proc_peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def make_recording(minutes: float, directory: Path) -> tuple[Path, Any]:
    from secretary_testing.media import DIALOGUE, make_dialogue

    wav = directory / "meeting.wav"
    one_round_s = 41.0
    repeat = max(1, math.ceil(minutes * 60 / one_round_s))
    truth = make_dialogue(wav, DIALOGUE, repeat=repeat)
    return wav, truth


def run_pipeline(media: Path, data_dir: Path) -> dict[str, Any]:
    from secretary_cli.stack import Stack, free_port

    stack = Stack(data_dir, free_port(), log_level="INFO")
    stack.start()
    try:
        stack.wait_ready(timeout_s=600)
        gateway = stack.gateway
        time.sleep(2)  # let every worker finish start-up before the clock starts
        cpu_before = {n: _proc_cpu_s(p.pid) for n, p in stack.processes.items()}
        started = time.monotonic()
        created = gateway.upload(media)
        final = gateway.watch(created["id"], SPEECH_TIMEOUT_S, poll_s=0.2)
        wall = time.monotonic() - started
        cpu = {n: _proc_cpu_s(p.pid) - cpu_before[n] for n, p in stack.processes.items()}
        rss = {n: _proc_peak_rss_mb(p.pid) for n, p in stack.processes.items()}
        transcript = json.loads(gateway.transcript(created["id"], "json"))
    finally:
        stack.stop()
    stages: dict[str, float] = {}
    for name in ("prepare", "asr", "diarize"):
        log = (data_dir / "logs" / f"{name}.log").read_text()
        for stage, seconds in re.findall(r"(\w+) finished .* seconds=([\d.]+)", log):
            stages[stage] = float(seconds)
    return {
        "status": final["status"],
        "wall_s": wall,
        "cpu_s": cpu,
        "peak_rss_mb": rss,
        "stage_s": stages,
        "transcript": transcript,
    }


def run_baseline(wav: Path) -> dict[str, Any]:
    """Runs in its own process so that its memory and CPU are its own."""
    from secretary_asr.engine import Transcriber
    from secretary_asr.settings import AsrSettings
    from secretary_contracts import RecordingOptions
    from secretary_diarize.engine import Diarizer
    from secretary_diarize.settings import DiarizeSettings
    from secretary_merge.alignment import merge_transcript
    from secretary_runtime.audio import read_pcm16_wav

    cores = os.cpu_count() or 1
    transcriber = Transcriber(AsrSettings(cpu_threads=cores))
    diarizer = Diarizer(DiarizeSettings(torch_threads=cores))

    def cpu() -> float:
        usage = resource.getrusage(resource.RUSAGE_SELF)
        return usage.ru_utime + usage.ru_stime

    times: dict[str, float] = {}
    cpus: dict[str, float] = {}
    start_all, cpu_all = time.monotonic(), cpu()
    audio = read_pcm16_wav(wav)
    t, c = time.monotonic(), cpu()
    words = transcriber.transcribe(audio, None, lambda _: None)
    times["asr"], cpus["asr"] = time.monotonic() - t, cpu() - c
    t, c = time.monotonic(), cpu()
    turns = diarizer.diarize(audio, RecordingOptions(), lambda _: None)
    times["diarize"], cpus["diarize"] = time.monotonic() - t, cpu() - c
    t, c = time.monotonic(), cpu()
    transcript = merge_transcript(words.language, words.duration_s, words.words, turns.turns)
    times["merge"], cpus["merge"] = time.monotonic() - t, cpu() - c
    return {
        "wall_s": time.monotonic() - start_all,
        "cpu_s": cpu() - cpu_all,
        "stage_s": times,
        "stage_cpu_s": cpus,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "transcript": transcript.model_dump(mode="json"),
    }


def report(
    minutes_audio: float, pipeline: dict[str, Any], baseline: dict[str, Any], truth: Any
) -> str:
    from secretary_testing.scoring import speaker_accuracy, word_error_rate

    audio_s = minutes_audio * 60
    p_cpu = sum(pipeline["cpu_s"].values())
    lines = [
        f"Recording: {audio_s / 60:.1f} min of generated two-voice English, "
        f"{os.cpu_count()} cores.",
        "",
        "| | pipeline (services) | baseline (one process) |",
        "| --- | --- | --- |",
        f"| wall time | {pipeline['wall_s']:.1f} s | {baseline['wall_s']:.1f} s |",
        f"| real-time factor | {pipeline['wall_s'] / audio_s:.3f} | "
        f"{baseline['wall_s'] / audio_s:.3f} |",
        f"| CPU-seconds | {p_cpu:.1f} | {baseline['cpu_s']:.1f} |",
        f"| CPU-seconds per audio minute | {p_cpu / minutes_audio:.1f} | "
        f"{baseline['cpu_s'] / minutes_audio:.1f} |",
        f"| WER | {word_error_rate(truth, pipeline['transcript']):.3f} | "
        f"{word_error_rate(truth, baseline['transcript']):.3f} |",
        f"| words on the right speaker | {speaker_accuracy(truth, pipeline['transcript']):.1%} | "
        f"{speaker_accuracy(truth, baseline['transcript']):.1%} |",
        "",
        f"Pipeline wall time / baseline: **{pipeline['wall_s'] / baseline['wall_s']:.2f}**",
        "",
        "| service | stage time | CPU-seconds | peak RSS |",
        "| --- | --- | --- | --- |",
    ]
    stage_of = {"prepare": "prepare", "asr": "asr", "diarize": "diarize", "merge": "merge"}
    for name, cpu_s in pipeline["cpu_s"].items():
        stage = pipeline["stage_s"].get(stage_of.get(name, ""), None)
        shown = f"{stage:.1f} s" if stage is not None else "–"
        lines.append(f"| {name} | {shown} | {cpu_s:.1f} | {pipeline['peak_rss_mb'][name]:.0f} MB |")
    lines += [
        "",
        "| baseline stage | wall | CPU-seconds |",
        "| --- | --- | --- |",
    ]
    for stage, seconds in baseline["stage_s"].items():
        lines.append(f"| {stage} | {seconds:.1f} s | {baseline['stage_cpu_s'][stage]:.1f} |")
    lines.append(f"\nBaseline peak RSS: {baseline['peak_rss_mb']:.0f} MB")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--minutes", type=float, default=5.0)
    parser.add_argument("--baseline-only", metavar="WAV", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.baseline_only:
        print(json.dumps(run_baseline(Path(args.baseline_only))))
        return
    os.environ.setdefault("PYANNOTE_METRICS_ENABLED", "false")
    with tempfile.TemporaryDirectory(prefix="secretary-bench-") as scratch:
        directory = Path(scratch)
        wav, truth = make_recording(args.minutes, directory)
        minutes_audio = (truth[-1].end + 0.6) / 60
        print(f"generated {minutes_audio:.1f} min of audio", file=sys.stderr)
        pipeline = run_pipeline(wav, directory / "stack")
        baseline_run = subprocess.run(
            [sys.executable, __file__, "--baseline-only", str(wav)],
            check=True,
            capture_output=True,
            text=True,
        )
        baseline = json.loads(baseline_run.stdout.strip().splitlines()[-1])
        print(report(minutes_audio, pipeline, baseline, truth))


if __name__ == "__main__":
    main()
