"""Settings every service shares; each service extends this class with its own."""

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class ServiceSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SECRETARY_", extra="ignore")

    nats_url: str = Field(default="nats://127.0.0.1:4222", description="NATS server URL.")
    log_level: str = Field(default="INFO", description="Log level (DEBUG, INFO, WARNING...).")
    log_format: str = Field(default="json", description="`json` for machines, `text` for people.")
    health_host: str = Field(default="127.0.0.1", description="Address of /healthz and /readyz.")
    health_port: int = Field(default=0, description="Port of /healthz and /readyz; 0 = none.")
    work_dir: str = Field(
        default="", description="Scratch directory for temporary audio; empty = system temp."
    )
