"""Webhooks an owner registers for `transcript.ready` and `recording.failed`."""

from __future__ import annotations

import secrets
import uuid

from litestar import Controller, delete, get, post
from litestar.datastructures import State
from litestar.params import FromPath, JSONBody
from sqlalchemy import select

from secretary_gateway.db import Database, WebhookDeliveryRow, WebhookRow
from secretary_gateway.errors import ApiError
from secretary_gateway.routes.common import Owner, errors
from secretary_gateway.schemas import (
    Delivery,
    DeliveryList,
    Webhook,
    WebhookCreated,
    WebhookList,
    WebhookRequest,
)

MAX_WEBHOOKS = 20


async def _owned_webhook(database: Database, webhook_id: str, owner: Owner) -> WebhookRow:
    async with database.sessions() as session:
        row = await session.get(WebhookRow, webhook_id)
    if row is None or row.owner != owner:
        raise ApiError(404, "webhook_not_found", f"No webhook with id {webhook_id}.")
    return row


class WebhookController(Controller):
    path = "/v1/webhooks"
    tags = ("webhooks",)

    @post(
        "/",
        operation_id="createWebhook",
        status_code=201,
        summary="Register a URL for my recordings' events; the signing secret is shown once.",
        responses=errors(400),
    )
    async def create(
        self, data: JSONBody[WebhookRequest], state: State, owner: Owner
    ) -> WebhookCreated:
        database: Database = state.database
        async with database.sessions.begin() as session:
            existing = (
                await session.scalars(select(WebhookRow.id).where(WebhookRow.owner == owner))
            ).all()
            if len(existing) >= MAX_WEBHOOKS:
                raise ApiError(400, "too_many_webhooks", f"At most {MAX_WEBHOOKS} webhooks.")
            row = WebhookRow(
                id=uuid.uuid4().hex,
                owner=owner,
                url=str(data.url),
                secret=f"whsec_{secrets.token_urlsafe(32)}",
                events=sorted(set(data.events)),
            )
            session.add(row)
        return WebhookCreated.model_validate(row)

    @get("/", operation_id="listWebhooks", summary="My webhooks.", responses=errors())
    async def list_webhooks(self, state: State, owner: Owner) -> WebhookList:
        async with state.database.sessions() as session:
            rows = await session.scalars(
                select(WebhookRow).where(WebhookRow.owner == owner).order_by(WebhookRow.created_at)
            )
            return WebhookList(items=[Webhook.model_validate(r) for r in rows])

    @delete(
        "/{webhook_id:str}",
        operation_id="deleteWebhook",
        summary="Stop sending to a webhook.",
        responses=errors(404),
    )
    async def delete_webhook(self, webhook_id: FromPath[str], state: State, owner: Owner) -> None:
        database: Database = state.database
        await _owned_webhook(database, webhook_id, owner)
        async with database.sessions.begin() as session:
            row = await session.get(WebhookRow, webhook_id)
            if row is not None:
                await session.delete(row)

    @get(
        "/{webhook_id:str}/deliveries",
        operation_id="listWebhookDeliveries",
        summary="What was sent to a webhook, and how the receiver answered.",
        responses=errors(404),
    )
    async def deliveries(
        self, webhook_id: FromPath[str], state: State, owner: Owner
    ) -> DeliveryList:
        database: Database = state.database
        await _owned_webhook(database, webhook_id, owner)
        async with database.sessions() as session:
            rows = await session.scalars(
                select(WebhookDeliveryRow)
                .where(WebhookDeliveryRow.webhook_id == webhook_id)
                .order_by(WebhookDeliveryRow.created_at.desc())
                .limit(100)
            )
            return DeliveryList(items=[Delivery.model_validate(r) for r in rows])
