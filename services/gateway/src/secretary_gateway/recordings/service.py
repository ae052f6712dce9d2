"""The rules of a recording's life, whichever door the owner came in by: create, list, read,
delete. Controllers only translate HTTP to these calls."""

from __future__ import annotations

import base64
import binascii
import json
import logging
import uuid
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

from faststream.nats import NatsBroker
from litestar.datastructures import State
from nats.errors import Error as NatsError
from nats.js.errors import NotFoundError
from pydantic import ValidationError
from secretary_contracts import MediaReceived, RecordingDeleted, RecordingOptions, RecordingStatus
from secretary_contracts.messaging import BUCKETS, MEDIA_RECEIVED, RECORDING_DELETED, stream_of
from secretary_runtime import objects
from secretary_runtime.publishing import EventPublisher
from sqlalchemy import Select, and_, or_, select
from sqlalchemy.exc import IntegrityError

from secretary_gateway import limits
from secretary_gateway.db import Database, RecordingRow, new_recording_row
from secretary_gateway.errors import ApiError
from secretary_gateway.http import Caller
from secretary_gateway.recordings.deletion import RecordingDeleter
from secretary_gateway.recordings.schemas import Recording, RecordingPage
from secretary_gateway.recordings.uploads import receive_upload
from secretary_gateway.settings import GatewaySettings

logger = logging.getLogger(__name__)


def recording_options(fields: dict[str, str]) -> RecordingOptions:
    values: dict[str, Any] = {}
    if fields.get("language") and fields["language"].lower() != "auto":
        values["language"] = fields["language"].lower()
    for name in ("num_speakers", "min_speakers", "max_speakers"):
        if fields.get(name):
            values[name] = fields[name]
    try:
        options = RecordingOptions.model_validate(values)
    except ValidationError as error:
        problems = "; ".join(f"{e['loc'][0]}: {e['msg']}" for e in error.errors())
        raise ApiError(400, "invalid_options", problems) from error
    if (
        options.min_speakers
        and options.max_speakers
        and options.min_speakers > options.max_speakers
    ):
        raise ApiError(400, "invalid_options", "min_speakers is larger than max_speakers.")
    return options


def _encode_cursor(row: RecordingRow) -> str:
    raw = json.dumps([row.created_at.isoformat(), row.id]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_cursor(cursor: str) -> tuple[datetime, str]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        created_at, recording_id = json.loads(raw)
        return datetime.fromisoformat(created_at), str(recording_id)
    except (binascii.Error, ValueError, TypeError) as error:
        raise ApiError(400, "invalid_cursor", "The cursor is not one this API gave out.") from error


async def owned_recording(database: Database, caller: Caller, recording_id: str) -> RecordingRow:
    """The recording, if it belongs to the caller; another owner's id is simply not found."""
    async with database.sessions() as session:
        row = await session.get(RecordingRow, recording_id)
    if row is None or row.owner != caller.owner or row.status == RecordingStatus.DELETING:
        raise ApiError(404, "recording_not_found", f"No recording with id {recording_id}.")
    return row


class RecordingService:
    def __init__(self, database: Database, broker: NatsBroker, settings: GatewaySettings) -> None:
        self.database = database
        self.broker = broker
        self.settings = settings

    async def owned(self, caller: Caller, recording_id: str) -> RecordingRow:
        return await owned_recording(self.database, caller, recording_id)

    async def _first(self, query: Select[RecordingRow]) -> RecordingRow | None:
        async with self.database.sessions() as session:
            return (await session.scalars(query.order_by(RecordingRow.created_at))).first()

    async def _made_with_key(self, owner: str, key: str) -> RecordingRow | None:
        return await self._first(
            select(RecordingRow).where(
                RecordingRow.owner == owner,
                RecordingRow.idempotency_key == key,
                RecordingRow.status != RecordingStatus.DELETING,
            )
        )

    async def _same_bytes(self, owner: str, sha256: str) -> RecordingRow | None:
        """An earlier recording of the same bytes; one that failed is no reason not to try
        them again."""
        return await self._first(
            select(RecordingRow).where(
                RecordingRow.owner == owner,
                RecordingRow.sha256 == sha256,
                RecordingRow.status.not_in((RecordingStatus.FAILED, RecordingStatus.DELETING)),
            )
        )

    async def create(
        self,
        caller: Caller,
        body: AsyncIterator[bytes],
        content_type: str,
        content_length: int,
        idempotency_key: str | None = None,
    ) -> tuple[Recording, bool]:
        """Streams the upload into storage, records it, and puts it in the pipeline; on any
        failure nothing is left behind: no row, no object, no event. A retry with the same
        `Idempotency-Key`, or the same bytes again, answers the recording made the first time
        (the flag is False then) and stores nothing."""
        if idempotency_key is not None and (
            replayed := await self._made_with_key(caller.owner, idempotency_key)
        ):
            return Recording.from_row(replayed), False
        recording_id = uuid.uuid4().hex
        settings = self.settings
        admitted = await limits.reserve_upload(
            self.database,
            caller.owner,
            recording_id,
            settings.recordings_in_flight_per_owner,
            settings.stored_bytes_per_owner,
            # a body of known length reserves no more than it can hold
            min(settings.max_upload_bytes, content_length or settings.max_upload_bytes),
        )
        try:
            return await self._receive(
                caller, recording_id, body, content_type, content_length, admitted, idempotency_key
            )
        finally:
            # recorded or not, the upload no longer needs its reservation
            async with self.database.sessions.begin() as session:
                await limits.release_upload(session, recording_id)

    async def _receive(
        self,
        caller: Caller,
        recording_id: str,
        body: AsyncIterator[bytes],
        content_type: str,
        content_length: int,
        admitted: limits.AdmittedUpload,
        idempotency_key: str | None,
    ) -> tuple[Recording, bool]:
        js = self.broker.connection.jetstream()
        upload = await receive_upload(
            body,
            content_type,
            content_length,
            js,
            BUCKETS.media,
            recording_id,
            admitted.max_bytes,
            admitted.over_limit,
        )
        assert upload.media is not None
        try:
            options = recording_options(upload.fields)
            if upload.media.size_bytes == 0:
                raise ApiError(400, "empty_file", "The file is empty (0 bytes).")
        except ApiError:
            await objects.delete_object(js, BUCKETS.media, recording_id)
            raise
        if (
            self.settings.deduplicate_uploads
            and upload.media.sha256
            and (same := await self._same_bytes(caller.owner, upload.media.sha256))
        ):
            await objects.delete_object(js, BUCKETS.media, recording_id)
            duplicate = Recording.from_row(same)
            return duplicate.model_copy(update={"duplicate_of": same.id}), False
        event = MediaReceived(
            recording_id=recording_id,
            owner=caller.owner,
            source=caller.door,
            filename=upload.filename,
            content_type=upload.content_type,
            title=upload.fields.get("title") or None,
            media=upload.media,
            options=options,
        )
        row = new_recording_row(event)
        row.idempotency_key = idempotency_key
        try:
            # the recording counts in flight and as stored from now on, its reservation no
            # more: moved under the owner's lock, so no admission counts it twice or not at all
            async with limits.admitting(self.database, caller.owner) as session:
                await limits.release_upload(session, recording_id)
                session.add(row)
        except IntegrityError:
            # the same key, sent twice at once: the other request made the recording
            await objects.delete_object(js, BUCKETS.media, recording_id)
            first = await self._made_with_key(caller.owner, idempotency_key or "")
            if first is None:
                raise
            return Recording.from_row(first), False
        try:
            await EventPublisher(self.broker).publish(MEDIA_RECEIVED, event)
        except Exception as error:
            # never leave a recording queued that nothing will process
            async with self.database.sessions.begin() as session:
                await session.delete(await session.get(RecordingRow, recording_id))
            await objects.delete_object(js, BUCKETS.media, recording_id)
            raise ApiError(
                503, "unavailable", "The recording could not be queued; try again."
            ) from error
        return Recording.from_row(row), True

    async def page(
        self,
        caller: Caller,
        limit: int,
        cursor: str | None = None,
        status: RecordingStatus | None = None,
    ) -> RecordingPage:
        query = select(RecordingRow).where(
            RecordingRow.owner == caller.owner, RecordingRow.status != RecordingStatus.DELETING
        )
        if status:
            query = query.where(RecordingRow.status == status)
        if cursor:
            created_at, recording_id = _decode_cursor(cursor)
            query = query.where(
                or_(
                    RecordingRow.created_at < created_at,
                    and_(RecordingRow.created_at == created_at, RecordingRow.id < recording_id),
                )
            )
        query = query.order_by(RecordingRow.created_at.desc(), RecordingRow.id.desc())
        async with self.database.sessions() as session:
            rows = list((await session.scalars(query.limit(limit + 1))).all())
        more = len(rows) > limit
        rows = rows[:limit]
        return RecordingPage(
            items=[Recording.from_row(r) for r in rows],
            next_cursor=_encode_cursor(rows[-1]) if more else None,
        )

    async def get(self, caller: Caller, recording_id: str) -> Recording:
        return Recording.from_row(await self.owned(caller, recording_id))

    async def _deletion_announced(self, caller: Caller, recording_id: str) -> bool:
        """The caller deleted this recording before: its news is in the stream."""
        js = self.broker.connection.jetstream()
        try:
            news = await js.get_last_msg(
                stream_of(RECORDING_DELETED.subject), RECORDING_DELETED.of(recording_id)
            )
        except NotFoundError:
            return False
        return RecordingDeleted.model_validate_json(news.data or b"{}").owner == caller.owner

    async def delete(self, caller: Caller, recording_id: str) -> None:
        """Deletes everything of the recording; a retry of a deletion that stopped part way
        (its rows gone, not yet all its objects) finishes it and answers as the first would
        have."""
        async with self.database.sessions() as session:
            row = await session.get(RecordingRow, recording_id)
        if row is None:
            mine = await self._deletion_announced(caller, recording_id)
        else:
            mine = row.owner == caller.owner
        if not mine:
            raise ApiError(404, "recording_not_found", f"No recording with id {recording_id}.")
        if row is None or row.status == RecordingStatus.DELETING:
            logger.info("deletion resumed", extra={"fields": {"recording_id": recording_id}})
        try:
            await RecordingDeleter(self.broker, self.database, self.settings.voiceprints).delete(
                recording_id, caller.owner
            )
        except (NatsError, TimeoutError) as error:
            raise ApiError(
                503, "unavailable", "Storage did not answer; nothing was lost, try again."
            ) from error


def provide_recordings(state: State) -> RecordingService:
    return RecordingService(state.database, state.broker, state.settings)
