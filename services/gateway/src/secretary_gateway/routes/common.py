"""What every route shares: the caller's owner, owned lookups, documented error answers."""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.spec import Example

from secretary_gateway.db import Database, RecordingRow
from secretary_gateway.errors import ApiError
from secretary_gateway.schemas import ErrorBody

ERROR_DESCRIPTIONS = {
    400: ("Invalid request", "invalid_options", "min_speakers is larger than max_speakers."),
    401: ("No valid API key", "unauthorized", "Send an API key: `Authorization: Bearer <key>`."),
    404: ("Not found, or not yours", "recording_not_found", "No recording with id 5f2b…."),
    409: ("Not ready yet", "transcript_not_ready", "The recording is processing; try later."),
    413: ("Too large", "too_large", "The upload exceeds the limit of 4294967296 bytes."),
    415: ("Not multipart", "unsupported_media_type", "Send the file as multipart/form-data."),
    503: ("Temporarily unavailable", "unavailable", "The recording could not be queued."),
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


# the owner of the caller's API key, as a handler parameter
Owner = NamedDependency[str]


def owner_of(request: Request[Any, Any, State]) -> str:
    """The owner the API key belongs to (set by the authentication middleware)."""
    return str(request.user)


async def owned_recording(database: Database, recording_id: str, owner: Owner) -> RecordingRow:
    """The recording, if it belongs to the owner; another owner's id is simply not found."""
    async with database.sessions() as session:
        row = await session.get(RecordingRow, recording_id)
    if row is None or row.owner != owner:
        raise ApiError(404, "recording_not_found", f"No recording with id {recording_id}.")
    return row
