"""Login CSRF: a sign-in link someone else sent, opened in a tab that is signed in, does not
silently move the tab into their account; the page asks, and "stay" keeps the account and
leaves the link unused. Debian's headless Chromium against a real gateway process."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

import httpx
import pytest
from secretary_gateway.settings import GatewaySettings
from secretary_runtime.nats_server import NatsServer
from secretary_runtime.ports import free_port
from selenium import webdriver
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver

from services.gateway.tests.helpers import bearer, new_key

CHROMIUM = shutil.which("chromium")
CHROMEDRIVER = shutil.which("chromedriver")
pytestmark = pytest.mark.skipif(
    CHROMIUM is None or CHROMEDRIVER is None,
    reason="needs Debian's chromium and chromium-driver (`make test` installs them)",
)
T = TypeVar("T")


def eventually(check: Callable[[], T | None], what: str, timeout_s: float = 20) -> T:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            found = check()
        except WebDriverException:
            found = None
        if found:
            return found
        time.sleep(0.2)
    raise TimeoutError(what)


@pytest.fixture
def gateway(nats_server: NatsServer, tmp_path: Path) -> Iterator[tuple[str, GatewaySettings]]:
    settings = GatewaySettings(
        nats_url=nats_server.url, database_url=f"sqlite+aiosqlite:///{tmp_path}/gateway.db"
    )
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("SECRETARY_")}
    process = subprocess.Popen(
        [sys.executable, "-m", "secretary_gateway"],
        env={
            **env,
            "SECRETARY_NATS_URL": nats_server.url,
            "SECRETARY_DATABASE_URL": settings.database_url,
            "SECRETARY_PORT": str(port),
            "SECRETARY_LINK_SECRET": uuid.uuid4().hex + uuid.uuid4().hex,
        },
    )
    url = f"http://127.0.0.1:{port}"
    try:
        eventually(lambda: _ready(url), "the gateway to start", timeout_s=60)
        yield url, settings
    finally:
        process.terminate()
        process.wait(timeout=30)


def _ready(url: str) -> bool:
    try:
        return httpx.get(f"{url}/readyz", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


@pytest.fixture
def browser() -> Iterator[WebDriver]:
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"):
        options.add_argument(argument)
    driver = webdriver.Chrome(options=options, service=Service(str(CHROMEDRIVER)))
    try:
        yield driver
    finally:
        driver.quit()


def _link(url: str, key: str) -> str:
    made = httpx.post(f"{url}/v1/sign-in-links", headers=bearer(key))
    assert made.status_code == 201, made.text
    return str(made.json()["url"])


def _stored_key(browser: WebDriver) -> str:
    return str(browser.execute_script("return sessionStorage.getItem('secretary.key') || ''"))


def test_a_link_for_another_account_asks_before_switching(
    gateway: tuple[str, GatewaySettings], browser: WebDriver
) -> None:
    url, settings = gateway
    victim, attacker = f"victim-{uuid.uuid4().hex[:6]}", f"attacker-{uuid.uuid4().hex[:6]}"
    victim_key = asyncio.run(new_key(settings, victim))
    attacker_key = asyncio.run(new_key(settings, attacker))

    browser.get(url + "/")
    eventually(lambda: browser.find_element(By.ID, "api-key"), "the sign-in form").send_keys(
        victim_key
    )
    browser.find_element(By.ID, "sign-in").click()
    eventually(lambda: victim in browser.find_element(By.ID, "who").text, "the account shown")

    trap = _link(url, attacker_key)
    browser.get(trap)
    dialog = eventually(lambda: browser.find_element(By.ID, "switch-account"), "the question")
    assert victim in dialog.text and attacker in dialog.text
    assert _stored_key(browser) == victim_key
    browser.find_element(By.ID, "keep-account").click()
    eventually(
        lambda: victim in browser.find_element(By.ID, "who").text, "still the victim's account"
    )
    assert _stored_key(browser) == victim_key
    assert "#" not in browser.current_url
    # declined, the link was never exchanged: no session of the attacker's exists in the tab
    unused = httpx.post(f"{url}/v1/sign-in", json={"link": trap.split("#sign-in=")[1]})
    assert unused.status_code == 200

    # a link the person does want switches once they say so
    wanted = _link(url, attacker_key)
    browser.get(wanted)
    eventually(lambda: browser.find_element(By.ID, "switch-to-link"), "the question").click()
    eventually(lambda: attacker in browser.find_element(By.ID, "who").text, "the other account")
    assert _stored_key(browser).startswith("web.")

    # signing out ends the session on the server, not only in the tab
    session = _stored_key(browser)
    browser.find_element(By.ID, "sign-out").click()
    eventually(lambda: browser.find_element(By.ID, "api-key"), "the sign-in form again")
    refused = httpx.get(f"{url}/v1/recordings", headers=bearer(session))
    assert refused.status_code == 401
