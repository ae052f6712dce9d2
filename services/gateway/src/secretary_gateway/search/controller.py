"""Search over HTTP (transport only)."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, get
from litestar.di import NamedDependency, Provide
from litestar.params import QueryParameter

from secretary_gateway.http import Caller, errors
from secretary_gateway.search.schemas import SearchResults
from secretary_gateway.search.service import SearchService, provide_search


class SearchController(Controller):
    path = "/v1/search"
    tags = ("search",)
    dependencies = {"searching": Provide(provide_search, sync_to_thread=False)}

    @get(
        "/",
        operation_id="searchTranscripts",
        summary="Find where something was said in my recordings.",
        description='Every word must occur; "quoted words" match as a phrase. Best matches first.',
        responses=errors(400, 403),
    )
    async def search_transcripts(
        self,
        caller: NamedDependency[Caller],
        searching: NamedDependency[SearchService],
        q: Annotated[str, QueryParameter(min_length=1, max_length=500)],
        limit: Annotated[int, QueryParameter(ge=1, le=100)] = 20,
    ) -> SearchResults:
        return await searching.search(caller, q, limit)
