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
from secretary_gateway.webhooks.targets import TargetPolicy


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
    settings: GatewaySettings, owner: str = "alice", webhook_targets: TargetPolicy | None = None
) -> AsyncIterator[AsyncTestClient[Any]]:
    """The app with its lifespan run, and a client holding a key of `owner`."""
    async with AsyncTestClient(create_app(settings, webhook_targets)) as client:
        client.headers.update(bearer(await new_key(settings, owner)))
        yield client


@asynccontextmanager
async def serving_gateway(settings: GatewaySettings) -> AsyncIterator[str]:
    """The app behind a real HTTP server (uvicorn, as in production) on a free loopback port,
    on this event loop; yields its base URL. For clients that stream request bodies, which the
    in-process test transport cannot."""
    import socket

    import uvicorn

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(settings), host="127.0.0.1", port=port, log_config=None, access_log=False
        )
    )
    serving = asyncio.create_task(server.serve())
    while not server.started:
        if serving.done():
            serving.result()
        await asyncio.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await serving


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
