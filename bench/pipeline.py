"""Pipeline benchmark: upload-to-transcript through every service vs a plain whisperX recipe.

    python bench/pipeline.py --minutes 10 60
    python bench/pipeline.py --minutes 180 --runs pieces

Generates a meeting of three voices (`--voices`) of each length, then
1. the pipeline in pieces (the default) and without (`SECRETARY_CHUNK_TARGET_S=0`):
   nats-server and each service as its own process (as `make up` runs them), the file
   uploaded through the REST API; wall time from upload to `done`, time to the first
   speaker-labelled text, CPU-seconds and peak RSS of every service;
2. the plain reference a user would write, in one process with every core:
   `whisperx.load_audio`, faster-whisper's batched pipeline with word timestamps on the same
   Whisper model, `whisperx.diarize.DiarizationPipeline` on the same bundled pyannote
   config, `whisperx.diarize.assign_word_speakers`.
Prints a Markdown report (paste it into docs/benchmarks.md).
"""

from __future__ import annotations

import argparse
import json
import os
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


def make_recording(minutes: float, voices: int, directory: Path) -> tuple[Path, Any]:
    from secretary_testing.meetings import MeetingPlan, VoiceRenderer, make_meeting

    wav = directory / f"meeting-{minutes:g}.wav"
    plan = MeetingPlan(f"bench-{minutes:g}", "en", voices, seed=31, minutes=minutes)
    return wav, make_meeting(plan, wav, VoiceRenderer(directory / "voices"))


def run_pipeline(media: Path, data_dir: Path, chunked: bool) -> dict[str, Any]:
    from secretary_cli.stack import Stack, free_port

    env = {} if chunked else {"SECRETARY_CHUNK_TARGET_S": "0"}
    stack = Stack(data_dir, free_port(), log_level="INFO", extra_env=env)
    stack.start()
    try:
        stack.wait_ready(timeout_s=600)
        gateway = stack.gateway
        time.sleep(2)  # let every worker finish start-up before the clock starts
        cpu_before = {n: _proc_cpu_s(p.pid) for n, p in stack.processes.items()}
        started = time.monotonic()
        first_text: list[float] = []

        def seen(state: dict[str, Any]) -> None:
            has_text = state.get("transcript_through_s") or state["status"] == "done"
            if has_text and not first_text:
                first_text.append(time.monotonic() - started)

        created = gateway.upload(media)
        final = gateway.watch(created["id"], SPEECH_TIMEOUT_S, on_update=seen, poll_s=0.2)
        wall = time.monotonic() - started
        cpu = {n: _proc_cpu_s(p.pid) - cpu_before[n] for n, p in stack.processes.items()}
        rss = {n: _proc_peak_rss_mb(p.pid) for n, p in stack.processes.items()}
        transcript = json.loads(gateway.transcript(created["id"], "json"))
    finally:
        stack.stop()
    return {
        "status": final["status"],
        "wall_s": wall,
        "first_text_s": first_text[0] if first_text else wall,
        "cpu_s": cpu,
        "peak_rss_mb": rss,
        "transcript": transcript,
    }


def run_reference(wav: Path) -> dict[str, Any]:
    """The whisperX recipe, in its own process so that its memory and CPU are its own."""
    import whisperx
    from faster_whisper import BatchedInferencePipeline, WhisperModel
    from secretary_asr.models import resolve_model
    from secretary_asr.settings import AsrSettings
    from secretary_diarize.bundle import bundled_pipeline_dir
    from secretary_diarize.settings import DiarizeSettings
    from whisperx.diarize import DiarizationPipeline, assign_word_speakers

    cores = os.cpu_count() or 1
    import torch

    torch.set_num_threads(cores)
    asr_settings, diarize_settings = AsrSettings(), DiarizeSettings()

    def cpu() -> float:
        usage = resource.getrusage(resource.RUSAGE_SELF)
        return usage.ru_utime + usage.ru_stime

    model = WhisperModel(
        resolve_model(asr_settings.model_path, asr_settings.model_cache_dir),
        device="cpu",
        compute_type="int8",
        cpu_threads=cores,
        local_files_only=True,
    )
    diarizer = DiarizationPipeline(
        model_name=str(bundled_pipeline_dir(diarize_settings.model_cache_dir)), device="cpu"
    )
    start_all, cpu_all = time.monotonic(), cpu()
    audio = whisperx.load_audio(str(wav))
    segments, _ = BatchedInferencePipeline(model).transcribe(
        audio, batch_size=8, word_timestamps=True
    )
    result = {
        "segments": [
            {
                "start": s.start,
                "end": s.end,
                "text": s.text,
                "words": [
                    {"word": w.word, "start": w.start, "end": w.end, "score": w.probability}
                    for w in s.words or []
                ],
            }
            for s in segments
        ]
    }
    labelled = assign_word_speakers(diarizer(audio), result)
    wall, cpu_s = time.monotonic() - start_all, cpu() - cpu_all
    return {
        "wall_s": wall,
        "cpu_s": cpu_s,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "transcript": {
            "segments": [
                {
                    "text": s["text"],
                    "words": [
                        {"start": w["start"], "end": w["end"], "speaker": w.get("speaker")}
                        for w in s["words"]
                    ],
                }
                for s in labelled["segments"]
            ]
        },
    }


def _scores(truth: Any, transcript: dict[str, Any]) -> tuple[float, float]:
    from secretary_testing.scoring import word_error_rate, words_on_right_speaker

    return (
        word_error_rate(truth.utterances, transcript),
        words_on_right_speaker(truth.truth_regions(), transcript),
    )


RUN_NAMES = {"pieces": "in pieces", "whole": "whole recording", "reference": "whisperX reference"}


def report(minutes_audio: float, runs: dict[str, dict[str, Any]], truth: Any) -> str:
    """A Markdown table of the runs that were made, in the order they were asked for."""
    audio_s = minutes_audio * 60

    def per_run(cell: Any) -> str:
        return "| " + " | ".join(cell(r) for r in runs.values()) + " |"

    def total_cpu(r: dict[str, Any]) -> float:
        return sum(r["cpu_s"].values()) if isinstance(r["cpu_s"], dict) else r["cpu_s"]

    def peak(r: dict[str, Any]) -> float:
        rss = r["peak_rss_mb"]
        return max(rss.values()) if isinstance(rss, dict) else rss

    scores = {name: _scores(truth, r["transcript"]) for name, r in runs.items()}
    lines = [
        f"Recording: {minutes_audio:.1f} min, {len(truth.speakers)} generated voices, "
        f"{os.cpu_count()} cores.",
        "",
        "| | " + " | ".join(RUN_NAMES[name] for name in runs) + " |",
        "| --- " * (len(runs) + 1) + "|",
        "| wall time " + per_run(lambda r: f"{r['wall_s']:.1f} s"),
        "| per audio minute " + per_run(lambda r: f"{r['wall_s'] / minutes_audio:.2f} s"),
        "| first speaker-labelled text "
        + per_run(lambda r: f"{r.get('first_text_s', r['wall_s']):.1f} s"),
        "| CPU-seconds per audio minute "
        + per_run(lambda r: f"{total_cpu(r) / minutes_audio:.1f}"),
        "| largest peak RSS (one process) " + per_run(lambda r: f"{peak(r):.0f} MB"),
        "| WER | " + " | ".join(f"{wer:.3f}" for wer, _ in scores.values()) + " |",
        "| words on the right speaker | "
        + " | ".join(f"{right:.1%}" for _, right in scores.values())
        + " |",
        "",
    ]
    if "reference" in runs:
        ratios = ", ".join(
            f"{RUN_NAMES[name]} **{r['wall_s'] / runs['reference']['wall_s']:.2f}**"
            for name, r in runs.items()
            if name != "reference"
        )
        lines += [f"Wall time / reference: {ratios}.", ""]
    lines.append(
        "Real-time factor: "
        + ", ".join(f"{RUN_NAMES[name]} {r['wall_s'] / audio_s:.3f}" for name, r in runs.items())
        + "."
    )
    services = [name for name in ("pieces", "whole") if name in runs]
    if services:
        lines += ["", "| service | " + " | ".join(
            f"CPU-s {RUN_NAMES[n]} | peak RSS {RUN_NAMES[n]}" for n in services
        ) + " |", "| --- " * (2 * len(services) + 1) + "|"]  # fmt: skip
        for service in runs[services[0]]["cpu_s"]:
            lines.append(
                f"| {service} | "
                + " | ".join(
                    f"{runs[n]['cpu_s'].get(service, 0):.1f} | "
                    f"{runs[n]['peak_rss_mb'].get(service, 0):.0f} MB"
                    for n in services
                )
                + " |"
            )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--minutes", type=float, nargs="+", default=[10.0])
    parser.add_argument("--voices", type=int, default=3)
    parser.add_argument(
        "--runs",
        nargs="+",
        choices=list(RUN_NAMES),
        default=list(RUN_NAMES),
        help="Which runs to make (the reference is the longest).",
    )
    parser.add_argument("--reference-only", metavar="WAV", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.reference_only:
        print(json.dumps(run_reference(Path(args.reference_only))))
        return
    os.environ.setdefault("PYANNOTE_METRICS_ENABLED", "false")
    for minutes in args.minutes:
        with tempfile.TemporaryDirectory(prefix="secretary-bench-") as scratch:
            directory = Path(scratch)
            wav, truth = make_recording(minutes, args.voices, directory)
            minutes_audio = truth.duration_s / 60
            print(f"generated {minutes_audio:.1f} min of audio", file=sys.stderr)
            runs: dict[str, dict[str, Any]] = {}
            for name in args.runs:
                runs[name] = _run(name, wav, directory)
                _progress(RUN_NAMES[name], minutes_audio, runs[name])
            print(report(minutes_audio, runs, truth), flush=True)


def _run(name: str, wav: Path, directory: Path) -> dict[str, Any]:
    if name != "reference":
        return run_pipeline(wav, directory / name, chunked=name == "pieces")
    reference_run = subprocess.run(
        [sys.executable, __file__, "--reference-only", str(wav)],
        check=True,
        capture_output=True,
        text=True,
    )
    result: dict[str, Any] = json.loads(reference_run.stdout.strip().splitlines()[-1])
    return result


def _progress(name: str, minutes_audio: float, run: dict[str, Any]) -> None:
    """Each run's figures as soon as it ends, should a later one not."""
    summary = {
        "run": name,
        "minutes": round(minutes_audio, 1),
        "wall_s": round(run["wall_s"], 1),
        "first_text_s": round(run.get("first_text_s", run["wall_s"]), 1),
        "cpu_s": _rounded(run["cpu_s"], 1),
        "peak_rss_mb": _rounded(run["peak_rss_mb"], 0),
    }
    print(json.dumps(summary), file=sys.stderr, flush=True)


def _rounded(figures: dict[str, float] | float, digits: int) -> dict[str, float] | float:
    if isinstance(figures, dict):
        return {k: round(v, digits) for k, v in figures.items()}
    return round(figures, digits)


if __name__ == "__main__":
    main()
