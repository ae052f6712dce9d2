"""The caller's defaults over HTTP (transport only)."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, get, put
from litestar.di import NamedDependency, Provide
from litestar.params import JSONBody
from pydantic import BaseModel, Field, StringConstraints
from secretary_contracts import OwnerSettings
from secretary_contracts.events import MAX_TERM_LENGTH, MAX_VOCABULARY

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


Term = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_TERM_LENGTH)
]


class Vocabulary(BaseModel):
    terms: list[Term] = Field(
        max_length=MAX_VOCABULARY,
        description="Names and terms the speech model is told to expect in my recordings.",
        examples=[["Anna-Maria", "Kubernetes", "OKR"]],
    )


class VocabularyController(Controller):
    path = "/v1/vocabulary"
    tags = ("settings",)
    dependencies = {"owners": Provide(provide_owners, sync_to_thread=False)}

    @get(
        "/",
        operation_id="getVocabulary",
        summary="My names and terms, which the speech model expects in new recordings.",
        responses=errors(403),
    )
    async def get_vocabulary(
        self, caller: NamedDependency[Caller], owners: NamedDependency[OwnerService]
    ) -> Vocabulary:
        return Vocabulary(terms=(await owners.settings(caller)).vocabulary)

    @put(
        "/",
        operation_id="putVocabulary",
        summary="Replace my names and terms (each once; up to 200 of 60 characters).",
        description="Used for recordings prepared from now on. An edit that writes a new"
        " name answers it in `suggested_terms`, to add here.",
        responses=errors(400, 403),
    )
    async def put_vocabulary(
        self,
        caller: NamedDependency[Caller],
        owners: NamedDependency[OwnerService],
        data: JSONBody[Vocabulary],
    ) -> Vocabulary:
        return Vocabulary(terms=await owners.set_vocabulary(caller, data.terms))
