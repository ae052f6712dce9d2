"""A recording's audio over HTTP, with byte ranges, and links for players (transport only;
the rules are `PlaybackService`'s)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import State
from litestar.di import NamedDependency, Provide
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath
from litestar.response import Stream
from pydantic import BaseModel, Field

from secretary_gateway.http import Caller, errors
from secretary_gateway.playback.service import PlaybackLinks, PlaybackService
from secretary_gateway.recordings.service import owned_recording


class PlaybackLink(BaseModel):
    url: str = Field(
        description="The audio, playable by an `<audio>` element without an API key.",
        examples=["/v1/recordings/5f2b…/audio?token=pl1.…"],
    )
    expires_at: datetime


def provide_playback(state: State) -> PlaybackService:
    return PlaybackService(state.database, state.broker)


class AudioController(Controller):
    path = "/v1/recordings/{recording_id:str}/audio"
    tags = ("recordings",)
    dependencies = {"playback": Provide(provide_playback, sync_to_thread=False)}

    @get(
        "/",
        operation_id="getAudio",
        summary="The recording's audio to listen to (Opus in WebM), with Range for seeking.",
        description="About 11 MB an hour. `Range: bytes=a-b` answers 206 with those bytes."
        " Needs the API key, or the `token` of a link from POST .../audio/link.",
        media_type="audio/webm",
        responses={
            206: ResponseSpec(
                data_container=bytes, media_type="audio/webm", description="The bytes asked for."
            ),
            **errors(403, 404, 409, 410),
        },
    )
    async def get_audio(
        self,
        request: Request[Any, Any, State],
        recording_id: FromPath[str],
        caller: NamedDependency[Caller],
        playback: NamedDependency[PlaybackService],
    ) -> Stream:
        audio = await playback.audio(caller, recording_id, request.headers.get("range"))
        headers = {
            "Accept-Ranges": "bytes",
            "Cache-Control": "private, max-age=3600",
            # the route's declared type is the rendition's; an older recording plays its WAV
            "Content-Type": audio.media_type,
        }
        if audio.range is None:
            headers["Content-Length"] = str(audio.size)
            return Stream(audio.chunks, media_type=audio.media_type, headers=headers)
        headers["Content-Length"] = str(audio.range.length)
        headers["Content-Range"] = audio.range.content_range(audio.size)
        return Stream(audio.chunks, status_code=206, media_type=audio.media_type, headers=headers)

    @post(
        "/link",
        operation_id="linkAudio",
        status_code=201,
        summary="A short-lived link to the recording's audio, for a player that sends no key.",
        responses=errors(403, 404),
    )
    async def link_audio(
        self,
        request: Request[Any, Any, State],
        recording_id: FromPath[str],
        caller: NamedDependency[Caller],
    ) -> Response[PlaybackLink]:
        await owned_recording(request.app.state.database, caller, recording_id)
        links: PlaybackLinks = request.app.state.playback_links
        token, expires = links.token(recording_id, caller.owner)
        return Response(
            PlaybackLink(
                url=f"/v1/recordings/{recording_id}/audio?token={token}",
                expires_at=datetime.fromtimestamp(expires, UTC),
            ),
            status_code=201,
        )
