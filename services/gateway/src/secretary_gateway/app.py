"""`create_app(settings)`: the Litestar application with its broker and database."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from litestar import Litestar
from litestar.datastructures import State
from litestar.openapi import OpenAPIConfig
from secretary_runtime.infrastructure import declare_infrastructure
from secretary_runtime.publishing import EventPublisher
from secretary_runtime.service import create_broker

from secretary_gateway.answers import AnswerProjector
from secretary_gateway.api import (
    QuestionController,
    RecordingController,
    get_summary,
    healthz,
    readyz,
)
from secretary_gateway.db import Database
from secretary_gateway.dead_letters import DeadLetterWatcher
from secretary_gateway.errors import EXCEPTION_HANDLERS
from secretary_gateway.projector import Projector
from secretary_gateway.settings import GatewaySettings
from secretary_gateway.watchdog import StuckRecordingWatchdog


def create_app(settings: GatewaySettings) -> Litestar:
    broker = create_broker(settings)
    database = Database(settings.database_url)
    Projector(broker, database).register()
    DeadLetterWatcher(broker).register()
    AnswerProjector(broker, database).register()
    watchdog = StuckRecordingWatchdog(
        database, EventPublisher(broker), settings.stuck_after_s, settings.stuck_check_every_s
    )

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        await database.create_schema()
        await broker.connect()
        await declare_infrastructure(broker.connection.jetstream(), settings.stream_replicas)
        await broker.start()
        watching = asyncio.create_task(watchdog.run_forever())
        try:
            yield
        finally:
            watching.cancel()
            await broker.stop()
            await database.close()

    return Litestar(
        route_handlers=[RecordingController, QuestionController, get_summary, healthz, readyz],
        lifespan=[lifespan],
        state=State({"settings": settings, "broker": broker, "database": database}),
        exception_handlers=EXCEPTION_HANDLERS,  # type: ignore[arg-type]
        openapi_config=OpenAPIConfig(title="secretary", version="0.1.0"),
        # the process's logging is configured once, in __main__, like every service's
        logging_config=None,
    )
