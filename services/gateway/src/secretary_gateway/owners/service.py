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
        """The language is checked; a vocabulary sent along replaces the owner's, one not
        sent (a door that knows only languages) leaves it as it is."""
        try:
            language = chosen_language(wanted.language)
        except UnsupportedLanguage as error:
            raise ApiError(400, "unsupported_language", str(error)) from error
        current = await self.settings(caller)
        vocabulary = (
            distinct_terms(wanted.vocabulary)
            if "vocabulary" in wanted.model_fields_set
            else current.vocabulary
        )
        checked = OwnerSettings(language=language, vocabulary=vocabulary)
        await write_owner_settings(self.broker.connection.jetstream(), caller.owner, checked)
        return checked

    async def set_vocabulary(self, caller: Caller, terms: list[str]) -> list[str]:
        current = await self.settings(caller)
        changed = current.model_copy(update={"vocabulary": distinct_terms(terms)})
        await write_owner_settings(self.broker.connection.jetstream(), caller.owner, changed)
        return changed.vocabulary


def distinct_terms(terms: list[str]) -> list[str]:
    """Each term once (whatever its case), in the order given."""
    seen: set[str] = set()
    kept = []
    for term in terms:
        if term.casefold() not in seen:
            seen.add(term.casefold())
            kept.append(term)
    return kept


def provide_owners(state: State) -> OwnerService:
    return OwnerService(state.broker)
