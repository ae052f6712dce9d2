"""Diarization of a long recording in pieces, the way pyannote's pipeline works inside.

pyannote segments a recording window by window, embeds each window's local speakers, then
clusters every embedding at once. Here the first two steps run per piece, as independent
jobs on any replica (`analyse_piece`); `cluster_pieces` then clusters all pieces'
embeddings together, so that a voice keeps one label across the whole recording, and
rebuilds each piece's turns with those labels. A piece's own result (`cluster_pieces` over
that piece alone) gives the provisional labels that the transcript so far is shown with.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import torch
from pyannote.audio.utils.signal import binarize
from pyannote.core import SlidingWindow, SlidingWindowFeature
from secretary_contracts import (
    AUDIO_SAMPLE_RATE,
    DiarizationResult,
    RecordingOptions,
    SpeakerTurn,
    SpeakerVoice,
)

from secretary_diarize.turn_voices import Stretches

WINDOWS = ("segmentations", "count")
PIECE_MARGIN_S = 5.0
"""Audio analysed on each side of a piece beyond its own span: half a segmentation window."""


@dataclass
class PieceAnalysis:
    """What the final clustering needs of one piece: its windows' binary segmentation, the
    number of speakers at each frame, and each window's local speakers' embeddings."""

    offset_s: float
    """Where the analysed audio starts in the recording: a little before the piece."""
    start_s: float
    end_s: float
    """The piece's own span, to which its turns are clipped."""
    segmentations: SlidingWindowFeature
    count: SlidingWindowFeature
    embeddings: npt.NDArray[np.float32]
    stretches: Stretches = field(default_factory=Stretches.empty)
    """Its own speech's voices, for the turns to be judged by (`turn_voices`)."""

    def to_bytes(self) -> bytes:
        arrays: dict[str, Any] = {
            "span_s": np.array([self.offset_s, self.start_s, self.end_s]),
            "segmentations": self.segmentations.data.astype(np.uint8),
            "count": self.count.data.astype(np.int8),
            "embeddings": self.embeddings.astype(np.float32),
            "stretch_spans": self.stretches.spans,
            "stretch_vectors": self.stretches.vectors.astype(np.float32),
        }
        for name, feature in zip(WINDOWS, (self.segmentations, self.count), strict=True):
            window = feature.sliding_window
            arrays[f"{name}_window"] = np.array([window.start, window.duration, window.step])
        buffer = io.BytesIO()
        np.savez_compressed(buffer, **arrays)
        return buffer.getvalue()

    @classmethod
    def from_bytes(cls, payload: bytes) -> PieceAnalysis:
        with np.load(io.BytesIO(payload)) as stored:

            def feature(name: str, dtype: Any) -> SlidingWindowFeature:
                start, duration, step = (float(v) for v in stored[f"{name}_window"])
                window = SlidingWindow(start=start, duration=duration, step=step)
                return SlidingWindowFeature(stored[name].astype(dtype), window)

            return cls(
                offset_s=float(stored["span_s"][0]),
                start_s=float(stored["span_s"][1]),
                end_s=float(stored["span_s"][2]),
                segmentations=feature("segmentations", np.float32),
                count=feature("count", np.int8),
                embeddings=stored["embeddings"].astype(np.float32),
                # a piece stored by a release that measured no stretches reads as none
                stretches=Stretches(
                    stored["stretch_spans"].astype(np.float64),
                    stored["stretch_vectors"].astype(np.float64),
                )
                if "stretch_spans" in stored
                else Stretches.empty(),
            )


def analyse_piece(
    pipeline: Any, audio: npt.NDArray[np.float32], offset_s: float, start_s: float, end_s: float
) -> PieceAnalysis:
    """Segmentation, speaker counting and embeddings of one piece (pyannote's steps up to
    its clustering). `audio` starts at `offset_s` and reaches a little past the piece's own
    span on both sides (`PIECE_MARGIN_S`): a window at the piece's edge then still sees
    speech on both sides, as it would in the whole recording."""
    file = {"waveform": torch.from_numpy(audio).unsqueeze(0), "sample_rate": AUDIO_SAMPLE_RATE}
    hook = pipeline.setup_hook(file, hook=None)
    with torch.inference_mode():
        segmentations = pipeline.get_segmentations(file, hook=hook)
        if pipeline._segmentation.model.specifications.powerset:
            binarized = segmentations
        else:
            binarized = binarize(
                segmentations, onset=pipeline.segmentation.threshold, initial_state=False
            )
        count = pipeline.speaker_count(
            binarized, pipeline._segmentation.model.receptive_field, warm_up=(0.0, 0.0)
        )
        num_chunks, _, local_speakers = binarized.data.shape
        if np.nanmax(count.data) == 0.0:
            embeddings = np.zeros(
                (num_chunks, local_speakers, pipeline._embedding.dimension), dtype=np.float32
            )
        else:
            embeddings = pipeline.get_embeddings(
                file, binarized, exclude_overlap=pipeline.embedding_exclude_overlap, hook=hook
            )
    return PieceAnalysis(
        offset_s,
        start_s,
        end_s,
        binarized,
        count,
        np.asarray(embeddings, dtype=np.float32),
    )


def _speaker_bounds(options: RecordingOptions) -> tuple[int | None, int, float]:
    if options.num_speakers:
        return options.num_speakers, options.num_speakers, options.num_speakers
    return None, options.min_speakers or 1, options.max_speakers or np.inf


def cluster_pieces(
    pipeline: Any, pieces: list[PieceAnalysis], options: RecordingOptions
) -> DiarizationResult:
    """Every piece's embeddings clustered at once; each piece's turns rebuilt with the
    global labels, in the recording's times."""
    duration_s = sum(p.end_s - p.start_s for p in pieces)
    active = [p for p in pieces if np.nanmax(p.count.data, initial=0) > 0]
    if not active:
        return DiarizationResult(duration_s=round(duration_s, 3), turns=[], voices=[])
    num_speakers, min_speakers, max_speakers = _speaker_bounds(options)
    first = active[0].segmentations
    stacked = SlidingWindowFeature(
        np.concatenate([p.segmentations.data for p in active]), first.sliding_window
    )
    hard_clusters, _, centroids = pipeline.clustering(
        embeddings=np.concatenate([p.embeddings for p in active]),
        segmentations=stacked,
        num_clusters=num_speakers,
        min_clusters=min_speakers,
        max_clusters=None if max_speakers == np.inf else int(max_speakers),
        file=None,
        frames=pipeline._segmentation.model.receptive_field,
    )
    turns: list[tuple[float, float, int]] = []
    exclusive_s: dict[int, float] = {}
    row = 0
    for piece in active:
        rows = len(piece.segmentations.data)
        clusters = np.array(hard_clusters[row : row + rows])
        row += rows
        clusters[np.sum(piece.segmentations.data, axis=1) == 0] = -2
        if np.max(clusters) < 0:
            continue
        for exclusive in (False, True):
            count = SlidingWindowFeature(
                np.minimum(piece.count.data, 1 if exclusive else max_speakers).astype(np.int8),
                piece.count.sliding_window,
            )
            annotation = pipeline.to_annotation(
                pipeline.reconstruct(piece.segmentations, clusters, count),
                min_duration_on=0.0,
                min_duration_off=pipeline.segmentation.min_duration_off,
            )
            for segment, _, label in annotation.itertracks(yield_label=True):
                start = max(piece.start_s, piece.offset_s + segment.start)
                end = min(piece.end_s, piece.offset_s + segment.end)
                if end <= start:
                    continue  # in the margin: the neighbouring piece's to tell
                if exclusive:
                    exclusive_s[int(label)] = exclusive_s.get(int(label), 0.0) + end - start
                else:
                    turns.append((start, end, int(label)))
    present = sorted({label for _, _, label in turns})
    names = {label: f"SPEAKER_{rank:02d}" for rank, label in enumerate(present)}
    return DiarizationResult(
        duration_s=round(duration_s, 3),
        turns=[
            SpeakerTurn(start=round(start, 3), end=round(end, 3), speaker=names[label])
            for start, end, label in sorted(turns)
        ],
        voices=_voices(centroids, names, exclusive_s),
    )


def _voices(
    centroids: Any, names: dict[int, str], exclusive_s: dict[int, float]
) -> list[SpeakerVoice]:
    voices = []
    vectors = np.asarray(centroids) if centroids is not None else np.zeros((0, 0))
    for label, name in names.items():
        if label >= len(vectors):
            continue
        embedding = vectors[label]
        norm = float(np.linalg.norm(embedding))
        if not np.isfinite(norm) or norm < 1e-6:
            continue
        voices.append(
            SpeakerVoice(
                speaker=name,
                embedding=[round(float(v), 6) for v in embedding / norm],
                speech_s=round(exclusive_s.get(label, 0.0), 3),
            )
        )
    return voices
