"""Full-text search over the caller's transcripts."""

from __future__ import annotations

from typing import Annotated

from litestar import get
from litestar.datastructures import State
from litestar.params import QueryParameter
from secretary_contracts.exports import moment
from secretary_contracts.speakers import resolve_speakers

from secretary_gateway.db import Database
from secretary_gateway.errors import ApiError
from secretary_gateway.routes.common import Owner, errors
from secretary_gateway.schemas import SearchHit, SearchResults
from secretary_gateway.search import search


@get(
    "/v1/search",
    operation_id="searchTranscripts",
    tags=["search"],
    summary="Find where something was said in my recordings.",
    description='Every word must occur; "quoted words" match as a phrase. Best matches first.',
    responses=errors(400),
)
async def search_transcripts(
    state: State,
    owner: Owner,
    q: Annotated[str, QueryParameter(min_length=1, max_length=500)],
    limit: Annotated[int, QueryParameter(ge=1, le=100)] = 20,
) -> SearchResults:
    database: Database = state.database
    async with database.sessions() as session:
        hits = await search(session, owner, q, limit)
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
    return SearchResults(query=q, items=items)
