from typing import Annotated, Self

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import NoDecode
from secretary_runtime.settings import SecretRule, ServiceSettings

LINK_SECRET_MIN_LENGTH = 32


class GatewaySettings(ServiceSettings):
    database_url: str = Field(
        default="sqlite+aiosqlite:///.data/secretary.db",
        description="SQLAlchemy async URL of the gateway's read model.",
    )
    voiceprints: bool = Field(
        default=True,
        description="Enrol voiceprints when speakers are named; `off` enrols none and"
        " deletes the snapshots merge matches against (set it on merge too).",
    )
    voiceprint_min_speech_s: float = Field(
        default=5.0,
        ge=0.0,
        description="A speaker with less speech than this is named but not enrolled.",
    )
    deduplicate_uploads: bool = Field(
        default=True,
        description="The same bytes uploaded again by the same owner answer the recording made"
        " the first time (`duplicate_of`); off: each upload is transcribed anew.",
    )
    recordings_in_flight_per_owner: int = Field(
        default=5,
        ge=1,
        description="Recordings an owner may have queued or processing at once; more gets 429"
        " too_many_recordings.",
    )
    stored_bytes_per_owner: int = Field(
        default=50 * 1024**3,
        ge=1,
        description="Media an owner may keep stored, in bytes; an upload past it ends with 413"
        " quota_exceeded while it streams.",
    )
    questions_per_minute_per_owner: int = Field(
        default=30,
        ge=1,
        description="Questions an owner may ask in any 60 s (all gateway replicas together);"
        " more gets 429 with Retry-After.",
    )
    event_streams_per_key: int = Field(
        default=8,
        ge=1,
        description="Server-Sent Event streams one API key may hold open at once (per gateway"
        " replica); more gets 429.",
    )
    max_connections: int = Field(
        default=1000,
        ge=1,
        description="Concurrent HTTP connections the gateway serves; beyond, 503 at once.",
    )
    transcript_revisions_kept: int = Field(
        default=20,
        ge=1,
        le=1000,
        description="Edited revisions of a transcript kept besides the pipeline's own; older"
        " ones are folded away as new ones are saved.",
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
    webhook_max_attempts: int = Field(
        default=8, ge=1, le=20, description="Tries per webhook delivery before it is failed."
    )
    webhook_backoff_s: float = Field(
        default=5.0, gt=0, description="Wait before the first webhook retry; doubles each time."
    )
    webhook_backoff_max_s: float = Field(
        default=600.0, gt=0, description="Longest wait between two webhook tries."
    )
    webhook_timeout_s: float = Field(
        default=10.0,
        gt=0,
        description="Total deadline of one webhook delivery, however slowly the receiver answers.",
    )
    webhook_allow_http: bool = Field(
        default=False, description="Also send webhooks over plain HTTP (HTTPS only otherwise)."
    )
    webhook_allowed_networks: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Private networks (CIDRs, comma-separated) webhooks may be sent to, for"
        " on-premises receivers; loopback, private and link-local addresses are refused"
        " otherwise, cloud metadata addresses always.",
    )
    webhook_concurrency: int = Field(
        default=16, ge=1, le=256, description="Webhook deliveries sent at once, in all."
    )
    webhook_concurrency_per_webhook: int = Field(
        default=2,
        ge=1,
        description="Deliveries sent at once to one webhook: a slow receiver delays only its own.",
    )
    webhook_disable_after: int = Field(
        default=20,
        ge=1,
        description="A webhook whose tries fail this many times in a row is disabled (its"
        " owner re-enables it with POST /v1/webhooks/{id}/enable).",
    )
    webhook_secret_grace_s: float = Field(
        default=24 * 3600.0,
        ge=0,
        description="After a secret is rotated, deliveries are signed with both secrets for"
        " this long.",
    )
    media_retention_days: float | None = Field(
        default=None,
        gt=0,
        description="Delete the original media and decoded audio this many days after upload"
        " (transcripts stay); unset keeps them.",
    )
    transcript_retention_days: float | None = Field(
        default=None,
        gt=0,
        description="Delete recordings entirely (transcripts, answers, every object) this many"
        " days after upload; unset keeps them.",
    )

    link_secret: SecretStr = Field(
        default=SecretStr(""),
        description="Signs what the gateway later believes without storing it: playback links"
        " (an `<audio>` element sends no API key), sign-in links and web sessions. Give every"
        " gateway replica the same secret, of at least 32 characters; empty = a random one"
        " per process, so they last until it restarts (refused in production).",
    )
    link_secret_previous: SecretStr = Field(
        default=SecretStr(""),
        description="The secret before the last rotation: what it signed is still believed"
        " (nothing new is signed with it). Keep it for the longest token lifetime, then"
        " remove it.",
    )
    playback_link_lifetime_s: float = Field(
        default=6 * 3600.0,
        gt=0,
        le=7 * 24 * 3600.0,
        description="How long a playback link plays (one recording, one owner, audio only).",
    )
    sign_in_link_lifetime_s: float = Field(
        default=600.0,
        gt=0,
        le=24 * 3600.0,
        description="How long a sign-in link (Telegram's /web) can be used, once.",
    )
    web_session_lifetime_s: float = Field(
        default=12 * 3600.0,
        gt=0,
        le=30 * 24 * 3600.0,
        description="How long the review page stays signed in after a sign-in link.",
    )
    public_url: str = Field(
        default="",
        description="The address people open the gateway at (https://secretary.example.org),"
        " for the links it hands out; empty = the address a request came to.",
    )

    def secret_rules(self) -> list[SecretRule]:
        return [
            *super().secret_rules(),
            SecretRule("link_secret", LINK_SECRET_MIN_LENGTH, required_in_production=True),
            SecretRule("link_secret_previous", LINK_SECRET_MIN_LENGTH),
        ]

    @model_validator(mode="after")
    def _public_url_in_production(self) -> Self:
        # behind an ingress the request's own address is the cluster's (http://gateway/):
        # links made with it open nothing
        if self.environment == "production" and not self.public_url.startswith("https://"):
            raise ValueError(
                "SECRETARY_PUBLIC_URL must be the https:// address people open the gateway at"
                " (sign-in and playback links are made with it)"
            )
        return self

    @field_validator("webhook_allowed_networks", mode="before")
    @classmethod
    def _comma_separated(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("webhook_allowed_networks")
    @classmethod
    def _networks(cls, value: list[str]) -> list[str]:
        import ipaddress

        for network in value:
            ipaddress.ip_network(network, strict=False)
        return value

    retention_check_every_s: float = Field(
        default=3600.0,
        gt=0,
        description="How often expired recordings, and deletions that stopped part way, are"
        " looked for.",
    )
