"""One door with a real gateway behind it per test module (see `door.py`)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from secretary_runtime.nats_server import NatsServer

from tests.telegram.door import Harness, open_harness


@pytest.fixture(scope="module")
async def harness(
    nats_server: NatsServer, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Harness]:
    async with open_harness(nats_server.url, tmp_path_factory.mktemp("gateway")) as opened:
        yield opened
