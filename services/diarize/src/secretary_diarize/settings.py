from pathlib import Path

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
        default=0.5,
        gt=0.0,
        le=1.0,
        description="Step of the segmentation window as a share of its length; pyannote's"
        " 0.1 is ~5x slower on CPU for a negligible gain.",
    )
    torch_threads: int = Field(
        default=1, ge=0, description="torch CPU threads; 0 = torch's default."
    )
    embedding_batch_size: int = Field(default=32, ge=1, description="Embedding batch size.")
    segmentation_batch_size: int = Field(default=32, ge=1, description="Segmentation batch size.")
