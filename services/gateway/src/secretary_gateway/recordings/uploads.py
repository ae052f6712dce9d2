"""Streams a multipart upload straight into the Object Store: never in memory, never spooled."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from multipart import MultipartError, MultipartSegment, PushMultipartParser, parse_options_header
from nats.js import JetStreamContext
from nats.js.errors import APIError
from secretary_contracts import ObjectRef
from secretary_runtime import objects

from secretary_gateway.errors import ApiError

MAX_FIELD_BYTES = 4096
OPTION_FIELDS = {"title", "language", "num_speakers", "min_speakers", "max_speakers"}
# the read model's column sizes: what does not fit is refused before anything is stored
MAX_CHARACTERS = {"title": 500, "language": 16, "filename": 500, "content_type": 200}


def _fits(name: str, value: str) -> str:
    if len(value) > MAX_CHARACTERS.get(name, MAX_FIELD_BYTES):
        raise ApiError(
            400,
            "field_too_long",
            f"The {name} has {len(value)} characters; at most {MAX_CHARACTERS[name]} are kept.",
        )
    return value


@dataclass
class Upload:
    media: ObjectRef | None = None
    filename: str = ""
    content_type: str | None = None
    fields: dict[str, str] = field(default_factory=dict)


async def _parse_events(
    body: AsyncIterator[bytes], parser: PushMultipartParser
) -> AsyncIterator[MultipartSegment | bytes | None]:
    async for chunk in body:
        if chunk:
            for event in parser.parse(chunk):
                yield event
    for event in parser.parse(b""):
        yield event


async def receive_upload(
    body: AsyncIterator[bytes],
    content_type_header: str,
    content_length: int,
    js: JetStreamContext,
    bucket: str,
    object_name: str,
    max_bytes: int,
    over_limit: ApiError | None = None,
) -> Upload:
    """`over_limit` is the answer when more than `max_bytes` arrive (by default 413
    too_large)."""
    too_large = over_limit or ApiError(
        413, "too_large", f"The upload exceeds the limit of {max_bytes} bytes."
    )
    mime, options = parse_options_header(content_type_header)
    if mime != "multipart/form-data" or "boundary" not in options:
        raise ApiError(415, "unsupported_media_type", "Send the file as multipart/form-data.")
    if content_length > max_bytes + 64 * 1024:
        raise too_large
    parser = PushMultipartParser(options["boundary"], content_length, max_segment_count=16)
    upload = Upload()
    events = _parse_events(body, parser)

    async def segment_body() -> AsyncIterator[bytes]:
        async for event in events:
            if event is None:
                return
            assert isinstance(event, bytes | bytearray)
            yield bytes(event)

    try:
        async for event in events:
            if not isinstance(event, MultipartSegment):
                continue
            if event.name == "file":
                if upload.media is not None:
                    raise ApiError(400, "bad_request", "Send exactly one `file` field.")
                upload.filename = _fits("filename", event.filename or "upload")
                upload.content_type = (
                    _fits("content_type", event.content_type) if event.content_type else None
                )
                try:
                    upload.media = await objects.put_stream(
                        js, bucket, object_name, segment_body(), max_bytes
                    )
                except objects.ObjectTooLargeError as error:
                    raise too_large from error
                except APIError as error:
                    # the bucket's byte limit (SECRETARY_MEDIA_STORE_MAX_BYTES) is reached
                    raise ApiError(
                        507,
                        "storage_full",
                        "The service's storage is full; nothing was kept. Try again later.",
                    ) from error
            else:
                value = bytearray()
                async for piece in segment_body():
                    value += piece
                    if len(value) > MAX_FIELD_BYTES:
                        raise ApiError(400, "bad_request", f"Field `{event.name}` is too long.")
                if event.name in OPTION_FIELDS:
                    text = value.decode(errors="replace").strip()
                    upload.fields[event.name] = _fits(event.name, text)
    except MultipartError as error:
        if upload.media is not None:
            await objects.delete_object(js, bucket, object_name)
        raise ApiError(400, "bad_request", f"Malformed multipart body: {error}") from error
    except BaseException:
        if upload.media is not None:
            await objects.delete_object(js, bucket, object_name)
        raise
    if upload.media is None:
        raise ApiError(400, "missing_file", "The form has no `file` field.")
    return upload
