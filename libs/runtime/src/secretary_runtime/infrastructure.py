"""Declares the streams, KV and object buckets named in the contracts; safe to run repeatedly."""

from __future__ import annotations

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
from secretary_contracts.messaging import BUCKETS, STREAMS

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
    info = await js.stream_info(f"OBJ_{bucket}")
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
    for bucket in (BUCKETS.media, BUCKETS.audio, BUCKETS.artifacts):
        try:
            await js.object_store(bucket)
        except (NotFoundError, BadRequestError):
            await js.create_object_store(
                bucket, config=ObjectStoreConfig(storage=StorageType.FILE, replicas=replicas)
            )
        await _limit_bucket(js, bucket, limits.bucket_max_bytes.get(bucket))
    kv_buckets = (
        BUCKETS.merge_state,
        BUCKETS.telegram,
        BUCKETS.qa_history,
        BUCKETS.owner_settings,
        BUCKETS.voiceprints,
    )
    for kv in kv_buckets:
        try:
            await js.key_value(kv)
        except (NotFoundError, BadRequestError):
            await js.create_key_value(
                KeyValueConfig(bucket=kv, history=1, storage=StorageType.FILE, replicas=replicas)
            )
