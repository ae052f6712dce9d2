from pathlib import Path
from typing import Literal

from pydantic import Field
from secretary_runtime.settings import ServiceSettings


class DiarizeSettings(ServiceSettings):
    pipeline_path: str = Field(
        default="",
        description="A pyannote pipeline directory or config.yaml (e.g. speaker-diarization-"
        "community-1 or 3.1 downloaded beforehand). Empty = the bundled offline pipeline.",
    )
    model_cache_dir: Path = Field(
        default=Path.home() / ".cache" / "secretary" / "models",
        description="Where the bundled pipeline directory is built once.",
    )
    device: str = Field(default="auto", description="`auto` (cuda when present), `cuda` or `cpu`.")
    segmentation_step: float = Field(
        default=0.33,
        gt=0.0,
        le=1.0,
        description="Bundled pipeline: step of the segmentation window as a share of its length"
        " (a pipeline directory of one's own keeps its config's step); each moment is"
        " seen by ~1/step windows. 0.33 was chosen on bench/diarization.py (0.5 merges more"
        " voices, 0.25 costs a fifth more); pyannote's 0.1 is ~3x slower on CPU.",
    )
    torch_threads: int = Field(
        default=1, ge=0, description="torch CPU threads; 0 = torch's default."
    )
    mmap_threshold_mib: int = Field(
        default=2,
        ge=0,
        description="Tensors of at least this many MiB are returned to the system when freed"
        " (glibc's M_MMAP_THRESHOLD, fixed); 0 = glibc's own moving threshold. 2 kept a"
        " 3-hour meeting's diarize peak at 1546 MB instead of 2143 MB, for about a third more"
        " diarize CPU time (docs/benchmarks.md): 0 where memory is plentiful.",
    )
    embedding_batch_size: int = Field(default=32, ge=1, description="Embedding batch size.")
    segmentation_batch_size: int = Field(
        default=0,
        ge=0,
        description="Segmentation windows per forward pass; 0 = by device: 8 on CPU, where 32"
        " ten-second windows at once cost 340 MB more memory and take longer; 32 on a GPU.",
    )
    clustering: Literal["auto", "spectral", "pipeline"] = Field(
        default="auto",
        description="How local speakers are grouped into people: `spectral` (eigengap count,"
        " see docs/benchmarks.md), `pipeline` (the pipeline's own clustering, e.g. VBx in"
        " community-1), `auto` = spectral for the bundled pipeline, the pipeline's own for"
        " `SECRETARY_PIPELINE_PATH`.",
    )
    judge_turns_by_voice: bool = Field(
        default=True,
        description="With spectral clustering: once the turns are known, embed each turn's own"
        " speech and regroup the turns around those voices, merging speakers whose turns sound"
        " alike (see docs/benchmarks.md). Costs one more embedding pass over the speech.",
    )
    max_auto_speakers: int = Field(
        default=20, ge=2, le=50, description="The most speakers the spectral count considers."
    )
