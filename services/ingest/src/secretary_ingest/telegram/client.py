"""The MTProto client: a bot token or a user session downloads up to 2 GB, no Bot API server."""

from __future__ import annotations

import logging
import sys
from typing import Any

from pyrogram import Client, filters
from pyrogram.errors import RPCError
from pyrogram.handlers import MessageHandler

from secretary_ingest.settings import IngestSettings

logger = logging.getLogger(__name__)


def create_client(settings: IngestSettings) -> Client:
    assert settings.telegram_api_id is not None and settings.telegram_api_hash is not None
    token = settings.telegram_bot_token
    session = settings.telegram_session_string
    return Client(
        "secretary",
        api_id=settings.telegram_api_id,
        api_hash=settings.telegram_api_hash.get_secret_value(),
        bot_token=token.get_secret_value() if token else None,
        session_string=session.get_secret_value() if session else None,
        in_memory=True,
        no_updates=False,
    )


def register(client: Client, handle: Any) -> None:
    client.add_handler(MessageHandler(handle, filters.private & filters.incoming))


async def start_or_exit(client: Client) -> None:
    """Wrong credentials end the service with one clear line, not a traceback."""
    try:
        await client.start()
    except (RPCError, OSError, ValueError) as error:
        logger.error("Telegram refused to start: %s", error)
        print(
            f"ingest: Telegram refused the credentials or is unreachable: {error}", file=sys.stderr
        )
        raise SystemExit(2) from error
    me = await client.get_me()
    logger.info("Telegram client started as @%s (%s)", me.username, me.id)
