"""`secretary up` keeps the rest running: a service that dies while the others are still
loading is restarted like any later crash, and only one that keeps dying ends the start.
Real processes and a real nats-server; the service is a small script in its place."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from secretary_cli.stack import Stack, free_port

SERVICE = """
import os, sys, pathlib
from http.server import BaseHTTPRequestHandler, HTTPServer
runs = pathlib.Path(sys.argv[1])
runs.write_text(runs.read_text() + "x" if runs.exists() else "x")
if sys.argv[2] == "always" or len(runs.read_text()) == 1:
    sys.exit(3)  # dies while loading
class Ready(BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.end_headers()
HTTPServer(("127.0.0.1", int(os.environ["SECRETARY_HEALTH_PORT"])), Ready).serve_forever()
"""


class ScriptedStack(Stack):
    script: Path
    mode: str

    def command(self, name: str) -> list[str]:
        return [sys.executable, str(self.script), str(self.data_dir / f"{name}.runs"), self.mode]


def _stack(tmp_path: Path, mode: str) -> ScriptedStack:
    stack = ScriptedStack(tmp_path / "data", free_port())
    stack.script = tmp_path / "service.py"
    stack.script.write_text(SERVICE)
    stack.mode = mode
    return stack


def test_a_service_that_dies_while_loading_is_restarted_and_the_start_goes_on(
    tmp_path: Path,
) -> None:
    stack = _stack(tmp_path, "once")
    try:
        stack.start(("prepare",))
        stack.wait_ready(timeout_s=60)
        assert stack.restarts["prepare"] == 1
        assert stack.dead() == []
    finally:
        stack.stop()


def test_a_service_that_keeps_dying_ends_the_start_with_its_name(tmp_path: Path) -> None:
    stack = _stack(tmp_path, "always")
    try:
        stack.start(("prepare",))
        with pytest.raises(RuntimeError, match="keep exiting during start-up: prepare"):
            stack.wait_ready(timeout_s=60)
    finally:
        stack.stop()
