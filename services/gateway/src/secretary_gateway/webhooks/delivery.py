"""Webhooks: `transcript.ready` and `recording.failed` POSTed to the owner's URLs, signed.

Each (event, webhook) pair becomes one message on the WEBHOOKS stream, so a receiver that is
down is retried with back-off on its own, without holding up the others or the read model.
The delivery id is stable across retries: a receiver dedupes by `X-Secretary-Delivery`.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
from collections.abc import Sequence
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
from secretary_gateway.webhooks.targets import TargetPolicy, UnsafeTarget

logger = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Secretary-Signature"
# what is read of a receiver's answer before the connection is closed
RESPONSE_LIMIT_BYTES = 64 * 1024
# a delivery whose webhook already has its deliveries in flight waits this long, untried
BUSY_RETRY_S = 1.0
EVENT_OF_STATUS: dict[str, str] = {
    RecordingStatus.DONE: "transcript.ready",
    RecordingStatus.FAILED: "recording.failed",
}


def signature(secrets: Sequence[str], timestamp: int, body: bytes) -> str:
    """`t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<body>">`, one `v1` per valid secret (two
    while a rotated secret's grace period runs): the time is signed too, so a receiver can
    refuse replays of old deliveries."""
    signed = f"{timestamp}.".encode() + body
    digests = [hmac.new(s.encode(), signed, hashlib.sha256).hexdigest() for s in secrets]
    return ",".join([f"t={timestamp}", *(f"v1={d}" for d in digests)])


def valid_secrets(hook: WebhookRow, now: datetime) -> list[str]:
    previous_until = hook.previous_secret_until
    if previous_until is not None and previous_until.tzinfo is None:
        previous_until = previous_until.replace(tzinfo=UTC)  # SQLite keeps no time zone
    if hook.previous_secret and previous_until is not None and now < previous_until:
        return [hook.secret, hook.previous_secret]
    return [hook.secret]


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
    """POSTs each delivery to the address its URL was checked to resolve to, within one total
    deadline, reading at most `RESPONSE_LIMIT_BYTES` of the answer and keeping none of it.
    Deliveries run concurrently, at most a few per webhook, so a slow receiver delays only its
    own; a failure is retried after back-off until the attempts run out, and a webhook that
    fails too often in a row is disabled."""

    def __init__(
        self,
        broker: NatsBroker,
        database: Database,
        settings: GatewaySettings,
        metrics: Metrics,
        targets: TargetPolicy,
    ) -> None:
        self.broker = broker
        self.database = database
        self.settings = settings
        self.metrics = metrics
        self.targets = targets
        self.http = httpx.AsyncClient(
            timeout=settings.webhook_timeout_s, follow_redirects=False, trust_env=False
        )
        self._in_flight: dict[str, int] = {}

    def register(self) -> None:
        @self.broker.subscriber(
            **subscriber_options(CONSUMER_GATEWAY_WEBHOOKS),
            max_workers=self.settings.webhook_concurrency,
        )
        async def on_delivery(delivery: WebhookDelivery, msg: NatsMessage) -> None:
            with bound_recording(delivery.recording_id):
                retry_in = await self.deliver(delivery)
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

    async def deliver(self, delivery: WebhookDelivery) -> float | None:
        """Sends once; the wait before the next try, or None when it is settled."""
        async with self.database.sessions() as session:
            hook = await session.get(WebhookRow, delivery.webhook_id)
            record = await session.get(WebhookDeliveryRow, delivery.delivery_id)
        if hook is None or record is None or record.status != DeliveryStatus.PENDING:
            return None  # webhook removed, recording deleted, or already delivered
        if self._in_flight.get(hook.id, 0) >= self.settings.webhook_concurrency_per_webhook:
            return BUSY_RETRY_S  # its receiver is busy with earlier deliveries: not a try
        self._in_flight[hook.id] = self._in_flight.get(hook.id, 0) + 1
        try:
            response_status, error, final = await self._send(hook, delivery)
        finally:
            self._in_flight[hook.id] -= 1
        attempt = record.attempts + 1
        if error is None:
            status = DeliveryStatus.DELIVERED
        elif final or attempt >= self.settings.webhook_max_attempts:
            status = DeliveryStatus.FAILED
        else:
            status = DeliveryStatus.PENDING
        await self._record(delivery, hook.id, attempt, status, response_status, error)
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

    async def _send(
        self, hook: WebhookRow, delivery: WebhookDelivery
    ) -> tuple[int | None, str | None, bool]:
        """(the receiver's status, what went wrong, whether retrying is pointless)."""
        if hook.disabled_at is not None:
            return None, f"the webhook is disabled: {hook.disabled_reason}", True
        try:
            target = await self.targets.resolve(hook.url)
        except UnsafeTarget as refused:
            return None, f"refused: {refused}", True
        body = json.dumps(delivery.payload, separators=(",", ":")).encode()
        now = datetime.now(UTC)
        headers = {
            "Host": target.host_header(),
            "Content-Type": "application/json",
            "User-Agent": "secretary-webhooks/1",
            "X-Secretary-Event": delivery.event,
            "X-Secretary-Delivery": delivery.delivery_id,
            SIGNATURE_HEADER: signature(valid_secrets(hook, now), int(now.timestamp()), body),
        }
        extensions = {"sni_hostname": target.url.host} if target.url.scheme == "https" else {}
        request = self.http.build_request(
            "POST", target.request_url(), content=body, headers=headers, extensions=extensions
        )
        try:
            async with asyncio.timeout(self.settings.webhook_timeout_s):
                response = await self.http.send(request, stream=True)
                try:
                    read = 0
                    async for chunk in response.aiter_raw():
                        read += len(chunk)
                        if read >= RESPONSE_LIMIT_BYTES:
                            break  # what a receiver says is not kept; enough was read
                finally:
                    await response.aclose()
        except TimeoutError:
            deadline = self.settings.webhook_timeout_s
            return None, f"the receiver did not answer within {deadline:g} s", False
        except httpx.HTTPError as failure:
            text = (
                f"{type(failure).__name__}: {failure}" if str(failure) else type(failure).__name__
            )
            return None, text, False
        if not response.is_success:
            return response.status_code, f"the receiver answered {response.status_code}", False
        return response.status_code, None, False

    async def _record(
        self,
        delivery: WebhookDelivery,
        webhook_id: str,
        attempt: int,
        status: DeliveryStatus,
        response_status: int | None,
        error: str | None,
    ) -> None:
        async with self.database.sessions.begin() as session:
            record = await session.get(WebhookDeliveryRow, delivery.delivery_id)
            if record is not None:
                record.attempts = attempt
                record.status = status
                record.response_status = response_status
                record.error = error
            hook = await session.get(WebhookRow, webhook_id)
            if hook is None:
                return
            if error is None:
                hook.failures_in_a_row = 0
                return
            hook.failures_in_a_row += 1
            if (
                hook.disabled_at is None
                and hook.failures_in_a_row >= self.settings.webhook_disable_after
            ):
                hook.disabled_at = datetime.now(UTC)
                hook.disabled_reason = (
                    f"{hook.failures_in_a_row} tries failed in a row; the last: {error}"
                )[:500]
                logger.error("webhook %s disabled: %s", hook.id, hook.disabled_reason)

    async def close(self) -> None:
        await self.http.aclose()
