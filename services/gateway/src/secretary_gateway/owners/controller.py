"""The caller's defaults over HTTP (transport only)."""

from __future__ import annotations

from litestar import Controller, get, put
from litestar.di import NamedDependency, Provide
from litestar.params import JSONBody
from secretary_contracts import OwnerSettings

from secretary_gateway.http import Caller, errors
from secretary_gateway.owners.service import OwnerService, provide_owners


class OwnerSettingsController(Controller):
    path = "/v1/settings"
    tags = ("settings",)
    dependencies = {"owners": Provide(provide_owners, sync_to_thread=False)}

    @get(
        "/",
        operation_id="getSettings",
        summary="My defaults for new recordings.",
        responses=errors(403),
    )
    async def get_settings(
        self, caller: NamedDependency[Caller], owners: NamedDependency[OwnerService]
    ) -> OwnerSettings:
        return await owners.settings(caller)

    @put(
        "/",
        operation_id="putSettings",
        summary="Set my defaults: the language of recordings that name none (null = detect).",
        description="Telegram's /lang changes the same setting for a Telegram owner.",
        responses=errors(400, 403),
    )
    async def put_settings(
        self,
        caller: NamedDependency[Caller],
        owners: NamedDependency[OwnerService],
        data: JSONBody[OwnerSettings],
    ) -> OwnerSettings:
        return await owners.change(caller, data)
