"""No owner can take the service from the others: recordings in flight, bytes stored,
questions a minute and event streams are limited per owner (or key), with a precise code,
and nothing of the owner's or anyone else's is lost. The limits hold when requests arrive
together at two replicas: exactly the limit is admitted. Real NATS, PostgreSQL and SQLite;
the event streams and parallel requests go through real HTTP servers (uvicorn)."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from litestar.testing import AsyncTestClient
from secretary_contracts.messaging import BUCKETS
from secretary_gateway.settings import GatewaySettings
from secretary_runtime.nats_server import NatsServer
from secretary_testing import pipeline

from services.gateway.tests.helpers import (
    bearer,
    new_key,
    running_gateway,
    serving_gateway,
    wait_for_status,
)
from services.gateway.tests.test_product import PLANNING
from tests.telegram.door import open_harness, user_message


@pytest.fixture
def settings(nats_server: NatsServer, postgresql_url: str) -> GatewaySettings:
    return GatewaySettings(nats_url=nats_server.url, database_url=postgresql_url, answer_wait_s=0)


def _owner() -> str:
    return f"greedy-{uuid.uuid4().hex[:8]}"


async def _upload(api: AsyncTestClient[Any], size: int = 100) -> httpx.Response:
    return await api.post("/v1/recordings", files={"file": ("a.wav", os.urandom(size))})


async def _media_objects(nats_server: NatsServer) -> int:
    import nats

    client = await nats.connect(nats_server.url)
    try:
        info = await client.jetstream().stream_info(f"OBJ_{BUCKETS.media}")
        return int(info.state.messages)
    finally:
        await client.close()


async def test_recordings_in_flight_are_limited_per_owner(settings: GatewaySettings) -> None:
    limited = settings.model_copy(update={"recordings_in_flight_per_owner": 2})
    owner = _owner()
    async with running_gateway(limited, owner) as api:
        assert [(await _upload(api)).status_code for _ in range(2)] == [201, 201]
        refused = await _upload(api)
        assert refused.status_code == 429
        assert refused.json()["error"]["code"] == "too_many_recordings"
        assert refused.headers["retry-after"] == "60"
        assert len((await api.get("/v1/recordings")).json()["items"]) == 2
    async with running_gateway(limited, f"{owner}-neighbour") as neighbour:
        assert (await _upload(neighbour)).status_code == 201


async def test_stored_bytes_are_limited_while_the_upload_streams(
    settings: GatewaySettings, nats_server: NatsServer
) -> None:
    limited = settings.model_copy(update={"stored_bytes_per_owner": 300_000})
    async with running_gateway(limited, _owner()) as api:
        first = await _upload(api, 200_000)
        assert first.status_code == 201
        before = await _media_objects(nats_server)
        refused = await _upload(api, 200_000)
        assert refused.status_code == 413, refused.text
        error = refused.json()["error"]
        assert (
            error["code"] == "quota_exceeded" and "195.3 KiB of your 293.0 KiB" in error["message"]
        )
        assert await _media_objects(nats_server) <= before + 1  # at most the deletion marker
        assert [r["id"] for r in (await api.get("/v1/recordings")).json()["items"]] == [
            first.json()["id"]
        ]
        assert (await api.delete(f"/v1/recordings/{first.json()['id']}")).status_code == 204
        assert (await _upload(api, 200_000)).status_code == 201


async def test_questions_are_limited_per_minute_with_retry_after(
    settings: GatewaySettings, nats_server: NatsServer
) -> None:
    import nats

    limited = settings.model_copy(update={"questions_per_minute_per_owner": 2})
    async with running_gateway(limited, _owner()) as api:
        recording_id = (await _upload(api)).json()["id"]
        client = await nats.connect(nats_server.url)
        await pipeline.finish(client.jetstream(), recording_id, PLANNING)
        await client.close()
        await wait_for_status(api, recording_id, "done")
        url = f"/v1/recordings/{recording_id}/questions"
        for _ in range(2):
            assert (await api.post(url, json={"question": "Budget?"})).status_code == 202
        refused = await api.post(url, json={"question": "Budget?"})
        assert refused.status_code == 429
        assert refused.json()["error"]["code"] == "too_many_questions"
        assert 1 <= int(refused.headers["retry-after"]) <= 60


async def test_event_streams_are_limited_per_key(settings: GatewaySettings, tmp_path: Path) -> None:
    limited = settings.model_copy(update={"event_streams_per_key": 1})
    owner = _owner()
    async with (
        serving_gateway(limited) as url,
        httpx.AsyncClient(base_url=url, headers=bearer(await new_key(limited, owner))) as api,
    ):
        created = await api.post("/v1/recordings", files={"file": ("a.wav", os.urandom(100))})
        events = f"/v1/recordings/{created.json()['id']}/events"
        async with api.stream("GET", events) as held:
            assert held.status_code == 200
            refused = await api.get(events)
            assert refused.status_code == 429
            assert refused.json()["error"]["code"] == "too_many_streams"
            other_key = bearer(await new_key(limited, owner))
            async with api.stream("GET", events, headers=other_key) as another:
                assert another.status_code == 200
        for _ in range(50):  # the stream closed by the client is given back
            async with api.stream("GET", events) as again:
                if again.status_code == 200:
                    break
            await asyncio.sleep(0.1)
        assert again.status_code == 200


async def test_a_telegram_user_over_a_limit_is_told_in_one_sentence(
    nats_server: NatsServer, tmp_path: Path
) -> None:
    async with open_harness(
        nats_server.url, tmp_path, gateway_overrides={"recordings_in_flight_per_owner": 1}
    ) as h:
        for message_id, name in ((1, "first"), (2, "second")):
            h.telegram.files[name] = os.urandom(1000)
            await h.bot.handle(None, user_message(message_id, document=(name, "video/mp4", 1000)))
        told = h.telegram.sent[-1]
        assert told["reply_to_message_id"] == 2
        assert told["text"] == (
            "⚠️ 1 of your recordings are queued or processing, the most at once is 1: send"
            " this one when one of them is done."
        )


async def test_jetstream_cannot_be_filled_for_everyone(tmp_path: Path, postgresql_url: str) -> None:
    """The buckets and streams have byte limits: an upload past the media bucket's is refused
    with 507, nothing of it is kept, and what was stored before is untouched."""
    with NatsServer(tmp_path / "nats") as own:
        settings = GatewaySettings(
            nats_url=own.url,
            database_url=postgresql_url,
            media_store_max_bytes=300_000,
            stream_max_bytes=10_000_000,
        )
        async with running_gateway(settings, _owner()) as api:
            first = await _upload(api, 200_000)
            assert first.status_code == 201
            refused = await _upload(api, 200_000)
            assert refused.status_code == 507, refused.text
            assert refused.json()["error"]["code"] == "storage_full"
            assert len((await api.get("/v1/recordings")).json()["items"]) == 1
            assert (await api.get("/readyz")).status_code == 200
            import nats

            client = await nats.connect(own.url)
            js = client.jetstream()
            info = await (await js.object_store(BUCKETS.media)).get_info(first.json()["id"])
            assert info.size == 200_000
            recordings = await js.stream_info("RECORDINGS")
            assert recordings.config.max_bytes == 10_000_000
            await client.close()


@asynccontextmanager
async def _replicas(settings: GatewaySettings) -> AsyncIterator[list[str]]:
    """Two gateway replicas on one database, as Kubernetes runs them."""
    async with serving_gateway(settings) as first, serving_gateway(settings) as second:
        yield [first, second]


async def _at_once(
    urls: list[str], key: str, count: int, path: str, request: Callable[[], dict[str, Any]]
) -> list[httpx.Response]:
    """`count` requests sent together, alternating between the gateway replicas."""
    async with httpx.AsyncClient(headers=bearer(key), timeout=60) as client:
        return list(
            await asyncio.gather(
                *(client.post(urls[n % len(urls)] + path, **request()) for n in range(count))
            )
        )


def _new_file(size: int) -> Callable[[], dict[str, Any]]:
    # different bytes each time: the same bytes again would answer the first recording
    return lambda: {"files": {"file": ("a.wav", os.urandom(size))}}


def _statuses(responses: list[httpx.Response]) -> list[int]:
    return sorted(response.status_code for response in responses)


async def test_parallel_uploads_admit_exactly_the_in_flight_limit(
    nats_server: NatsServer, database_url: str
) -> None:
    limited = GatewaySettings(
        nats_url=nats_server.url, database_url=database_url, recordings_in_flight_per_owner=2
    )
    owner = _owner()
    key = await new_key(limited, owner)
    async with _replicas(limited) as urls:
        responses = await _at_once(urls, key, 10, "/v1/recordings", _new_file(100))
        assert _statuses(responses) == [201] * 2 + [429] * 8, [r.text for r in responses]
        assert {r.json()["error"]["code"] for r in responses if r.status_code == 429} == {
            "too_many_recordings"
        }
        async with httpx.AsyncClient(headers=bearer(key)) as client:
            listed = (await client.get(urls[0] + "/v1/recordings")).json()
        assert len(listed["items"]) == 2


async def test_parallel_uploads_store_no_more_than_the_quota(
    nats_server: NatsServer, database_url: str
) -> None:
    limited = GatewaySettings(
        nats_url=nats_server.url, database_url=database_url, stored_bytes_per_owner=250_000
    )
    key = await new_key(limited, _owner())
    async with _replicas(limited) as urls:
        responses = await _at_once(urls, key, 5, "/v1/recordings", _new_file(100_000))
        assert _statuses(responses) == [201] * 2 + [413] * 3, [r.text for r in responses]
        assert {r.json()["error"]["code"] for r in responses if r.status_code == 413} == {
            "quota_exceeded"
        }
        async with httpx.AsyncClient(headers=bearer(key)) as client:
            listed = (await client.get(urls[0] + "/v1/recordings")).json()
        assert sum(item["size_bytes"] for item in listed["items"]) == 200_000


async def test_a_failed_upload_gives_its_place_back(
    nats_server: NatsServer, database_url: str
) -> None:
    limited = GatewaySettings(
        nats_url=nats_server.url, database_url=database_url, recordings_in_flight_per_owner=1
    )
    async with running_gateway(limited, _owner()) as api:
        for _ in range(3):
            empty = await api.post("/v1/recordings", files={"file": ("a.wav", b"")})
            assert empty.json()["error"]["code"] == "empty_file"
        assert (await _upload(api)).status_code == 201
        assert (await _upload(api)).status_code == 429


async def test_parallel_questions_admit_exactly_the_rate(
    nats_server: NatsServer, database_url: str
) -> None:
    import nats

    limited = GatewaySettings(
        nats_url=nats_server.url,
        database_url=database_url,
        questions_per_minute_per_owner=3,
        answer_wait_s=0,
    )
    owner = _owner()
    key = await new_key(limited, owner)
    async with running_gateway(limited, owner) as api:
        recording_id = (await _upload(api)).json()["id"]
        client = await nats.connect(nats_server.url)
        await pipeline.finish(client.jetstream(), recording_id, PLANNING)
        await client.close()
        await wait_for_status(api, recording_id, "done")
    async with _replicas(limited) as urls:
        responses = await _at_once(
            urls,
            key,
            10,
            f"/v1/recordings/{recording_id}/questions",
            lambda: {"json": {"question": "Why?"}},
        )
        assert _statuses(responses) == [202] * 3 + [429] * 7, [r.text for r in responses]
