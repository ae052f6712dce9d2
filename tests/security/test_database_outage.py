"""The read model outlasts a database outage: with PostgreSQL out of reach for 60 s around
`transcript.ready`, the recording still ends `done` and its webhook is sent once. Real NATS,
real PostgreSQL behind a link that is cut, a real webhook receiver."""

from __future__ import annotations

import asyncio
import os
import time

from nats.aio.client import Client
from secretary_gateway.settings import GatewaySettings
from secretary_runtime.nats_server import NatsServer
from secretary_testing import pipeline
from sqlalchemy.engine import make_url

from services.gateway.tests.helpers import running_gateway
from services.gateway.tests.test_product import PLANNING
from tests.security.outage import cuttable_link
from tests.security.receiver import receiving

OUTAGE_S = 60


async def test_a_transcript_announced_while_the_database_is_down_is_done_once_it_is_back(
    nats_server: NatsServer, nats_client: Client, postgresql_url: str
) -> None:
    url = make_url(postgresql_url)
    with cuttable_link(url.port or 5432) as link:
        async with receiving() as receiver:
            settings = GatewaySettings(
                nats_url=nats_server.url,
                database_url=url.set(port=link.port).render_as_string(hide_password=False),
                answer_wait_s=0,
                webhook_allow_http=True,
                webhook_allowed_networks=["127.0.0.1/32"],
            )
            async with running_gateway(settings, "outlasting") as api:
                hook = await api.post("/v1/webhooks", json={"url": receiver.url()})
                assert hook.status_code == 201, hook.text
                created = await api.post(
                    "/v1/recordings", files={"file": ("a.wav", os.urandom(100))}
                )
                recording_id = created.json()["id"]

                link.down()
                await pipeline.finish(nats_client.jetstream(), recording_id, PLANNING)
                await asyncio.sleep(OUTAGE_S / 2)
                assert (await api.get("/readyz")).status_code == 503
                assert (await api.get(f"/v1/recordings/{recording_id}")).status_code == 500
                await asyncio.sleep(OUTAGE_S / 2)
                link.up()

                deadline = time.monotonic() + 60
                status = None
                while time.monotonic() < deadline:
                    response = await api.get(f"/v1/recordings/{recording_id}")
                    status = response.json().get("status") if response.status_code == 200 else None
                    if status == "done" and receiver.received:
                        break
                    await asyncio.sleep(0.5)
                assert status == "done"
                await asyncio.sleep(3)  # a second delivery would have come by now
                assert [r.headers["x-secretary-event"] for r in receiver.received] == [
                    "transcript.ready"
                ]
                assert (await api.get("/readyz")).status_code == 200
