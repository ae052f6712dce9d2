"""Runs the whole system locally: nats-server and every service as its own OS process."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import IO

import httpx
from secretary_runtime.nats_server import NatsServer, new_passwords
from secretary_runtime.ports import free_port

from secretary_cli.client import Gateway

SERVICES = ("prepare", "asr", "diarize", "merge", "gateway")
# a service that exits this often before it is ready will not come up by being restarted
START_UP_RESTARTS = 3
# questions and summaries need an OpenAI-compatible endpoint (SECRETARY_LLM_*): `up` runs it
WITH_LLM = (*SERVICES, "llm")
COLOURS = {
    "nats": 90,
    "prepare": 36,
    "ingest": 96,
    "asr": 33,
    "diarize": 35,
    "merge": 32,
    "gateway": 34,
    "llm": 91,
}


def everything(environment: dict[str, str]) -> tuple[str, ...]:
    """What `up` runs: the Telegram door only where its credentials are given."""
    telegram = bool(environment.get("SECRETARY_TELEGRAM_API_ID"))
    return (*WITH_LLM, "ingest") if telegram else WITH_LLM


def _pump(name: str, stream: IO[bytes], sink: IO[str], log_file: IO[bytes]) -> None:
    colour = COLOURS.get(name.split("-", 1)[0], 0)
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
    supervise: bool = True
    sync_interval: str = ""
    authenticate: bool = True
    """NATS with a user per service and its permissions, as in a cluster."""
    restarts: dict[str, int] = field(default_factory=dict)
    replicas: dict[str, int] = field(default_factory=dict)
    """Processes per service beyond one (`asr-2`, `asr-3`, ...), sharing its consumers."""
    _stopping: threading.Event = field(default_factory=threading.Event)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def gateway_url(self) -> str:
        return f"http://127.0.0.1:{self.gateway_port}"

    @property
    def api_key_file(self) -> Path:
        return self.data_dir / "api-key"

    @cached_property
    def api_key(self) -> str:
        """The local owner's key: kept in the data directory, created on first use."""
        if self.api_key_file.exists():
            token = self.api_key_file.read_text().strip()
            probe = httpx.get(
                f"{self.gateway_url}/v1/recordings",
                params={"limit": 1},
                headers={"Authorization": f"Bearer {token}"},
                timeout=10,
            )
            if probe.status_code == 200:
                return token
        created = subprocess.run(
            [sys.executable, "-m", "secretary_gateway.keys", "create", "--owner", "local"],
            env=self.environment(),
            capture_output=True,
            text=True,
            check=True,
        )
        token = created.stdout.strip()
        self.api_key_file.write_text(token + "\n")
        self.api_key_file.chmod(0o600)
        return token

    @cached_property
    def door_key(self) -> str:
        """The Telegram door's key (it is a client of the gateway), kept beside the database."""
        path = self.data_dir / "telegram-door-key"
        if path.exists():
            return path.read_text().strip()
        created = subprocess.run(
            [sys.executable, "-m", "secretary_gateway.keys", "create", "--door", "telegram"],
            env=self.environment(),
            capture_output=True,
            text=True,
            check=True,
        )
        path.write_text(created.stdout.strip() + "\n")
        path.chmod(0o600)
        return created.stdout.strip()

    @cached_property
    def gateway(self) -> Gateway:
        return Gateway(self.gateway_url, self.api_key)

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
        (self.data_dir / "logs").mkdir(exist_ok=True)
        self.nats = NatsServer(
            self.data_dir / "nats",
            sync_interval=self.sync_interval,
            passwords=new_passwords() if self.authenticate else None,
        ).start()
        if self.authenticate:
            # as the admin, before any service: they may not declare streams themselves
            subprocess.run(
                [sys.executable, "-m", "secretary_runtime.declare"],
                env=self.environment(),
                check=True,
                stdin=subprocess.DEVNULL,
            )
        if "ingest" in services:
            assert self.door_key  # before the gateway starts: one writer of the database at a time
        for service in services:
            for name in self.instances(service):
                if service != "gateway":
                    self.health_ports[name] = free_port()
                self._spawn(name)
        if self.supervise:
            threading.Thread(target=self._supervise, daemon=True).start()

    def instances(self, service: str) -> list[str]:
        """The process names of a service: its own name, then `<service>-2` and on."""
        count = 1 if service == "gateway" else max(1, self.replicas.get(service, 1))
        return [service, *(f"{service}-{n}" for n in range(2, count + 1))]

    @staticmethod
    def service_of(name: str) -> str:
        return name.split("-", 1)[0]

    def _spawn(self, name: str) -> None:
        service = self.service_of(name)
        env = self.environment()
        env["SECRETARY_HEALTH_PORT"] = str(self.health_ports.get(name, 0))
        if self.nats is not None and self.nats.passwords is not None:
            env["SECRETARY_NATS_URL"] = self.nats.address
            env["SECRETARY_NATS_USER"] = service
            env["SECRETARY_NATS_PASSWORD"] = self.nats.passwords[service]
            env["SECRETARY_DECLARE_INFRASTRUCTURE"] = "false"
        if name == "ingest":
            env.setdefault("SECRETARY_GATEWAY_URL", self.gateway_url)
            env.setdefault("SECRETARY_GATEWAY_API_KEY", self.door_key)
        process = subprocess.Popen(
            self.command(service),
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
        assert process.stdout is not None
        log_file = (self.data_dir / "logs" / f"{name}.log").open("ab")
        threading.Thread(
            target=_pump, args=(name, process.stdout, sys.stderr, log_file), daemon=True
        ).start()
        self.processes[name] = process

    def command(self, name: str) -> list[str]:
        return [sys.executable, "-m", f"secretary_{name}"]

    def _supervise(self) -> None:
        """Restarts a service that died, with exponential back-off, as Kubernetes would."""
        due: dict[str, float] = {}
        while not self._stopping.wait(0.2):
            with self._lock:
                for name, process in list(self.processes.items()):
                    code = process.poll()
                    if code is None:
                        continue
                    if name not in due:
                        count = self.restarts.get(name, 0) + 1
                        delay = min(30.0, 2.0 ** (count - 1))
                        due[name] = time.monotonic() + delay
                        self._say(
                            f"{name} exited with code {code}; restart {count} in {delay:.0f} s"
                        )
                    elif time.monotonic() >= due[name]:
                        del due[name]
                        self.restarts[name] = self.restarts.get(name, 0) + 1
                        self._spawn(name)

    @staticmethod
    def _say(message: str) -> None:
        sys.stderr.write(f"{'runner':>8} | {message}\n")
        sys.stderr.flush()

    def kill(self, name: str) -> int:
        """SIGKILLs a service (fault injection); the supervisor brings it back."""
        with self._lock:
            process = self.processes[name]
            process.kill()
            process.wait()
            return process.pid

    def dead(self) -> list[str]:
        return [name for name, p in self.processes.items() if p.poll() is not None]

    def readiness_urls(self) -> dict[str, str]:
        urls = {n: f"http://127.0.0.1:{p}/readyz" for n, p in self.health_ports.items()}
        if "gateway" in self.processes:
            urls["gateway"] = f"{self.gateway_url}/readyz"
        return urls

    def wait_ready(self, timeout_s: float = 300.0) -> None:
        """Waits until every service answers its readiness probe (models loaded, NATS up).
        One that exits meanwhile is restarted by the supervisor, as after start-up; only one
        that keeps exiting ends the wait."""
        deadline = time.monotonic() + timeout_s
        waiting = self.readiness_urls()
        while waiting and time.monotonic() < deadline:
            died = self.dead()
            if not self.supervise and died:
                raise RuntimeError(f"service(s) exited during start-up: {', '.join(died)}")
            if looping := [n for n in died if self.restarts.get(n, 0) >= START_UP_RESTARTS]:
                raise RuntimeError(
                    f"service(s) keep exiting during start-up: {', '.join(looping)}"
                    f" (see {self.data_dir / 'logs'})"
                )
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
        self._stopping.set()
        with self._lock:
            self._terminate_all()
        if self.nats is not None:
            self.nats.stop()

    def _terminate_all(self) -> None:
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
