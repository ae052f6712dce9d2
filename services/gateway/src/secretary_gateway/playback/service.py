"""A recording's audio for listening: the Opus rendition prepare writes (the decoded WAV of a
recording prepared before renditions existed), in the byte ranges a player seeks to, and the
short-lived links an `<audio>` element uses, since it cannot send an API key."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass

from faststream.nats import NatsBroker
from nats.js.errors import NotFoundError, ObjectNotFoundError
from secretary_contracts import SETTLED_STATUSES
from secretary_contracts.messaging import BUCKETS, audio_object_name, playback_object_name
from secretary_runtime import objects

from secretary_gateway.db import Database
from secretary_gateway.errors import ApiError
from secretary_gateway.http import Caller
from secretary_gateway.keys.signed import Signer
from secretary_gateway.recordings.service import owned_recording

AUDIO_PATH = re.compile(r"^/v1/recordings/(?P<recording_id>[^/]+)/audio$")
_RANGE = re.compile(r"^bytes=(?P<first>\d*)-(?P<last>\d*)$")


@dataclass(frozen=True)
class ByteRange:
    start: int
    end: int
    """One past the last byte."""

    @property
    def length(self) -> int:
        return self.end - self.start

    def content_range(self, size: int) -> str:
        return f"bytes {self.start}-{self.end - 1}/{size}"


def requested_range(header: str | None, size: int) -> ByteRange | None:
    """The one range a `Range` header asks for, clipped to the object; None for the whole
    object (no header, several ranges, or another unit: answering all of it is allowed).
    A range that starts past the end raises 416."""
    if not header:
        return None
    match = _RANGE.match(header.strip().replace(" ", ""))
    if match is None:
        return None
    first, last = match["first"], match["last"]
    if not first and not last:
        return None
    if not first:
        start, end = max(0, size - int(last)), size
    else:
        start = int(first)
        end = min(size, int(last) + 1) if last else size
    if start >= size or end <= start:
        raise ApiError(
            416,
            "range_not_satisfiable",
            f"The audio has {size} bytes; the range asked for lies outside them.",
            headers={"Content-Range": f"bytes */{size}"},
        )
    return ByteRange(start, end)


class PlaybackLinks:
    """Links to one recording's audio for one owner, valid for `lifetime_s`."""

    KIND = "play"

    def __init__(self, signer: Signer, lifetime_s: float) -> None:
        self.signer = signer
        self.lifetime_s = lifetime_s

    def token(self, recording_id: str, owner: str, now: float | None = None) -> tuple[str, int]:
        return self.signer.sign(self.KIND, self.lifetime_s, now, r=recording_id, o=owner)

    def owner_of(self, token: str, recording_id: str, now: float | None = None) -> str | None:
        """The owner a token was made for, if it is genuine, for this recording, and current."""
        claims = self.signer.verify(self.KIND, token, self.lifetime_s, now)
        if claims is None or claims.get("r") != recording_id:
            return None
        owner = claims.get("o")
        return owner if isinstance(owner, str) else None


@dataclass(frozen=True)
class Audio:
    media_type: str
    size: int
    range: ByteRange | None
    chunks: AsyncIterator[bytes]


class PlaybackService:
    def __init__(self, database: Database, broker: NatsBroker) -> None:
        self.database = database
        self.broker = broker

    async def audio(self, caller: Caller, recording_id: str, range_header: str | None) -> Audio:
        row = await owned_recording(self.database, caller, recording_id)
        if row.media_deleted_at is not None:
            raise ApiError(
                410, "audio_removed", "This recording's audio was removed; only its text is kept."
            )
        js = self.broker.connection.jetstream()
        store = await js.object_store(BUCKETS.audio)
        for name, media_type in (
            (playback_object_name(recording_id), "audio/webm"),
            (audio_object_name(recording_id), "audio/wav"),
        ):
            try:
                info = await store.get_info(name)
            except (ObjectNotFoundError, NotFoundError):
                continue
            size = info.size or 0
            wanted = requested_range(range_header, size)
            span = wanted or ByteRange(0, size)
            chunks = objects.read_range(js, BUCKETS.audio, name, span.start, span.length)
            return Audio(media_type, size, wanted, chunks)
        if row.status in SETTLED_STATUSES:
            raise ApiError(
                410, "audio_removed", "This recording's audio was removed; only its text is kept."
            )
        raise ApiError(
            409, "audio_not_ready", f"The recording is {row.status}; its audio is not ready yet."
        )
