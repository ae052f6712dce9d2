"""Upload memory benchmark: the gateway's peak RSS while a large file streams in.

    python bench/upload.py --mib 1024

Starts nats-server and the gateway alone, uploads a file of the given size (random bytes:
the gateway does not look inside), and reports throughput and the gateway's RSS before and
at its peak. The file is streamed from disk by the client too.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import threading
import time
from pathlib import Path

import httpx
from secretary_cli.stack import Stack, free_port


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--mib", type=int, default=1024)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="secretary-upload-") as scratch:
        source = Path(scratch) / "big.bin"
        with source.open("wb") as out:
            block = os.urandom(1 << 20)
            for _ in range(args.mib):
                out.write(block)
        stack = Stack(Path(scratch) / "stack", free_port(), log_level="WARNING")
        stack.start(services=("gateway",))
        try:
            stack.wait_ready()
            gateway = stack.gateway
            pid = stack.processes["gateway"].pid
            before = _rss_mb(pid)
            peak = before
            done = threading.Event()

            def sample() -> None:
                nonlocal peak
                while not done.is_set():
                    peak = max(peak, _rss_mb(pid))
                    time.sleep(0.05)

            sampler = threading.Thread(target=sample, daemon=True)
            sampler.start()
            started = time.monotonic()
            with source.open("rb") as body:
                response = gateway.http.post(
                    "/v1/recordings",
                    files={"file": ("big.bin", body)},
                    timeout=httpx.Timeout(30, read=None, write=None),
                )
            elapsed = time.monotonic() - started
            done.set()
            sampler.join()
            assert response.status_code == 201, response.text
        finally:
            stack.stop()
    print(f"| upload | {args.mib} MiB in {elapsed:.1f} s ({args.mib / elapsed:.0f} MiB/s) |")
    print(f"| gateway RSS before | {before:.0f} MB |")
    print(f"| gateway RSS peak during upload | {peak:.0f} MB |")


if __name__ == "__main__":
    main()
