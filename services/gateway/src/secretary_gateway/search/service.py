"""Finding where something was said, across the caller's recordings, in the names given."""

from __future__ import annotations

from litestar.datastructures import State
from secretary_contracts.exports import moment
from secretary_contracts.speakers import resolve_speakers

from secretary_gateway.db import Database
from secretary_gateway.errors import ApiError
from secretary_gateway.http import Caller
from secretary_gateway.search.index import search
from secretary_gateway.search.schemas import SearchHit, SearchResults


class SearchService:
    def __init__(self, database: Database) -> None:
        self.database = database

    async def search(self, caller: Caller, query: str, limit: int) -> SearchResults:
        async with self.database.sessions() as session:
            hits = await search(session, caller.owner, query, limit)
        if hits is None:
            raise ApiError(400, "invalid_query", "The query has no word to search for.")
        items = []
        for hit in hits:
            label = hit.speaker or "UNKNOWN"
            resolved = resolve_speakers([label, *hit.speaker_names], hit.speaker_names)
            items.append(
                SearchHit(
                    recording_id=hit.recording_id,
                    recording_title=hit.title,
                    at=moment(hit.start),
                    start=hit.start,
                    end=hit.end,
                    speaker=resolved[label][1],
                    text=hit.text,
                )
            )
        return SearchResults(query=query, items=items)


def provide_search(state: State) -> SearchService:
    return SearchService(state.database)
