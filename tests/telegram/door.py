"""The Telegram door's test bench: a stand-in for Telegram's servers, real user messages, and
the door with a real gateway (uvicorn), nats-server and storage behind it."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pyrogram
from faststream.nats import NatsBroker
from nats.aio.client import Client
from pyrogram import enums, raw, types
from pyrogram.errors import FloodWait
from secretary_gateway.settings import GatewaySettings
from secretary_ingest.settings import IngestSettings
from secretary_ingest.telegram.bot import TelegramBot
from secretary_ingest.telegram.gateway import GatewayClient
from secretary_ingest.telegram.notifier import TelegramNotifier
from secretary_ingest.telegram.status import StatusMessages
from secretary_runtime.infrastructure import declare_infrastructure

from services.gateway.tests.helpers import bearer, new_key, serving_gateway

CHUNK = 1024 * 1024


@dataclass
class FakeTelegram:
    """Stands in for pyrogram.Client: records what the bot sends, streams what users send."""

    files: dict[str, bytes] = field(default_factory=dict)
    sent: list[dict[str, Any]] = field(default_factory=list)
    edits: list[tuple[float, int, str]] = field(default_factory=list)
    edit_options: list[dict[str, Any]] = field(default_factory=list)
    documents: list[dict[str, Any]] = field(default_factory=list)
    voices: list[dict[str, Any]] = field(default_factory=list)
    streamed: list[str] = field(default_factory=list)
    flood_waits: int = 0
    _next_id: int = 1000

    def _message(self, chat_id: int) -> types.Message:
        self._next_id += 1
        return types.Message(
            client=None,
            id=self._next_id,
            chat=types.Chat(client=None, id=chat_id, type=enums.ChatType.PRIVATE),
        )

    async def send_message(self, chat_id: int, text: str, **kwargs: Any) -> types.Message:
        reply = self._message(chat_id)
        self.sent.append({"chat_id": chat_id, "text": text, "id": reply.id, **kwargs})
        return reply

    async def edit_message_text(
        self, chat_id: int, message_id: int, text: str, **options: Any
    ) -> None:
        if self.flood_waits:
            self.flood_waits -= 1
            raise FloodWait(value=1)
        self.edits.append((time.monotonic(), message_id, text))
        self.edit_options.append(options)

    async def send_document(self, chat_id: int, document: Any, **kwargs: Any) -> types.Message:
        self.documents.append(
            {"chat_id": chat_id, "name": document.name, "body": document.getvalue(), **kwargs}
        )
        return self._message(chat_id)

    async def send_voice(self, chat_id: int, voice: Any, **kwargs: Any) -> types.Message:
        message = self._message(chat_id)
        self.voices.append(
            {"chat_id": chat_id, "body": voice.getvalue(), "id": message.id, **kwargs}
        )
        return message

    async def stream_media(self, message: types.Message) -> AsyncIterator[bytes]:
        media = (
            message.document or message.audio or message.voice or message.video
        ) or message.video_note
        assert media is not None
        self.streamed.append(media.file_unique_id)
        # a file the test did not provide: as many random bytes as Telegram says it has
        data = self.files.setdefault(media.file_unique_id, os.urandom(media.file_size or 0))
        for start in range(0, len(data), CHUNK):
            await asyncio.sleep(0)
            yield data[start : start + CHUNK]

    async def invoke(self, query: Any, *_: Any, **__: Any) -> Any:
        """The MTProto calls a client makes while parsing an update: a reply's original
        message is asked for, and is not there."""
        if isinstance(query, raw.functions.messages.GetMessages):
            return raw.types.messages.Messages(messages=[], chats=[], users=[], topics=[])
        raise NotImplementedError(type(query).__name__)


def offline_client(fake: FakeTelegram) -> pyrogram.Client:
    """A real kurigram client, its dispatcher and parsers included, whose network is `fake`:
    nothing it does reaches Telegram. Open its storage and start its dispatcher to use it."""
    client = pyrogram.Client(
        "offline",
        api_id=1,
        api_hash="0" * 32,
        bot_token="1:offline",
        in_memory=True,
        no_updates=False,
    )
    client.is_connected = True  # to a network that is `fake`
    client.invoke = fake.invoke  # type: ignore[method-assign]
    for name in (
        "send_message",
        "edit_message_text",
        "send_document",
        "send_voice",
        "stream_media",
    ):
        setattr(client, name, getattr(fake, name))
    return client


def user_message(
    message_id: int,
    user_id: int = 42,
    text: str | None = None,
    document: tuple[str, str, int] | None = None,
    voice: tuple[str, int] | None = None,
    reply_to: int | None = None,
    language: str = "en",
) -> types.Message:
    extra: dict[str, Any] = {}
    if document is not None:
        unique_id, mime, size = document
        extra["document"] = types.Document(
            client=None,
            file_id=f"file-{unique_id}",
            file_unique_id=unique_id,
            file_name=f"{unique_id}.mp4",
            mime_type=mime,
            file_size=size,
        )
    if voice is not None:
        unique_id, size = voice
        extra["voice"] = types.Voice(
            client=None,
            file_id=f"file-{unique_id}",
            file_unique_id=unique_id,
            duration=3,
            mime_type="audio/ogg",
            file_size=size,
        )
    return types.Message(
        client=None,
        id=message_id,
        from_user=types.User(client=None, id=user_id, language_code=language),
        chat=types.Chat(client=None, id=user_id, type=enums.ChatType.PRIVATE),
        text=text,  # type: ignore[arg-type]
        reply_to_message_id=reply_to,
        **extra,
    )


async def until(predicate: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.05)


@dataclass
class Harness:
    bot: TelegramBot
    telegram: FakeTelegram
    nats: Client
    rest: httpx.AsyncClient
    """The gateway's REST API with a key of the Telegram owner `telegram:42`."""


@asynccontextmanager
async def open_harness(
    nats_url: str,
    scratch: Path,
    client_of: Callable[[FakeTelegram], Any] = lambda fake: fake,
    gateway_overrides: dict[str, Any] | None = None,
    **door_settings: Any,
) -> AsyncIterator[Harness]:
    """The door (`TelegramBot` and its notifier) with a real gateway behind it. `client_of`
    makes the Telegram client the bot talks to from the stand-in for Telegram's servers;
    `gateway_overrides` and `door_settings` replace settings of the gateway and of the door
    (users 42 and 43 allowed)."""
    import nats

    gateway_settings = GatewaySettings(
        nats_url=nats_url,
        database_url=f"sqlite+aiosqlite:///{scratch}/gateway.db",
        answer_wait_s=0,
        # the module's chat leaves many recordings queued: the limits have tests of their own
        **{"recordings_in_flight_per_owner": 1000, **(gateway_overrides or {})},
    )
    settings = IngestSettings(
        nats_url=nats_url,
        **{"telegram_allowed_users": [42, 43], "telegram_status_interval_s": 0.3, **door_settings},
    )
    async with (
        serving_gateway(gateway_settings) as url,
        httpx.AsyncClient(
            base_url=url, headers=bearer(await new_key(gateway_settings, "telegram:42"))
        ) as rest,
    ):
        door_key = await new_key(gateway_settings, None, door="telegram")
        gateway = GatewayClient.connect(url, door_key)
        broker = NatsBroker(nats_url)
        telegram = FakeTelegram()
        client = client_of(telegram)
        bot = TelegramBot(settings, broker, client, StatusMessages(client, 0.3), gateway)
        TelegramNotifier(broker, bot).register()
        await broker.connect()
        await declare_infrastructure(broker.connection.jetstream())
        await broker.start()
        listener = await nats.connect(nats_url)
        yield Harness(bot, telegram, listener, rest)
        await listener.close()
        await broker.stop()
        await gateway.close()
