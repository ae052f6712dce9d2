"""NATS with a user per service: each publishes only its own events, reads only its own
consumers and buckets, and none can manage streams or listen in on another. A real
nats-server with the generated configuration; the whole pipeline runs under the same
users in every test of the running stack (tests/stack.py fails on any refusal)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path

import nats
import pytest
from nats.aio.client import Client
from nats.errors import Error as NatsError
from nats.js.api import ConsumerConfig
from secretary_contracts.access import ACCESS_OF, SERVICE_ACCESS
from secretary_contracts.messaging import (
    ALL_SUBJECTS,
    BUCKETS,
    CONSUMER_ASR,
    RECORDINGS_STREAM,
    stream_of,
)
from secretary_runtime.infrastructure import await_infrastructure, declare_infrastructure
from secretary_runtime.nats_server import NatsServer, new_passwords

REFUSED = (NatsError, TimeoutError, asyncio.TimeoutError)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NatsServer]:
    with NatsServer(tmp_path_factory.mktemp("nats"), passwords=new_passwords()) as running:
        asyncio.run(_declare(running))
        yield running


async def _declare(server: NatsServer) -> None:
    admin = await nats.connect(server.url)
    await declare_infrastructure(admin.jetstream())
    await admin.close()


class Refusals:
    """What the server refused this connection, as its error callback heard it."""

    def __init__(self) -> None:
        self.errors: list[str] = []

    async def heard(self, error: Exception) -> None:
        self.errors.append(str(error))


@asynccontextmanager
async def connected(server: NatsServer, service: str) -> AsyncIterator[tuple[Client, Refusals]]:
    refusals = Refusals()
    assert server.passwords is not None
    client = await nats.connect(
        server.address,
        user=service,
        password=server.passwords[service],
        inbox_prefix=ACCESS_OF[service].inbox_prefix,
        error_cb=refusals.heard,
        allow_reconnect=False,
    )
    try:
        yield client, refusals
    finally:
        await client.close()


@asynccontextmanager
async def admin(server: NatsServer) -> AsyncIterator[Client]:
    client = await nats.connect(server.url)
    try:
        yield client
    finally:
        await client.close()


async def test_no_one_connects_without_a_password(server: NatsServer) -> None:
    for url in (server.address, server.address.replace("nats://", "nats://asr:wrong@")):
        with pytest.raises(NatsError):
            await nats.connect(url, allow_reconnect=False, max_reconnect_attempts=0)


@pytest.mark.parametrize("name", [access.service for access in SERVICE_ACCESS])
async def test_a_service_publishes_its_own_events_and_no_one_elses(
    server: NatsServer, name: str
) -> None:
    service = ACCESS_OF[name]
    recording_id = f"forged-by-{service.service}"
    async with connected(server, service.service) as (client, refusals):
        for subject in ALL_SUBJECTS:
            await client.publish(subject.of(recording_id), b"{}")
        await client.flush()
        await asyncio.sleep(0.3)
    async with admin(server) as operator:
        js = operator.jetstream()
        stored = set()
        for subject in ALL_SUBJECTS:
            try:
                await js.get_last_msg(stream_of(subject.subject), subject.of(recording_id))
                stored.add(subject.subject)
            except NatsError:
                pass
    assert stored == {s.subject for s in service.publishes}
    assert len(refusals.errors) == len(ALL_SUBJECTS) - len(service.publishes)
    assert all("permissions violation for publish" in e for e in refusals.errors)


async def test_a_worker_reads_its_own_buckets_only(server: NatsServer) -> None:
    async with connected(server, "asr") as (client, _):
        js = client.jetstream(timeout=1)
        audio = await js.object_store(BUCKETS.audio)
        assert audio is not None
        for forbidden in (BUCKETS.media, BUCKETS.telegram, BUCKETS.voiceprints):
            with pytest.raises(REFUSED):
                if forbidden == BUCKETS.media:
                    await js.object_store(forbidden)
                else:
                    await js.key_value(forbidden)
        # it writes artifacts, but no KV bucket it does not own
        with pytest.raises(REFUSED):
            await js.publish(f"$KV.{BUCKETS.owner_settings}.x", b"{}", timeout=1)


async def test_the_internet_facing_gateway_cannot_read_the_telegram_door_s_chats(
    server: NatsServer,
) -> None:
    async with connected(server, "gateway") as (client, _):
        js = client.jetstream(timeout=1)
        with pytest.raises(REFUSED):
            await js.key_value(BUCKETS.telegram)


async def test_a_service_cannot_widen_its_consumer_or_read_a_stream_at_will(
    server: NatsServer,
) -> None:
    async with connected(server, "asr") as (client, refusals):
        js = client.jetstream(timeout=1)
        # its own consumer on its own filter is what it may create
        own = ConsumerConfig(
            name=CONSUMER_ASR.durable,
            durable_name=CONSUMER_ASR.durable,
            filter_subject=CONSUMER_ASR.subject.filter,
        )
        await js.add_consumer(RECORDINGS_STREAM, own)
        widened = ConsumerConfig(
            name=CONSUMER_ASR.durable,
            durable_name=CONSUMER_ASR.durable,
            filter_subject="recordings.>",
        )
        with pytest.raises(REFUSED):
            await js.add_consumer(RECORDINGS_STREAM, widened)
        with pytest.raises(REFUSED):
            await js.add_consumer(RECORDINGS_STREAM, ConsumerConfig(filter_subject=">"))
        with pytest.raises(REFUSED):
            await js.get_last_msg(RECORDINGS_STREAM, "recordings.>")
        refusals.errors.clear()
        await client.subscribe("recordings.>")
        await client.subscribe(f"{ACCESS_OF['gateway'].inbox_prefix}.>")
        await client.flush()
        await asyncio.sleep(0.3)
        assert len(refusals.errors) == 2
        assert all("permissions violation for subscription" in e for e in refusals.errors)


async def test_no_service_manages_streams(server: NatsServer) -> None:
    async with connected(server, "gateway") as (client, _):
        js = client.jetstream(timeout=1)
        with pytest.raises(REFUSED):
            await js.delete_stream(RECORDINGS_STREAM)
        with pytest.raises(REFUSED):
            await js.add_stream(name="SQUAT", subjects=["squat.>"])
    async with admin(server) as operator:
        info = await operator.jetstream().stream_info(RECORDINGS_STREAM)
        assert info.config.name == RECORDINGS_STREAM


async def test_a_service_that_may_not_declare_waits_for_the_admin(tmp_path: Path) -> None:
    with NatsServer(tmp_path / "nats", passwords=new_passwords()) as fresh:
        async with connected(fresh, "merge") as (client, refusals):
            waiting = asyncio.create_task(await_infrastructure(client.jetstream(), poll_s=0.1))
            await asyncio.sleep(0.5)
            assert not waiting.done()
            await _declare(fresh)
            await asyncio.wait_for(waiting, timeout=10)
            assert refusals.errors == []
