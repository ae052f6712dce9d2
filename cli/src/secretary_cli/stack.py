"""Runs the whole system locally: nats-server and every service as its own OS process."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import httpx

from secretary_cli.nats_server import NatsServer

SERVICES = ("ingest", "asr", "diarize", "merge", "gateway")
COLOURS = {"nats": 90, "ingest": 36, "asr": 33, "diarize": 35, "merge": 32, "gateway": 34}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _pump(name: str, stream: IO[bytes], sink: IO[str], log_file: IO[bytes]) -> None:
    colour = COLOURS.get(name, 0)
    prefix = f"\x1b[{colour}m{name:>8} |\x1b[0m " if sink.isatty() else f"{name:>8} | "
    for raw in iter(stream.readline, b""):
        log_file.write(raw)
        log_file.flush()
        sink.write(prefix + raw.decode(errors="replace"))
        sink.flush()


@dataclass
class Stack:
    data_dir: Path
    gateway_port: int
    log_level: str = "INFO"
    extra_env: dict[str, str] = field(default_factory=dict)
    nats: NatsServer | None = None
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    health_ports: dict[str, int] = field(default_factory=dict)

    @property
    def gateway_url(self) -> str:
        return f"http://127.0.0.1:{self.gateway_port}"

    def environment(self) -> dict[str, str]:
        assert self.nats is not None
        env = dict(os.environ)
        env.update(
            {
                "SECRETARY_NATS_URL": self.nats.url,
                "SECRETARY_LOG_LEVEL": self.log_level,
                "SECRETARY_LOG_FORMAT": "text",
                "SECRETARY_PORT": str(self.gateway_port),
                "SECRETARY_DATABASE_URL": env.get(
                    "SECRETARY_DATABASE_URL",
                    f"sqlite+aiosqlite:///{self.data_dir / 'secretary.db'}",
                ),
                "PYANNOTE_METRICS_ENABLED": "false",
                "HF_HUB_OFFLINE": "1",
                "PYTHONUNBUFFERED": "1",
            }
        )
        env.update(self.extra_env)
        return env

    def start(self, services: tuple[str, ...] = SERVICES) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        logs = self.data_dir / "logs"
        logs.mkdir(exist_ok=True)
        self.nats = NatsServer(self.data_dir / "nats").start()
        env = self.environment()
        for name in services:
            if name != "gateway":
                self.health_ports[name] = free_port()
            process = subprocess.Popen(
                [sys.executable, "-m", f"secretary_{name}"],
                env={**env, "SECRETARY_HEALTH_PORT": str(self.health_ports.get(name, 0))},
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )
            assert process.stdout is not None
            log_file = (logs / f"{name}.log").open("ab")
            threading.Thread(
                target=_pump, args=(name, process.stdout, sys.stderr, log_file), daemon=True
            ).start()
            self.processes[name] = process

    def dead(self) -> list[str]:
        return [name for name, p in self.processes.items() if p.poll() is not None]

    def readiness_urls(self) -> dict[str, str]:
        urls = {n: f"http://127.0.0.1:{p}/readyz" for n, p in self.health_ports.items()}
        if "gateway" in self.processes:
            urls["gateway"] = f"{self.gateway_url}/readyz"
        return urls

    def wait_ready(self, timeout_s: float = 300.0) -> None:
        """Waits until every service answers its readiness probe (models loaded, NATS up)."""
        deadline = time.monotonic() + timeout_s
        waiting = self.readiness_urls()
        while waiting and time.monotonic() < deadline:
            if died := self.dead():
                raise RuntimeError(f"service(s) exited during start-up: {', '.join(died)}")
            for name, url in list(waiting.items()):
                try:
                    if httpx.get(url, timeout=2).status_code == 200:
                        del waiting[name]
                except httpx.HTTPError:
                    pass
            time.sleep(0.3)
        if waiting:
            raise TimeoutError(f"not ready in time: {', '.join(sorted(waiting))}")

    def stop(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                process.terminate()
        for process in self.processes.values():
            try:
                process.wait(timeout=40)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self.processes.clear()
        if self.nats is not None:
            self.nats.stop()
