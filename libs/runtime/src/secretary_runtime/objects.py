"""Streaming helpers for the JetStream Object Store: media never sits whole in memory."""

from __future__ import annotations

import base64
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from hashlib import sha256
from pathlib import Path
from typing import TypeVar

from nats.js import JetStreamContext
from nats.js import api as js_api
from nats.js.errors import NotFoundError, ObjectDeletedError, ObjectNotFoundError
from nats.js.object_store import (
    OBJ_CHUNKS_PRE_TEMPLATE,
    OBJ_DEFAULT_CHUNK_SIZE,
    OBJ_DIGEST_TEMPLATE,
    OBJ_META_PRE_TEMPLATE,
    OBJ_STREAM_TEMPLATE,
)
from nats.nuid import NUID
from pydantic import BaseModel
from secretary_contracts import ObjectRef

ModelT = TypeVar("ModelT", bound=BaseModel)


class ObjectTooLargeError(Exception):
    def __init__(self, limit_bytes: int) -> None:
        super().__init__(f"object is larger than {limit_bytes} bytes")
        self.limit_bytes = limit_bytes


def _hex_digest(nats_digest: str | None) -> str | None:
    if not nats_digest:
        return None
    encoded = nats_digest.split("=", 1)[1]
    padded = encoded + "=" * (-len(encoded) % 4)
    return base64.urlsafe_b64decode(padded).hex()


async def put_stream(
    js: JetStreamContext,
    bucket: str,
    name: str,
    chunks: AsyncIterator[bytes],
    max_bytes: int | None = None,
) -> ObjectRef:
    """Stores an async byte stream as an object, in the same wire format as ObjectStore.put.

    nats-py only reads blocking file objects; an HTTP upload or an MTProto download is an
    async stream, and bridging it through a thread would need a second buffer. On any error
    (size limit included) the chunks already sent are purged, so nothing is left orphaned.
    """
    stream = OBJ_STREAM_TEMPLATE.format(bucket=bucket)
    nuid = NUID().next().decode()
    chunk_subject = OBJ_CHUNKS_PRE_TEMPLATE.format(bucket=bucket, obj=nuid)
    digest = sha256()
    total = 0
    sent = 0
    pending = bytearray()
    try:
        async for piece in chunks:
            total += len(piece)
            if max_bytes is not None and total > max_bytes:
                raise ObjectTooLargeError(max_bytes)
            digest.update(piece)
            pending += piece
            while len(pending) >= OBJ_DEFAULT_CHUNK_SIZE:
                await js.publish(chunk_subject, bytes(pending[:OBJ_DEFAULT_CHUNK_SIZE]))
                del pending[:OBJ_DEFAULT_CHUNK_SIZE]
                sent += 1
        if pending:
            await js.publish(chunk_subject, bytes(pending))
            sent += 1
        store = await js.object_store(bucket)
        try:
            previous: js_api.ObjectInfo | None = await store.get_info(name)
        except Exception:
            previous = None
        info = js_api.ObjectInfo(
            name=name,
            bucket=bucket,
            nuid=nuid,
            size=total,
            chunks=sent,
            mtime=datetime.now(UTC).isoformat(),
            digest=OBJ_DIGEST_TEMPLATE.format(
                digest=base64.urlsafe_b64encode(digest.digest()).decode()
            ),
            options=js_api.ObjectMetaOptions(max_chunk_size=OBJ_DEFAULT_CHUNK_SIZE),
        )
        meta_subject = OBJ_META_PRE_TEMPLATE.format(
            bucket=bucket, obj=base64.urlsafe_b64encode(name.encode()).decode()
        )
        await js.publish(
            meta_subject,
            json.dumps(info.as_dict()).encode(),
            headers={js_api.Header.ROLLUP: "sub"},
        )
    except BaseException:
        await js.purge_stream(stream, subject=chunk_subject)
        raise
    if previous is not None and not previous.deleted and previous.nuid:
        await js.purge_stream(
            stream, subject=OBJ_CHUNKS_PRE_TEMPLATE.format(bucket=bucket, obj=previous.nuid)
        )
    return ObjectRef(bucket=bucket, name=name, size_bytes=total, sha256=digest.hexdigest())


async def put_file(js: JetStreamContext, bucket: str, name: str, path: Path) -> ObjectRef:
    store = await js.object_store(bucket)
    with path.open("rb") as source:
        info = await store.put(name, source)
    return ObjectRef(
        bucket=bucket, name=name, size_bytes=info.size or 0, sha256=_hex_digest(info.digest)
    )


async def download(js: JetStreamContext, ref: ObjectRef, path: Path) -> Path:
    """Streams an object into a file; nats-py verifies its SHA-256 on the way."""
    store = await js.object_store(ref.bucket)
    with path.open("wb") as target:
        await store.get(ref.name, writeinto=target)
    return path


async def put_model(js: JetStreamContext, bucket: str, name: str, model: BaseModel) -> ObjectRef:
    store = await js.object_store(bucket)
    payload = model.model_dump_json().encode()
    info = await store.put(name, payload)
    return ObjectRef(
        bucket=bucket, name=name, size_bytes=info.size or 0, sha256=_hex_digest(info.digest)
    )


async def stored_digest(js: JetStreamContext, bucket: str, name: str) -> str | None:
    """The SHA-256 (hex) of the object as it is stored now, from its metadata alone; None
    when there is no such object."""
    try:
        info = await (await js.object_store(bucket)).get_info(name)
    except (ObjectNotFoundError, ObjectDeletedError, NotFoundError):
        return None
    return _hex_digest(info.digest) or ""


async def get_model(js: JetStreamContext, ref: ObjectRef, model_type: type[ModelT]) -> ModelT:
    """Reads a small JSON artifact (a transcript, a list of turns), never media."""
    store = await js.object_store(ref.bucket)
    result = await store.get(ref.name)
    return model_type.model_validate_json(result.data or b"")


async def delete_object(js: JetStreamContext, bucket: str, name: str) -> None:
    """Idempotent: an object already gone is deleted. Storage that does not answer raises,
    so that nothing pointing at the object is deleted before it is."""
    try:
        store = await js.object_store(bucket)
        await store.delete(name)
    except (ObjectNotFoundError, ObjectDeletedError, NotFoundError):
        return


async def read_range(
    js: JetStreamContext, bucket: str, name: str, start: int, length: int
) -> AsyncIterator[bytes]:
    """Yields `length` bytes of an object from byte `start` on, one chunk at a time.

    An object stored in one run of the bucket's stream (as it is, unless another object was
    being stored at the same moment) has its k-th chunk at the k-th sequence after its first:
    only the chunks that hold the range are fetched. Otherwise the chunks before `start` are
    received and dropped; memory stays at one chunk either way."""
    store = await js.object_store(bucket)
    info = await store.get_info(name)
    end = min(start + length, info.size or 0)
    if start >= end:
        return
    stream = OBJ_STREAM_TEMPLATE.format(bucket=bucket)
    subject = OBJ_CHUNKS_PRE_TEMPLATE.format(bucket=bucket, obj=info.nuid)
    chunk_size = (info.options.max_chunk_size if info.options else None) or OBJ_DEFAULT_CHUNK_SIZE
    first = await js.get_msg(stream, seq=1, subject=subject, next=True)
    last = await js.get_last_msg(stream, subject)
    if first.seq is not None and last.seq is not None and last.seq - first.seq + 1 == info.chunks:
        for index in range(start // chunk_size, (end - 1) // chunk_size + 1):
            chunk = (await js.get_msg(stream, seq=first.seq + index)).data or b""
            offset = index * chunk_size
            yield chunk[max(0, start - offset) : end - offset]
        return
    subscription = await js.subscribe(subject, ordered_consumer=True)
    try:
        position = 0
        while position < end:
            chunk = (await subscription.next_msg(timeout=10)).data
            chunk_start, position = position, position + len(chunk)
            if position > start:
                yield chunk[max(0, start - chunk_start) : end - chunk_start]
    finally:
        await subscription.unsubscribe()
