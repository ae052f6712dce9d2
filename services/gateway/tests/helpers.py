"""The gateway in process with an owner's API key, for tests of the REST API."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from litestar.testing import AsyncTestClient
from secretary_gateway.app import create_app
from secretary_gateway.db import Database
from secretary_gateway.keys.auth import create_key
from secretary_gateway.settings import GatewaySettings


async def new_key(settings: GatewaySettings, owner: str | None, door: str | None = None) -> str:
    # its own engine: the app's runs on the test client's event loop, not this one
    database = Database(settings.database_url)
    try:
        await database.migrate()
        return (await create_key(database, owner, door=door)).token
    finally:
        await database.close()


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@asynccontextmanager
async def running_gateway(
    settings: GatewaySettings, owner: str = "alice"
) -> AsyncIterator[AsyncTestClient[Any]]:
    """The app with its lifespan run, and a client holding a key of `owner`."""
    async with AsyncTestClient(create_app(settings)) as client:
        client.headers.update(bearer(await new_key(settings, owner)))
        yield client


async def wait_for_status(
    api: AsyncTestClient[Any], recording_id: str, status: str, timeout_s: float = 10
) -> dict[str, Any]:
    state: dict[str, Any] = {}
    for _ in range(int(timeout_s / 0.1)):
        state = (await api.get(f"/v1/recordings/{recording_id}")).json()
        if state.get("status") == status:
            break
        await asyncio.sleep(0.1)
    return state
