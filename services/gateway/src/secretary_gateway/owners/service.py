"""An owner's defaults for new recordings, the same whichever door sets them."""

from __future__ import annotations

from faststream.nats import NatsBroker
from litestar.datastructures import State
from secretary_contracts import OwnerSettings
from secretary_contracts.languages import UnsupportedLanguage, chosen_language
from secretary_runtime.owners import read_owner_settings, write_owner_settings

from secretary_gateway.errors import ApiError
from secretary_gateway.http import Caller


class OwnerService:
    def __init__(self, broker: NatsBroker) -> None:
        self.broker = broker

    async def settings(self, caller: Caller) -> OwnerSettings:
        return await read_owner_settings(self.broker.connection.jetstream(), caller.owner)

    async def change(self, caller: Caller, wanted: OwnerSettings) -> OwnerSettings:
        try:
            checked = OwnerSettings(language=chosen_language(wanted.language))
        except UnsupportedLanguage as error:
            raise ApiError(400, "unsupported_language", str(error)) from error
        await write_owner_settings(self.broker.connection.jetstream(), caller.owner, checked)
        return checked


def provide_owners(state: State) -> OwnerService:
    return OwnerService(state.broker)
