"""Telegram download benchmark: a large document streamed through the gateway into storage.

    python bench/telegram_download.py --mib 300

The Telegram door runs in this process; the gateway and nats-server run as the local stack
runs them; only Telegram itself is a stand-in whose `stream_media` reads the file in 1 MiB
chunks, as the MTProto client yields them. Reports throughput, whether the stored object is
byte-identical (SHA-256), and the door's RSS before and at its peak.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import os
import resource
import tempfile
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from faststream.nats import NatsBroker
from pyrogram import enums, types
from secretary_cli.stack import Stack, free_port
from secretary_contracts.messaging import BUCKETS
from secretary_ingest.settings import IngestSettings
from secretary_ingest.telegram.bot import TelegramBot
from secretary_ingest.telegram.gateway import GatewayClient
from secretary_ingest.telegram.status import StatusMessages


class FileBackedTelegram:
    def __init__(self, path: Path) -> None:
        self.path = path

    async def send_message(self, chat_id: int, text: str, **_: Any) -> types.Message:
        return types.Message(client=None, id=1, chat=types.Chat(client=None, id=chat_id))

    async def edit_message_text(self, *_: Any) -> None:
        return None

    async def stream_media(self, _: types.Message) -> AsyncIterator[bytes]:
        with self.path.open("rb") as source:
            while chunk := source.read(1024 * 1024):
                yield chunk


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


async def run(mib: int, scratch: Path) -> None:
    source = scratch / "call.mp4"
    digest = hashlib.sha256()
    with source.open("wb") as out:
        block = os.urandom(1 << 20)
        for index in range(mib):
            piece = block[:-8] + index.to_bytes(8, "little")
            digest.update(piece)
            out.write(piece)
    stack = Stack(scratch / "stack", free_port(), log_level="WARNING")
    stack.extra_env["SECRETARY_MAX_UPLOAD_BYTES"] = str((mib + 1) << 20)
    stack.start(services=("gateway",))
    try:
        stack.wait_ready()
        assert stack.nats is not None
        broker = NatsBroker(stack.nats.url)
        await broker.connect()
        telegram = FileBackedTelegram(source)
        gateway = GatewayClient.connect(stack.gateway_url, stack.door_key)
        bot = TelegramBot(
            IngestSettings(nats_url=stack.nats.url),
            broker,
            telegram,
            StatusMessages(telegram, 3.0),
            gateway,
        )
        message = types.Message(
            client=None,
            id=10,
            from_user=types.User(client=None, id=42, language_code="en"),
            chat=types.Chat(client=None, id=42, type=enums.ChatType.PRIVATE),
            document=types.Document(
                client=None,
                file_id="f",
                file_unique_id="big",
                file_name="call.mp4",
                mime_type="video/mp4",
                file_size=mib << 20,
            ),
        )
        before = _rss_mb()
        started = time.monotonic()
        await bot.handle(None, message)
        elapsed = time.monotonic() - started
        recording_id = (await bot.state.user(42)).recordings[0]
        store = await broker.connection.jetstream().object_store(BUCKETS.media)
        info = await store.get_info(recording_id)
        await broker.stop()
        await gateway.close()
    finally:
        stack.stop()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    stored = info.digest or ""
    import base64

    stored_hex = base64.urlsafe_b64decode(stored.split("=", 1)[1] + "==").hex()
    print(f"| download | {mib} MiB in {elapsed:.1f} s ({mib / elapsed:.0f} MiB/s) |")
    print(f"| byte-identical (SHA-256) | {stored_hex == digest.hexdigest()} |")
    print(f"| RSS before | {before:.0f} MB |")
    print(f"| RSS peak | {peak:.0f} MB |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--mib", type=int, default=300)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="secretary-telegram-") as scratch:
        asyncio.run(run(args.mib, Path(scratch)))


if __name__ == "__main__":
    main()
