"""Full-text search latency over many hours of an owner's meetings.

    python bench/search.py --recordings 200 --hours 1
    python bench/search.py --database-url postgresql+asyncpg://user:pass@127.0.0.1:5432/db

Fills the gateway's read model with generated meetings (as the projector does), then times
`/v1/search`'s query for a rare phrase, a common word and a word that never occurs.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
import uuid

from secretary_gateway.db import Database, RecordingRow
from secretary_gateway.search.index import index_transcript, search
from secretary_testing.transcripts import planted_meeting
from sqlalchemy import text

QUERIES = {
    "phrase said once": '"MySQL to PostgreSQL"',
    "common words": "budget roadmap",
    "absent word": "zeppelin",
}


async def run(database_url: str, recordings: int, hours: float, repeats: int) -> None:
    database = Database(database_url)
    await database.migrate()
    owner = f"bench-{uuid.uuid4().hex[:8]}"
    transcript, _ = planted_meeting(hours=hours)
    started = time.monotonic()
    for number in range(recordings):
        recording_id = uuid.uuid4().hex
        async with database.sessions.begin() as session:
            session.add(
                RecordingRow(
                    id=recording_id,
                    owner=owner,
                    source="rest",
                    filename=f"meeting-{number}.m4a",
                    size_bytes=1,
                    status="done",
                    stages={},
                    options={},
                )
            )
            await session.flush()
            await index_transcript(session, recording_id, transcript)
    if database.engine.dialect.name == "postgresql":
        # what autovacuum does soon after a bulk load; without statistics the planner skips
        # the GIN index and computes every segment's tsvector
        async with database.engine.begin() as connection:
            await connection.execute(text("ANALYZE segments"))
            await connection.execute(text("ANALYZE recordings"))
    filled = time.monotonic() - started
    segments = recordings * len(transcript.segments)
    print(
        f"{database.engine.dialect.name}: {recordings} recordings × {hours:g} h"
        f" = {segments} segments, indexed in {filled:.1f} s"
    )
    print("| query | hits | p50 | p95 |")
    print("| --- | --- | --- | --- |")
    for label, query in QUERIES.items():
        took = []
        hits = 0
        for _ in range(repeats):
            begin = time.perf_counter()
            async with database.sessions() as session:
                found = await search(session, owner, query, 20)
            took.append((time.perf_counter() - begin) * 1000)
            hits = len(found or [])
        took.sort()
        p95 = took[min(len(took) - 1, int(0.95 * len(took)))]
        print(f"| {label} (`{query}`) | {hits} | {statistics.median(took):.1f} ms | {p95:.1f} ms |")
    await database.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--recordings", type=int, default=200)
    parser.add_argument("--hours", type=float, default=1.0)
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        url = args.database_url or f"sqlite+aiosqlite:///{scratch}/search.db"
        asyncio.run(run(url, args.recordings, args.hours, args.repeats))


if __name__ == "__main__":
    main()
