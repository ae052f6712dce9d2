"""An owner's webhooks: register, list, remove, and what was delivered to each."""

from __future__ import annotations

import secrets
import uuid
from datetime import UTC, datetime, timedelta

from litestar.datastructures import State
from sqlalchemy import select

from secretary_gateway.db import Database, WebhookDeliveryRow, WebhookRow
from secretary_gateway.errors import ApiError
from secretary_gateway.http import Caller
from secretary_gateway.settings import GatewaySettings
from secretary_gateway.webhooks.schemas import (
    Delivery,
    DeliveryList,
    SecretRotated,
    Webhook,
    WebhookCreated,
    WebhookList,
    WebhookRequest,
)
from secretary_gateway.webhooks.targets import TargetPolicy, UnsafeTarget

MAX_WEBHOOKS = 20
DELIVERIES_SHOWN = 100


def _new_secret() -> str:
    return f"whsec_{secrets.token_urlsafe(32)}"


class WebhookService:
    def __init__(
        self, database: Database, settings: GatewaySettings, targets: TargetPolicy
    ) -> None:
        self.database = database
        self.settings = settings
        self.targets = targets

    async def _checked(self, url: str) -> None:
        try:
            await self.targets.resolve(url)
        except UnsafeTarget as refused:
            raise ApiError(
                400, "invalid_webhook_url", f"Webhooks cannot be sent to {url}: {refused}."
            ) from refused

    async def _owned(self, caller: Caller, webhook_id: str) -> WebhookRow:
        async with self.database.sessions() as session:
            row = await session.get(WebhookRow, webhook_id)
        if row is None or row.owner != caller.owner:
            raise ApiError(404, "webhook_not_found", f"No webhook with id {webhook_id}.")
        return row

    async def create(self, caller: Caller, request: WebhookRequest) -> WebhookCreated:
        await self._checked(str(request.url))
        async with self.database.sessions.begin() as session:
            existing = (
                await session.scalars(select(WebhookRow.id).where(WebhookRow.owner == caller.owner))
            ).all()
            if len(existing) >= MAX_WEBHOOKS:
                raise ApiError(400, "too_many_webhooks", f"At most {MAX_WEBHOOKS} webhooks.")
            row = WebhookRow(
                id=uuid.uuid4().hex,
                owner=caller.owner,
                url=str(request.url),
                secret=_new_secret(),
                events=sorted(set(request.events)),
            )
            session.add(row)
        return WebhookCreated.model_validate(row)

    async def list(self, caller: Caller) -> WebhookList:
        async with self.database.sessions() as session:
            rows = await session.scalars(
                select(WebhookRow)
                .where(WebhookRow.owner == caller.owner)
                .order_by(WebhookRow.created_at)
            )
            return WebhookList(items=[Webhook.model_validate(r) for r in rows])

    async def delete(self, caller: Caller, webhook_id: str) -> None:
        await self._owned(caller, webhook_id)
        async with self.database.sessions.begin() as session:
            row = await session.get(WebhookRow, webhook_id)
            if row is not None:
                await session.delete(row)

    async def enable(self, caller: Caller, webhook_id: str) -> Webhook:
        """A disabled webhook sends again (its URL is checked again first)."""
        hook = await self._owned(caller, webhook_id)
        await self._checked(hook.url)
        async with self.database.sessions.begin() as session:
            row = await session.get(WebhookRow, webhook_id)
            assert row is not None
            row.disabled_at = None
            row.disabled_reason = None
            row.failures_in_a_row = 0
        return Webhook.model_validate(await self._owned(caller, webhook_id))

    async def rotate_secret(self, caller: Caller, webhook_id: str) -> SecretRotated:
        """A new secret; the old one keeps signing too for the grace period, so receivers can
        switch without losing a delivery."""
        await self._owned(caller, webhook_id)
        until = datetime.now(UTC) + timedelta(seconds=self.settings.webhook_secret_grace_s)
        async with self.database.sessions.begin() as session:
            row = await session.get(WebhookRow, webhook_id)
            assert row is not None
            row.previous_secret, row.secret = row.secret, _new_secret()
            row.previous_secret_until = until
            secret = row.secret
        return SecretRotated(secret=secret, previous_secret_until=until)

    async def deliveries(self, caller: Caller, webhook_id: str) -> DeliveryList:
        await self._owned(caller, webhook_id)
        async with self.database.sessions() as session:
            rows = await session.scalars(
                select(WebhookDeliveryRow)
                .where(WebhookDeliveryRow.webhook_id == webhook_id)
                .order_by(WebhookDeliveryRow.created_at.desc())
                .limit(DELIVERIES_SHOWN)
            )
            return DeliveryList(items=[Delivery.model_validate(r) for r in rows])


def provide_webhooks(state: State) -> WebhookService:
    return WebhookService(state.database, state.settings, state.webhook_targets)
