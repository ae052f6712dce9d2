from pydantic import Field
from secretary_runtime.settings import ServiceSettings


class GatewaySettings(ServiceSettings):
    database_url: str = Field(
        default="sqlite+aiosqlite:///.data/secretary.db",
        description="SQLAlchemy async URL of the gateway's read model.",
    )
    host: str = Field(default="127.0.0.1", description="Address the REST API listens on.")
    port: int = Field(default=8000, description="Port the REST API listens on.")
    max_upload_bytes: int = Field(
        default=4 * 1024**3, ge=1, description="Largest upload accepted; larger gets 413."
    )
    stuck_after_s: float = Field(
        default=3600.0,
        gt=0,
        description="A recording with no progress for this long is failed with stage_timeout.",
    )
    stuck_check_every_s: float = Field(
        default=60.0, gt=0, description="How often recordings are checked for being stuck."
    )
    answer_wait_s: float = Field(
        default=30.0,
        ge=0,
        description="How long POST .../questions waits for the answer before answering 202.",
    )
    default_owner: str = Field(
        default="local", description="Owner of recordings uploaded without an API key."
    )
