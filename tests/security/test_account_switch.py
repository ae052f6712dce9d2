"""Login CSRF: a sign-in link someone else sent, opened in a tab that is signed in, does not
silently move the tab into their account; the page asks, and "stay" keeps the account and
leaves the link unused. Debian's headless Chromium against a real gateway process."""

from __future__ import annotations

import asyncio
import uuid

import httpx
from secretary_gateway.settings import GatewaySettings
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver

from services.gateway.tests.helpers import bearer, new_key
from tests.chromium import eventually, needs_chromium

pytestmark = needs_chromium


def _link(url: str, key: str) -> str:
    made = httpx.post(f"{url}/v1/sign-in-links", headers=bearer(key))
    assert made.status_code == 201, made.text
    return str(made.json()["url"])


def _stored_key(chromium: WebDriver) -> str:
    return str(chromium.execute_script("return sessionStorage.getItem('secretary.key') || ''"))


def test_a_link_for_another_account_asks_before_switching(
    gateway_process: tuple[str, GatewaySettings], chromium: WebDriver
) -> None:
    url, settings = gateway_process
    victim, attacker = f"victim-{uuid.uuid4().hex[:6]}", f"attacker-{uuid.uuid4().hex[:6]}"
    victim_key = asyncio.run(new_key(settings, victim))
    attacker_key = asyncio.run(new_key(settings, attacker))

    chromium.get(url + "/")
    eventually(lambda: chromium.find_element(By.ID, "api-key"), "the sign-in form").send_keys(
        victim_key
    )
    chromium.find_element(By.ID, "sign-in").click()
    eventually(lambda: victim in chromium.find_element(By.ID, "who").text, "the account shown")

    trap = _link(url, attacker_key)
    chromium.get(trap)
    dialog = eventually(lambda: chromium.find_element(By.ID, "switch-account"), "the question")
    assert victim in dialog.text and attacker in dialog.text
    assert _stored_key(chromium) == victim_key
    chromium.find_element(By.ID, "keep-account").click()
    eventually(
        lambda: victim in chromium.find_element(By.ID, "who").text, "still the victim's account"
    )
    assert _stored_key(chromium) == victim_key
    assert "#" not in chromium.current_url
    # declined, the link was never exchanged: no session of the attacker's exists in the tab
    unused = httpx.post(f"{url}/v1/sign-in", json={"link": trap.split("#sign-in=")[1]})
    assert unused.status_code == 200

    # a link the person does want switches once they say so
    wanted = _link(url, attacker_key)
    chromium.get(wanted)
    eventually(lambda: chromium.find_element(By.ID, "switch-to-link"), "the question").click()
    eventually(lambda: attacker in chromium.find_element(By.ID, "who").text, "the other account")
    assert _stored_key(chromium).startswith("web.")

    # signing out ends the session on the server, not only in the tab
    session = _stored_key(chromium)
    chromium.find_element(By.ID, "sign-out").click()
    eventually(lambda: chromium.find_element(By.ID, "api-key"), "the sign-in form again")
    refused = httpx.get(f"{url}/v1/recordings", headers=bearer(session))
    assert refused.status_code == 401
