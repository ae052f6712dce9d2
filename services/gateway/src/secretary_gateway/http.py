"""What every controller shares: who is calling, and the documented error answers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from litestar import Request
from litestar.datastructures import State
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.spec import Example

from secretary_gateway.errors import ApiError, ErrorBody

ERROR_DESCRIPTIONS = {
    400: ("Invalid request", "invalid_options", "min_speakers is larger than max_speakers."),
    401: ("No valid API key", "unauthorized", "Send an API key: `Authorization: Bearer <key>`."),
    403: ("Not allowed", "owner_not_allowed", "This key may not act for telegram:7."),
    404: ("Not found, or not yours", "recording_not_found", "No recording with id 5f2b…."),
    409: ("Not ready yet", "transcript_not_ready", "The recording is processing; try later."),
    410: ("Gone", "audio_removed", "The audio was removed by the retention policy."),
    413: ("Too large", "too_large", "The upload exceeds the limit of 4294967296 bytes."),
    415: ("Not multipart", "unsupported_media_type", "Send the file as multipart/form-data."),
    429: (
        "Over a limit of the owner's (with Retry-After)",
        "too_many_questions",
        "At most 30 questions a minute: ask again in 12 s.",
    ),
    503: ("Temporarily unavailable", "unavailable", "The recording could not be queued."),
    507: ("Storage full", "storage_full", "The service's storage is full; nothing was kept."),
}


def errors(*codes: int) -> dict[int, ResponseSpec]:
    """OpenAPI responses for the errors a route can answer, with the shared error body."""
    specs = {}
    for status in (*codes, 401):
        description, code, message = ERROR_DESCRIPTIONS[status]
        specs[status] = ResponseSpec(
            data_container=ErrorBody,
            description=description,
            examples=[Example(summary=code, value={"error": {"code": code, "message": message}})],
        )
    return specs


MAX_IDEMPOTENCY_KEY = 200


def idempotency_key(request: Request[Any, Any, State]) -> str | None:
    """The request's `Idempotency-Key`, if it sent one: a retry with it answers what the
    first request made (uploads and questions)."""
    key = request.headers.get("idempotency-key")
    if key is not None and not 0 < len(key) <= MAX_IDEMPOTENCY_KEY:
        raise ApiError(
            400,
            "invalid_idempotency_key",
            f"An Idempotency-Key has 1 to {MAX_IDEMPOTENCY_KEY} characters.",
        )
    return key


@dataclass(frozen=True)
class Caller:
    """Who a request acts for: an owner, the door it came in by (`rest`, `telegram`), the
    API key behind it (for a web session, the key that opened it) and, signed in by a link,
    the web session."""

    owner: str
    door: str = "rest"
    key_id: str = ""
    session_id: str | None = None

    @property
    def principal(self) -> str:
        """What per-key allowances count against: a session shares its key's, and a door
        key's owners each have their own."""
        return f"{self.key_id}:{self.owner}"


def caller_of(request: Request[Any, Any, State]) -> Caller:
    """Set by the authentication middleware from the API key (and, for a door key, the
    owner it acts for)."""
    user = request.user
    assert isinstance(user, Caller)
    return user
