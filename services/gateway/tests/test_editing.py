"""Editing a transcript: words, segments and speakers change, their times stay; each save is
a revision (one at a time, any gone back to), and exports, search and the llm service see it."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from litestar.testing import AsyncTestClient
from nats.aio.client import Client
from secretary_contracts import Transcript, TranscriptEdited
from secretary_contracts.messaging import RECORDINGS_STREAM, TRANSCRIPT_EDITED
from secretary_gateway.settings import GatewaySettings
from secretary_gateway.transcripts.editing import (
    EditError,
    JoinSegments,
    ReplaceWords,
    SetSpeaker,
    SplitSegment,
    apply_edits,
)

from services.gateway.tests.helpers import running_gateway
from services.gateway.tests.test_product import PLANNING, finished

BUDGET = 1  # "The budget for the launch is forty thousand euros.", words 0.5 s apart from 5 s


def _times(transcript: Transcript, segment: int) -> list[tuple[str, float, float]]:
    return [(w.word, w.start, w.end) for w in transcript.segments[segment].words]


def test_a_replaced_run_of_words_spreads_over_the_time_it_took() -> None:
    edited = apply_edits(
        PLANNING,
        [ReplaceWords(op="replace", segment=BUDGET, first_word=6, last_word=7, text="45 000")],
    )
    words = _times(edited, BUDGET)
    # "forty" (8.0-8.4) and "thousand" (8.5-8.9) become two words over 8.0-8.9, by length
    assert words[6] == ("45", 8.0, 8.386) and words[7] == ("000", 8.386, 8.9)
    assert words[:6] == _times(PLANNING, BUDGET)[:6] and words[8:] == _times(PLANNING, BUDGET)[8:]
    assert edited.segments[BUDGET].text == "The budget for the launch is 45 000 euros."
    assert PLANNING.segments[BUDGET].words[6].word == "forty"  # the original is untouched

    one = apply_edits(
        PLANNING,
        [ReplaceWords(op="replace", segment=0, first_word=0, last_word=1, text="Morning,")],
    )
    assert _times(one, 0)[0] == ("Morning,", 0.0, 0.9)
    removed = apply_edits(
        PLANNING, [ReplaceWords(op="replace", segment=2, first_word=0, last_word=4, text="")]
    )
    assert len(removed.segments) == len(PLANNING.segments) - 1


def test_segments_split_join_and_change_speaker_keeping_their_words() -> None:
    split = apply_edits(PLANNING, [SplitSegment(op="split", segment=BUDGET, before_word=5)])
    head, tail = split.segments[BUDGET], split.segments[BUDGET + 1]
    assert head.text == "The budget for the launch" and tail.text == "is forty thousand euros."
    assert (head.start, head.end, tail.start, tail.end) == (5.0, 7.4, 7.5, 9.4)
    given = apply_edits(split, [SetSpeaker(op="speaker", segment=BUDGET + 1, speaker="SPEAKER_02")])
    assert {w.speaker for w in given.segments[BUDGET + 1].words} == {"SPEAKER_02"}
    assert given.segments[BUDGET + 1].speaker == "SPEAKER_02"
    joined = apply_edits(split, [JoinSegments(op="join", segment=BUDGET)])
    assert joined.segments[BUDGET].text == PLANNING.segments[BUDGET].text
    assert _times(joined, BUDGET) == _times(PLANNING, BUDGET)

    for impossible, reason in (
        (JoinSegments(op="join", segment=0), "different speakers"),
        (SetSpeaker(op="speaker", segment=0, speaker="SPEAKER_09"), "No speaker 'SPEAKER_09'"),
        (SplitSegment(op="split", segment=0, before_word=40), "splits before word 1 to"),
        (ReplaceWords(op="replace", segment=9, first_word=0, last_word=0, text="x"), "segment"),
        (ReplaceWords(op="replace", segment=0, first_word=3, last_word=2, text="x"), "words"),
    ):
        with pytest.raises(EditError, match=reason):
            apply_edits(PLANNING, [impossible])


async def test_an_edit_is_a_revision_that_exports_and_search_show(
    api: AsyncTestClient[Any], nats_client: Client
) -> None:
    recording_id = await finished(api, nats_client, PLANNING)
    base = f"/v1/recordings/{recording_id}"
    assert (await api.get(f"{base}/transcript")).json()["revision"] == 0
    announced = await nats_client.jetstream().subscribe(
        TRANSCRIPT_EDITED.of(recording_id), stream=RECORDINGS_STREAM, ordered_consumer=True
    )

    saved = await api.patch(
        f"{base}/transcript",
        json={
            "revision": 0,
            "edits": [
                {"op": "replace", "segment": 1, "first_word": 6, "last_word": 7, "text": "45 000"},
                {"op": "speaker", "segment": 2, "speaker": "SPEAKER_01"},
            ],
        },
    )
    assert saved.status_code == 200, saved.text
    edited = saved.json()
    assert edited["revision"] == 1
    assert edited["segments"][1]["text"] == "The budget for the launch is 45 000 euros."
    assert edited["segments"][1]["words"][6] | {"score": None} == {
        "start": 8.0, "end": 8.386, "word": "45", "speaker": "SPEAKER_01", "score": None,
        "attached": False,
    }  # fmt: skip
    assert edited["segments"][2]["speaker"] == "SPEAKER_01"

    text = (await api.get(f"{base}/transcript", params={"format": "txt"})).text
    assert "45 000 euros" in text and "forty" not in text
    srt = (await api.get(f"{base}/transcript", params={"format": "srt"})).text
    assert "45 000 euros" in srt
    found = (await api.get("/v1/search", params={"q": "45"})).json()["items"]
    assert [hit["recording_id"] for hit in found] == [recording_id]
    assert (await api.get("/v1/search", params={"q": "forty"})).json()["items"] == []

    event = await announced.next_msg(timeout=5)
    assert event.headers is not None and event.headers["Nats-Msg-Id"] == f"{recording_id}:edited:1"
    told = TranscriptEdited.model_validate_json(event.data)
    assert (told.revision, told.segment_count) == (1, len(PLANNING.segments))
    store = await nats_client.jetstream().object_store(told.transcript.bucket)
    artifact = Transcript.model_validate_json((await store.get(told.transcript.name)).data or b"")
    assert artifact.revision == 1 and artifact.segments[1].words[6].word == "45"


async def test_an_edit_on_a_stale_revision_is_refused_and_any_revision_comes_back(
    api: AsyncTestClient[Any], nats_client: Client
) -> None:
    recording_id = await finished(api, nats_client, PLANNING)
    base = f"/v1/recordings/{recording_id}"

    def rename(revision: int, text: str) -> dict[str, Any]:
        return {
            "revision": revision,
            "edits": [
                {"op": "replace", "segment": 4, "first_word": 0, "last_word": 0, "text": text}
            ],
        }

    first, second = await asyncio.gather(
        api.patch(f"{base}/transcript", json=rename(0, "Tom")),
        api.patch(f"{base}/transcript", json=rename(0, "Anna")),
    )
    assert sorted([first.status_code, second.status_code]) == [200, 409]
    loser = first if first.status_code == 409 else second
    assert loser.json()["error"]["code"] == "stale_revision"
    assert (await api.patch(f"{base}/transcript", json=rename(0, "Ann"))).status_code == 409
    assert (await api.patch(f"{base}/transcript", json=rename(1, "Tomas"))).status_code == 200

    revisions = (await api.get(f"{base}/transcript/revisions")).json()
    assert revisions["current"] == 2
    assert [(r["revision"], r["edits"]) for r in revisions["items"]] == [(0, 0), (1, 1), (2, 1)]

    back = await api.post(f"{base}/transcript/revisions/0/revert", json={"revision": 2})
    assert back.status_code == 200, back.text
    assert back.json()["revision"] == 3
    assert back.json()["segments"][4]["text"] == PLANNING.segments[4].text
    listed = (await api.get(f"{base}/transcript/revisions")).json()["items"]
    assert listed[-1]["reverted_to"] == 0
    stale = await api.post(f"{base}/transcript/revisions/1/revert", json={"revision": 2})
    assert stale.status_code == 409
    missing = await api.post(f"{base}/transcript/revisions/7/revert", json={"revision": 3})
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "revision_not_found"

    wrong = await api.patch(
        f"{base}/transcript",
        json={"revision": 3, "edits": [{"op": "join", "segment": 0}]},
    )
    assert wrong.status_code == 400 and wrong.json()["error"]["code"] == "invalid_edit"
    assert "different speakers" in wrong.json()["error"]["message"]
    malformed = await api.patch(
        f"{base}/transcript", json={"revision": 3, "edits": [{"op": "shout"}]}
    )
    assert malformed.status_code == 400


async def test_a_redelivered_transcript_leaves_the_edits_and_another_owner_sees_nothing(
    api: AsyncTestClient[Any], nats_client: Client, gateway_settings: GatewaySettings
) -> None:
    from secretary_testing import pipeline

    recording_id = await finished(api, nats_client, PLANNING)
    base = f"/v1/recordings/{recording_id}"
    edit = {
        "revision": 0,
        "edits": [{"op": "replace", "segment": 0, "first_word": 0, "last_word": 1, "text": "Hi,"}],
    }
    assert (await api.patch(f"{base}/transcript", json=edit)).status_code == 200
    await pipeline.finish(nats_client.jetstream(), recording_id, PLANNING)
    await asyncio.sleep(1)
    kept = (await api.get(f"{base}/transcript")).json()
    assert kept["revision"] == 1 and kept["segments"][0]["text"].startswith("Hi,")

    async with running_gateway(gateway_settings, "mallory") as mallory:
        for answer in (
            await mallory.patch(f"{base}/transcript", json={**edit, "revision": 1}),
            await mallory.get(f"{base}/transcript/revisions"),
            await mallory.post(f"{base}/transcript/revisions/0/revert", json={"revision": 1}),
        ):
            assert answer.status_code == 404
            assert answer.json()["error"]["code"] == "recording_not_found"
    assert (await api.get(f"{base}/transcript")).json()["revision"] == 1


async def test_the_vocabulary_is_the_owners_and_an_edit_offers_its_new_names(
    api: AsyncTestClient[Any], nats_client: Client
) -> None:
    assert (await api.get("/v1/vocabulary")).json() == {"terms": []}
    put = await api.put("/v1/vocabulary", json={"terms": [" OKR ", "Kubernetes", "okr"]})
    assert put.status_code == 200 and put.json() == {"terms": ["OKR", "Kubernetes"]}
    # the language set elsewhere leaves the vocabulary as it is
    assert (await api.put("/v1/settings", json={"language": "en"})).status_code == 200
    assert (await api.get("/v1/vocabulary")).json()["terms"] == ["OKR", "Kubernetes"]
    too_long = await api.put("/v1/vocabulary", json={"terms": ["x" * 61]})
    assert too_long.status_code == 400

    recording_id = await finished(api, nats_client, PLANNING)
    saved = await api.patch(
        f"/v1/recordings/{recording_id}/transcript",
        json={
            "revision": 0,
            "edits": [
                # "Tom will send the invitations." -> a name, a known term, a plain word
                {"op": "replace", "segment": 4, "first_word": 0, "last_word": 0,
                 "text": "Anna-Maria"},
                {"op": "replace", "segment": 4, "first_word": 3, "last_word": 4,
                 "text": "OKR invites."},
                {"op": "replace", "segment": 3, "first_word": 0, "last_word": 0, "text": "Then"},
            ],
        },
    )  # fmt: skip
    assert saved.status_code == 200, saved.text
    assert saved.json()["suggested_terms"] == ["Anna-Maria"]
    assert saved.json()["segments"][4]["text"] == "Anna-Maria will send OKR invites."
