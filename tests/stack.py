"""The whole system as its operators run it: nats-server and every service as an OS process."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from secretary_cli.stack import SERVICES, Stack, free_port


@contextmanager
def running_stack(
    directory: Path,
    services: tuple[str, ...] = SERVICES,
    replicas: dict[str, int] | None = None,
    **extra_env: str,
) -> Iterator[Stack]:
    """nats-server and every service as its own process, ready (models loaded), then stopped.
    The tests' one owner may have many recordings in flight (load is what some of them test),
    and sends one fixture file many times, each meant to be transcribed."""
    env = {
        "SECRETARY_RECORDINGS_IN_FLIGHT_PER_OWNER": "1000",
        "SECRETARY_DEDUPLICATE_UPLOADS": "false",
        **extra_env,
    }
    stack = Stack(directory, free_port(), log_level="INFO", extra_env=env, replicas=replicas or {})
    try:
        stack.start(services)
        stack.wait_ready(timeout_s=300)
        yield stack
    finally:
        stack.stop()
    assert not permission_violations(directory), "a service was refused what it needs"


def permission_violations(directory: Path) -> list[str]:
    """What nats-server refused the services (each may do only its own work)."""
    log = directory / "nats" / "nats-server.log"
    lines = log.read_text().splitlines() if log.exists() else []
    return [line for line in lines if "Violation" in line]
