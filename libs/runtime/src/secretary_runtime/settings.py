"""Settings every service shares; each service extends this class with its own."""

from typing import Literal, NamedTuple, Self

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from secretary_runtime.secret_strength import check_secret

NATS_PASSWORD_MIN_LENGTH = 16


class SecretRule(NamedTuple):
    """A secret setting and what it must be: at least `min_length` characters, and set at
    all in production when `required_in_production`."""

    field: str
    min_length: int = 0
    required_in_production: bool = False


class ServiceSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SECRETARY_", extra="ignore")

    environment: Literal["development", "production"] = Field(
        default="development",
        description="`production` (set by the Kubernetes overlays) refuses to start while a"
        " secret the service needs is empty; `development` lets the local stack run with"
        " per-process random ones. Template and short secrets are refused in both.",
    )
    nats_url: str = Field(default="nats://127.0.0.1:4222", description="NATS server URL.")
    nats_user: str = Field(
        default="",
        description="The NATS user this service connects as (its permissions are its own,"
        " docs/reliability.md); empty = no authentication.",
    )
    nats_password: SecretStr = Field(
        default=SecretStr(""), description="The NATS user's password (from a Secret)."
    )
    declare_infrastructure: bool = Field(
        default=True,
        description="Declare streams and buckets at start. `false` where services may not"
        " (NATS with per-service permissions): they wait until"
        " `python -m secretary_runtime.declare` has run as the admin user.",
    )
    log_level: str = Field(default="INFO", description="Log level (DEBUG, INFO, WARNING...).")
    log_format: str = Field(default="json", description="`json` for machines, `text` for people.")
    health_host: str = Field(default="127.0.0.1", description="Address of /healthz and /readyz.")
    health_port: int = Field(default=0, description="Port of /healthz and /readyz; 0 = none.")
    ack_wait_s: float = Field(
        default=0, ge=0, description="Override of the consumers' ack wait; 0 = per-stage default."
    )
    max_deliver: int = Field(
        default=0, ge=0, description="Override of the consumers' max deliveries; 0 = default."
    )
    shutdown_grace_s: float = Field(
        default=30.0,
        ge=0,
        description="On SIGTERM, how long a job in hand may finish before it is handed back.",
    )
    stream_replicas: int = Field(
        default=1, ge=1, le=5, description="Replicas of every stream and bucket (3 in a cluster)."
    )
    stream_max_bytes: int | None = Field(
        default=None,
        ge=1,
        description="Most bytes each event stream keeps (oldest go first); unset = no limit.",
    )
    media_store_max_bytes: int | None = Field(
        default=None,
        ge=1,
        description="Most bytes of originals the `media` bucket holds (uploads past it get 507"
        " storage_full); unset = no limit.",
    )
    audio_store_max_bytes: int | None = Field(
        default=None, ge=1, description="Most bytes the `audio` bucket holds; unset = no limit."
    )
    artifacts_store_max_bytes: int | None = Field(
        default=None,
        ge=1,
        description="Most bytes the `artifacts` bucket holds; unset = no limit.",
    )
    work_dir: str = Field(
        default="", description="Scratch directory for temporary audio; empty = system temp."
    )

    def secret_rules(self) -> list[SecretRule]:
        """The secrets this service holds; each service adds its own."""
        return [SecretRule("nats_password", NATS_PASSWORD_MIN_LENGTH, bool(self.nats_user))]

    @model_validator(mode="after")
    def _secrets_are_strong(self) -> Self:
        production = self.environment == "production"
        for rule in self.secret_rules():
            check_secret(
                rule.field,
                getattr(self, rule.field),
                min_length=rule.min_length,
                required=production and rule.required_in_production,
            )
        return self
