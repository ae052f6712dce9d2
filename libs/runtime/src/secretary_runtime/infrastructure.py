"""Declares the streams, KV and object buckets named in the contracts; safe to run repeatedly."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field, replace

from nats.js import JetStreamContext
from nats.js.api import (
    DiscardPolicy,
    KeyValueConfig,
    ObjectStoreConfig,
    RetentionPolicy,
    StorageType,
    StreamConfig,
)
from nats.js.errors import BadRequestError, NotFoundError
from secretary_contracts.messaging import (
    BUCKETS,
    KEY_VALUE_BUCKETS,
    OBJECT_BUCKETS,
    STREAMS,
    bucket_stream,
)

from secretary_runtime.settings import ServiceSettings

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class StorageLimits:
    """Bytes JetStream may hold, so that no one can fill it for everyone (None: no limit)."""

    stream_max_bytes: int | None = None
    bucket_max_bytes: dict[str, int | None] = field(default_factory=dict)

    @classmethod
    def of(cls, settings: ServiceSettings) -> StorageLimits:
        return cls(
            settings.stream_max_bytes,
            {
                BUCKETS.media: settings.media_store_max_bytes,
                BUCKETS.audio: settings.audio_store_max_bytes,
                BUCKETS.artifacts: settings.artifacts_store_max_bytes,
            },
        )


async def _limit_bucket(js: JetStreamContext, bucket: str, max_bytes: int | None) -> None:
    info = await js.stream_info(bucket_stream(bucket))
    wanted = max_bytes or -1
    if info.config.max_bytes != wanted:
        await js.update_stream(replace(info.config, max_bytes=wanted))


async def declare_infrastructure(
    js: JetStreamContext, replicas: int = 1, limits: StorageLimits | None = None
) -> None:
    limits = limits or StorageLimits()
    for spec in STREAMS:
        config = StreamConfig(
            name=spec.name,
            subjects=list(spec.subjects),
            retention=RetentionPolicy.LIMITS,
            storage=StorageType.FILE,
            max_age=spec.max_age.total_seconds(),
            max_bytes=limits.stream_max_bytes or -1,
            # a full stream refuses new events rather than drop old ones no one has read yet
            discard=DiscardPolicy.NEW if limits.stream_max_bytes else DiscardPolicy.OLD,
            duplicate_window=spec.duplicate_window.total_seconds(),
            num_replicas=replicas,
        )
        try:
            await js.stream_info(spec.name)
            await js.update_stream(config)
        except NotFoundError:
            await js.add_stream(config)
    for bucket in OBJECT_BUCKETS:
        try:
            await js.object_store(bucket)
        except (NotFoundError, BadRequestError):
            await js.create_object_store(
                bucket, config=ObjectStoreConfig(storage=StorageType.FILE, replicas=replicas)
            )
        await _limit_bucket(js, bucket, limits.bucket_max_bytes.get(bucket))
    for kv in KEY_VALUE_BUCKETS:
        try:
            await js.key_value(kv)
        except (NotFoundError, BadRequestError):
            await js.create_key_value(
                KeyValueConfig(bucket=kv, history=1, storage=StorageType.FILE, replicas=replicas)
            )


def _every_stream() -> dict[str, str]:
    """Each stream by name, with a subject it holds."""
    streams = {spec.name: spec.subjects[0] for spec in STREAMS}
    for bucket in OBJECT_BUCKETS:
        streams[bucket_stream(bucket)] = f"$O.{bucket}.M.>"
    for bucket in KEY_VALUE_BUCKETS:
        streams[bucket_stream(bucket)] = f"$KV.{bucket}.>"
    return streams


async def await_infrastructure(js: JetStreamContext, poll_s: float = 1.0) -> None:
    """Waits until every stream and bucket exists: where services may not declare them,
    the admin's declaration step may still be running. (Asked by subject, which any
    service may: stream details are only for those that use the stream.)"""
    missing = _every_stream()
    warned = False
    while missing:
        for stream, subject in list(missing.items()):
            try:
                if await js.find_stream_name_by_subject(subject) == stream:
                    del missing[stream]
            except NotFoundError:
                pass
        if missing:
            if not warned:
                logger.warning(
                    "waiting for streams and buckets %s: run `python -m"
                    " secretary_runtime.declare` as the NATS admin",
                    ", ".join(missing),
                )
                warned = True
            await asyncio.sleep(poll_s)


async def prepare_infrastructure(js: JetStreamContext, settings: ServiceSettings) -> None:
    """Declares the infrastructure where the service may, else waits for it."""
    if settings.declare_infrastructure:
        await declare_infrastructure(js, settings.stream_replicas, StorageLimits.of(settings))
    else:
        await await_infrastructure(js)
