"""Saving a transcript's edits as revisions: one at a time (an edit made on an older revision
answers 409), the pipeline's own and the latest `kept` kept (older ones are folded away), any
of them gone back to; every revision reaches search at once and the llm service by
`transcript.edited`. Applying edits and writing bodies run off the event loop."""

from __future__ import annotations

import asyncio
from typing import Any

from faststream.nats import NatsBroker
from secretary_contracts import Transcript, TranscriptEdited
from secretary_contracts.messaging import BUCKETS, TRANSCRIPT_EDITED, artifact_object_name
from secretary_runtime import objects
from secretary_runtime.publishing import EventPublisher
from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from secretary_gateway.db import (
    Database,
    RecordingRow,
    TranscriptRevisionRow,
    TranscriptRow,
    utcnow,
)
from secretary_gateway.errors import ApiError
from secretary_gateway.search.index import index_transcript
from secretary_gateway.transcripts.editing import (
    Edit,
    Edited,
    EditError,
    EditTooLarge,
    edit_transcript,
)
from secretary_gateway.transcripts.schemas import RevisionOut, Revisions


def _stale(current: int, given: int) -> ApiError:
    return ApiError(
        409,
        "stale_revision",
        f"The transcript is at revision {current}, not {given}: reload it and edit that.",
    )


class RevisionStore:
    def __init__(self, database: Database, broker: NatsBroker, kept: int) -> None:
        self.database = database
        self.broker = broker
        self.kept = kept

    async def edit(
        self, row: RecordingRow, current: Transcript, based_on: int, edits: list[Edit]
    ) -> Edited:
        """The saved transcript, with what its replacements rewrote."""
        if based_on != current.revision:
            raise _stale(current.revision, based_on)
        try:
            edited = await asyncio.to_thread(edit_transcript, current, edits)
        except EditTooLarge as error:
            raise ApiError(413, "edit_too_large", str(error)) from error
        except EditError as error:
            raise ApiError(400, "invalid_edit", str(error)) from error
        dumped = [edit.model_dump() for edit in edits]
        saved = await self._save(row, current, edited.transcript, dumped, reverted_to=None)
        return Edited(saved, edited.rewritten)

    async def revert(
        self, row: RecordingRow, current: Transcript, based_on: int, to: int
    ) -> Transcript:
        if based_on != current.revision:
            raise _stale(current.revision, based_on)
        async with self.database.sessions() as session:
            earlier = await session.get(TranscriptRevisionRow, (row.id, to))
        if earlier is None or to >= current.revision:
            raise ApiError(
                404,
                "revision_not_found",
                f"No earlier revision {to}: the transcript is at revision {current.revision}.",
            )
        restored = Transcript.model_validate_json(earlier.body)
        return await self._save(row, current, restored, [], reverted_to=to)

    async def _save(
        self,
        row: RecordingRow,
        current: Transcript,
        new: Transcript,
        edits: list[dict[str, Any]],
        reverted_to: int | None,
    ) -> Transcript:
        revision = current.revision + 1
        new = new.model_copy(update={"revision": revision})
        body = await asyncio.to_thread(new.model_dump_json)
        try:
            async with self.database.sessions.begin() as session:
                if current.revision == 0:
                    session.add(
                        TranscriptRevisionRow(
                            recording_id=row.id,
                            revision=0,
                            body=current.model_dump_json(),
                            edits=[],
                            created_at=row.updated_at or utcnow(),
                        )
                    )
                session.add(
                    TranscriptRevisionRow(
                        recording_id=row.id,
                        revision=revision,
                        body=body,
                        edits=edits,
                        edit_count=len(edits),
                        reverted_to=reverted_to,
                    )
                )
                await session.execute(
                    delete(TranscriptRevisionRow).where(
                        TranscriptRevisionRow.recording_id == row.id,
                        TranscriptRevisionRow.revision > 0,
                        TranscriptRevisionRow.revision <= revision - self.kept,
                    )
                )
                # the revision it was made on must still be the latest as it is saved
                saved = await session.execute(
                    update(TranscriptRow)
                    .where(
                        TranscriptRow.recording_id == row.id,
                        TranscriptRow.revision == current.revision,
                    )
                    .values(body=body, revision=revision)
                )
                if saved.rowcount != 1:  # type: ignore[attr-defined]
                    raise _stale(revision, current.revision)
                await index_transcript(session, row.id, new)
        except IntegrityError as raced:
            raise _stale(revision, current.revision) from raced
        await self._announce(row, new)
        return new

    async def _announce(self, row: RecordingRow, transcript: Transcript) -> None:
        js = self.broker.connection.jetstream()
        ref = await objects.put_model(
            js, BUCKETS.artifacts, artifact_object_name(row.id, "edited"), transcript
        )
        await EventPublisher(self.broker).publish(
            TRANSCRIPT_EDITED,
            TranscriptEdited(
                recording_id=row.id,
                owner=row.owner,
                revision=transcript.revision,
                transcript=ref,
                segment_count=len(transcript.segments),
            ),
            message_id=f"{row.id}:edited:{transcript.revision}",
        )

    async def revisions(self, row: RecordingRow, current: int) -> Revisions:
        """The revisions kept, from their metadata alone."""
        async with self.database.sessions() as session:
            stored = (
                await session.execute(
                    select(
                        TranscriptRevisionRow.revision,
                        TranscriptRevisionRow.created_at,
                        TranscriptRevisionRow.edit_count,
                        TranscriptRevisionRow.reverted_to,
                    )
                    .where(TranscriptRevisionRow.recording_id == row.id)
                    .order_by(TranscriptRevisionRow.revision)
                )
            ).all()
        items = [
            RevisionOut(
                revision=r.revision,
                created_at=r.created_at,
                edits=r.edit_count,
                reverted_to=r.reverted_to,
            )
            for r in stored
        ] or [RevisionOut(revision=0, created_at=row.updated_at or row.created_at)]
        edited_kept = sum(1 for item in items if item.revision > 0)
        return Revisions(current=current, items=items, folded=max(0, current - edited_kept))
