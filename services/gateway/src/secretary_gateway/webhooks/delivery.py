"""Webhooks: `transcript.ready` and `recording.failed` POSTed to the owner's URLs, signed.

Each (event, webhook) pair becomes one message on the WEBHOOKS stream, so a receiver that is
down is retried with back-off on its own, without holding up the others or the read model.
The delivery id is stable across retries: a receiver dedupes by `X-Secretary-Delivery`.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
from datetime import UTC, datetime

import httpx
from faststream.nats import NatsBroker, NatsMessage
from secretary_contracts import DeliveryStatus, RecordingStatus, WebhookDelivery
from secretary_contracts.messaging import CONSUMER_GATEWAY_WEBHOOKS, WEBHOOK_DELIVERY
from secretary_runtime.jobs import subscriber_options
from secretary_runtime.logs import bound_recording
from secretary_runtime.publishing import EventPublisher
from sqlalchemy import select

from secretary_gateway.db import Database, RecordingRow, WebhookDeliveryRow, WebhookRow
from secretary_gateway.metrics import Metrics
from secretary_gateway.recordings.schemas import Recording
from secretary_gateway.settings import GatewaySettings

logger = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Secretary-Signature"
EVENT_OF_STATUS: dict[str, str] = {
    RecordingStatus.DONE: "transcript.ready",
    RecordingStatus.FAILED: "recording.failed",
}


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """`t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<body>">`: the time is signed too, so a
    receiver can refuse replays of old deliveries."""
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={digest.hexdigest()}"


class WebhookAnnouncer:
    """Queues a delivery per webhook when a recording reaches done or failed."""

    def __init__(self, broker: NatsBroker, database: Database) -> None:
        self.publisher = EventPublisher(broker)
        self.database = database

    async def announce(self, recording: RecordingRow) -> None:
        event = EVENT_OF_STATUS.get(recording.status)
        if event is None:
            return
        async with self.database.sessions() as session:
            hooks = (
                await session.scalars(select(WebhookRow).where(WebhookRow.owner == recording.owner))
            ).all()
        for hook in hooks:
            if event not in hook.events:
                continue
            delivery_id = f"{recording.id}.{event}.{hook.id}"
            async with self.database.sessions.begin() as session:
                if await session.get(WebhookDeliveryRow, delivery_id) is None:
                    session.add(
                        WebhookDeliveryRow(
                            id=delivery_id,
                            webhook_id=hook.id,
                            recording_id=recording.id,
                            event=event,
                            status=DeliveryStatus.PENDING,
                            attempts=0,
                        )
                    )
            payload = {
                "id": delivery_id,
                "event": event,
                "created_at": datetime.now(UTC).isoformat(),
                "recording": Recording.from_row(recording).model_dump(mode="json"),
            }
            await self.publisher.publish(
                WEBHOOK_DELIVERY,
                WebhookDelivery(
                    recording_id=recording.id,
                    delivery_id=delivery_id,
                    webhook_id=hook.id,
                    event=event,
                    payload=payload,
                ),
                message_id=delivery_id,
            )


class WebhookSender:
    """POSTs each delivery; a failure is retried after back-off until the attempts run out."""

    def __init__(
        self, broker: NatsBroker, database: Database, settings: GatewaySettings, metrics: Metrics
    ) -> None:
        self.broker = broker
        self.database = database
        self.settings = settings
        self.metrics = metrics
        self.http = httpx.AsyncClient(timeout=settings.webhook_timeout_s, follow_redirects=False)

    def register(self) -> None:
        @self.broker.subscriber(**subscriber_options(CONSUMER_GATEWAY_WEBHOOKS))
        async def on_delivery(delivery: WebhookDelivery, msg: NatsMessage) -> None:
            with bound_recording(delivery.recording_id):
                attempt = msg.raw_message.metadata.num_delivered or 1
                retry_in = await self.deliver(delivery, attempt)
            if retry_in is None:
                await msg.ack()
            else:
                await msg.nack(delay=retry_in)

    def backoff(self, attempt: int) -> float:
        return float(
            min(
                self.settings.webhook_backoff_max_s,
                self.settings.webhook_backoff_s * 2 ** (attempt - 1),
            )
        )

    async def deliver(self, delivery: WebhookDelivery, attempt: int) -> float | None:
        """Sends once; the wait before the next try, or None when it is settled."""
        async with self.database.sessions() as session:
            hook = await session.get(WebhookRow, delivery.webhook_id)
            record = await session.get(WebhookDeliveryRow, delivery.delivery_id)
        if hook is None or record is None or record.status != DeliveryStatus.PENDING:
            return None  # webhook removed, recording deleted, or already delivered
        body = json.dumps(delivery.payload, separators=(",", ":")).encode()
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "secretary-webhooks/1",
            "X-Secretary-Event": delivery.event,
            "X-Secretary-Delivery": delivery.delivery_id,
            SIGNATURE_HEADER: signature(hook.secret, int(time.time()), body),
        }
        response_status: int | None = None
        error: str | None = None
        try:
            response = await self.http.post(hook.url, content=body, headers=headers)
            response_status = response.status_code
            if not response.is_success:
                error = f"the receiver answered {response.status_code}"
        except httpx.HTTPError as failure:
            error = (
                f"{type(failure).__name__}: {failure}" if str(failure) else type(failure).__name__
            )
        if error is None:
            status = DeliveryStatus.DELIVERED
        elif attempt >= self.settings.webhook_max_attempts:
            status = DeliveryStatus.FAILED
        else:
            status = DeliveryStatus.PENDING
        async with self.database.sessions.begin() as session:
            record = await session.get(WebhookDeliveryRow, delivery.delivery_id)
            if record is not None:
                record.attempts = attempt
                record.status = status
                record.response_status = response_status
                record.error = error
        self.metrics.webhook_deliveries.labels(
            "delivered"
            if error is None
            else "failed"
            if status == DeliveryStatus.FAILED
            else "retried"
        ).inc()
        if status == DeliveryStatus.PENDING:
            logger.warning("webhook delivery failed, will retry: %s", error)
            return self.backoff(attempt)
        if status == DeliveryStatus.FAILED:
            logger.error("webhook delivery gave up after %d attempts: %s", attempt, error)
        return None

    async def close(self) -> None:
        await self.http.aclose()
