"""`python -m secretary_diarize.models`: puts the diarization pipeline in place (init step)."""

from __future__ import annotations

import logging
from pathlib import Path

from secretary_runtime.logs import configure_logging

from secretary_diarize.bundle import bundled_pipeline_dir
from secretary_diarize.settings import DiarizeSettings

logger = logging.getLogger(__name__)


def prepare(settings: DiarizeSettings) -> Path:
    if not settings.pipeline_path:
        return bundled_pipeline_dir(settings.model_cache_dir)
    path = Path(settings.pipeline_path)
    config = path / "config.yaml" if path.is_dir() else path
    if not config.is_file():
        raise SystemExit(f"{settings.pipeline_path}: no pyannote pipeline config.yaml there")
    return path


def main() -> None:
    settings = DiarizeSettings()
    configure_logging("diarize-models", settings.log_level, settings.log_format)
    logger.info("diarization pipeline ready in %s", prepare(settings))


if __name__ == "__main__":
    main()
