"""Talks to the gateway like any other client: upload, watch progress, fetch the transcript."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from secretary_contracts import SETTLED_STATUSES


class Gateway:
    """The REST API with one API key."""

    def __init__(self, base_url: str, api_key: str) -> None:
        self.base_url = base_url
        self.http = httpx.Client(
            base_url=base_url,
            headers={"Authorization": f"Bearer {api_key}"},
            timeout=httpx.Timeout(30, read=60),
        )

    def upload(self, path: Path, fields: dict[str, str] | None = None) -> dict[str, Any]:
        with path.open("rb") as media:
            response = self.http.post(
                "/v1/recordings",
                files={"file": (path.name, media)},
                data=fields or {},
                timeout=httpx.Timeout(30, read=None, write=None),
            )
        if response.status_code != 201:
            raise RuntimeError(f"upload refused ({response.status_code}): {response.text}")
        return dict(response.json())

    def status(self, recording_id: str) -> dict[str, Any]:
        return dict(self.http.get(f"/v1/recordings/{recording_id}").json())

    def watch(
        self,
        recording_id: str,
        timeout_s: float,
        on_update: Callable[[dict[str, Any]], None] | None = None,
        poll_s: float = 0.5,
    ) -> dict[str, Any]:
        deadline = time.monotonic() + timeout_s
        while True:
            response = self.http.get(f"/v1/recordings/{recording_id}")
            # 404: announced on NATS, not yet projected (or gone); anything else is an answer
            if response.status_code != 404:
                response.raise_for_status()
                state = dict(response.json())
                if on_update:
                    on_update(state)
                if state["status"] in SETTLED_STATUSES:
                    return state
            if time.monotonic() > deadline:
                raise TimeoutError(f"recording {recording_id} is not done: {response.text}")
            time.sleep(poll_s)

    def transcript(self, recording_id: str, fmt: str = "txt") -> str:
        response = self.http.get(
            f"/v1/recordings/{recording_id}/transcript", params={"format": fmt}
        )
        response.raise_for_status()
        return response.text


def progress_bar(state: dict[str, Any], width: int = 30) -> str:
    fraction = float(state.get("progress", 0.0))
    filled = int(width * fraction)
    stages = state.get("stages", {})
    detail = " ".join(f"{k} {int(100 * v)}%" for k, v in stages.items() if 0 < v < 1)
    return f"[{'#' * filled}{'.' * (width - filled)}] {fraction:4.0%} {state['status']} {detail}"


class ProgressPrinter:
    """One updating line on a terminal; one line per change elsewhere (logs, CI)."""

    def __init__(self) -> None:
        self._last = ""

    def __call__(self, state: dict[str, Any]) -> None:
        line = progress_bar(state)
        if line == self._last:
            return
        self._last = line
        if sys.stdout.isatty():
            sys.stdout.write("\r\x1b[2K" + line)
            if state["status"] in SETTLED_STATUSES:
                sys.stdout.write("\n")
        else:
            sys.stdout.write(line + "\n")
        sys.stdout.flush()
