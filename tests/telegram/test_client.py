"""The Telegram door driven through kurigram itself: raw MTProto updates, serialized and read
back as they come off the wire, go through the client's dispatcher, its parsers and the
filters and handler that `secretary_ingest.telegram.client.register` installs; only the
network stands in (`tests.telegram.door.offline_client`). A filter or registration mistake fails
here."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from io import BytesIO
from typing import Any

import pytest
from pyrogram import raw
from pyrogram.raw.core import TLObject
from secretary_ingest.telegram.client import register
from secretary_runtime.nats_server import NatsServer

from tests.telegram.door import Harness, offline_client, open_harness

MARIA, OLEG = 42, 43


@pytest.fixture(scope="module")
async def door(
    nats_server: NatsServer, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Harness]:
    scratch = tmp_path_factory.mktemp("dispatch")
    async with open_harness(nats_server.url, scratch, client_of=offline_client) as harness:
        client = harness.bot.client
        await client.storage.open()
        register(client, harness.bot.handle)
        await client.dispatcher.start()
        yield harness
        await client.dispatcher.stop()
        await client.storage.close()


def _user(user_id: int, language: str = "en") -> raw.types.User:
    return raw.types.User(id=user_id, access_hash=user_id * 7, first_name="U", lang_code=language)


def _document(doc_id: int, mime: str, size: int, *attributes: Any) -> raw.types.Document:
    return raw.types.Document(
        id=doc_id,
        access_hash=doc_id * 3,
        file_reference=b"ref",
        date=int(time.time()),
        mime_type=mime,
        size=size,
        dc_id=2,
        attributes=list(attributes),
    )


def _message(
    message_id: int,
    sender: int = MARIA,
    text: str = "",
    media: Any = None,
    reply_to: int | None = None,
    outgoing: bool = False,
    group: int | None = None,
) -> raw.types.Message:
    return raw.types.Message(
        id=message_id,
        peer_id=raw.types.PeerChat(chat_id=group) if group else raw.types.PeerUser(user_id=sender),
        from_id=raw.types.PeerUser(user_id=sender),
        date=int(time.time()),
        message=text,
        media=media,
        out=outgoing or None,
        reply_to=raw.types.MessageReplyHeader(reply_to_msg_id=reply_to) if reply_to else None,
    )


async def _deliver(door: Harness, *updates: Any, group: int | None = None) -> None:
    """As the MTProto session hands updates to the client: bytes off the wire, read back."""
    chats: list[Any] = (
        [
            raw.types.Chat(
                id=group,
                title="team",
                photo=raw.types.ChatPhotoEmpty(),
                participants_count=3,
                date=0,
                version=1,
            )
        ]
        if group
        else []
    )
    packet = raw.types.Updates(
        updates=list(updates),
        users=[_user(MARIA), _user(OLEG, "ru")],
        chats=chats,
        date=int(time.time()),
        seq=0,
    )
    await door.bot.client.handle_updates(TLObject.read(BytesIO(packet.write())))


def _new(message: raw.types.Message) -> raw.types.UpdateNewMessage:
    return raw.types.UpdateNewMessage(message=message, pts=message.id, pts_count=1)


async def _reply_to(door: Harness, message_id: int, timeout_s: float = 15) -> dict[str, Any]:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        for sent in door.telegram.sent:
            if sent.get("reply_to_message_id") == message_id:
                return sent
        await asyncio.sleep(0.05)
    raise AssertionError(f"no reply to message {message_id}")


async def _recordings(door: Harness) -> dict[str, dict[str, Any]]:
    listed = (await door.rest.get("/v1/recordings", params={"limit": 50})).json()["items"]
    return {r["filename"]: r for r in listed}


async def test_voice_notes_video_notes_and_documents_become_recordings(door: Harness) -> None:
    voice = raw.types.MessageMediaDocument(
        document=_document(
            1, "audio/ogg", 3000, raw.types.DocumentAttributeAudio(duration=3, voice=True)
        ),
        voice=True,
    )
    round_video = raw.types.MessageMediaDocument(
        document=_document(
            2,
            "video/mp4",
            5000,
            raw.types.DocumentAttributeVideo(duration=5, w=240, h=240, round_message=True),
        ),
        round=True,
    )
    standup = raw.types.MessageMediaDocument(
        document=_document(
            3, "video/mp4", 7000, raw.types.DocumentAttributeFilename(file_name="standup.mp4")
        )
    )
    await _deliver(door, _new(_message(10, media=voice)))
    await _deliver(door, _new(_message(11, media=round_video)))
    await _deliver(door, _new(_message(12, media=standup)))
    for message_id in (10, 11, 12):
        assert (await _reply_to(door, message_id))["text"].startswith("⬇️ Downloading")
    for _ in range(200):
        found = await _recordings(door)
        if {"voice.ogg", "video-note.mp4", "standup.mp4"} <= set(found):
            break
        await asyncio.sleep(0.05)
    assert found["voice.ogg"]["size_bytes"] == 3000
    assert found["video-note.mp4"]["size_bytes"] == 5000
    assert found["standup.mp4"]["source"] == "telegram"


async def test_commands_text_and_replies_arrive_as_the_user_typed_them(door: Harness) -> None:
    await _deliver(door, _new(_message(20, text="/list")))
    assert "·" in (await _reply_to(door, 20))["text"]
    await _deliver(door, _new(_message(21, sender=OLEG, text="/help@secretary_bot")))
    # the bot's name after the command is dropped; the user's language comes with the update
    assert (await _reply_to(door, 21))["text"].startswith("Пришлите запись")
    # a question in reply to a message: Oleg has no recording to ask about
    await _deliver(door, _new(_message(22, sender=OLEG, text="И что решили?", reply_to=5)))
    assert "Сначала пришлите запись" in (await _reply_to(door, 22))["text"]


async def test_what_the_filters_keep_out_never_reaches_the_door(door: Harness) -> None:
    before = len(door.telegram.sent)
    await _deliver(door, _new(_message(30, text="/list", outgoing=True)))
    await _deliver(door, _new(_message(31, text="/list", group=555)), group=555)
    edited = raw.types.UpdateEditMessage(message=_message(32, text="/list"), pts=32, pts_count=1)
    await _deliver(door, edited)
    # a message that does pass, after them: once it is answered the others had their turn
    await _deliver(door, _new(_message(33, text="/list")))
    await _reply_to(door, 33)
    answered = {s.get("reply_to_message_id") for s in door.telegram.sent[before:]}
    assert answered == {33}
