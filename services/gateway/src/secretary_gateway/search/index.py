"""Full-text search over an owner's transcripts: SQLite FTS5, or PostgreSQL's tsvector.

Both index words as written (no stemming) since meetings come in many languages: the
`simple` configuration on PostgreSQL, `unicode61` (case and diacritics folded) on SQLite.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from secretary_contracts import Transcript
from sqlalchemy import JSON, delete, text
from sqlalchemy.ext.asyncio import AsyncSession

from secretary_gateway.db import SegmentRow

WORD = re.compile(r"\w+", re.UNICODE)
PHRASE = re.compile(r'"([^"]*)"')


@dataclass(frozen=True)
class Hit:
    recording_id: str
    title: str | None
    start: float
    end: float
    speaker: str | None
    text: str
    speaker_names: dict[str, str]


async def index_transcript(
    session: AsyncSession, recording_id: str, transcript: Transcript
) -> None:
    """Replaces the recording's indexed segments (a redelivered transcript indexes once)."""
    await session.execute(delete(SegmentRow).where(SegmentRow.recording_id == recording_id))
    session.add_all(
        SegmentRow(
            recording_id=recording_id,
            position=position,
            start=segment.start,
            end=segment.end,
            speaker=segment.speaker,
            text=segment.text,
        )
        for position, segment in enumerate(transcript.segments)
    )


def fts5_query(query: str) -> str | None:
    """Whatever a user types, as an FTS5 query that cannot be a syntax error: every word
    must occur, "quoted words" as a phrase."""
    terms = [" ".join(WORD.findall(phrase)) for phrase in PHRASE.findall(query)]
    terms += WORD.findall(PHRASE.sub(" ", query))
    quoted = [f'"{term}"' for term in terms if term]
    return " ".join(quoted) or None


# the JSON column typed, so both drivers hand back a dict
_RESULT_TYPES = {"speaker_names": JSON}

SQLITE_SEARCH = text(
    """
    SELECT s.recording_id, r.title, s.start, s."end", s.speaker, s.text, r.speaker_names
    FROM segments_fts f
    JOIN segments s ON s.id = f.rowid
    JOIN recordings r ON r.id = s.recording_id
    WHERE segments_fts MATCH :query AND r.owner = :owner
    ORDER BY f.rank, s.start
    LIMIT :limit
    """
).columns(**_RESULT_TYPES)
POSTGRESQL_SEARCH = text(
    """
    SELECT s.recording_id, r.title, s.start, s."end", s.speaker, s.text, r.speaker_names
    FROM segments s
    JOIN recordings r ON r.id = s.recording_id
    WHERE to_tsvector('simple', s.text) @@ websearch_to_tsquery('simple', :query)
      AND r.owner = :owner
    ORDER BY ts_rank(to_tsvector('simple', s.text), websearch_to_tsquery('simple', :query)) DESC,
             r.created_at DESC, s.start
    LIMIT :limit
    """
).columns(**_RESULT_TYPES)


async def search(session: AsyncSession, owner: str, query: str, limit: int) -> list[Hit] | None:
    """The best matching segments, or None when the query has no word to look for."""
    if session.get_bind().dialect.name == "sqlite":
        match = fts5_query(query)
        if match is None:
            return None
        rows = await session.execute(
            SQLITE_SEARCH, {"query": match, "owner": owner, "limit": limit}
        )
    else:
        if not WORD.search(query):
            return None
        rows = await session.execute(
            POSTGRESQL_SEARCH, {"query": query, "owner": owner, "limit": limit}
        )
    return [
        Hit(
            recording_id=row[0],
            title=row[1],
            start=row[2],
            end=row[3],
            speaker=row[4],
            text=row[5],
            speaker_names=row[6] or {},
        )
        for row in rows
    ]
