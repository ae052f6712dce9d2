"""Metadata that does not fit is refused before anything is kept: a 600-character title used
to answer 500 on PostgreSQL and leave the media behind. Real NATS and PostgreSQL."""

from __future__ import annotations

from typing import Any

import pytest
from nats.aio.client import Client
from secretary_contracts.messaging import BUCKETS
from secretary_gateway.settings import GatewaySettings
from secretary_runtime.nats_server import NatsServer

from services.gateway.tests.helpers import running_gateway


async def _media_messages(nats_client: Client) -> int:
    info = await nats_client.jetstream().stream_info(f"OBJ_{BUCKETS.media}")
    return int(info.state.messages)


@pytest.mark.parametrize(
    ("fields", "filename", "field"),
    [
        ({"title": "t" * 600}, "call.wav", "title"),
        ({"language": "x" * 40}, "call.wav", "language"),
        ({}, "f" * 600 + ".wav", "filename"),
    ],
)
async def test_metadata_longer_than_kept_is_refused_and_nothing_is_stored(
    nats_server: NatsServer,
    nats_client: Client,
    postgresql_url: str,
    fields: dict[str, Any],
    filename: str,
    field: str,
) -> None:
    settings = GatewaySettings(nats_url=nats_server.url, database_url=postgresql_url)
    async with running_gateway(settings, "long-metadata") as api:
        before = await _media_messages(nats_client)
        refused = await api.post(
            "/v1/recordings", files={"file": (filename, b"x" * 5000)}, data=fields
        )
        assert refused.status_code == 400, refused.text
        error = refused.json()["error"]
        assert error["code"] == "field_too_long" and f"The {field} has" in error["message"]
        assert await _media_messages(nats_client) == before
        assert (await api.get("/v1/recordings")).json()["items"] == []
        assert (await api.get("/readyz")).status_code == 200
