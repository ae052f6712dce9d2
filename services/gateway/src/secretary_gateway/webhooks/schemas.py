"""Webhooks and their deliveries as the REST API shows them."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field
from secretary_contracts import DeliveryStatus

WebhookEvent = Literal["transcript.ready", "recording.failed"]
WEBHOOK_EVENTS: tuple[WebhookEvent, ...] = ("transcript.ready", "recording.failed")


class WebhookRequest(BaseModel):
    url: str = Field(
        max_length=2000,
        examples=["https://example.com/hooks/secretary"],
        description="HTTPS, and not to a loopback, private, link-local or metadata address"
        " (400 `invalid_webhook_url`).",
    )
    events: list[WebhookEvent] = Field(default_factory=lambda: list(WEBHOOK_EVENTS), min_length=1)


class Webhook(BaseModel):
    """Read straight from its row (`Webhook.model_validate(row)`)."""

    model_config = ConfigDict(from_attributes=True)

    id: str
    url: str
    events: list[WebhookEvent]
    created_at: datetime
    failures_in_a_row: int = Field(default=0, description="Tries failed since the last success.")
    disabled_at: datetime | None = Field(
        default=None, description="Set when it failed too often in a row: nothing is sent."
    )
    disabled_reason: str | None = Field(default=None, examples=["20 tries failed in a row"])
    previous_secret_until: datetime | None = Field(
        default=None, description="Until then deliveries are also signed with the old secret."
    )


class WebhookCreated(Webhook):
    secret: str = Field(
        description="Signs every delivery (`X-Secretary-Signature: t=<unix>,v1=<hex HMAC-SHA256"
        " of '<t>.<body>'>`); shown only now."
    )


class SecretRotated(BaseModel):
    secret: str = Field(description="The new secret; shown only now.")
    previous_secret_until: datetime = Field(
        description="Until then `X-Secretary-Signature` carries a `v1=` for each secret."
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
