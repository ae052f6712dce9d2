"""Webhooks against a real HTTP receiver; Prometheus metrics; migrations on both databases."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from litestar.testing import AsyncTestClient
from nats.aio.client import Client
from prometheus_client.parser import text_string_to_metric_families
from secretary_contracts import (
    ErrorCode,
    ObjectRef,
    RecordingReady,
    Speaker,
    Transcript,
    TranscriptSegment,
)
from secretary_contracts.messaging import RECORDING_READY
from secretary_gateway.settings import GatewaySettings
from secretary_testing import pipeline

from services.gateway.tests.helpers import running_gateway, wait_for_status

TRANSCRIPT = Transcript(
    language="en",
    duration_s=4.0,
    speakers=[Speaker(id="SPEAKER_00")],
    segments=[TranscriptSegment(start=0, end=4, speaker="SPEAKER_00", text="Hello.", words=[])],
)


@dataclass
class Receiver:
    """A webhook receiver: answers each POST with the next status in `answers` (then 200)."""

    answers: list[int] = field(default_factory=list)
    received: list[dict[str, Any]] = field(default_factory=list)
    url: str = ""


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    state = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            state.received.append(
                {"headers": {k.lower(): v for k, v in self.headers.items()}, "body": body}
            )
            status = state.answers.pop(0) if state.answers else 200
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *_: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hooks/secretary"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield state
    server.shutdown()


def verify(secret: str, headers: dict[str, str], body: bytes) -> bool:
    """As a receiver checks a delivery: one of the `v1=` values is the HMAC of its secret."""
    parts = [part.split("=", 1) for part in headers["x-secretary-signature"].split(",")]
    timestamp = next(value for key, value in parts if key == "t")
    expected = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return any(hmac.compare_digest(v, expected.hexdigest()) for k, v in parts if k == "v1")


async def _deliveries(api: AsyncTestClient[Any], webhook_id: str, settled: int) -> list[dict]:
    items: list[dict] = []
    for _ in range(100):
        items = (await api.get(f"/v1/webhooks/{webhook_id}/deliveries")).json()["items"]
        if sum(item["status"] != "pending" for item in items) >= settled:
            break
        await asyncio.sleep(0.1)
    return items


async def test_webhooks_are_signed_retried_and_recorded(
    gateway_settings: GatewaySettings, nats_client: Client, receiver: Receiver, owner: str
) -> None:
    settings = gateway_settings.model_copy(
        update={"webhook_backoff_s": 0.2, "webhook_max_attempts": 4}
    )
    async with running_gateway(settings, owner) as api:
        created = await api.post("/v1/webhooks", json={"url": receiver.url})
        assert created.status_code == 201, created.text
        hook = created.json()
        assert hook["secret"].startswith("whsec_")
        assert hook["events"] == ["recording.failed", "transcript.ready"]
        assert "secret" not in (await api.get("/v1/webhooks")).json()["items"][0]

        # the receiver is down twice, then takes it
        receiver.answers = [503, 500]
        done = (await api.post("/v1/recordings", files={"file": ("a.wav", os.urandom(100))})).json()
        await pipeline.finish(nats_client.jetstream(), done["id"], TRANSCRIPT)
        [delivery] = await _deliveries(api, hook["id"], settled=1)
        assert delivery["status"] == "delivered" and delivery["attempts"] == 3
        assert delivery["response_status"] == 200 and delivery["event"] == "transcript.ready"

        assert len(receiver.received) == 3
        ids = {r["headers"]["x-secretary-delivery"] for r in receiver.received}
        assert ids == {delivery["id"]}
        for request in receiver.received:
            assert verify(hook["secret"], request["headers"], request["body"])
            assert not verify("whsec_wrong", request["headers"], request["body"])
        payload = json.loads(receiver.received[-1]["body"])
        assert payload["event"] == "transcript.ready"
        assert payload["recording"]["id"] == done["id"]
        assert payload["recording"]["status"] == "done"

        # a failed recording is announced too; a receiver that never answers is given up on
        receiver.answers = [500] * 10
        failed = (
            await api.post("/v1/recordings", files={"file": ("b.wav", os.urandom(100))})
        ).json()
        await pipeline.fail(nats_client.jetstream(), failed["id"], ErrorCode.NOT_MEDIA, "Text.")
        deliveries = await _deliveries(api, hook["id"], settled=2)
        given_up = next(d for d in deliveries if d["recording_id"] == failed["id"])
        assert given_up["status"] == "failed" and given_up["attempts"] == 4
        assert given_up["event"] == "recording.failed"
        assert given_up["error"] == "the receiver answered 500"
        last = json.loads(receiver.received[-1]["body"])
        assert last["recording"]["error"]["code"] == "not_media"

        metrics = (await api.get("/metrics")).text
        assert 'secretary_webhook_deliveries_total{outcome="delivered"} 1.0' in metrics
        assert 'secretary_webhook_deliveries_total{outcome="failed"} 1.0' in metrics

        assert (await api.delete(f"/v1/webhooks/{hook['id']}")).status_code == 204
        assert (await api.get("/v1/webhooks")).json()["items"] == []
        invalid: list[dict[str, Any]] = [
            {"url": "ftp://example.com/x"},
            {"url": "not a url"},
            {"url": receiver.url, "events": []},
        ]
        for body in invalid:
            refused = await api.post("/v1/webhooks", json=body)
            assert refused.status_code == 400, body


def _samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    found = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


async def test_metrics_count_requests_recordings_and_stage_durations(
    api: AsyncTestClient[Any], nats_client: Client
) -> None:
    recording_id = (
        await api.post("/v1/recordings", files={"file": ("a.wav", os.urandom(100))})
    ).json()["id"]
    await api.get(f"/v1/recordings/{recording_id}")
    await api.get("/v1/recordings/unknown")
    js = nats_client.jetstream()
    ready = RecordingReady(
        recording_id=recording_id,
        audio=ObjectRef(bucket="audio", name=f"{recording_id}.wav", size_bytes=1),
        duration_s=4.0,
    )
    await pipeline.publish(js, RECORDING_READY, ready)
    await pipeline.finish(js, recording_id, TRANSCRIPT)
    await wait_for_status(api, recording_id, "done")
    state = (await api.get(f"/v1/recordings/{recording_id}")).json()
    assert set(state["stage_seconds"]) == {"prepare"}  # asr and diarize reported nothing here

    response = await api.get("/metrics", headers={"Authorization": ""})
    assert response.headers["content-type"].startswith("text/plain")
    samples = _samples(response.text)
    route = "/v1/recordings/{recording_id}"
    assert (
        samples[
            (
                "secretary_http_requests_total",
                (("method", "GET"), ("route", route), ("status", "200")),
            )
        ]
        >= 1
    )
    assert (
        samples[
            (
                "secretary_http_requests_total",
                (("method", "GET"), ("route", route), ("status", "404")),
            )
        ]
        >= 1
    )
    assert samples[("secretary_recordings", (("status", "done"),))] >= 1
    assert samples[("secretary_stage_duration_seconds_count", (("stage", "prepare"),))] >= 1
    # the path's ids never become label values
    assert not any(recording_id in str(key) for key in samples)
