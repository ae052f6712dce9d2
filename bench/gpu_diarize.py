"""GPU check of the diarize stage: `auto` picks CUDA, and CUDA gives the CPU's turns.

    python bench/gpu_diarize.py --minutes 3

Generates a two-voice dialogue, diarizes it with `SECRETARY_DEVICE=auto` (CUDA where present)
and on the CPU, at two batch sizes each, and prints times, GPU memory and whether the turns
agree. Needs a machine with an NVIDIA GPU and the diarize service's packages.
"""

from __future__ import annotations

import argparse
import math
import os
import tempfile
import time
from pathlib import Path

os.environ.setdefault("PYANNOTE_METRICS_ENABLED", "false")

import torch
from secretary_contracts import RecordingOptions
from secretary_diarize.engine import Diarizer, resolve_device
from secretary_diarize.settings import DiarizeSettings
from secretary_runtime.audio import read_pcm16_wav
from secretary_testing.media import DIALOGUE, make_dialogue


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--minutes", type=float, default=3.0)
    args = parser.parse_args()
    print(
        "torch",
        torch.__version__,
        "cuda",
        torch.cuda.is_available(),
        "auto ->",
        resolve_device("auto"),
    )
    with tempfile.TemporaryDirectory() as scratch:
        wav = Path(scratch) / "dialogue.wav"
        truth = make_dialogue(wav, DIALOGUE, repeat=math.ceil(args.minutes * 60 / 41))
        audio = read_pcm16_wav(wav)
        turns: dict[tuple[str, int], list[tuple[float, float, str]]] = {}
        for device in ("auto", "cpu"):
            diarizer = Diarizer(
                DiarizeSettings(
                    model_cache_dir=Path(scratch) / "models", device=device, torch_threads=0
                )
            )
            for batch in (32, 128):
                diarizer.pipeline.embedding_batch_size = batch
                diarizer.pipeline._segmentation.batch_size = batch
                diarizer.diarize(audio[: 16000 * 20], RecordingOptions(), lambda _: None)
                started = time.monotonic()
                result = diarizer.diarize(audio, RecordingOptions(), lambda _: None)
                if diarizer.device.type == "cuda":
                    torch.cuda.synchronize()
                took = time.monotonic() - started
                right = sum(
                    any(t.start <= (u.start + u.end) / 2 <= t.end for t in result.turns)
                    for u in truth
                )
                print(
                    f"{diarizer.device} batch {batch}: {took:.2f} s for {len(audio) / 16000:.0f} s"
                    f" of audio, {len({t.speaker for t in result.turns})} speakers,"
                    f" {right}/{len(truth)} utterances covered"
                )
                turns[(device, batch)] = [
                    (round(t.start, 1), round(t.end, 1), t.speaker) for t in result.turns
                ]
        if torch.cuda.is_available():
            print("GPU memory peak", round(torch.cuda.max_memory_allocated() / 2**20), "MiB")
        print("CUDA turns == CPU turns:", turns[("auto", 32)] == turns[("cpu", 32)])


if __name__ == "__main__":
    main()
