"""Prometheus metrics: requests, recordings by status, stage durations, webhook deliveries."""

from __future__ import annotations

import time
from typing import Any

from litestar.types import ASGIApp, Message, Receive, Scope, Send
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from secretary_contracts import RecordingStatus
from sqlalchemy import func, select

from secretary_gateway.db import Database, RecordingRow

STATUSES = tuple(RecordingStatus)


class Metrics:
    """One registry per application, so several apps in one process never collide."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "secretary_http_requests",
            "HTTP requests answered, by route template and status code.",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.request_seconds = Histogram(
            "secretary_http_request_duration_seconds",
            "Time to answer an HTTP request (to the end of its body).",
            ["method", "route"],
            registry=self.registry,
        )
        self.recordings = Gauge(
            "secretary_recordings",
            "Recordings in the read model, by status.",
            ["status"],
            registry=self.registry,
        )
        self.stage_seconds = Histogram(
            "secretary_stage_duration_seconds",
            "How long a stage took for a recording, from the stage it waits for.",
            ["stage"],
            buckets=(1, 5, 15, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200, 14400),
            registry=self.registry,
        )
        self.webhook_deliveries = Counter(
            "secretary_webhook_deliveries",
            "Webhook delivery attempts, by outcome.",
            ["outcome"],
            registry=self.registry,
        )

    async def render(self, database: Database) -> bytes:
        async with database.sessions() as session:
            counts = dict(
                (
                    await session.execute(
                        select(RecordingRow.status, func.count()).group_by(RecordingRow.status)
                    )
                ).all()
            )
        for status in STATUSES:
            self.recordings.labels(status).set(counts.get(status, 0))
        return generate_latest(self.registry)

    def middleware(self, app: ASGIApp) -> ASGIApp:
        async def measured(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] != "http":
                await app(scope, receive, send)
                return
            started = time.perf_counter()
            status = 500

            async def sending(message: Message) -> None:
                nonlocal status
                if message["type"] == "http.response.start":
                    status = int(message["status"])
                await send(message)

            try:
                await app(scope, receive, sending)
            finally:
                route = _route_template(scope)
                method = str(scope.get("method", ""))
                self.requests.labels(method, route, str(status)).inc()
                self.request_seconds.labels(method, route).observe(time.perf_counter() - started)

        return measured


def _route_template(scope: Any) -> str:
    # the template, not the path: ids in paths would make a series per recording; the router
    # sets it on every request it matched
    return str(scope.get("path_template") or "unmatched")
