"""`create_app(settings)`: the Litestar application, wired from its domains.

Each domain folder holds its controller (HTTP only), its service (the rules, injected with
Litestar's DI), its schemas and its event handlers; this module only puts them together with
the broker, the database and the background loops.
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from litestar import Litestar
from litestar.datastructures import State
from litestar.di import Provide
from litestar.middleware import DefineMiddleware
from litestar.openapi import OpenAPIConfig
from litestar.openapi.spec import Components, SecurityScheme, Server, Tag
from secretary_runtime.infrastructure import prepare_infrastructure
from secretary_runtime.publishing import EventPublisher
from secretary_runtime.service import create_broker

from secretary_gateway.db import Database
from secretary_gateway.errors import EXCEPTION_HANDLERS
from secretary_gateway.health import healthz, metrics, readyz
from secretary_gateway.http import caller_of
from secretary_gateway.keys.auth import PUBLIC_PATHS, ApiKeyAuthentication
from secretary_gateway.keys.signed import Signer
from secretary_gateway.limits import EventStreamLimiter
from secretary_gateway.metrics import Metrics
from secretary_gateway.owners.controller import OwnerSettingsController, VocabularyController
from secretary_gateway.people.controller import PeopleController
from secretary_gateway.playback.controller import AudioController
from secretary_gateway.playback.service import PlaybackLinks
from secretary_gateway.questions.controller import QuestionController
from secretary_gateway.questions.handlers import AnswerProjector
from secretary_gateway.recordings.controller import RecordingController
from secretary_gateway.recordings.dead_letters import DeadLetterWatcher
from secretary_gateway.recordings.handlers import Projector
from secretary_gateway.recordings.retention import RetentionSweeper
from secretary_gateway.recordings.watchdog import StuckRecordingWatchdog
from secretary_gateway.search.controller import SearchController
from secretary_gateway.sessions.controller import SignInController
from secretary_gateway.sessions.service import SignIns
from secretary_gateway.settings import GatewaySettings
from secretary_gateway.transcripts.controller import TranscriptController
from secretary_gateway.web.controller import PUBLIC_PAGES, web
from secretary_gateway.webhooks.controller import WebhookController
from secretary_gateway.webhooks.delivery import WebhookSender
from secretary_gateway.webhooks.targets import TargetPolicy

OPENAPI = OpenAPIConfig(
    title="secretary",
    version="1.0.0",
    description="Speaker-labelled transcripts of meetings, and answers about them. Every"
    " route but the probes needs `Authorization: Bearer <API key>` (`secretary keys create"
    ' --owner NAME`); errors are `{"error": {"code", "message"}}`.',
    servers=[Server(url="/")],
    tags=[
        Tag(name="recordings", description="Upload, follow, read, export and delete."),
        Tag(name="questions", description="Grounded answers with `[mm:ss] Speaker` sources."),
        Tag(name="search", description="Full-text search over my transcripts."),
        Tag(name="webhooks", description="Signed POSTs when a recording is done or failed."),
        Tag(name="operations", description="Probes and Prometheus metrics (no key needed)."),
    ],
    components=Components(
        security_schemes={
            "ApiKey": SecurityScheme(
                type="http",
                scheme="bearer",
                description="An API key from `secretary keys create --owner NAME`.",
            )
        }
    ),
    security=[{"ApiKey": []}],
)


def create_app(settings: GatewaySettings, webhook_targets: TargetPolicy | None = None) -> Litestar:
    """`webhook_targets` decides where webhooks may go (from the settings unless given)."""
    targets = webhook_targets or TargetPolicy(
        settings.webhook_allow_http, settings.webhook_allowed_networks
    )
    broker = create_broker(settings)
    database = Database(settings.database_url)
    telemetry = Metrics()
    signer = Signer(
        settings.link_secret.get_secret_value().encode() or secrets.token_bytes(32),
        settings.link_secret_previous.get_secret_value().encode(),
    )
    Projector(broker, database, telemetry, settings.voiceprints).register()
    DeadLetterWatcher(broker).register()
    AnswerProjector(broker, database).register()
    sender = WebhookSender(broker, database, settings, telemetry, targets)
    sender.register()
    watchdog = StuckRecordingWatchdog(
        database, EventPublisher(broker), settings.stuck_after_s, settings.stuck_check_every_s
    )
    retention = RetentionSweeper(
        broker,
        database,
        settings.media_retention_days,
        settings.transcript_retention_days,
        settings.retention_check_every_s,
    )

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        await database.migrate()
        await broker.connect()
        await prepare_infrastructure(broker.connection.jetstream(), settings)
        await broker.start()
        background = [
            asyncio.create_task(watchdog.run_forever()),
            asyncio.create_task(retention.run_forever()),
        ]
        try:
            yield
        finally:
            for task in background:
                task.cancel()
            await broker.stop()
            await sender.close()
            await database.close()

    return Litestar(
        route_handlers=[
            RecordingController,
            AudioController,
            TranscriptController,
            QuestionController,
            WebhookController,
            SearchController,
            OwnerSettingsController,
            VocabularyController,
            SignInController,
            PeopleController,
            healthz,
            readyz,
            metrics,
            web,
        ],
        lifespan=[lifespan],
        dependencies={"caller": Provide(caller_of, sync_to_thread=False)},
        state=State(
            {
                "settings": settings,
                "broker": broker,
                "database": database,
                "metrics": telemetry,
                "webhook_targets": targets,
                "event_streams": EventStreamLimiter(settings.event_streams_per_key),
                "playback_links": PlaybackLinks(signer, settings.playback_link_lifetime_s),
                "sign_ins": SignIns(
                    signer,
                    database,
                    settings.sign_in_link_lifetime_s,
                    settings.web_session_lifetime_s,
                ),
            }
        ),
        middleware=[
            telemetry.middleware,
            DefineMiddleware(ApiKeyAuthentication, exclude=[*PUBLIC_PATHS, *PUBLIC_PAGES]),
        ],
        exception_handlers=EXCEPTION_HANDLERS,  # type: ignore[arg-type]
        openapi_config=OPENAPI,
        # the process's logging is configured once, in __main__, like every service's
        logging_config=None,
    )
