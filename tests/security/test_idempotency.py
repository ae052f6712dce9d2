"""Retries that don't double the work: an upload or a question sent again with the same
`Idempotency-Key`, or the same bytes uploaded again, answer what was made the first time and
store nothing more. Real NATS and PostgreSQL."""

from __future__ import annotations

import os
import uuid

from nats.aio.client import Client
from secretary_contracts import ErrorCode
from secretary_contracts.messaging import BUCKETS, QUESTION_ASKED
from secretary_gateway.settings import GatewaySettings
from secretary_runtime.nats_server import NatsServer
from secretary_testing import pipeline
from secretary_testing.events import published

from services.gateway.tests.helpers import running_gateway, wait_for_status
from services.gateway.tests.test_product import PLANNING


async def _media_messages(nats_client: Client) -> int:
    info = await nats_client.jetstream().stream_info(f"OBJ_{BUCKETS.media}")
    return int(info.state.messages)


async def test_an_upload_retried_or_repeated_is_the_first_recording(
    nats_server: NatsServer, nats_client: Client, postgresql_url: str
) -> None:
    settings = GatewaySettings(nats_url=nats_server.url, database_url=postgresql_url)
    owner = f"retrier-{uuid.uuid4().hex[:8]}"
    body = os.urandom(3000)
    async with running_gateway(settings, owner) as api:
        key = {"Idempotency-Key": uuid.uuid4().hex}
        first = await api.post("/v1/recordings", files={"file": ("a.wav", body)}, headers=key)
        assert first.status_code == 201, first.text
        stored = await _media_messages(nats_client)
        again = await api.post("/v1/recordings", files={"file": ("a.wav", body)}, headers=key)
        assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
        assert await _media_messages(nats_client) == stored

        # the same bytes without a key, under another name: the first recording, named so
        same = await api.post("/v1/recordings", files={"file": ("copy.mp3", body)})
        assert same.status_code == 200, same.text
        assert same.json()["id"] == first.json()["id"]
        assert same.json()["duplicate_of"] == first.json()["id"]
        assert len((await api.get("/v1/recordings")).json()["items"]) == 1

        # bytes whose recording failed may be tried again
        retried = os.urandom(2000)
        failing = (await api.post("/v1/recordings", files={"file": ("c.wav", retried)})).json()
        await pipeline.fail(
            nats_client.jetstream(), failing["id"], ErrorCode.CORRUPT_MEDIA, "Broken."
        )
        await wait_for_status(api, failing["id"], "failed")
        again_after_failure = await api.post("/v1/recordings", files={"file": ("c.wav", retried)})
        assert again_after_failure.status_code == 201
        assert again_after_failure.json()["id"] != failing["id"]

        too_long = {"Idempotency-Key": "k" * 201}
        refused = await api.post(
            "/v1/recordings", files={"file": ("b.wav", b"y")}, headers=too_long
        )
        assert refused.status_code == 400
        assert refused.json()["error"]["code"] == "invalid_idempotency_key"

    # another owner's same bytes are that owner's own recording
    async with running_gateway(settings, f"{owner}-other") as other:
        theirs = await other.post("/v1/recordings", files={"file": ("a.wav", body)})
        assert theirs.status_code == 201 and theirs.json()["id"] != first.json()["id"]


async def test_a_question_retried_with_its_key_is_asked_once(
    nats_server: NatsServer, nats_client: Client, postgresql_url: str
) -> None:
    settings = GatewaySettings(
        nats_url=nats_server.url, database_url=postgresql_url, answer_wait_s=0
    )
    async with running_gateway(settings, f"asker-{uuid.uuid4().hex[:8]}") as api:
        created = await api.post("/v1/recordings", files={"file": ("a.wav", os.urandom(500))})
        recording_id = created.json()["id"]
        await pipeline.finish(nats_client.jetstream(), recording_id, PLANNING)
        await wait_for_status(api, recording_id, "done")
        url = f"/v1/recordings/{recording_id}/questions"
        key = {"Idempotency-Key": uuid.uuid4().hex}
        asked = [
            (await api.post(url, json={"question": "What budget?"}, headers=key)).json()["id"]
            for _ in range(3)
        ]
        assert len(set(asked)) == 1
        events = await published(nats_client, QUESTION_ASKED.subject, recording_id)
        assert [e["question_id"] for e in events] == asked[:1]
