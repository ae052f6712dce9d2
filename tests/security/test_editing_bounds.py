"""Editing cannot stall a replica or fill the database: what one request may add and what a
transcript may hold are capped (refused before anything is stored), revisions are kept to a
number with the oldest folded away, their list is read from metadata alone, and a speaker's
clip is chosen in time linear in the segments. Real NATS, SQLite and PostgreSQL."""

from __future__ import annotations

import time
from typing import Any

import pytest
from litestar.testing import AsyncTestClient
from nats.aio.client import Client
from secretary_contracts import Transcript, TranscriptSegment, TranscriptWord
from secretary_gateway.settings import GatewaySettings
from secretary_gateway.transcripts import clips
from secretary_gateway.transcripts.editing import MAX_WORDS_ADDED

from services.gateway.tests.helpers import running_gateway
from services.gateway.tests.test_product import PLANNING, finished


@pytest.fixture
def settings(nats_server: Any, database_url: str) -> GatewaySettings:
    return GatewaySettings(
        nats_url=nats_server.url,
        database_url=database_url,
        answer_wait_s=0,
        transcript_revisions_kept=3,
    )


def _replace(segment: int, text: str) -> dict[str, Any]:
    return {"op": "replace", "segment": segment, "first_word": 0, "last_word": 0, "text": text}


async def _transcript(api: AsyncTestClient[Any], recording_id: str) -> dict[str, Any]:
    return dict((await api.get(f"/v1/recordings/{recording_id}/transcript")).json())


async def test_an_edit_that_would_multiply_the_transcript_is_refused_whole(
    settings: GatewaySettings, nats_client: Client
) -> None:
    async with running_gateway(settings, "editor") as api:
        recording_id = await finished(api, nats_client, PLANNING)
        url = f"/v1/recordings/{recording_id}/transcript"
        before = await _transcript(api, recording_id)
        long_text = " ".join(["word"] * 300)
        # 500 long replacements: refused at once, before any work
        flood = await api.patch(url, json={"revision": 0, "edits": [_replace(0, long_text)] * 500})
        assert flood.status_code == 400, flood.text
        # within what may be written, but adding more than a request may
        grown = await api.patch(
            url,
            json={"revision": 0, "edits": [_replace(n % 3, long_text) for n in range(10)]},
        )
        assert grown.status_code == 413, grown.text
        assert grown.json()["error"]["code"] == "edit_too_large"
        assert str(MAX_WORDS_ADDED) in grown.json()["error"]["message"]
        # a transcript longer than anyone could say in the recording's duration
        for revision in range(3):
            step = await api.patch(
                url, json={"revision": revision, "edits": [_replace(0, long_text)] * 6}
            )
            if step.status_code == 413:
                break
            assert step.status_code == 200, step.text
        assert step.status_code == 413 and "may have" in step.json()["error"]["message"]
        after = await _transcript(api, recording_id)
        assert after["revision"] == revision and after["segments"][1] == before["segments"][1]


async def test_revisions_are_kept_to_a_number_and_listed_from_metadata(
    settings: GatewaySettings, nats_client: Client
) -> None:
    async with running_gateway(settings, "reviser") as api:
        recording_id = await finished(api, nats_client, PLANNING)
        url = f"/v1/recordings/{recording_id}/transcript"
        for revision in range(6):
            saved = await api.patch(
                url, json={"revision": revision, "edits": [_replace(0, f"Take{revision}")]}
            )
            assert saved.status_code == 200, saved.text
        listed = (await api.get(f"{url}/revisions")).json()
        assert listed["current"] == 6
        assert [item["revision"] for item in listed["items"]] == [0, 4, 5, 6]
        assert listed["folded"] == 3
        assert [item["edits"] for item in listed["items"]] == [0, 1, 1, 1]
        folded = await api.post(f"{url}/revisions/2/revert", json={"revision": 6})
        assert folded.status_code == 404
        assert (
            await api.post(f"{url}/revisions/0/revert", json={"revision": 6})
        ).status_code == 200
        restored = await _transcript(api, recording_id)
        assert restored["segments"][0]["text"] == PLANNING.segments[0].text


def _many_turns(count: int) -> Transcript:
    segments = []
    for n in range(count):
        start = n * 2.0
        segments.append(
            TranscriptSegment(
                start=start,
                end=start + 2.5,  # each overlaps the next speaker's turn a little
                speaker=f"SPEAKER_0{n % 2}",
                text="yes",
                words=[TranscriptWord(start=start, end=start + 2.5, word="yes", speaker=None)],
            )
        )
    return Transcript(language="en", duration_s=count * 2.0 + 1, segments=segments)


def test_the_clip_choice_is_linear_in_segments() -> None:
    small, large = _many_turns(2_000), _many_turns(20_000)
    began = time.perf_counter()
    assert clips.clearest_span(small, "SPEAKER_00") is not None
    small_s = time.perf_counter() - began
    began = time.perf_counter()
    span = clips.clearest_span(large, "SPEAKER_00")
    large_s = time.perf_counter() - began
    assert span is not None and span.start == 0.0
    # ten times the segments: about ten times the time (quadratic would be a hundred)
    assert large_s < 30 * max(small_s, 0.01), (small_s, large_s)
