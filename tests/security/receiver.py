"""A webhook receiver on 127.0.0.1 that answers as told: at once, slowly, endlessly, or with
an error. A raw HTTP/1.1 server on asyncio streams, so that how it misbehaves is exact."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Literal

Behaviour = Literal["ok", "error", "trickle", "huge"]


@dataclass
class Request:
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    behaviour: Behaviour = "ok"
    received: list[Request] = field(default_factory=list)
    bytes_sent: int = 0
    port: int = 0

    def url(self, host: str = "127.0.0.1", path: str = "/hooks") -> str:
        return f"http://{host}:{self.port}{path}"

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")[1:]
            pairs = (line.split(":", 1) for line in lines if line)
            headers = {key.lower(): value.strip() for key, value in pairs}
            body = await reader.readexactly(int(headers.get("content-length", "0")))
            self.received.append(Request(headers, body))
            if self.behaviour == "ok":
                await self._write(writer, b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
            elif self.behaviour == "error":
                await self._write(writer, b"HTTP/1.1 500 Oops\r\nContent-Length: 0\r\n\r\n")
            elif self.behaviour == "trickle":
                # a status line that never ends: a byte every 0.2 s
                for byte in b"HTTP/1.1 200 OK\r\nX-Slow: " + b"." * 10_000:
                    await self._write(writer, bytes([byte]))
                    await asyncio.sleep(0.2)
            else:
                await self._write(writer, b"HTTP/1.1 200 OK\r\nContent-Length: 104857600\r\n\r\n")
                chunk = b"x" * 65536
                for _ in range(1600):  # 100 MiB
                    await self._write(writer, chunk)
        except (ConnectionError, asyncio.IncompleteReadError):
            pass  # the gateway hung up, as it should
        finally:
            writer.close()

    async def _write(self, writer: asyncio.StreamWriter, data: bytes) -> None:
        writer.write(data)
        await writer.drain()
        self.bytes_sent += len(data)


@asynccontextmanager
async def receiving(behaviour: Behaviour = "ok") -> AsyncIterator[Receiver]:
    receiver = Receiver(behaviour)
    server = await asyncio.start_server(receiver._handle, "127.0.0.1", 0)
    receiver.port = server.sockets[0].getsockname()[1]
    async with server:
        yield receiver
        server.close()
