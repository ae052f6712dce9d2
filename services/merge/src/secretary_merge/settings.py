from pydantic import Field
from secretary_runtime.settings import ServiceSettings


class MergeSettings(ServiceSettings):
    voiceprints: bool = Field(
        default=True,
        description="Recognise speakers among the owner's people before the transcript is"
        " announced; `off` turns voiceprints off.",
    )
    voiceprint_name_at: float = Field(
        default=0.84,
        ge=0.0,
        le=1.0,
        description="A speaker this alike a person's voiceprint (cosine) gets the person's"
        " name; chosen on the tuning half of bench/voiceprints.py.",
    )
    voiceprint_suggest_at: float = Field(
        default=0.7,
        ge=0.0,
        le=1.0,
        description="From this score up to the naming one the person is only suggested.",
    )
    segment_pause_s: float = Field(
        default=1.0, description="A silence this long between words starts a new segment."
    )
    max_segment_s: float = Field(
        default=30.0, description="A segment this long is closed at the next sentence end."
    )
    low_confidence_below: float = Field(
        default=0.5,
        ge=0.0,
        le=1.0,
        description="A segment whose words' mean probability is below this is flagged"
        " `low_confidence`.",
    )
    repetition_times: int = Field(
        default=4,
        ge=2,
        description="A phrase said this many times in a row is flagged `repetition`.",
    )
