"""The review page's shell and files: served without a key, holding no one's data, under a
policy that lets the page load nothing but itself."""

from __future__ import annotations

import re
from typing import Any

from litestar.testing import AsyncTestClient
from secretary_gateway.web.controller import HERE

KEYLESS = {"Authorization": ""}


async def test_the_shell_and_its_files_are_served_without_a_key_under_a_strict_policy(
    api: AsyncTestClient[Any],
) -> None:
    for path in ("/", "/recordings/5f2b0c0e9a7d4f0c8e1d2b3a4c5d6e7f"):
        page = await api.get(path, headers=KEYLESS)
        assert page.status_code == 200
        assert page.headers["content-type"].startswith("text/html")
        policy = page.headers["content-security-policy"]
        assert "default-src 'none'" in policy and "script-src 'self'" in policy
        assert "'unsafe-inline'" not in policy and "frame-ancestors 'none'" in policy
        assert page.headers["referrer-policy"] == "no-referrer"
        assert page.headers["x-content-type-options"] == "nosniff"
    script = await api.get("/static/app.js", headers=KEYLESS)
    assert script.status_code == 200 and "javascript" in script.headers["content-type"]
    assert "content-security-policy" in script.headers
    style = await api.get("/static/app.css", headers=KEYLESS)
    assert style.status_code == 200 and style.headers["content-type"].startswith("text/css")


async def test_the_page_needs_nothing_the_policy_forbids_and_reads_nothing_from_elsewhere() -> None:
    shell = (HERE / "page.html").read_text()
    script = (HERE / "static" / "app.js").read_text()
    # no inline script or style, no inline event handlers: the policy would block them
    assert re.findall(r"<script(?![^>]*\bsrc=)", shell) == []
    assert not re.search(r"\sstyle=|\son\w+=", shell)
    # nothing fetched from another origin, and no HTML built from strings
    assert not re.search(r"https?://", shell + script)
    assert "innerHTML" not in script and "insertAdjacentHTML" not in script
    # the key stays in the tab, and goes only into the Authorization header
    assert "localStorage.setItem(KEY" not in script
    assert script.count("sessionStorage.getItem(KEY)") >= 1


async def test_the_api_still_needs_its_key_and_files_outside_the_page_are_not_served(
    api: AsyncTestClient[Any],
) -> None:
    assert (await api.get("/v1/recordings", headers=KEYLESS)).status_code == 401
    assert (await api.get("/recordings/x/transcript", headers=KEYLESS)).status_code in (401, 404)
    for outside in ("/static/../controller.py", "/static/%2e%2e/controller.py", "/static/nope.js"):
        answer = await api.get(outside, headers=KEYLESS)
        assert answer.status_code in (401, 404), outside
        assert "CONTENT_SECURITY_POLICY" not in answer.text
