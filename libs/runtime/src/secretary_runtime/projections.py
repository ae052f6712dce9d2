"""Read models and notifications: one durable consumer, one typed handler per event kind.

The policy, in one place for every projection (the gateway's read model, its answers, the
Telegram door's messages), as `jobs.py` is for the stage workers:
- the handler for the event's kind ran: ack;
- no handler for that kind (a consumer filters broadly, such as `recordings.>`): ack;
- a body its model refuses: terminate, since no retry can fix it; JetStream's advisory then
  puts it among the dead letters;
- the handler raised one of the `outages` (the database is away): nak with back-off, for as
  long as it takes; the consumer must then allow unlimited deliveries (`max_deliver=-1`);
- the handler raised anything else: nak with back-off, until the consumer's max deliveries,
  or `give_up_after` deliveries where those are unlimited (then terminated).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from contextlib import nullcontext
from dataclasses import dataclass, field
from typing import Any, TypeVar

from faststream.nats import NatsBroker, NatsMessage
from pydantic import BaseModel, ValidationError
from secretary_contracts.messaging import ConsumerSpec, EventSubject, kind_of

from secretary_runtime.jobs import retry_delay_s, subscriber_options
from secretary_runtime.logs import bound_recording

logger = logging.getLogger(__name__)

Event = TypeVar("Event", bound=BaseModel)
Handler = Callable[[Any], Awaitable[None]]


@dataclass
class Projection:
    broker: NatsBroker
    spec: ConsumerSpec
    retry_delay: Callable[[int], float] = retry_delay_s
    outages: tuple[type[BaseException], ...] = ()
    """Errors of something that comes back: retried without end."""
    give_up_after: int = 20
    """Deliveries after which any other error is given up on, when JetStream sets no limit."""
    outage_retry_s: float = 5.0
    """How often an event waiting out an outage is tried again."""
    _handlers: dict[str, tuple[EventSubject[Any], Handler]] = field(default_factory=dict)

    def on(self, subject: EventSubject[Event], handler: Callable[[Event], Awaitable[None]]) -> None:
        if subject.subject in self._handlers:
            raise ValueError(f"{self.spec.durable}: two handlers for {subject.subject}")
        if not self.spec.subject.matches(subject.subject):
            raise ValueError(f"{self.spec.durable} never receives {subject.subject}")
        self._handlers[subject.subject] = (subject, handler)

    @property
    def handled(self) -> list[EventSubject[Any]]:
        return [subject for subject, _ in self._handlers.values()]

    def register(self) -> Any:
        """Subscribes on the broker; returns FastStream's subscriber (started with the broker)."""
        if not self._handlers:
            raise ValueError(f"{self.spec.durable}: a projection without handlers")
        options = subscriber_options(self.spec)
        handled = ", ".join(f"`{subject.model.__name__}`" for subject in self.handled)
        options["description"] += f" A projection with one handler for each of {handled}."
        subscriber = self.broker.subscriber(**options)

        @subscriber
        async def consume(msg: NatsMessage) -> None:
            await self.dispatch(msg)

        return subscriber

    async def dispatch(self, msg: NatsMessage) -> None:
        subject = kind_of(msg.raw_message.subject)
        entry = self._handlers.get(subject)
        if entry is None:
            await msg.ack()
            return
        declared, handler = entry
        try:
            event = declared.model.model_validate_json(msg.body)
        except ValidationError as error:
            logger.error(
                "%s refused a malformed %s: %s",
                self.spec.durable,
                subject,
                error.errors(include_url=False)[:3],
            )
            await msg.reject()
            return
        recording_id = getattr(event, "recording_id", None)
        with bound_recording(recording_id) if recording_id else nullcontext():
            try:
                await handler(event)
            except Exception as error:
                await self._failed(msg, subject, error)
                return
        await msg.ack()

    async def _failed(self, msg: NatsMessage, subject: str, error: Exception) -> None:
        delivered = int(getattr(msg.raw_message.metadata, "num_delivered", 1) or 1)
        if isinstance(error, self.outages):
            logger.warning(
                "%s waits for an outage to end on %s (delivery %d): %s",
                self.spec.durable,
                subject,
                delivered,
                error,
            )
            await msg.nack(delay=self.outage_retry_s)
            return
        if self.spec.max_deliver < 0 and delivered >= self.give_up_after:
            logger.error(
                "%s gives up on %s after %d deliveries",
                self.spec.durable,
                subject,
                delivered,
                exc_info=error,
            )
            await msg.reject()
            return
        logger.error(
            "%s failed on %s (delivery %d); it will be redelivered",
            self.spec.durable,
            subject,
            delivered,
            exc_info=error,
        )
        await msg.nack(delay=self.retry_delay(delivered))
