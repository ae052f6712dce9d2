"""The caller's defaults for new recordings (the same setting Telegram's /lang changes)."""

from __future__ import annotations

from litestar import get, put
from litestar.datastructures import State
from litestar.params import JSONBody
from secretary_contracts import OwnerSettings
from secretary_contracts.languages import UnsupportedLanguage, chosen_language
from secretary_runtime.owners import read_owner_settings, write_owner_settings

from secretary_gateway.errors import ApiError
from secretary_gateway.routes.common import Owner, errors


def _checked(settings: OwnerSettings) -> OwnerSettings:
    try:
        return OwnerSettings(language=chosen_language(settings.language))
    except UnsupportedLanguage as error:
        raise ApiError(400, "unsupported_language", str(error)) from error


@get(
    "/v1/settings",
    operation_id="getSettings",
    tags=["settings"],
    summary="My defaults for new recordings.",
    responses=errors(),
)
async def get_settings(state: State, owner: Owner) -> OwnerSettings:
    return await read_owner_settings(state.broker.connection.jetstream(), owner)


@put(
    "/v1/settings",
    operation_id="putSettings",
    tags=["settings"],
    summary="Set my defaults: the language of recordings that name none (null = detect).",
    description="Telegram's /lang changes the same setting for a Telegram owner.",
    responses=errors(400),
)
async def put_settings(state: State, owner: Owner, data: JSONBody[OwnerSettings]) -> OwnerSettings:
    settings = _checked(data)
    await write_owner_settings(state.broker.connection.jetstream(), owner, settings)
    return settings
