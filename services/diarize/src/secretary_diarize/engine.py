"""Speaker diarization with a pyannote.audio pipeline; loaded once per process."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from typing import Any

import numpy as np
import numpy.typing as npt

os.environ.setdefault("PYANNOTE_METRICS_ENABLED", "false")

import torch
import yaml
from pyannote.audio import Pipeline
from secretary_contracts import (
    AUDIO_SAMPLE_RATE,
    DiarizationResult,
    RecordingOptions,
    SpeakerTurn,
    SpeakerVoice,
)
from secretary_runtime.memory import fix_mmap_threshold

from secretary_diarize.bundle import bundled_pipeline_dir
from secretary_diarize.clustering import SpectralClustering
from secretary_diarize.pieces import PieceAnalysis, analyse_piece, cluster_pieces
from secretary_diarize.settings import DiarizeSettings
from secretary_diarize.turn_voices import (
    MERGE_AT,
    Embed,
    Stretches,
    TurnVoice,
    measure_stretches,
    measure_turns,
    relabel,
    turn_voices,
)

logger = logging.getLogger(__name__)

SAMPLE_RATE = AUDIO_SAMPLE_RATE
# pyannote reports these steps through its hook; their share of the total work on CPU.
STEP_WEIGHTS = {"segmentation": 0.35, "speaker_counting": 0.05, "embeddings": 0.55}
# Segmentation windows per forward pass: a GPU wants large batches; on a CPU a batch only
# multiplies the SincNet front end's activations (about 11 MB per ten-second window).
CPU_SEGMENTATION_BATCH = 8
GPU_SEGMENTATION_BATCH = 32


def load_pipeline(settings: DiarizeSettings) -> Any:
    """A pipeline directory of one's own loads as it is; the bundled one with our segmentation
    step, through pyannote's documented constructor parameter."""
    if settings.pipeline_path:
        return Pipeline.from_pretrained(settings.pipeline_path)
    directory = bundled_pipeline_dir(settings.model_cache_dir)
    config = yaml.safe_load((directory / "config.yaml").read_text())
    config["pipeline"]["params"]["segmentation_step"] = settings.segmentation_step
    return Pipeline.from_pretrained(config)


def resolve_device(device: str) -> torch.device:
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(device)


class Diarizer:
    def __init__(self, settings: DiarizeSettings) -> None:
        self.settings = settings
        if settings.torch_threads:
            torch.set_num_threads(settings.torch_threads)
        fix_mmap_threshold(settings.mmap_threshold_mib)
        self.device = resolve_device(settings.device)
        source = settings.pipeline_path or str(bundled_pipeline_dir(settings.model_cache_dir))
        pipeline = load_pipeline(settings)
        if pipeline is None:
            raise RuntimeError(f"no diarization pipeline could be loaded from {source}")
        self.pipeline: Any = pipeline
        self.clustering = self._choose_clustering(settings)
        # a pipeline of one's own keeps its output as it is
        self.judges_turns = settings.judge_turns_by_voice and self.clustering == "spectral"
        self._tune(settings)
        self.pipeline.to(self.device)
        logger.info(
            "diarization pipeline loaded",
            extra={
                "fields": {
                    "pipeline": source,
                    "device": str(self.device),
                    "clustering": self.clustering,
                }
            },
        )

    def _choose_clustering(self, settings: DiarizeSettings) -> str:
        """The bundled pipeline clusters spectrally; a user's pipeline keeps its own unless
        told otherwise."""
        choice = settings.clustering
        if choice == "auto":
            choice = "pipeline" if settings.pipeline_path else "spectral"
        if choice == "spectral":
            # expects no speaker count, as the agglomerative and VBx clusterings it replaces
            self.pipeline.clustering = SpectralClustering(max_speakers=settings.max_auto_speakers)
        return choice

    def _tune(self, settings: DiarizeSettings) -> None:
        self.pipeline.segmentation_batch_size = settings.segmentation_batch_size or (
            CPU_SEGMENTATION_BATCH if self.device.type == "cpu" else GPU_SEGMENTATION_BATCH
        )
        self.pipeline.embedding_batch_size = settings.embedding_batch_size

    def diarize(
        self,
        audio: npt.NDArray[np.float32],
        options: RecordingOptions,
        on_progress: Callable[[float], None],
    ) -> DiarizationResult:
        done: dict[str, float] = {}

        def hook(
            step: str,
            _artifact: Any = None,
            file: Any = None,
            total: int | None = None,
            completed: int | None = None,
        ) -> None:
            # pyannote's inference reports `completed` in whole batches, past `total` at the end
            fraction = min(1.0, completed / total) if completed is not None and total else 1.0
            done[step] = max(done.get(step, 0.0), fraction)
            on_progress(min(1.0, sum(STEP_WEIGHTS.get(s, 0.0) * f for s, f in done.items())))

        waveform = torch.from_numpy(audio).unsqueeze(0)
        speaker_bounds: dict[str, int] = {}
        if options.num_speakers:
            speaker_bounds["num_speakers"] = options.num_speakers
        else:
            if options.min_speakers:
                speaker_bounds["min_speakers"] = options.min_speakers
            if options.max_speakers:
                speaker_bounds["max_speakers"] = options.max_speakers
        with torch.inference_mode():
            output = self.pipeline(
                {"waveform": waveform, "sample_rate": SAMPLE_RATE}, hook=hook, **speaker_bounds
            )
            turns, voices = speaker_turns(output), speaker_voices(output)
            if self.judges_turns:
                measured = measure_turns(turns, audio, pipeline_embedder(self.pipeline))
                turns, voices = judge_turns(turns, voices, measured, options)
        return DiarizationResult(
            duration_s=round(len(audio) / SAMPLE_RATE, 3), turns=turns, voices=voices
        )

    def analyse_piece(
        self,
        audio: npt.NDArray[np.float32],
        offset_s: float,
        start_s: float,
        end_s: float,
        options: RecordingOptions,
    ) -> tuple[PieceAnalysis, DiarizationResult]:
        """One piece of a long recording up to clustering (see `pieces`), and the piece's
        own result under its own labels, for the transcript so far. Where turns are judged
        by voice, the voices of the piece's own speech are measured while its audio is at
        hand, kept in the analysis for the final clustering."""
        analysis = analyse_piece(self.pipeline, audio, offset_s, start_s, end_s)
        with torch.inference_mode():
            own = cluster_pieces(self.pipeline, [analysis], options)
            if self.judges_turns:
                analysis.stretches = measure_stretches(
                    own.turns, audio, pipeline_embedder(self.pipeline), offset_s
                )
        return analysis, self._judged(own, [analysis], options)

    def cluster_pieces(
        self, pieces: list[PieceAnalysis], options: RecordingOptions
    ) -> DiarizationResult:
        with torch.inference_mode():
            result = cluster_pieces(self.pipeline, pieces, options)
        return self._judged(result, pieces, options)

    def _judged(
        self, result: DiarizationResult, pieces: list[PieceAnalysis], options: RecordingOptions
    ) -> DiarizationResult:
        """The pieces' turns judged by the voices their pieces measured."""
        stretches = Stretches.join([p.stretches for p in pieces])
        if not self.judges_turns or not len(stretches.spans):
            return result
        turns, voices = judge_turns(
            result.turns, result.voices, turn_voices(result.turns, stretches), options
        )
        return result.model_copy(update={"turns": turns, "voices": voices})


def pipeline_embedder(pipeline: Any) -> Embed:
    """The pipeline's own speaker embedding model, for one stretch of audio."""
    embedding = pipeline._embedding

    def embed(samples: npt.NDArray[np.float32]) -> npt.NDArray[np.float64]:
        waveform = torch.from_numpy(np.ascontiguousarray(samples, dtype=np.float32))
        return np.asarray(embedding(waveform[None, None])[0], dtype=np.float64)

    return embed


def judge_turns(
    turns: list[SpeakerTurn],
    voices: list[SpeakerVoice],
    measured: list[TurnVoice | None],
    options: RecordingOptions,
    merge_at: float | None = MERGE_AT,
) -> tuple[list[SpeakerTurn], list[SpeakerVoice]]:
    """Turns regrouped by their own voices (`turn_voices`); a speaker count the user gave
    is kept, and no fewer speakers than a minimum they gave."""
    if options.num_speakers:
        merge_at, keep = None, options.num_speakers
    else:
        keep = max(1, options.min_speakers or 1)
    return relabel(turns, measured, voices, merge_at, keep)


def speaker_voices(output: Any) -> list[SpeakerVoice]:
    """Each speaker's embedding as the pipeline's clustering hands it on (for the bundled
    pipeline, a robust centroid), with the seconds of speech without overlap under it."""
    embeddings = getattr(output, "speaker_embeddings", None)
    annotation = getattr(output, "speaker_diarization", None)
    if embeddings is None or annotation is None:
        return []  # a legacy pipeline that hands on turns only
    exclusive = getattr(output, "exclusive_speaker_diarization", annotation)
    voices = []
    for label, embedding in zip(annotation.labels(), np.asarray(embeddings), strict=False):
        norm = float(np.linalg.norm(embedding))
        if not np.isfinite(norm) or norm < 1e-6:
            continue  # a speaker pyannote counted but the clustering never saw
        voices.append(
            SpeakerVoice(
                speaker=str(label),
                embedding=[round(float(v), 6) for v in embedding / norm],
                speech_s=round(float(exclusive.label_duration(label)), 3),
            )
        )
    return voices


def speaker_turns(output: Any) -> list[SpeakerTurn]:
    """pyannote's output (overlapping speech keeps every speaker) as our turns."""
    annotation = getattr(output, "speaker_diarization", output)
    return [
        SpeakerTurn(start=round(segment.start, 3), end=round(segment.end, 3), speaker=label)
        for segment, _, label in annotation.itertracks(yield_label=True)
    ]
