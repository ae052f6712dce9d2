"""Declares the streams, KV and object buckets named in the contracts; safe to run repeatedly."""

import logging

from nats.js import JetStreamContext
from nats.js.api import (
    KeyValueConfig,
    ObjectStoreConfig,
    RetentionPolicy,
    StorageType,
    StreamConfig,
)
from nats.js.errors import BadRequestError, NotFoundError
from secretary_contracts.messaging import BUCKETS, STREAMS

logger = logging.getLogger(__name__)


async def declare_infrastructure(js: JetStreamContext, replicas: int = 1) -> None:
    for spec in STREAMS:
        config = StreamConfig(
            name=spec.name,
            subjects=list(spec.subjects),
            retention=RetentionPolicy.LIMITS,
            storage=StorageType.FILE,
            max_age=spec.max_age.total_seconds(),
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
