"""Turns JetStream's give-up advisories into failures the user sees.

A message lands in the DEAD_LETTERS stream when a consumer exhausted its deliveries (a worker
that kept crashing or timing out, which no worker can report itself) or terminated it. The
recording is then failed with `stage_failed`; when the worker already reported the failure,
the message id makes this report a duplicate that JetStream drops.
"""

from __future__ import annotations

import json
import logging

from faststream.nats import NatsBroker, NatsMessage
from nats.js.errors import NotFoundError
from secretary_contracts import ERROR_MESSAGES, DeadLetter, ErrorCode
from secretary_contracts.messaging import (
    CONSUMER_GATEWAY_DEAD_LETTERS,
    RECORDINGS_STREAM,
    STAGE_OF_CONSUMER,
)
from secretary_runtime.jobs import subscriber_options
from secretary_runtime.logs import bound_recording
from secretary_runtime.publishing import EventPublisher

logger = logging.getLogger(__name__)


class DeadLetterWatcher:
    def __init__(self, broker: NatsBroker) -> None:
        self.broker = broker
        self.publisher = EventPublisher(broker)

    def register(self) -> None:
        @self.broker.subscriber(**subscriber_options(CONSUMER_GATEWAY_DEAD_LETTERS))
        async def on_dead_letter(advisory: DeadLetter, msg: NatsMessage) -> None:
            try:
                await self.report(advisory)
            except Exception:
                logger.exception("dead letter not reported yet; retrying")
                await msg.nack(delay=5)
                return
            await msg.ack()

    async def report(self, advisory: DeadLetter) -> None:
        stage = STAGE_OF_CONSUMER.get(advisory.consumer)
        if advisory.stream != RECORDINGS_STREAM or stage is None:
            logger.warning(
                "consumer %s gave up on message %d of %s",
                advisory.consumer,
                advisory.stream_seq,
                advisory.stream,
            )
            return
        js = self.broker.connection.jetstream()
        try:
            original = await js.get_msg(RECORDINGS_STREAM, advisory.stream_seq)
        except NotFoundError:
            logger.warning("dead letter %d is gone from the stream", advisory.stream_seq)
            return
        recording_id = str(json.loads(original.data or b"{}").get("recording_id", ""))
        if not recording_id:
            logger.warning("dead letter %d names no recording", advisory.stream_seq)
            return
        with bound_recording(recording_id):
            logger.error(
                "%s gave up after %d deliveries",
                advisory.consumer,
                advisory.deliveries,
                extra={"fields": {"stream_seq": advisory.stream_seq, "type": advisory.type}},
            )
            await self.publisher.failed(
                recording_id,
                stage,
                ErrorCode.STAGE_FAILED,
                f"{ERROR_MESSAGES[ErrorCode.STAGE_FAILED]} ({stage} gave up after "
                f"{advisory.deliveries} deliveries)",
            )
