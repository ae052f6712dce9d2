"""Webhooks cannot be aimed inward, cannot be turned into a port-scan oracle, and no receiver
can hold the others up. The gateway runs with real NATS and PostgreSQL; receivers are real
HTTP servers on 127.0.0.1. DNS is the one stand-in: a name that answers one address at
registration and another at delivery (rebinding) cannot be staged on this machine otherwise."""

from __future__ import annotations

import asyncio
import os
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from litestar.testing import AsyncTestClient
from secretary_contracts import Speaker, Transcript, TranscriptSegment
from secretary_gateway.settings import GatewaySettings
from secretary_gateway.webhooks.targets import TargetPolicy, system_resolver
from secretary_runtime.nats_server import NatsServer
from secretary_testing import pipeline

from services.gateway.tests.helpers import running_gateway, wait_for_status
from services.gateway.tests.test_webhooks_metrics import verify
from tests.security.receiver import receiving

TRANSCRIPT = Transcript(
    language="en",
    duration_s=4.0,
    speakers=[Speaker(id="SPEAKER_00")],
    segments=[TranscriptSegment(start=0, end=4, speaker="SPEAKER_00", text="Hello.", words=[])],
)
PUBLIC = "93.184.215.14"


class Names:
    """Stands in for DNS: what each name resolves to now (others go to the system's)."""

    def __init__(self, names: dict[str, list[str]]) -> None:
        self.names = names

    async def __call__(self, host: str, port: int) -> list[str]:
        if host in self.names:
            return self.names[host]
        return await system_resolver(host, port)


@pytest.fixture
def settings(nats_server: NatsServer, postgresql_url: str) -> GatewaySettings:
    return GatewaySettings(
        nats_url=nats_server.url,
        database_url=postgresql_url,
        answer_wait_s=0,
        webhook_backoff_s=0.1,
        webhook_allow_http=True,  # the receivers here speak plain HTTP
    )


@pytest.fixture
def owner() -> str:
    return f"mallory-{uuid.uuid4().hex[:8]}"


async def _finished(api: AsyncTestClient[Any], nats_server: NatsServer) -> str:
    import nats

    created = await api.post("/v1/recordings", files={"file": ("a.wav", os.urandom(100))})
    recording_id = str(created.json()["id"])
    client = await nats.connect(nats_server.url)
    try:
        await pipeline.finish(client.jetstream(), recording_id, TRANSCRIPT)
    finally:
        await client.close()
    await wait_for_status(api, recording_id, "done")
    return recording_id


async def _settled(
    api: AsyncTestClient[Any], webhook_id: str, count: int = 1, timeout_s: float = 15
) -> list[dict[str, Any]]:
    deadline = time.monotonic() + timeout_s
    while True:
        items: list[dict[str, Any]] = (
            await api.get(f"/v1/webhooks/{webhook_id}/deliveries")
        ).json()["items"]
        if sum(i["status"] != "pending" for i in items) >= count or time.monotonic() > deadline:
            return items
        await asyncio.sleep(0.1)


@pytest.fixture
async def gateway(settings: GatewaySettings, owner: str) -> AsyncIterator[AsyncTestClient[Any]]:
    names = Names({"hooks.example.com": [PUBLIC]})
    async with running_gateway(settings, owner, TargetPolicy(True, (), names)) as api:
        yield api


INWARD = [
    "http://127.0.0.1:8222/varz",
    "http://169.254.169.254/latest/meta-data/",
    "http://[::1]:8000/v1/recordings",
    "http://[::ffff:127.0.0.1]:4222/",
    # IPv6 forms that carry an inward IPv4 address, the metadata address among them
    "http://[64:ff9b::a9fe:a9fe]/latest/meta-data/",  # NAT64 of 169.254.169.254
    "http://[64:ff9b:1::a00:5]/hook",  # local-use NAT64 of 10.0.0.5
    "http://[2002:a9fe:a9fe::1]/latest/meta-data/",  # 6to4 of 169.254.169.254
    "http://[2002:7f00:1::]/",  # 6to4 of 127.0.0.1
    "http://[::127.0.0.1]:4222/",  # IPv4-compatible
    "http://[::a9fe:a9fe]/latest/meta-data/",  # IPv4-compatible metadata
    "http://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/",  # Teredo
    # not globally routed though Python's own list calls them global
    "http://[fec0::1]/hook",  # deprecated site-local
    "http://[3fff::1]/hook",  # documentation (RFC 9637)
    "http://[100::1]/hook",  # discard-only
    "http://0.0.0.0:8000/",
    "http://10.0.0.5/hook",
    "http://192.168.1.1/hook",
    "http://100.64.0.1/hook",
    "http://224.0.0.1/hook",
    "http://2130706433:8222/varz",  # 127.0.0.1 written as one number
    "http://localhost:8000/",
    "http://nats:8222/varz",
    "http://nats.secretary.svc.cluster.local:8222/",
    "http://user:password@hooks.example.com/",
    "ftp://hooks.example.com/",
]


async def test_a_webhook_aimed_inward_is_refused_and_nothing_is_kept(
    gateway: AsyncTestClient[Any],
) -> None:
    for url in INWARD:
        refused = await gateway.post("/v1/webhooks", json={"url": url})
        assert refused.status_code == 400, url
        error = refused.json()["error"]
        assert error["code"] == "invalid_webhook_url", (url, error)
    assert (await gateway.get("/v1/webhooks")).json()["items"] == []
    accepted = await gateway.post("/v1/webhooks", json={"url": "http://hooks.example.com/in"})
    assert accepted.status_code == 201, accepted.text
    assert (await gateway.get("/healthz")).status_code == 200


async def test_plain_http_is_refused_unless_allowed(settings: GatewaySettings, owner: str) -> None:
    names = Names({"hooks.example.com": [PUBLIC]})
    strict = settings.model_copy(update={"webhook_allow_http": False})
    async with running_gateway(strict, owner, TargetPolicy(False, (), names)) as api:
        refused = await api.post("/v1/webhooks", json={"url": "http://hooks.example.com/in"})
        assert refused.status_code == 400
        assert "HTTPS only" in refused.json()["error"]["message"]
        accepted = await api.post("/v1/webhooks", json={"url": "https://hooks.example.com/in"})
        assert accepted.status_code == 201


async def test_a_name_that_rebinds_inward_gets_nothing_and_tells_nothing(
    settings: GatewaySettings, owner: str, nats_server: NatsServer
) -> None:
    async with receiving() as receiver:
        names = Names({"rebind.example.com": [PUBLIC]})
        async with running_gateway(settings, owner, TargetPolicy(True, (), names)) as api:
            url = receiver.url(host="rebind.example.com")
            hook = (await api.post("/v1/webhooks", json={"url": url})).json()
            names.names["rebind.example.com"] = ["127.0.0.1"]  # after the check
            await _finished(api, nats_server)
            [delivery] = await _settled(api, hook["id"])
    assert delivery["status"] == "failed" and delivery["attempts"] == 1
    assert delivery["error"].startswith("refused: 127.0.0.1 is a loopback")
    assert delivery["response_status"] is None
    assert receiver.received == []


async def test_a_delivery_connects_to_the_address_that_was_checked(
    settings: GatewaySettings, owner: str, nats_server: NatsServer
) -> None:
    """An on-premises receiver, allowed by network: the request goes to the checked address
    (the name itself resolves nowhere) and names the host it was meant for."""
    async with receiving() as receiver:
        names = Names({"receiver.corp.example": ["127.0.0.1"]})
        policy = TargetPolicy(True, ["127.0.0.1/32"], names)
        async with running_gateway(settings, owner, policy) as api:
            url = receiver.url(host="receiver.corp.example")
            hook = (await api.post("/v1/webhooks", json={"url": url})).json()
            await _finished(api, nats_server)
            [delivery] = await _settled(api, hook["id"])
    assert delivery["status"] == "delivered", delivery
    assert receiver.received[0].headers["host"] == f"receiver.corp.example:{receiver.port}"
    assert verify(hook["secret"], receiver.received[0].headers, receiver.received[0].body)


async def test_a_slow_or_endless_receiver_is_cut_off_and_holds_no_one_up(
    settings: GatewaySettings, owner: str, nats_server: NatsServer
) -> None:
    quick = settings.model_copy(update={"webhook_timeout_s": 1.0, "webhook_max_attempts": 1})
    policy = TargetPolicy(True, ["127.0.0.1/32"])
    async with (
        receiving("trickle") as slow,
        receiving("huge") as huge,
        receiving("ok") as fine,
        running_gateway(quick, owner, policy) as api,
    ):
        hooks = {
            name: (await api.post("/v1/webhooks", json={"url": r.url()})).json()["id"]
            for name, r in (("slow", slow), ("huge", huge), ("fine", fine))
        }
        for _ in range(3):
            await _finished(api, nats_server)
        announced = time.monotonic()
        fine_done = await _settled(api, hooks["fine"], count=3)
        fine_s = time.monotonic() - announced
        slow_done = await _settled(api, hooks["slow"], count=3)
        huge_done = await _settled(api, hooks["huge"], count=3)
    assert [d["status"] for d in fine_done] == ["delivered"] * 3
    # the slow receiver's three take about three deadlines (two at a time, then the third)
    assert fine_s < 2 * quick.webhook_timeout_s, "the fine receiver waited for the slow one"
    assert {d["error"] for d in slow_done} == {"the receiver did not answer within 1 s"}
    assert [d["status"] for d in huge_done] == ["delivered"] * 3
    assert huge.bytes_sent < 20 * 1024**2  # of the 100 MiB it offered each time


async def test_a_receiver_failing_in_a_row_is_disabled_until_enabled_again(
    settings: GatewaySettings, owner: str, nats_server: NatsServer
) -> None:
    strict = settings.model_copy(update={"webhook_disable_after": 3, "webhook_max_attempts": 2})
    policy = TargetPolicy(True, ["127.0.0.1/32"])
    async with receiving("error") as receiver, running_gateway(strict, owner, policy) as api:
        hook = (await api.post("/v1/webhooks", json={"url": receiver.url()})).json()
        await _finished(api, nats_server)
        await _finished(api, nats_server)
        await _settled(api, hook["id"], count=2)
        (shown,) = (await api.get("/v1/webhooks")).json()["items"]
        assert shown["disabled_at"] is not None
        assert shown["disabled_reason"] == (
            "3 tries failed in a row; the last: the receiver answered 500"
        )
        assert len(receiver.received) == 3
        await _finished(api, nats_server)
        deliveries = await _settled(api, hook["id"], count=3)
        assert deliveries[0]["error"].startswith("the webhook is disabled")
        assert len(receiver.received) == 3  # nothing more was sent

        receiver.behaviour = "ok"
        enabled = await api.post(f"/v1/webhooks/{hook['id']}/enable")
        assert enabled.status_code == 200 and enabled.json()["disabled_at"] is None
        await _finished(api, nats_server)
        deliveries = await _settled(api, hook["id"], count=4)
        assert deliveries[0]["status"] == "delivered"


async def test_a_rotated_secret_signs_beside_the_old_one_for_its_grace_period(
    settings: GatewaySettings, owner: str, nats_server: NatsServer
) -> None:
    policy = TargetPolicy(True, ["127.0.0.1/32"])
    async with receiving() as receiver, running_gateway(settings, owner, policy) as api:
        hook = (await api.post("/v1/webhooks", json={"url": receiver.url()})).json()
        rotated = await api.post(f"/v1/webhooks/{hook['id']}/rotate-secret")
        assert rotated.status_code == 200
        new_secret = rotated.json()["secret"]
        assert new_secret != hook["secret"]
        await _finished(api, nats_server)
        await _settled(api, hook["id"])
        request = receiver.received[-1]
        assert request.headers["x-secretary-signature"].count("v1=") == 2
        assert verify(hook["secret"], request.headers, request.body)
        assert verify(new_secret, request.headers, request.body)

    ended = settings.model_copy(update={"webhook_secret_grace_s": 0})
    async with receiving() as receiver, running_gateway(ended, owner, policy) as api:
        hook = (await api.post("/v1/webhooks", json={"url": receiver.url()})).json()
        new_secret = (await api.post(f"/v1/webhooks/{hook['id']}/rotate-secret")).json()["secret"]
        await _finished(api, nats_server)
        await _settled(api, hook["id"])
        request = receiver.received[-1]
        assert request.headers["x-secretary-signature"].count("v1=") == 1
        assert verify(new_secret, request.headers, request.body)
        assert not verify(hook["secret"], request.headers, request.body)
    # another owner's webhooks cannot be rotated or enabled
    async with running_gateway(settings, f"{owner}-other", policy) as other:
        for action in ("rotate-secret", "enable"):
            assert (await other.post(f"/v1/webhooks/{hook['id']}/{action}")).status_code == 404


def test_every_ipv6_form_of_an_ipv4_address_is_judged_as_that_address() -> None:
    import ipaddress

    from secretary_gateway.webhooks.targets import TargetPolicy, UnsafeTarget, embedded_ipv4

    public = ipaddress.ip_address("93.184.216.34")
    for form in ("::ffff:93.184.216.34", "64:ff9b::93.184.216.34", "2002:5db8:d822::1"):
        assert embedded_ipv4(ipaddress.ip_address(form)) == [public], form
        TargetPolicy().check_address(ipaddress.ip_address(form))
    TargetPolicy().check_address(ipaddress.ip_address("2606:4700:4700::1111"))
    allowed = TargetPolicy(allowed_networks=["10.0.0.0/8"])
    allowed.check_address(ipaddress.ip_address("::ffff:10.1.2.3"))
    for metadata in ("64:ff9b::a9fe:a9fe", "2002:a9fe:a9fe::", "::169.254.169.254"):
        try:
            allowed.check_address(ipaddress.ip_address(metadata))
        except UnsafeTarget as refused:
            assert "169.254.169.254 is a cloud metadata address" in str(refused)
        else:
            raise AssertionError(f"{metadata} was let through")
