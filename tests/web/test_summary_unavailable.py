"""The review page says why a recording has no summary when none will come (no language
model configured), instead of "not ready" for ever. Headless Chromium against a real gateway
process; the pipeline's and the llm service's news published as they would."""

from __future__ import annotations

import asyncio
import uuid

import httpx
import nats
from secretary_contracts import ERROR_MESSAGES, ErrorCode, SummaryUnavailable
from secretary_contracts.messaging import SUMMARY_UNAVAILABLE
from secretary_gateway.settings import GatewaySettings
from secretary_runtime.nats_server import NatsServer
from secretary_testing import pipeline
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver

from services.gateway.tests.helpers import bearer, new_key
from services.gateway.tests.test_product import PLANNING
from tests.chromium import eventually, needs_chromium

pytestmark = needs_chromium


async def _finished_without_summary(nats_url: str, recording_id: str) -> None:
    client = await nats.connect(nats_url)
    try:
        js = client.jetstream()
        await pipeline.finish(js, recording_id, PLANNING)
        code = ErrorCode.LLM_NOT_CONFIGURED
        message = ERROR_MESSAGES[code]
        news = SummaryUnavailable(recording_id=recording_id, code=code, message=message)
        await pipeline.publish(js, SUMMARY_UNAVAILABLE, news)
    finally:
        await client.close()


def test_the_page_says_summaries_are_off(
    gateway_process: tuple[str, GatewaySettings],
    chromium: WebDriver,
    nats_server: NatsServer,
) -> None:
    url, settings = gateway_process
    key = asyncio.run(new_key(settings, f"reader-{uuid.uuid4().hex[:6]}"))
    created = httpx.post(
        f"{url}/v1/recordings", headers=bearer(key), files={"file": ("a.wav", b"RIFF" * 64)}
    )
    assert created.status_code == 201, created.text
    recording_id = created.json()["id"]
    asyncio.run(_finished_without_summary(nats_server.url, recording_id))
    summary_url = f"{url}/v1/recordings/{recording_id}/summary"
    eventually(
        lambda: (
            httpx.get(summary_url, headers=bearer(key)).json()["error"]["code"]
            == "llm_not_configured"
        ),
        "the gateway to hear why",
    )

    chromium.get(url + "/")
    eventually(lambda: chromium.find_element(By.ID, "api-key"), "the sign-in form").send_keys(key)
    chromium.find_element(By.ID, "sign-in").click()
    eventually(lambda: chromium.find_element(By.ID, "who").text, "signed in")
    chromium.get(f"{url}/recordings/{recording_id}")
    said = eventually(
        lambda: chromium.find_element(By.ID, "summary-unavailable").text, "the reason shown"
    )
    assert "no language model is configured" in said
