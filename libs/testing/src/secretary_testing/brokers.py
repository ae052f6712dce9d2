"""A FastStream broker with a service's subscribers, started against a test nats-server."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from faststream.nats import NatsBroker
from secretary_runtime.infrastructure import declare_infrastructure


@asynccontextmanager
async def started_broker(
    nats_url: str, register: Callable[[NatsBroker], object]
) -> AsyncIterator[NatsBroker]:
    """`register(broker)` adds the subscribers (e.g. `lambda b: Worker(..., b).register()`)."""
    broker = NatsBroker(nats_url)
    register(broker)
    await broker.connect()
    await declare_infrastructure(broker.connection.jetstream())
    await broker.start()
    try:
        yield broker
    finally:
        await broker.stop()
