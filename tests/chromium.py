"""Pages in Debian's headless Chromium against a real gateway process: the fixtures
(`gateway_process`, `chromium`, loaded for every test by the root conftest) and `eventually`."""

from __future__ import annotations

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
from selenium.webdriver.remote.webdriver import WebDriver

CHROMIUM = shutil.which("chromium")
CHROMEDRIVER = shutil.which("chromedriver")
needs_chromium = pytest.mark.skipif(
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
def gateway_process(
    nats_server: NatsServer, tmp_path: Path
) -> Iterator[tuple[str, GatewaySettings]]:
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
def chromium() -> Iterator[WebDriver]:
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"):
        options.add_argument(argument)
    driver = webdriver.Chrome(options=options, service=Service(str(CHROMEDRIVER)))
    try:
        yield driver
    finally:
        driver.quit()
