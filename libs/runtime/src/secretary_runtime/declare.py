"""Declares every stream and bucket as the NATS admin, then exits: the step that runs before
the services where they may not declare anything themselves (`SECRETARY_NATS_USER=admin`).

    python -m secretary_runtime.declare
"""

from __future__ import annotations

import asyncio
import logging

import nats

from secretary_runtime.infrastructure import StorageLimits, declare_infrastructure
from secretary_runtime.logs import configure_logging
from secretary_runtime.settings import ServiceSettings

logger = logging.getLogger("secretary.declare")


async def declare(settings: ServiceSettings) -> None:
    credentials = {}
    if settings.nats_user:
        credentials = {
            "user": settings.nats_user,
            "password": settings.nats_password.get_secret_value(),
        }
    client = await nats.connect(settings.nats_url, max_reconnect_attempts=5, **credentials)
    try:
        await declare_infrastructure(
            client.jetstream(), settings.stream_replicas, StorageLimits.of(settings)
        )
    finally:
        await client.close()
    logger.info("streams and buckets declared")


if __name__ == "__main__":
    settings = ServiceSettings()
    configure_logging("declare", settings.log_level, settings.log_format)
    asyncio.run(declare(settings))
