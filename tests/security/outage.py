"""A TCP hop between a service and its database that can be cut: while cut, open connections
are dropped and new ones closed at once, as when the database is down. It runs on its own
thread and event loop, so it keeps forwarding while the test's loop waits on the service."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field


@dataclass
class CuttableLink:
    target_port: int
    port: int = 0
    cut: bool = False
    loop: asyncio.AbstractEventLoop = field(default_factory=asyncio.new_event_loop)
    _open: set[asyncio.StreamWriter] = field(default_factory=set)

    async def _pipe(self, source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
        with contextlib.suppress(ConnectionError, asyncio.CancelledError):
            while data := await source.read(65536):
                sink.write(data)
                await sink.drain()
        sink.close()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self.cut:
            writer.close()
            return
        upstream_reader, upstream_writer = await asyncio.open_connection(
            "127.0.0.1", self.target_port
        )
        self._open.update({writer, upstream_writer})
        await asyncio.gather(
            self._pipe(reader, upstream_writer), self._pipe(upstream_reader, writer)
        )
        self._open.difference_update({writer, upstream_writer})

    def _drop_all(self) -> None:
        for writer in list(self._open):
            writer.close()
        self._open.clear()

    def down(self) -> None:
        self.cut = True
        self.loop.call_soon_threadsafe(self._drop_all)

    def up(self) -> None:
        self.cut = False


@contextmanager
def cuttable_link(target_port: int) -> Iterator[CuttableLink]:
    link = CuttableLink(target_port)
    thread = threading.Thread(target=link.loop.run_forever, daemon=True)
    thread.start()
    server = asyncio.run_coroutine_threadsafe(
        asyncio.start_server(link._handle, "127.0.0.1", 0), link.loop
    ).result(timeout=10)
    link.port = server.sockets[0].getsockname()[1]
    try:
        yield link
    finally:
        link.down()
        link.loop.call_soon_threadsafe(server.close)
        link.loop.call_soon_threadsafe(link.loop.stop)
        thread.join(timeout=10)
