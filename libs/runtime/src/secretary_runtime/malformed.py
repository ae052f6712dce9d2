"""An event that does not match its subject's model can never be handled: it is terminated on
its first delivery (and so reaches the dead letters at once), with the reason in the log,
instead of being redelivered after every ack wait until its deliveries run out."""

from __future__ import annotations

import contextlib
import logging
from typing import Any

from faststream import BaseMiddleware
from faststream.message import StreamMessage
from nats.errors import NotJSMessageError
from pydantic import ValidationError

logger = logging.getLogger(__name__)


class TerminateMalformed(BaseMiddleware):
    async def consume_scope(self, call_next: Any, msg: StreamMessage[Any]) -> Any:
        try:
            return await call_next(msg)
        except ValidationError as error:
            subject = getattr(msg.raw_message, "subject", "?")
            logger.error(
                "a malformed event on %s was sent to the dead letters: %s",
                subject,
                error.errors(include_url=False)[:3],
            )
            with contextlib.suppress(NotJSMessageError):  # a plain subscription: nothing to end
                await msg.reject()
            return None
