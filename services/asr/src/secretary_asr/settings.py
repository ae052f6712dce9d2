from pathlib import Path

from pydantic import Field
from secretary_runtime.settings import ServiceSettings


class AsrSettings(ServiceSettings):
    model_path: str = Field(
        default="",
        description="CTranslate2 Whisper model: a local directory or a hub name (e.g. large-v3)."
        " Empty = the bundled multilingual Whisper base.",
    )
    model_cache_dir: Path = Field(
        default=Path.home() / ".cache" / "secretary" / "models",
        description="Where bundled model files are assembled once.",
    )
    device: str = Field(default="auto", description="`auto` (cuda when present), `cuda` or `cpu`.")
    compute_type: str = Field(
        default="auto", description="`auto` (float16 on GPU, int8 on CPU) or a CTranslate2 type."
    )
    batch_size: int = Field(default=8, ge=1, description="Audio chunks decoded together.")
    cpu_threads: int = Field(
        default=1, ge=0, description="CTranslate2 threads on CPU; 0 = its own default."
    )
    beam_size: int = Field(default=5, ge=1, description="Beam width.")
    language: str = Field(
        default="auto", description="`auto` to detect, or an ISO 639-1 code to force."
    )
    language_detection_segments: int = Field(
        default=5,
        ge=1,
        description="30-second windows, spread over the whole recording's speech, that vote"
        " on the language.",
    )
    align_model_dir: str = Field(
        default="",
        description="Directory of wav2vec2 alignment models for whisperx; empty = use"
        " the recogniser's own word timestamps.",
    )
