from pydantic import Field
from secretary_runtime.settings import ServiceSettings


class MergeSettings(ServiceSettings):
    segment_pause_s: float = Field(
        default=1.0, description="A silence this long between words starts a new segment."
    )
    max_segment_s: float = Field(
        default=30.0, description="A segment this long is closed at the next sentence end."
    )
