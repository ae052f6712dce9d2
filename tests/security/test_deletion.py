"""Deletion that deletes, and fails safely: while storage does not answer, a delete answers 503
and keeps every row, and the same call later deletes everything. The gateway's own
nats-server is stopped and started again under it; the database is PostgreSQL."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

from nats.js.errors import ObjectNotFoundError
from secretary_contracts.messaging import BUCKETS
from secretary_gateway.settings import GatewaySettings
from secretary_runtime.nats_server import NatsServer
from secretary_testing import pipeline

from services.gateway.tests.helpers import running_gateway, wait_for_status
from services.gateway.tests.test_product import PLANNING


async def test_a_delete_while_storage_is_away_keeps_everything_and_succeeds_later(
    tmp_path: Path, postgresql_url: str
) -> None:
    import nats

    with NatsServer(tmp_path / "nats") as server:
        settings = GatewaySettings(nats_url=server.url, database_url=postgresql_url)
        async with running_gateway(settings, "deleter") as api:
            created = await api.post("/v1/recordings", files={"file": ("a.wav", os.urandom(100))})
            recording_id = created.json()["id"]
            client = await nats.connect(server.url)
            await pipeline.finish(client.jetstream(), recording_id, PLANNING)
            await client.close()
            await wait_for_status(api, recording_id, "done")

            server.stop()
            refused = await api.delete(f"/v1/recordings/{recording_id}")
            assert refused.status_code == 503, refused.text
            assert refused.json()["error"]["code"] == "unavailable"
            kept = await api.get(f"/v1/recordings/{recording_id}/transcript")
            assert kept.status_code == 200  # the rows are all there

            server.start()
            await asyncio.sleep(3)  # the gateway's client reconnects
            deleted = await api.delete(f"/v1/recordings/{recording_id}")
            assert deleted.status_code == 204, deleted.text
            assert (await api.get(f"/v1/recordings/{recording_id}")).status_code == 404
            client = await nats.connect(server.url)
            store = await client.jetstream().object_store(BUCKETS.media)
            try:
                await store.get_info(recording_id)
                raise AssertionError("the media outlived its recording")
            except ObjectNotFoundError:
                pass
            finally:
                await client.close()
