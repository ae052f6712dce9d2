"""Webhooks over HTTP: register a URL for `transcript.ready` and `recording.failed`, list,
remove, and see the deliveries (transport only)."""

from __future__ import annotations

from litestar import Controller, delete, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, JSONBody

from secretary_gateway.http import Caller, errors
from secretary_gateway.webhooks.schemas import (
    DeliveryList,
    SecretRotated,
    Webhook,
    WebhookCreated,
    WebhookList,
    WebhookRequest,
)
from secretary_gateway.webhooks.service import WebhookService, provide_webhooks


class WebhookController(Controller):
    path = "/v1/webhooks"
    tags = ("webhooks",)
    dependencies = {"webhooks": Provide(provide_webhooks, sync_to_thread=False)}

    @post(
        "/",
        operation_id="createWebhook",
        status_code=201,
        summary="Register a URL for my recordings' events; the signing secret is shown once.",
        responses=errors(400, 403),
    )
    async def create(
        self,
        data: JSONBody[WebhookRequest],
        caller: NamedDependency[Caller],
        webhooks: NamedDependency[WebhookService],
    ) -> WebhookCreated:
        return await webhooks.create(caller, data)

    @get("/", operation_id="listWebhooks", summary="My webhooks.", responses=errors(403))
    async def list_webhooks(
        self, caller: NamedDependency[Caller], webhooks: NamedDependency[WebhookService]
    ) -> WebhookList:
        return await webhooks.list(caller)

    @delete(
        "/{webhook_id:str}",
        operation_id="deleteWebhook",
        summary="Stop sending to a webhook.",
        responses=errors(403, 404),
    )
    async def delete_webhook(
        self,
        webhook_id: FromPath[str],
        caller: NamedDependency[Caller],
        webhooks: NamedDependency[WebhookService],
    ) -> None:
        await webhooks.delete(caller, webhook_id)

    @post(
        "/{webhook_id:str}/enable",
        operation_id="enableWebhook",
        status_code=200,
        summary="Send to a webhook again after it was disabled for failing in a row.",
        responses=errors(400, 403, 404),
    )
    async def enable(
        self,
        webhook_id: FromPath[str],
        caller: NamedDependency[Caller],
        webhooks: NamedDependency[WebhookService],
    ) -> Webhook:
        return await webhooks.enable(caller, webhook_id)

    @post(
        "/{webhook_id:str}/rotate-secret",
        operation_id="rotateWebhookSecret",
        status_code=200,
        summary="A new signing secret; the old one stays valid for a grace period.",
        description="Meanwhile `X-Secretary-Signature` carries a `v1=` for each secret"
        " (`SECRETARY_WEBHOOK_SECRET_GRACE_S`).",
        responses=errors(403, 404),
    )
    async def rotate_secret(
        self,
        webhook_id: FromPath[str],
        caller: NamedDependency[Caller],
        webhooks: NamedDependency[WebhookService],
    ) -> SecretRotated:
        return await webhooks.rotate_secret(caller, webhook_id)

    @get(
        "/{webhook_id:str}/deliveries",
        operation_id="listWebhookDeliveries",
        summary="What was sent to a webhook, and how the receiver answered.",
        responses=errors(403, 404),
    )
    async def deliveries(
        self,
        webhook_id: FromPath[str],
        caller: NamedDependency[Caller],
        webhooks: NamedDependency[WebhookService],
    ) -> DeliveryList:
        return await webhooks.deliveries(caller, webhook_id)
