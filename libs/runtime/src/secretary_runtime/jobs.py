"""Runs one stage job for one message: heartbeats, progress, retries and final failure.

The policy, in one place for every worker:
- success: ack;
- a `JobRejected` (bad input that no retry can fix): publish the failure, then ack;
- any other error: nak with back-off, and once deliveries reach `max_deliver`, publish a
  `stage_failed` failure and terminate the message.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any

from faststream import AckPolicy as ProcessingAckPolicy
from faststream.nats import AckPolicy as ConsumerAckPolicy
from faststream.nats import ConsumerConfig, DeliverPolicy, JStream, NatsMessage, PullSub
from faststream.nats.broker import NatsBroker
from secretary_contracts import ERROR_MESSAGES, ErrorCode, RecordingEvent, Stage
from secretary_contracts.access import consumer_inbox_prefix
from secretary_contracts.messaging import ConsumerSpec

from secretary_runtime.logs import bound_recording
from secretary_runtime.publishing import EventPublisher
from secretary_runtime.settings import ServiceSettings

logger = logging.getLogger(__name__)

PROGRESS_INTERVAL_S = 1.0

FailureReporter = Callable[[ErrorCode, str], Awaitable[None]]


class JobRejected(Exception):
    """The input itself is wrong: retrying cannot help, the user must be told."""

    def __init__(self, code: ErrorCode, message: str | None = None) -> None:
        super().__init__(message or ERROR_MESSAGES[code])
        self.code = code
        self.message = message or ERROR_MESSAGES[code]


class Progress:
    """Written from a model's worker thread, read by the job's event-loop task."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._fraction = 0.0

    def report(self, fraction: float) -> None:
        with self._lock:
            self._fraction = max(self._fraction, min(1.0, fraction))

    @property
    def fraction(self) -> float:
        with self._lock:
            return self._fraction


def tuned(spec: ConsumerSpec, settings: ServiceSettings) -> ConsumerSpec:
    """The contract's consumer, with the deployment's ack wait and max deliveries if set."""
    changes: dict[str, Any] = {}
    if settings.ack_wait_s:
        changes["ack_wait"] = timedelta(seconds=settings.ack_wait_s)
    if settings.max_deliver:
        changes["max_deliver"] = settings.max_deliver
    return replace(spec, **changes)


def _deliveries(max_deliver: int) -> str:
    return "redelivered until handled" if max_deliver < 0 else f"at most {max_deliver} deliveries"


def subscriber_options(spec: ConsumerSpec) -> dict[str, Any]:
    """Options for `broker.subscriber`: a durable pull consumer with explicit acks."""
    return {
        "subject": spec.subject.filter,
        "stream": JStream(spec.stream, declare=False),
        "durable": spec.durable,
        "pull_sub": PullSub(batch_size=1, timeout=5.0),
        "inbox_prefix": f"{consumer_inbox_prefix(spec)}.".encode(),
        "config": ConsumerConfig(
            durable_name=spec.durable,
            ack_policy=ConsumerAckPolicy.EXPLICIT,
            ack_wait=spec.ack_wait.total_seconds(),
            max_deliver=spec.max_deliver,
            deliver_policy=DeliverPolicy.ALL,
            max_ack_pending=64,
        ),
        "ack_policy": ProcessingAckPolicy.MANUAL,
        # one channel per durable consumer in the AsyncAPI document, even on a shared subject
        "title": f"{spec.durable}:{spec.subject.subject}",
        "description": f"Durable consumer `{spec.durable}` on {spec.stream} (ack wait"
        f" {int(spec.ack_wait.total_seconds())} s, {_deliveries(spec.max_deliver)}):"
        f" {spec.subject.description}",
    }


def retry_delay_s(delivered: int) -> float:
    return float(min(60, 2 ** max(0, delivered - 1)))


@dataclass
class JobRunner:
    broker: NatsBroker
    publisher: EventPublisher

    async def run(
        self,
        msg: NatsMessage,
        event: RecordingEvent,
        stage: Stage,
        spec: ConsumerSpec,
        work: Callable[[Progress], Awaitable[None]],
        report_progress: bool = True,
        on_failure: FailureReporter | None = None,
    ) -> None:
        """`on_failure` reports a final failure instead of failing the recording's stage
        (a question that cannot be answered does not fail its recording)."""
        report = on_failure or (
            lambda code, message: self.publisher.failed(event.recording_id, stage, code, message)
        )
        with bound_recording(event.recording_id):
            delivered = _delivered(msg)
            started = time.monotonic()
            logger.info(
                "%s started", stage, extra={"fields": {"stage": str(stage), "delivery": delivered}}
            )
            progress = Progress()
            pacer = asyncio.create_task(
                self._keep_alive(msg, event.recording_id, stage, spec, progress, report_progress)
            )
            try:
                await work(progress)
            except JobRejected as rejected:
                pacer.cancel()
                logger.warning(
                    "%s rejected the recording: %s",
                    stage,
                    rejected.message,
                    extra={"fields": {"code": str(rejected.code)}},
                )
                await report(rejected.code, rejected.message)
                await msg.ack()
                return
            except asyncio.CancelledError:
                pacer.cancel()
                # Shutting down: hand the job back at once so another worker takes it.
                await msg.nack()
                raise
            except Exception as error:
                pacer.cancel()
                if delivered >= spec.max_deliver:
                    logger.exception("%s failed for the last time", stage)
                    await report(
                        ErrorCode.STAGE_FAILED,
                        f"{ERROR_MESSAGES[ErrorCode.STAGE_FAILED]} ({stage}: {error})",
                    )
                    await msg.reject()
                else:
                    delay = retry_delay_s(delivered)
                    logger.exception("%s failed; retrying in %.0f s", stage, delay)
                    await msg.nack(delay=delay)
                return
            pacer.cancel()
            if report_progress:
                await self.publisher.progress(event.recording_id, stage, 1.0)
            await msg.ack()
            logger.info(
                "%s finished",
                stage,
                extra={
                    "fields": {"stage": str(stage), "seconds": round(time.monotonic() - started, 2)}
                },
            )

    async def _keep_alive(
        self,
        msg: NatsMessage,
        recording_id: str,
        stage: Stage,
        spec: ConsumerSpec,
        progress: Progress,
        report_progress: bool,
    ) -> None:
        heartbeat_every = spec.ack_wait.total_seconds() / 3
        last_heartbeat = time.monotonic()
        last_sent = -1.0
        while True:
            await asyncio.sleep(PROGRESS_INTERVAL_S)
            try:
                if time.monotonic() - last_heartbeat >= heartbeat_every:
                    await msg.in_progress()
                    last_heartbeat = time.monotonic()
                fraction = progress.fraction
                if report_progress and fraction - last_sent >= 0.01 and fraction < 1.0:
                    await self.publisher.progress(recording_id, stage, fraction)
                    last_sent = fraction
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.warning("heartbeat or progress failed", exc_info=True)


def _delivered(msg: NatsMessage) -> int:
    metadata = getattr(msg.raw_message, "metadata", None)
    return int(getattr(metadata, "num_delivered", 1) or 1)
