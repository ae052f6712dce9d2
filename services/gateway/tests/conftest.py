"""The gateway's tests run on SQLite and on PostgreSQL."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import AsyncTestClient
from secretary_gateway.settings import GatewaySettings
from secretary_runtime.nats_server import NatsServer

from services.gateway.tests.helpers import running_gateway


@pytest.fixture(params=["sqlite", "postgresql"])
def gateway_settings(
    request: pytest.FixtureRequest, nats_server: NatsServer, tmp_path: Path
) -> GatewaySettings:
    database_url = (
        f"sqlite+aiosqlite:///{tmp_path}/gateway.db"
        if request.param == "sqlite"
        else request.getfixturevalue("postgresql_url")
    )
    return GatewaySettings(
        nats_url=nats_server.url,
        database_url=database_url,
        max_upload_bytes=2 * 1024 * 1024,
        answer_wait_s=0,
        # the tests' webhook receivers listen on loopback, as an on-premises receiver would
        webhook_allow_http=True,
        webhook_allowed_networks=["127.0.0.1/32"],
    )


@pytest.fixture
def owner() -> str:
    # PostgreSQL's database lives for the whole session: each test is a new owner in it
    return f"alice-{uuid.uuid4().hex[:8]}"


@pytest.fixture
async def api(gateway_settings: GatewaySettings, owner: str) -> AsyncIterator[AsyncTestClient[Any]]:
    """A client holding a key of `owner`."""
    async with running_gateway(gateway_settings, owner) as client:
        yield client
