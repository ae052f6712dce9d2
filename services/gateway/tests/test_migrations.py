"""The Alembic migrations build exactly the schema the code expects, on both databases."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from secretary_gateway.db import Base, Database, alembic_config
from sqlalchemy import Connection, inspect, text

# objects only raw SQL can make (full-text search), which the models cannot declare
RAW_SQL_OBJECTS = {"segments_fts", "ix_segments_text_search"}


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path}/schema.db"
    return str(request.getfixturevalue("empty_postgresql_url"))


def _differences(connection: Connection) -> list[Any]:
    def include(obj: Any, name: str | None, kind: str, *_: Any) -> bool:
        return not (name or "").startswith(tuple(RAW_SQL_OBJECTS))

    context = MigrationContext.configure(connection, opts={"include_object": include})
    return list(compare_metadata(context, Base.metadata))


def _alembic(connection: Connection, action: str, revision: str) -> None:
    getattr(command, action)(alembic_config(connection), revision)


async def test_migrations_match_the_models_and_go_down_and_up(empty_database_url: str) -> None:
    database = Database(empty_database_url)
    try:
        await database.migrate()
        await database.migrate()  # a second start changes nothing
        async with database.engine.begin() as connection:
            assert await connection.run_sync(_differences) == []
            version = await connection.execute(text("SELECT version_num FROM alembic_version"))
            assert version.scalar() == "0016"
            await connection.run_sync(_alembic, "downgrade", "base")
            tables = await connection.run_sync(lambda c: set(inspect(c).get_table_names()))
            assert tables <= {"alembic_version"}
            await connection.run_sync(_alembic, "upgrade", "head")
            assert await connection.run_sync(_differences) == []
    finally:
        await database.close()


async def test_a_database_from_before_migrations_is_adopted(empty_database_url: str) -> None:
    """The first release created its tables without Alembic: they hold revision 0001."""
    database = Database(empty_database_url)
    try:
        async with database.engine.begin() as connection:
            await connection.run_sync(_alembic, "upgrade", "0001")
            await connection.execute(
                text(
                    "INSERT INTO recordings (id, owner, source, filename, size_bytes, status,"
                    " stages, options, created_at, updated_at) VALUES ('r1', 'local', 'rest',"
                    " 'a.wav', 1, 'done', '{}', '{}', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
                )
            )
            await connection.execute(text("DROP TABLE alembic_version"))
        await database.migrate()
        async with database.engine.begin() as connection:
            assert await connection.run_sync(_differences) == []
            kept = await connection.execute(text("SELECT id, speaker_names FROM recordings"))
            assert [row[0] for row in kept] == ["r1"]
    finally:
        await database.close()


async def test_a_recording_over_two_gigabytes_is_stored(empty_database_url: str) -> None:
    """Uploads of up to 4 GiB are accepted: their size fits the column on every database."""
    from secretary_contracts import MediaReceived, ObjectRef
    from secretary_gateway.db import RecordingRow, new_recording_row

    size = 3 * 1024**3
    database = Database(empty_database_url)
    try:
        await database.migrate()
        event = MediaReceived(
            recording_id="large",
            owner="alice",
            filename="all-day.mkv",
            media=ObjectRef(bucket="media", name="large", size_bytes=size),
        )
        async with database.sessions.begin() as session:
            session.add(new_recording_row(event))
        async with database.sessions() as session:
            stored = await session.get(RecordingRow, "large")
        assert stored is not None and stored.size_bytes == size
    finally:
        await database.close()
