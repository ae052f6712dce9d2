"""Diarization benchmark: who said what, in generated meetings of 2 to 8 voices.

    python bench/diarization.py [--quick] [--work DIR] [--jobs 2]

The corpus: English and Russian meetings of 2, 3, 4, 5, 6 and 8 speakers (2-5 minutes),
same-gender groups of three, one-word backchannels, interruptions, light noise
(`secretary_testing.meetings`), and the real two-speaker call that ships in the
pyannote.audio wheel. Meetings are split by seed into a tuning half and a test half: every
parameter is chosen on the tuning half, figures are reported on the test half (the real
call, which tunes nothing, is reported with the test half).

Segmentation and speaker embeddings are the same whatever the clustering, so they are
computed once per meeting (the bundled pipeline, one torch thread, as the service runs)
and every clustering method then runs pyannote's own remaining steps on them. Metrics per
meeting: DER (pyannote.metrics, no collar, overlap scored), exact speaker count, the share
of words on the right speaker under the best one-to-one mapping (words placed within each
utterance's speech by their length, labelled by the merge service's own rule), the share of
backchannels on the right speaker, and CPU-seconds.

The choice is the best on the tuning half by exact count + words right − DER among the
methods whose diarization CPU time there is at most 10 % above the pipeline's as it was
when issue 11 was filed (its clustering and its CAM++ wrapper, measured in the same run).

Prints a Markdown report (docs/benchmarks.md).
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import statistics
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

os.environ.setdefault("PYANNOTE_METRICS_ENABLED", "false")

import numpy as np

SPEAKER_COUNTS = (2, 3, 4, 5, 6, 8)
LANGUAGES = ("en", "ru")
SEEDS = {"tune": 0, "test": 1}


@dataclass
class Truth:
    name: str
    half: str
    language: str
    speakers: list[str]
    duration_s: float
    regions: list[tuple[float, float, str]]
    words: list[tuple[float, float, str, bool]]
    """(start, end, speaker, is a backchannel)"""


@dataclass
class Score:
    method: str
    meeting: str
    half: str
    true_count: int
    found_count: int
    der: float
    words_right: float
    backchannels_right: float | None
    cpu_s: float


@dataclass
class Inference:
    segmentations: Any
    embeddings: Any
    cpu_s: float
    extra: dict[str, Any] = field(default_factory=dict)


def plans() -> list[Any]:
    from secretary_testing.meetings import MeetingPlan

    result = []
    for half, seed in SEEDS.items():
        for language in LANGUAGES:
            for count in SPEAKER_COUNTS:
                minutes = 2.0 + 0.4 * (count - 2)
                result.append(
                    MeetingPlan(f"{language}-{count}-{half}", language, count, seed, minutes)
                )
            for gender in ("f", "m"):
                result.append(
                    MeetingPlan(
                        f"{language}-3{gender}-{half}", language, 3, seed, 2.5, gender=gender
                    )
                )
    return result


def _words_over(
    text: str, regions: tuple[tuple[float, float], ...]
) -> list[tuple[float, float, str]]:
    """Places an utterance's words over its speech regions in proportion to their length."""
    words = text.split()
    speech = sum(e - s for s, e in regions)
    if not words or speech <= 0:
        return []
    weights = np.array([len(w) + 1 for w in words], dtype=float)
    edges = np.concatenate([[0.0], np.cumsum(weights / weights.sum() * speech)])

    def at(offset: float) -> float:
        for s, e in regions:
            if offset <= e - s + 1e-9:
                return s + offset
            offset -= e - s
        return regions[-1][1]

    return [
        (round(at(edges[i]), 3), round(at(edges[i + 1]), 3), word) for i, word in enumerate(words)
    ]


def build_corpus(work: Path, quick: bool) -> list[tuple[Truth, Path]]:
    from secretary_testing.meetings import VoiceRenderer, make_meeting

    renderer = VoiceRenderer(work / "pieces")
    corpus = []
    chosen = plans()
    if quick:
        chosen = [p for p in chosen if p.speaker_count in (3, 4) and p.language == "en"]
    for plan in chosen:
        wav, truth_file = work / f"{plan.name}.wav", work / f"{plan.name}.json"
        if not truth_file.exists():
            meeting = make_meeting(plan, wav, renderer)
            words = [
                (s, e, u.speaker, u.backchannel)
                for u in meeting.utterances
                for s, e, _ in _words_over(u.text, u.regions)
            ]
            truth = Truth(
                plan.name,
                "tune" if plan.seed == SEEDS["tune"] else "test",
                plan.language,
                meeting.speakers,
                meeting.duration_s,
                meeting.truth_regions(),
                words,
            )
            truth_file.write_text(json.dumps(asdict(truth)))
        corpus.append((Truth(**json.loads(truth_file.read_text())), wav))
    corpus.append(_real_call(work))
    return corpus


def _real_call(work: Path) -> tuple[Truth, Path]:
    """The two-speaker call in pyannote.audio's wheel, with its RTTM and STM."""
    import importlib.util

    spec = importlib.util.find_spec("pyannote.audio")
    assert spec is not None and spec.submodule_search_locations
    sample = Path(next(iter(spec.submodule_search_locations))) / "sample"
    wav = work / "pyannote-sample.wav"
    if not wav.exists():
        import subprocess

        subprocess.run(
            ["ffmpeg", "-v", "error", "-y", "-i", str(sample / "sample.wav"),
             "-ac", "1", "-ar", "16000", "-c:a", "pcm_s16le", str(wav)],
            check=True,
        )  # fmt: skip
    regions = []
    for line in (sample / "sample.rttm").read_text().splitlines():
        parts = line.split()
        start, length = float(parts[3]), float(parts[4])
        regions.append((start, start + length, parts[7]))
    # the STM names people, the RTTM numbers them: map each STM line to the RTTM speaker
    words = []
    for line in (sample / "sample.stm").read_text().splitlines():
        parts = line.split(maxsplit=5)
        start, end, text = float(parts[3]), float(parts[4]), parts[5] if len(parts) > 5 else ""
        middle = (start + end) / 2
        speaker = min(regions, key=lambda r: 0 if r[0] <= middle <= r[1] else abs(r[0] - middle))[2]
        words += [(s, e, speaker, False) for s, e, _ in _words_over(text, ((start, end),))]
    duration = max(e for _, e, _ in regions) + 1.0
    speakers = sorted({r[2] for r in regions})
    return Truth("pyannote-sample", "test", "en", speakers, duration, regions, words), wav


# ---------------------------------------------------------------- inference, once per meeting

_PIPELINE: Any = None


def _load_pipeline(cache_dir: str, step: float) -> Any:
    from secretary_diarize.engine import Diarizer
    from secretary_diarize.settings import DiarizeSettings

    diarizer = Diarizer(
        DiarizeSettings(
            model_cache_dir=Path(cache_dir),
            torch_threads=1,
            clustering="pipeline",
            segmentation_step=step,
        )
    )
    return diarizer.pipeline


def _wrapper_before_issue_11(pipeline: Any) -> None:
    """The CAM++ wrapper as it was when issue 11 was filed: a filterbank per local speaker,
    and an embedding even of local speakers who are silent in the window (pyannote discards
    those). The embeddings it keeps are the same; only its cost is measured."""
    import torch
    import torch.nn.functional as F
    from secretary_diarize import campplus

    class Before(campplus.CamPlusPlusEmbedding):
        def forward(self, waveforms: torch.Tensor, **kwargs: Any) -> torch.Tensor:
            weights: torch.Tensor | None = kwargs.get("weights")
            embeddings = []
            for index in range(waveforms.shape[0]):
                feats = self._features(waveforms[index, 0])
                if weights is not None:
                    frame_weights = F.interpolate(
                        weights[index].reshape(1, 1, -1).float(),
                        size=feats.shape[0],
                        mode="nearest",
                    ).reshape(-1)
                    keep = frame_weights > campplus.WEIGHT_THRESHOLD
                    if int(keep.sum()) >= campplus.MIN_FRAMES:
                        feats = feats[keep]
                embeddings.append(self.encoder(feats.unsqueeze(0)))
            return torch.cat(embeddings, dim=0)

    pipeline._embedding.model_.__class__ = Before


def _init_worker(cache_dir: str, step: float, before_issue_11: bool = False) -> None:
    global _PIPELINE
    _PIPELINE = _load_pipeline(cache_dir, step)
    if before_issue_11:
        _wrapper_before_issue_11(_PIPELINE)


def _file(name: str, wav: Path) -> dict[str, Any]:
    import torch
    from secretary_runtime.audio import read_pcm16_wav

    audio = torch.from_numpy(read_pcm16_wav(wav)).unsqueeze(0)
    return {"waveform": audio, "sample_rate": 16000, "uri": name}


def _infer(name: str, wav: str) -> tuple[str, Inference]:
    import torch
    from pyannote.audio.utils.signal import binarize

    pipeline = _PIPELINE
    file = _file(name, Path(wav))
    started = time.process_time()
    with torch.inference_mode():
        segmentations = pipeline.get_segmentations(file)
        binarized = (
            segmentations
            if pipeline._segmentation.model.specifications.powerset
            else binarize(segmentations, onset=pipeline.segmentation.threshold)
        )
        embeddings = pipeline.get_embeddings(
            file, binarized, exclude_overlap=pipeline.embedding_exclude_overlap
        )
    return name, Inference(segmentations, embeddings, time.process_time() - started)


def infer_all(
    corpus: list[tuple[Truth, Path]],
    work: Path,
    cache_dir: Path,
    jobs: int,
    step: float,
    before_issue_11: bool = False,
) -> dict[str, Inference]:
    suffix = "-wrapper-before-issue-11" if before_issue_11 else ""
    cached = work / f"inference-step{step:g}{suffix}.pkl"
    done: dict[str, Inference] = pickle.loads(cached.read_bytes()) if cached.exists() else {}
    todo = [(t.name, str(wav)) for t, wav in corpus if t.name not in done]
    if todo:
        from secretary_diarize.bundle import bundled_pipeline_dir

        bundled_pipeline_dir(cache_dir)  # once, before the workers read it
        with ProcessPoolExecutor(
            jobs, initializer=_init_worker, initargs=(str(cache_dir), step, before_issue_11)
        ) as pool:
            for name, inference in pool.map(_infer, *zip(*todo, strict=True)):
                done[name] = inference
                print(f"  step {step:g}{suffix}: {name} in {inference.cpu_s:.1f} CPU-s", flush=True)
        cached.write_bytes(pickle.dumps(done))
    return done


# ---------------------------------------------------------------- clustering and scoring


@dataclass(frozen=True)
class Judge:
    """Turns judged again by their own voices (`secretary_diarize.turn_voices`)."""

    min_own_speech_s: float
    merge_at: float | None


@dataclass(frozen=True)
class Method:
    build: Callable[[], Any]
    judge: Judge | None = None


class MemoEmbedder:
    """The pipeline's embedder, remembering each stretch's embedding and what it cost, so a
    grid of methods embeds a turn once and is still charged for it every time."""

    def __init__(self, embed: Callable[[Any], Any], audio: Any) -> None:
        self.embed, self.audio = embed, audio
        self.memo: dict[tuple[int, int], tuple[Any, float]] = {}
        self.charged = 0.0
        """CPU-seconds of every embedding asked for, as if each were computed afresh."""
        self.computed = 0.0
        """CPU-seconds actually spent embedding."""

    def __call__(self, samples: Any) -> Any:
        key = (int(samples.__array_interface__["data"][0]), len(samples))
        if key not in self.memo:
            started = time.process_time()
            self.memo[key] = (self.embed(samples), time.process_time() - started)
            self.computed += self.memo[key][1]
        vector, cost = self.memo[key]
        self.charged += cost
        return vector


def diarize_cached(
    pipeline: Any,
    method: Method,
    truth: Truth,
    wav: Path,
    inference: Inference,
    embedders: dict[str, MemoEmbedder] | None = None,
) -> tuple[list[Any], float]:
    """pyannote's own pipeline, with this clustering, on the cached segmentation/embeddings;
    then, for a judging method, the turns judged by their own voices as the service does."""
    import torch
    from secretary_contracts import RecordingOptions
    from secretary_diarize.engine import (
        judge_turns,
        pipeline_embedder,
        speaker_turns,
        speaker_voices,
    )
    from secretary_diarize.turn_voices import measure_turns
    from secretary_runtime.audio import read_pcm16_wav

    pipeline.clustering = method.build()
    pipeline._expects_num_speakers = False
    pipeline.get_segmentations = lambda file, hook=None: inference.segmentations
    pipeline.get_embeddings = lambda *args, **kwargs: inference.embeddings
    file = _file(truth.name, wav)
    started = time.process_time()
    with torch.inference_mode():
        output = pipeline(file)
    turns = speaker_turns(output)
    cpu_s = time.process_time() - started
    if method.judge is not None:
        embedders = {} if embedders is None else embedders
        if truth.name not in embedders:
            embedders[truth.name] = MemoEmbedder(pipeline_embedder(pipeline), read_pcm16_wav(wav))
        embed = embedders[truth.name]
        charged, computed, started = embed.charged, embed.computed, time.process_time()
        with torch.inference_mode():
            measured = measure_turns(
                turns, embed.audio, embed, min_own_speech_s=method.judge.min_own_speech_s
            )
            turns, _ = judge_turns(
                turns, speaker_voices(output), measured, RecordingOptions(), method.judge.merge_at
            )
        # the regrouping's own work, and every embedding as if computed afresh
        spent = time.process_time() - started - (embed.computed - computed)
        cpu_s += spent + embed.charged - charged
    return turns, cpu_s


def score(
    method: str, truth: Truth, turns: list[Any], cpu_s: float, shared_word: float | None = None
) -> Score:
    from pyannote.core import Annotation, Segment, Timeline
    from pyannote.metrics.diarization import DiarizationErrorRate
    from scipy.optimize import linear_sum_assignment
    from secretary_contracts import Word
    from secretary_merge.alignment import assign_speakers

    reference, hypothesis = Annotation(uri=truth.name), Annotation(uri=truth.name)
    for start, end, speaker in truth.regions:
        reference[Segment(start, end), len(reference)] = speaker
    for turn in turns:
        hypothesis[Segment(turn.start, turn.end), len(hypothesis)] = turn.speaker
    uem = Timeline([Segment(0, truth.duration_s)])
    der = DiarizationErrorRate(collar=0.0, skip_overlap=False)(reference, hypothesis, uem=uem)

    words = [Word(start=s, end=e, word="w") for s, e, _, _ in truth.words]
    labelled = (
        assign_speakers(words, turns)
        if shared_word is None
        else assign_speakers(words, turns, shared_word)
    )
    # assign_speakers sorts by time; truth words are in utterance order
    order = sorted(range(len(words)), key=lambda i: (words[i].start, words[i].end))
    hyp: list[str | None] = [None] * len(words)
    for rank, index in enumerate(order):
        hyp[index] = labelled[rank].speaker
    true_labels = sorted(truth.speakers)
    hyp_labels = sorted({h for h in hyp if h is not None})
    matrix = np.zeros((len(true_labels), max(1, len(hyp_labels))))
    for (_, _, speaker, _), label in zip(truth.words, hyp, strict=True):
        if label is not None:
            matrix[true_labels.index(speaker), hyp_labels.index(label)] += 1
    rows, cols = linear_sum_assignment(matrix, maximize=True)
    mapping = {hyp_labels[c]: true_labels[r] for r, c in zip(rows, cols, strict=True) if hyp_labels}
    right = [
        mapping.get(label or "") == speaker
        for (_, _, speaker, _), label in zip(truth.words, hyp, strict=True)
    ]
    backchannel = [r for r, (_, _, _, bc) in zip(right, truth.words, strict=True) if bc]
    return Score(
        method,
        truth.name,
        truth.half,
        len(truth.speakers),
        len({t.speaker for t in turns}),
        float(der),
        float(np.mean(right)) if right else 0.0,
        float(np.mean(backchannel)) if backchannel else None,
        cpu_s,
    )


def summarise(scores: list[Score], inference_cpu: dict[str, float]) -> dict[str, float]:
    """Means over meetings; CPU is the sum of inference and clustering."""
    return {
        "meetings": len(scores),
        "der": statistics.mean(s.der for s in scores),
        "exact": statistics.mean(s.true_count == s.found_count for s in scores),
        "words": statistics.mean(s.words_right for s in scores),
        "backchannels": statistics.mean(
            s.backchannels_right for s in scores if s.backchannels_right is not None
        ),
        "cpu": sum(s.cpu_s + inference_cpu[s.meeting] for s in scores),
    }


def objective(summary: dict[str, float]) -> float:
    """What the tuning half maximises: right count, right words, little error, in equal parts."""
    return summary["exact"] + summary["words"] - summary["der"]


def methods(today: Any) -> dict[str, Method]:
    from pyannote.audio.pipelines.clustering import AgglomerativeClustering
    from secretary_diarize.clustering import SpectralClustering

    def agglomerative(threshold: float, min_cluster_size: int = 12) -> Callable[[], Any]:
        def build() -> Any:
            clustering = AgglomerativeClustering(metric="cosine")
            clustering.instantiate(
                {"method": "centroid", "min_cluster_size": min_cluster_size, "threshold": threshold}
            )
            return clustering

        return build

    def spectral(share: float, refine: bool, merge: float | None) -> Callable[[], Any]:
        return lambda: SpectralClustering(
            neighbour_share=share, refine=refine, merge_similarity=merge
        )

    chosen = {"agglomerative 0.70, min cluster 12": Method(lambda: today)}
    for threshold in (0.5, 0.55, 0.6):
        chosen[f"agglomerative {threshold:.2f}, min cluster 2"] = Method(
            agglomerative(threshold, 2)
        )
    for share in (0.02, 0.04, 0.06, 0.1):
        for refine in (False, True):
            for merge in (None, 0.9):
                name = (
                    f"spectral, neighbours {share:.0%}"
                    f"{', refined' if refine else ''}{f', merge > {merge}' if merge else ''}"
                )
                chosen[name] = Method(spectral(share, refine, merge))
                if share != 0.02 or not refine:
                    continue
                for own in (0.5, 1.0):
                    for merge_at in (None, 0.8, 0.85, 0.9):
                        judged = f"{name}, turns judged (own speech ≥ {own:g} s" + (
                            f", merge ≥ {merge_at})" if merge_at else ")"
                        )
                        chosen[judged] = Method(
                            spectral(share, refine, merge), Judge(own, merge_at)
                        )
    return chosen


def table(rows: list[tuple[str, dict[str, float]]]) -> str:
    lines = [
        "| method | meetings | mean DER | exact count | words on the right speaker |"
        " backchannels right | CPU-s (diarization) |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for name, s in rows:
        lines.append(
            f"| {name} | {s['meetings']} | {s['der']:.1%} | {s['exact']:.0%} | {s['words']:.1%}"
            f" | {s['backchannels']:.0%} | {s['cpu']:.0f} |"
        )
    return "\n".join(lines)


TODAY_METHOD = "agglomerative 0.70, min cluster 12"
TODAY = f"{TODAY_METHOD}, step 0.5"
BEFORE_ISSUE_11 = f"{TODAY}, CAM++ wrapper before issue 11"
"""The whole pipeline as it was when issue 11 was filed: the CPU budget's measure."""
CPU_BUDGET = 1.10
"""The most diarization CPU time a choice may cost, against `BEFORE_ISSUE_11`'s."""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--work", type=Path, default=Path(".data/bench-diarization"))
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--quick", action="store_true", help="English 3-4 voices only")
    parser.add_argument(
        "--steps", default="0.5,0.33,0.25", help="segmentation steps (share of the window)"
    )
    parser.add_argument(
        "--tuning-only", action="store_true", help="print the tuning half only (while choosing)"
    )
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    cache_dir = args.work / "models"

    started = time.monotonic()
    corpus = build_corpus(args.work, args.quick)
    print(f"corpus: {len(corpus)} meetings in {time.monotonic() - started:.0f} s", flush=True)
    results: dict[str, list[Score]] = {}
    inference_cpu: dict[str, dict[str, float]] = {}
    embedders: dict[str, MemoEmbedder] = {}
    for step in (float(s) for s in args.steps.split(",")):
        inferred = infer_all(corpus, args.work, cache_dir, args.jobs, step)
        pipeline = _load_pipeline(str(cache_dir), step)
        today = pipeline.clustering
        for method, chosen in methods(today).items():
            name = f"{method}, step {step:g}"
            inference_cpu[name] = {n: i.cpu_s for n, i in inferred.items()}
            results[name] = []
            for truth, wav in corpus:
                turns, cpu_s = diarize_cached(
                    pipeline, chosen, truth, wav, inferred[truth.name], embedders
                )
                results[name].append(score(name, truth, turns, cpu_s))
        print(f"  step {step:g} scored", flush=True)
        if step == 0.5:
            before = infer_all(corpus, args.work, cache_dir, args.jobs, step, True)
            inference_cpu[BEFORE_ISSUE_11] = {n: i.cpu_s for n, i in before.items()}
            results[BEFORE_ISSUE_11] = [
                score(BEFORE_ISSUE_11, truth, *diarize_cached(
                    pipeline, methods(today)[TODAY_METHOD], truth, wav, before[truth.name]
                ))
                for truth, wav in corpus
            ]  # fmt: skip

    def half(name: str, which: str) -> dict[str, float]:
        return summarise([s for s in results[name] if s.half == which], inference_cpu[name])

    ranked = sorted(results, key=lambda n: objective(half(n, "tune")), reverse=True)
    budget = (
        CPU_BUDGET * half(BEFORE_ISSUE_11, "tune")["cpu"] if BEFORE_ISSUE_11 in results else None
    )
    affordable = [n for n in ranked if budget is None or half(n, "tune")["cpu"] <= budget]
    best = affordable[0]
    print("\n## Tuning half (ranked by exact count + words right − DER)\n")
    print(table([(n, half(n, "tune")) for n in ranked]))
    if budget is not None:
        print(f"\nCPU budget on the tuning half: {budget:.0f} CPU-s ({CPU_BUDGET:.2f} x before)")
    print(f"\nbest on the tuning half within the budget: {best}")
    if args.tuning_only:
        return
    print("\n## Test half\n")
    print(table([(n, half(n, "test")) for n in ranked]))
    for name in dict.fromkeys([TODAY, best]):
        print(f"\n### Per meeting, test half: {name}\n")
        print("| meeting | speakers | found | DER | words right | backchannels right | CPU-s |")
        print("| --- | --- | --- | --- | --- | --- | --- |")
        for s in results[name]:
            if s.half == "test":
                bc = "–" if s.backchannels_right is None else f"{s.backchannels_right:.0%}"
                cpu = s.cpu_s + inference_cpu[name][s.meeting]
                print(
                    f"| {s.meeting} | {s.true_count} | {s.found_count} | {s.der:.1%} |"
                    f" {s.words_right:.1%} | {bc} | {cpu:.1f} |"
                )
    audio_min = sum(t.duration_s for t, _ in corpus) / 60
    took = time.monotonic() - started
    print(f"\n{len(corpus)} meetings, {audio_min:.0f} min of audio, {took:.0f} s")


if __name__ == "__main__":
    main()
