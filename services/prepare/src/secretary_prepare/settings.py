from pydantic import Field
from secretary_runtime.settings import ServiceSettings


class PrepareSettings(ServiceSettings):
    ffmpeg_path: str = Field(default="ffmpeg", description="ffmpeg executable.")
    ffprobe_path: str = Field(default="ffprobe", description="ffprobe executable.")
    max_duration_s: float = Field(
        default=6 * 3600,
        gt=0,
        description="Longest recording accepted, in seconds, measured on the decoded audio"
        " (decoding stops there, whatever the file claims).",
    )
    probe_timeout_s: float = Field(
        default=60.0, gt=0, description="ffprobe is killed after this long (media_timeout)."
    )
    decode_timeout_s: float = Field(
        default=1800.0, gt=0, description="ffmpeg is killed after this long (media_timeout)."
    )
    playback_bitrate_kbit: int = Field(
        default=24,
        ge=0,
        le=128,
        description="Bitrate of the Opus rendition the review page plays (24 kbit/s: about"
        " 11 MB an hour); 0 writes none.",
    )
    chunk_target_s: float = Field(
        default=300.0,
        ge=0,
        description="Length of the pieces a long recording is cut into (at pauses) for the"
        " model stages to process at once on any number of workers, and to show the"
        " transcript as it grows; a recording shorter than 1.5 pieces is not cut; 0 cuts none.",
    )
