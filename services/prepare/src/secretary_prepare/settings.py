from pydantic import Field
from secretary_runtime.settings import ServiceSettings


class PrepareSettings(ServiceSettings):
    ffmpeg_path: str = Field(default="ffmpeg", description="ffmpeg executable.")
    ffprobe_path: str = Field(default="ffprobe", description="ffprobe executable.")
    max_duration_s: float = Field(
        default=6 * 3600, description="Longest recording accepted, in seconds."
    )
