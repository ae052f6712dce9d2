"""Webhooks and their deliveries as the REST API shows them."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import AnyHttpUrl, BaseModel, ConfigDict, Field
from secretary_contracts import DeliveryStatus

WebhookEvent = Literal["transcript.ready", "recording.failed"]
WEBHOOK_EVENTS: tuple[WebhookEvent, ...] = ("transcript.ready", "recording.failed")


class WebhookRequest(BaseModel):
    url: AnyHttpUrl = Field(examples=["https://example.com/hooks/secretary"])
    events: list[WebhookEvent] = Field(default_factory=lambda: list(WEBHOOK_EVENTS), min_length=1)


class Webhook(BaseModel):
    """Read straight from its row (`Webhook.model_validate(row)`)."""

    model_config = ConfigDict(from_attributes=True)

    id: str
    url: str
    events: list[WebhookEvent]
    created_at: datetime


class WebhookCreated(Webhook):
    secret: str = Field(
        description="Signs every delivery (`X-Secretary-Signature: t=<unix>,v1=<hex HMAC-SHA256"
        " of '<t>.<body>'>`); shown only now."
    )


class WebhookList(BaseModel):
    items: list[Webhook]


class Delivery(BaseModel):
    """Read straight from its row (`Delivery.model_validate(row)`)."""

    model_config = ConfigDict(from_attributes=True)

    id: str
    recording_id: str
    event: WebhookEvent
    status: DeliveryStatus
    attempts: int
    response_status: int | None
    error: str | None
    updated_at: datetime


class DeliveryList(BaseModel):
    items: list[Delivery]
