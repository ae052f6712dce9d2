"""The Telegram door fails closed, and says nothing it was not meant to: what it sends is
never parsed as markup nor previewed as a link (see `tests/telegram/door.py`)."""

from __future__ import annotations

import os
from pathlib import Path

from pyrogram import enums
from secretary_runtime.nats_server import NatsServer

from tests.telegram.door import open_harness, user_message


async def test_with_no_allow_list_the_bot_serves_nobody_and_says_how_to_be_let_in(
    nats_server: NatsServer, tmp_path: Path
) -> None:
    async with open_harness(nats_server.url, tmp_path, telegram_allowed_users=[]) as h:
        h.telegram.files["call"] = os.urandom(1000)
        await h.bot.handle(None, user_message(1, user_id=42, document=("call", "video/mp4", 1000)))
        await h.bot.handle(None, user_message(2, user_id=42, text="/list"))
        assert h.telegram.streamed == []
        assert [s["text"] for s in h.telegram.sent] == [
            "Sorry, this bot is private. Ask its admin to add your Telegram id 42 to"
            " SECRETARY_TELEGRAM_ALLOWED_USERS."
        ] * 2
        assert (await h.rest.get("/v1/recordings")).json()["items"] == []


async def test_an_open_bot_serves_everyone_in_plain_text(
    nats_server: NatsServer, tmp_path: Path
) -> None:
    async with open_harness(
        nats_server.url, tmp_path, telegram_allowed_users=[], telegram_open=True
    ) as h:
        h.telegram.files["call"] = os.urandom(1000)
        await h.bot.handle(None, user_message(1, user_id=7, document=("call", "video/mp4", 1000)))
        assert h.telegram.streamed == ["call"]
        await h.bot.handle(None, user_message(2, user_id=7, text="[click](https://evil.example)"))
        assert h.telegram.sent and h.telegram.edit_options
        for sent in [*h.telegram.sent, *h.telegram.edit_options]:
            assert sent["parse_mode"] == enums.ParseMode.DISABLED
            assert sent["link_preview_options"].is_disabled
