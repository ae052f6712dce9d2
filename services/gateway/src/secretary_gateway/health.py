"""Probes and metrics: answered without an API key."""

from __future__ import annotations

from typing import Any

from faststream.nats import NatsBroker
from litestar import Response, get
from litestar.datastructures import State
from prometheus_client import CONTENT_TYPE_LATEST

# probes and metrics answer without a key (an empty requirement: no authentication)
NO_KEY: list[dict[str, list[str]]] = [{}]


@get(
    "/healthz",
    operation_id="health",
    tags=["operations"],
    summary="The process is alive.",
    security=NO_KEY,
)
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@get(
    "/readyz",
    operation_id="ready",
    tags=["operations"],
    summary="Ready when NATS and the database answer.",
    security=NO_KEY,
)
async def readyz(state: State) -> Response[dict[str, Any]]:
    broker: NatsBroker = state.broker
    checks = {
        "nats": bool(broker.connection and broker.connection.is_connected),
        "database": await state.database.ping(),
    }
    ready = all(checks.values())
    return Response(
        {"status": "ready" if ready else "not_ready", "checks": checks},
        status_code=200 if ready else 503,
    )


@get(
    "/metrics",
    operation_id="metrics",
    tags=["operations"],
    summary="Prometheus metrics: requests, recordings by status, stage durations, webhooks.",
    media_type=CONTENT_TYPE_LATEST,
    security=NO_KEY,
)
async def metrics(state: State) -> Response[bytes]:
    return Response(await state.metrics.render(state.database), media_type=CONTENT_TYPE_LATEST)
