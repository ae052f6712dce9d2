"""The life of a worker process: connect, declare, consume, report health, stop on SIGTERM."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
from collections.abc import Awaitable, Callable

from faststream.nats import NatsBroker, NatsUserPassword
from secretary_contracts.access import ServiceAccess

from secretary_runtime.health import HealthServer
from secretary_runtime.infrastructure import prepare_infrastructure
from secretary_runtime.malformed import TerminateMalformed
from secretary_runtime.settings import ServiceSettings

logger = logging.getLogger(__name__)


def create_broker(settings: ServiceSettings) -> NatsBroker:
    # graceful_timeout: on SIGTERM, a job in hand gets this long to finish before it is
    # handed back; the message is then redelivered elsewhere.
    security = None
    inbox_prefix = "_INBOX"
    if settings.nats_user:
        security = NatsUserPassword(settings.nats_user, settings.nats_password.get_secret_value())
        # replies come under the user's own inbox prefix, the only one it may subscribe to
        inbox_prefix = ServiceAccess(settings.nats_user).inbox_prefix
    return NatsBroker(
        settings.nats_url,
        security=security,
        inbox_prefix=inbox_prefix,
        graceful_timeout=settings.shutdown_grace_s,
        max_reconnect_attempts=-1,
        reconnect_time_wait=1,
        logger=logging.getLogger("secretary.broker"),
        # per-message lines ("received", "processed") only at DEBUG: the job runner logs jobs
        log_level=logging.DEBUG,
        middlewares=(TerminateMalformed,),
    )


async def run_worker(
    name: str,
    settings: ServiceSettings,
    broker: NatsBroker,
    extra_readiness: Callable[[], Awaitable[dict[str, bool]]] | None = None,
    on_start: Callable[[], Awaitable[None]] | None = None,
    on_stop: Callable[[], Awaitable[None]] | None = None,
) -> None:
    """Runs until SIGTERM or SIGINT; the subscribers must already be registered on `broker`."""
    await broker.connect()
    await prepare_infrastructure(broker.connection.jetstream(), settings)
    await broker.start()
    if on_start is not None:
        await on_start()

    async def readiness() -> dict[str, bool]:
        checks = {"nats": broker.connection.is_connected}
        if extra_readiness is not None:
            checks.update(await extra_readiness())
        return checks

    health: HealthServer | None = None
    if settings.health_port:
        health = HealthServer(settings.health_host, settings.health_port, readiness)
        await health.start()

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    logger.info("%s is consuming", name)
    await stop.wait()
    logger.info("%s is stopping", name)
    if health is not None:
        await health.stop()
    if on_stop is not None:
        await on_stop()
    # Waits up to the grace period for the job in hand, then cancels it: the job runner naks
    # it so another worker takes it at once.
    await broker.stop()
    logger.info("%s stopped", name)
    # A model still running in its thread would hold the interpreter until it finishes;
    # its message is already handed back, so nothing is lost by leaving now.
    logging.shutdown()
    os._exit(0)
