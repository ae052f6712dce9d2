"""A recording's audio for listening: byte ranges from the real Object Store, the links an
`<audio>` element plays without a key, and the owner's checks on both."""

from __future__ import annotations

import base64
import json
import os
from typing import Any

import pytest
from litestar.testing import AsyncTestClient
from nats.aio.client import Client
from secretary_contracts.messaging import BUCKETS, audio_object_name, playback_object_name
from secretary_gateway.errors import ApiError
from secretary_gateway.keys.signed import Signer
from secretary_gateway.playback.service import ByteRange, PlaybackLinks, requested_range
from secretary_gateway.settings import GatewaySettings

from services.gateway.tests.helpers import running_gateway
from services.gateway.tests.test_product import PLANNING, finished, upload

# several Object Store chunks (128 KiB each), so that ranges cross chunk borders
RENDITION = os.urandom(300_000)


async def _with_rendition(nats_client: Client, recording_id: str, data: bytes) -> None:
    store = await nats_client.jetstream().object_store(BUCKETS.audio)
    await store.put(playback_object_name(recording_id), data)


def test_a_range_header_asks_for_one_clipped_range_or_everything() -> None:
    assert requested_range(None, 1000) is None
    assert requested_range("bytes=0-99", 1000) == ByteRange(0, 100)
    assert requested_range("bytes=900-", 1000) == ByteRange(900, 1000)
    assert requested_range("bytes=-100", 1000) == ByteRange(900, 1000)
    assert requested_range("bytes=500-5000", 1000) == ByteRange(500, 1000)
    # several ranges, or another unit: the whole object is a valid answer
    assert requested_range("bytes=0-1,5-6", 1000) is None
    assert requested_range("items=0-1", 1000) is None
    with pytest.raises(ApiError) as past_the_end:
        requested_range("bytes=1000-", 1000)
    assert past_the_end.value.status_code == 416
    assert past_the_end.value.headers == {"Content-Range": "bytes */1000"}


def test_a_playback_link_is_for_one_recording_one_owner_and_a_while() -> None:
    links = PlaybackLinks(Signer(b"secret"), lifetime_s=60)
    token, expires = links.token("rec1", "telegram:42", now=1000.0)
    assert expires == 1060
    assert links.owner_of(token, "rec1", now=1030.0) == "telegram:42"
    assert links.owner_of(token, "rec2", now=1030.0) is None
    assert links.owner_of(token, "rec1", now=1061.0) is None
    assert PlaybackLinks(Signer(b"other"), 60).owner_of(token, "rec1", now=1030.0) is None
    kind, _, signature = token.split(".")
    later = base64.urlsafe_b64encode(
        json.dumps({"e": 99999, "o": "telegram:42", "r": "rec1"}).encode()
    ).decode()
    assert links.owner_of(f"{kind}.{later.rstrip('=')}.{signature}", "rec1", now=1030.0) is None
    # a token of another kind, however genuine, is no playback link
    other_kind = Signer(b"secret").sign("web", 60, now=1000.0, o="telegram:42", r="rec1").token
    assert links.owner_of(other_kind, "rec1", now=1030.0) is None
    assert links.owner_of("play.!!.x", "rec1") is None


async def test_the_audio_seeks_by_byte_ranges(
    api: AsyncTestClient[Any], nats_client: Client
) -> None:
    recording_id = await finished(api, nats_client, PLANNING)
    await _with_rendition(nats_client, recording_id, RENDITION)
    audio = f"/v1/recordings/{recording_id}/audio"

    whole = await api.get(audio)
    assert whole.status_code == 200
    assert whole.headers["content-type"] == "audio/webm"
    assert whole.headers["accept-ranges"] == "bytes"
    assert whole.content == RENDITION

    across = await api.get(audio, headers={"Range": "bytes=131000-262200"})
    assert across.status_code == 206
    assert across.content == RENDITION[131000:262201]
    assert across.headers["content-range"] == f"bytes 131000-262200/{len(RENDITION)}"
    assert across.headers["content-length"] == str(262201 - 131000)

    tail = await api.get(audio, headers={"Range": "bytes=-1000"})
    assert tail.status_code == 206 and tail.content == RENDITION[-1000:]

    outside = await api.get(audio, headers={"Range": f"bytes={len(RENDITION)}-"})
    assert outside.status_code == 416
    assert outside.json()["error"]["code"] == "range_not_satisfiable"
    assert outside.headers["content-range"] == f"bytes */{len(RENDITION)}"


async def test_a_link_plays_without_the_key_for_that_recording_only(
    api: AsyncTestClient[Any], nats_client: Client
) -> None:
    recording_id = await finished(api, nats_client, PLANNING)
    other_id = await finished(api, nats_client, PLANNING, "Other")
    await _with_rendition(nats_client, recording_id, RENDITION)
    await _with_rendition(nats_client, other_id, RENDITION)

    made = await api.post(f"/v1/recordings/{recording_id}/audio/link")
    assert made.status_code == 201
    url = made.json()["url"]
    token = url.split("token=", 1)[1]
    keyless = {"Authorization": ""}

    played = await api.get(url, headers={**keyless, "Range": "bytes=0-9"})
    assert played.status_code == 206 and played.content == RENDITION[:10]
    for refused in (
        f"/v1/recordings/{other_id}/audio?token={token}",
        f"/v1/recordings/{recording_id}/transcript?token={token}",
        f"/v1/recordings/{recording_id}/audio?token={token[:-2]}xx",
    ):
        answer = await api.get(refused, headers=keyless)
        assert answer.status_code == 401, refused


async def test_another_owner_and_a_recording_without_audio_get_clear_answers(
    api: AsyncTestClient[Any],
    nats_client: Client,
    gateway_settings: GatewaySettings,
) -> None:
    recording_id = await finished(api, nats_client, PLANNING)
    await _with_rendition(nats_client, recording_id, RENDITION)
    async with running_gateway(gateway_settings, "mallory") as mallory:
        for answer in (
            await mallory.get(f"/v1/recordings/{recording_id}/audio"),
            await mallory.post(f"/v1/recordings/{recording_id}/audio/link"),
        ):
            assert answer.status_code == 404
            assert answer.json()["error"]["code"] == "recording_not_found"

    # prepared before renditions existed: the decoded audio plays
    older = await finished(api, nats_client, PLANNING, "Older")
    store = await nats_client.jetstream().object_store(BUCKETS.audio)
    await store.put(audio_object_name(older), b"RIFF" + bytes(1000))
    wav = await api.get(f"/v1/recordings/{older}/audio", headers={"Range": "bytes=0-3"})
    assert wav.status_code == 206 and wav.content == b"RIFF"
    assert wav.headers["content-type"] == "audio/wav"

    pending = await api.get(f"/v1/recordings/{await upload(api)}/audio")
    assert pending.status_code == 409 and pending.json()["error"]["code"] == "audio_not_ready"
    await store.delete(playback_object_name(recording_id))
    gone = await api.get(f"/v1/recordings/{recording_id}/audio")
    assert gone.status_code == 410 and gone.json()["error"]["code"] == "audio_removed"
