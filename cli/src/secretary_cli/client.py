"""Talks to the gateway like any other client: upload, watch progress, fetch the transcript."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx


def upload(base_url: str, path: Path, fields: dict[str, str] | None = None) -> dict[str, Any]:
    with path.open("rb") as media:
        response = httpx.post(
            f"{base_url}/v1/recordings",
            files={"file": (path.name, media)},
            data=fields or {},
            timeout=httpx.Timeout(30, read=None, write=None),
        )
    if response.status_code != 201:
        raise RuntimeError(f"upload refused ({response.status_code}): {response.text}")
    return dict(response.json())


def watch(
    base_url: str,
    recording_id: str,
    timeout_s: float,
    on_update: Callable[[dict[str, Any]], None] | None = None,
    poll_s: float = 0.5,
) -> dict[str, Any]:
    deadline = time.monotonic() + timeout_s
    while True:
        state = dict(httpx.get(f"{base_url}/v1/recordings/{recording_id}", timeout=10).json())
        if on_update:
            on_update(state)
        if state["status"] in ("done", "failed"):
            return state
        if time.monotonic() > deadline:
            raise TimeoutError(f"recording {recording_id} is still {state['status']}")
        time.sleep(poll_s)


def transcript(base_url: str, recording_id: str, fmt: str = "txt") -> str:
    response = httpx.get(
        f"{base_url}/v1/recordings/{recording_id}/transcript", params={"format": fmt}, timeout=30
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
            if state["status"] in ("done", "failed"):
                sys.stdout.write("\n")
        else:
            sys.stdout.write(line + "\n")
        sys.stdout.flush()
