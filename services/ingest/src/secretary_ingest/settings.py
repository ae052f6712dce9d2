from typing import Annotated

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import NoDecode
from secretary_runtime.settings import SecretRule, ServiceSettings


class IngestSettings(ServiceSettings):
    gateway_url: str = Field(
        default="http://127.0.0.1:8000",
        description="The gateway's REST API, which the Telegram door is a client of.",
    )
    gateway_api_key: SecretStr | None = Field(
        default=None,
        description="The door's key (`secretary keys create --door telegram`); needed with"
        " Telegram.",
    )
    telegram_api_id: int | None = Field(
        default=None, description="Telegram API id (my.telegram.org); unset = no Telegram."
    )
    telegram_api_hash: SecretStr | None = Field(default=None, description="Telegram API hash.")
    telegram_bot_token: SecretStr | None = Field(
        default=None, description="Bot token (from @BotFather); or a user session string."
    )
    telegram_session_string: SecretStr | None = Field(
        default=None, description="A user account's session string, instead of a bot token."
    )
    telegram_allowed_users: Annotated[list[int], NoDecode] = Field(
        default_factory=list,
        description="Telegram user ids served, comma-separated; empty = nobody (unless"
        " SECRETARY_TELEGRAM_OPEN). A user taken off it is signed out of the web page when"
        " the door starts.",
    )
    telegram_open: bool = Field(
        default=False,
        description="Serve every Telegram user, whatever the allow-list: a public bot.",
    )
    telegram_max_file_bytes: int = Field(
        default=2 * 1024**3, ge=1, description="Largest file taken from Telegram."
    )
    telegram_status_interval_s: float = Field(
        default=3.0, gt=0, description="At most one status-message edit per this many seconds."
    )
    telegram_ask_who_min_speech_s: float = Field(
        default=20.0,
        ge=0,
        description="After a transcript, a voice clip asks who each unnamed speaker with at"
        " least this much speech is (only while the gateway enrols voiceprints).",
    )

    def secret_rules(self) -> list[SecretRule]:
        return [
            *super().secret_rules(),
            SecretRule("gateway_api_key"),
            SecretRule("telegram_api_hash"),
            SecretRule("telegram_bot_token"),
            SecretRule("telegram_session_string"),
        ]

    @field_validator("telegram_allowed_users", mode="before")
    @classmethod
    def _comma_separated(cls, value: object) -> object:
        if isinstance(value, str):
            return [int(part) for part in value.replace(" ", "").split(",") if part]
        return value

    @model_validator(mode="after")
    def _telegram_credentials_complete(self) -> "IngestSettings":
        given = {
            "SECRETARY_TELEGRAM_API_ID": self.telegram_api_id is not None,
            "SECRETARY_TELEGRAM_API_HASH": self.telegram_api_hash is not None,
            "SECRETARY_TELEGRAM_BOT_TOKEN or SECRETARY_TELEGRAM_SESSION_STRING": (
                self.telegram_bot_token is not None or self.telegram_session_string is not None
            ),
        }
        if any(given.values()) and not all(given.values()):
            missing = ", ".join(name for name, present in given.items() if not present)
            raise ValueError(f"Telegram is half configured: set {missing}, or none of them")
        if self.telegram_bot_token is not None and self.telegram_session_string is not None:
            raise ValueError("set either a Telegram bot token or a session string, not both")
        if self.telegram_api_id is not None and self.gateway_api_key is None:
            raise ValueError(
                "Telegram needs the gateway's door key: set SECRETARY_GATEWAY_API_KEY"
                " (`secretary keys create --door telegram`)"
            )
        return self

    @property
    def telegram_enabled(self) -> bool:
        return self.telegram_api_id is not None

    def serves(self, user_id: int) -> bool:
        """Fails closed: a user is served when allowed by id, or when the bot is open."""
        return self.telegram_open or user_id in self.telegram_allowed_users

    def door_policy(self) -> str:
        if self.telegram_open:
            return "open to every Telegram user (SECRETARY_TELEGRAM_OPEN)"
        if self.telegram_allowed_users:
            return f"serving {len(self.telegram_allowed_users)} allowed user(s)"
        return "serving nobody: set SECRETARY_TELEGRAM_ALLOWED_USERS or SECRETARY_TELEGRAM_OPEN"
