"""The REST API as a product: owners and keys, exports, speakers, list, search, deletion."""

from __future__ import annotations

import asyncio
import io
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from typing import Any

import docx
import pytest
import srt
import webvtt
from litestar.testing import AsyncTestClient
from nats.aio.client import Client
from nats.js.errors import ObjectNotFoundError
from secretary_contracts import (
    ActionItem,
    ErrorCode,
    QuestionAsked,
    Speaker,
    SpeakersNamed,
    Summary,
    Transcript,
    TranscriptSegment,
    TranscriptWord,
)
from secretary_contracts.messaging import (
    ARTIFACT_KINDS,
    BUCKETS,
    QUESTION_ASKED,
    RECORDING_DELETED,
    SPEAKERS_NAMED,
    artifact_object_name,
    audio_object_name,
    playback_object_name,
)
from secretary_gateway.db import (
    Database,
    QuestionRow,
    RecordingRow,
    SegmentRow,
    TranscriptRevisionRow,
    TranscriptRow,
)
from secretary_gateway.settings import GatewaySettings
from secretary_runtime import objects
from secretary_runtime.recordings import keys_of_recording
from secretary_testing import pipeline
from secretary_testing.events import published
from sqlalchemy import func, select

from services.gateway.tests.helpers import bearer, new_key, running_gateway, wait_for_status


def meeting(*lines: tuple[float, str, str]) -> Transcript:
    """A transcript from (start, speaker, text) lines, each four seconds long."""
    segments = [
        TranscriptSegment(
            start=start,
            end=start + 4,
            speaker=speaker,
            text=text,
            words=[
                TranscriptWord(
                    start=start + i * 0.5, end=start + i * 0.5 + 0.4, word=w, speaker=speaker
                )
                for i, w in enumerate(text.split())
            ],
        )
        for start, speaker, text in lines
    ]
    labels = sorted({speaker for _, speaker, _ in lines})
    return Transcript(
        language="en",
        duration_s=max(start for start, _, _ in lines) + 4,
        speakers=[Speaker(id=label) for label in labels],
        segments=segments,
    )


PLANNING = meeting(
    (0.0, "SPEAKER_00", "Good morning, let us start with the budget."),
    (5.0, "SPEAKER_01", "The budget for the launch is forty thousand euros."),
    (62.5, "SPEAKER_02", "I agree with that number."),
    (70.0, "SPEAKER_00", "Then we move the launch to March."),
    (75.0, "SPEAKER_00", "Tom will send the invitations."),
)


async def upload(api: AsyncTestClient[Any], title: str = "Planning") -> str:
    response = await api.post(
        "/v1/recordings", files={"file": ("call.wav", os.urandom(100))}, data={"title": title}
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def finished(
    api: AsyncTestClient[Any], nats_client: Client, transcript: Transcript, title: str = "Planning"
) -> str:
    """A recording whose pipeline has run: uploaded, then its transcript announced."""
    recording_id = await upload(api, title)
    await pipeline.finish(nats_client.jetstream(), recording_id, transcript)
    assert (await wait_for_status(api, recording_id, "done"))["status"] == "done"
    return recording_id


# --- owners and keys ---------------------------------------------------------------------


async def test_every_route_but_the_probes_needs_a_valid_key(
    api: AsyncTestClient[Any], gateway_settings: GatewaySettings
) -> None:
    recording_id = await upload(api)
    anonymous = {"Authorization": ""}
    for headers in (
        anonymous,
        {"Authorization": "Bearer sec_nope_nope"},
        {"Authorization": "Basic x"},
    ):
        for method, url in [
            ("GET", "/v1/recordings"),
            ("GET", f"/v1/recordings/{recording_id}"),
            ("POST", "/v1/recordings"),
            ("GET", "/v1/search?q=budget"),
            ("GET", "/v1/webhooks"),
        ]:
            response = await api.request(method, url, headers=headers)
            assert response.status_code == 401, (method, url, response.text)
            assert response.json()["error"]["code"] == "unauthorized"
            assert response.headers["www-authenticate"] == "Bearer"
    for probe in ("/healthz", "/readyz", "/metrics", "/schema/openapi.json"):
        assert (await api.get(probe, headers=anonymous)).status_code == 200, probe


async def test_keys_command_creates_lists_and_revokes(
    api: AsyncTestClient[Any], gateway_settings: GatewaySettings
) -> None:
    def keys(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [
                sys.executable,
                "-m",
                "secretary_gateway.keys",
                "--database-url",
                gateway_settings.database_url,
                *args,
            ],
            capture_output=True,
            text=True,
            check=False,
        )

    created = keys("create", "--owner", "team-berlin", "--name", "ci")
    assert created.returncode == 0, created.stderr
    token = created.stdout.strip()
    assert token.startswith("sec_") and "shown once" in created.stderr
    key_id = token.split("_")[1]
    response = await api.get("/v1/recordings", headers=bearer(token))
    assert response.status_code == 200 and response.json()["items"] == []

    listing = keys("list", "--owner", "team-berlin").stdout
    assert key_id in listing and "active" in listing and token.split("_", 2)[2] not in listing

    assert keys("revoke", key_id).returncode == 0
    assert keys("revoke", key_id).returncode == 1
    assert (await api.get("/v1/recordings", headers=bearer(token))).status_code == 401


def _concrete(path: str, ids: dict[str, str]) -> str:
    for name, value in ids.items():
        path = path.replace("{" + name + "}", value)
    return path


async def test_another_owners_ids_are_not_found_on_any_route(
    api: AsyncTestClient[Any], gateway_settings: GatewaySettings, nats_client: Client
) -> None:
    recording_id = await finished(api, nats_client, PLANNING)
    question = await api.post(
        f"/v1/recordings/{recording_id}/questions", json={"question": "What budget?"}
    )
    hook = await api.post("/v1/webhooks", json={"url": "http://127.0.0.1:9/hook"})
    ids = {
        "recording_id": recording_id,
        "question_id": question.json()["id"],
        "webhook_id": hook.json()["id"],
    }
    bob = bearer(await new_key(gateway_settings, "bob"))
    bodies = {"PATCH": {"SPEAKER_00": "Mallory"}, "POST": {"question": "What budget?"}}
    # routes whose body has another shape: a valid one, so that only ownership can refuse it
    route_bodies = {
        ("PATCH", "/v1/recordings/{recording_id}/transcript"): {
            "revision": 0,
            "edits": [{"op": "speaker", "segment": 0, "speaker": "SPEAKER_01"}],
        },
        ("POST", "/v1/recordings/{recording_id}/transcript/revisions/{revision}/revert"): {
            "revision": 1
        },
    }

    schema = (await api.get("/schema/openapi.json")).json()
    tried = []
    for path, operations in schema["paths"].items():
        if not any("{" + name + "}" in path for name in ids):
            continue
        for method in operations:
            response = await api.request(
                method.upper(),
                _concrete(path, {**ids, "revision": "0"}),
                headers=bob,
                json=route_bodies.get((method.upper(), path), bodies.get(method.upper())),
            )
            assert response.status_code == 404, (method, path, response.text)
            assert response.json()["error"]["code"].endswith("_not_found")
            tried.append(f"{method.upper()} {path}")
    assert len(tried) >= 12, tried

    assert (await api.get("/v1/recordings", headers=bob)).json()["items"] == []
    assert (await api.get("/v1/search?q=budget", headers=bob)).json()["items"] == []
    assert (await api.get("/v1/webhooks", headers=bob)).json()["items"] == []
    # and nothing bob tried changed alice's recording
    mine = await api.get(f"/v1/recordings/{recording_id}/speakers")
    assert mine.json()["names"] == {}
    assert (await api.get(f"/v1/recordings/{recording_id}/transcript")).json()["revision"] == 0
    assert (await api.get(f"/v1/recordings/{recording_id}")).json()["status"] == "done"


# --- exports and speakers ------------------------------------------------------------------


async def test_exports_parse_and_carry_the_speaker_names(
    api: AsyncTestClient[Any], nats_client: Client
) -> None:
    recording_id = await finished(api, nats_client, PLANNING)
    named = await api.patch(
        f"/v1/recordings/{recording_id}/speakers",
        json={"SPEAKER_00": "Maria", "SPEAKER_01": "Tom"},
    )
    assert named.status_code == 200, named.text
    url = f"/v1/recordings/{recording_id}/transcript"

    subtitles = list(srt.parse((await api.get(url, params={"format": "srt"})).text))
    assert len(subtitles) == len(PLANNING.segments)
    assert subtitles[1].start.total_seconds() == 5.0 and subtitles[1].end.total_seconds() == 9.0
    assert subtitles[1].content == "Tom: The budget for the launch is forty thousand euros."

    vtt = (await api.get(url, params={"format": "vtt"})).text
    captions = webvtt.from_string(vtt).captions
    assert [c.start for c in captions][:2] == ["00:00:00.000", "00:00:05.000"]
    assert captions[0].voice == "Maria" and captions[3].voice == "Maria"

    markdown = await api.get(url, params={"format": "md"})
    assert markdown.headers["content-type"].startswith("text/markdown")
    lines = markdown.text.splitlines()
    assert lines[0] == "# Planning"
    # consecutive lines of one speaker stay under one heading
    assert [line for line in lines if line.startswith("## ")] == [
        "## Maria",
        "## Tom",
        "## SPEAKER_02",
        "## Maria",
    ]
    assert "**[01:15]** Tom will send the invitations.  " in lines

    document_response = await api.get(url, params={"format": "docx"})
    assert (
        document_response.headers["content-disposition"] == 'attachment; filename="Planning.docx"'
    )
    document = docx.Document(io.BytesIO(document_response.content))
    headings = [
        p.text
        for p in document.paragraphs
        if p.style is not None and p.style.name.startswith("Heading")
    ]
    assert headings == ["Planning", "Maria", "Tom", "SPEAKER_02", "Maria"]
    assert any(p.text == "[01:10] Then we move the launch to March." for p in document.paragraphs)

    text = (await api.get(url, params={"format": "txt"})).text
    assert (
        text.splitlines()[1] == "[00:00:05] Tom: The budget for the launch is forty thousand euros."
    )
    transcript = (await api.get(url)).json()
    assert {s["id"]: s["name"] for s in transcript["speakers"]} == {
        "SPEAKER_00": "Maria",
        "SPEAKER_01": "Tom",
        "SPEAKER_02": None,
    }
    bad = await api.get(url, params={"format": "pdf"})
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "bad_request"


async def test_speakers_are_renamed_merged_and_reach_answers_and_summaries(
    api: AsyncTestClient[Any], nats_client: Client
) -> None:
    recording_id = await finished(api, nats_client, PLANNING)
    speakers_url = f"/v1/recordings/{recording_id}/speakers"
    found = (await api.get(speakers_url)).json()
    assert [s["id"] for s in found["speakers"]] == ["SPEAKER_00", "SPEAKER_01", "SPEAKER_02"]

    # SPEAKER_02 was Tom all along: merge, by giving the label
    merged = await api.patch(speakers_url, json={"SPEAKER_01": "Tom", "SPEAKER_02": "SPEAKER_01"})
    assert [(s["id"], s["name"], s["named"], s["merged"]) for s in merged.json()["speakers"]] == [
        ("SPEAKER_00", "SPEAKER_00", False, []),
        ("SPEAKER_01", "Tom", True, ["SPEAKER_02"]),
    ]
    transcript = (await api.get(f"/v1/recordings/{recording_id}/transcript")).json()
    assert [s["speaker"] for s in transcript["segments"]] == [
        "SPEAKER_00",
        "SPEAKER_01",
        "SPEAKER_01",
        "SPEAKER_00",
        "SPEAKER_00",
    ]
    assert {w["speaker"] for w in transcript["segments"][2]["words"]} == {"SPEAKER_01"}

    # giving two labels one name merges them too; null takes a name back
    again = await api.patch(speakers_url, json={"SPEAKER_00": "Tom", "SPEAKER_02": None})
    assert [s["name"] for s in again.json()["speakers"]] == ["Tom", "SPEAKER_02"]
    await api.patch(speakers_url, json={"SPEAKER_00": "Maria", "SPEAKER_02": "SPEAKER_01"})

    for body, code in [
        ({"SPEAKER_09": "Ghost"}, "unknown_speaker"),
        ({"SPEAKER_00": "   "}, "invalid_speaker_name"),
        ({"SPEAKER_00": "x" * 101}, "invalid_speaker_name"),
    ]:
        refused = await api.patch(speakers_url, json=body)
        assert refused.status_code == 400 and refused.json()["error"]["code"] == code, body
    assert (await api.patch(speakers_url, json=["SPEAKER_00"])).status_code == 400
    assert (await api.get(speakers_url)).json()["names"] == {
        "SPEAKER_00": "Maria",
        "SPEAKER_01": "Tom",
        "SPEAKER_02": "SPEAKER_01",
    }

    # the Telegram chat hears them too, and names given there come back here
    named = await published(nats_client, SPEAKERS_NAMED.subject, recording_id)
    assert named[-1]["names"] == {
        "SPEAKER_00": "Maria",
        "SPEAKER_01": "Tom",
        "SPEAKER_02": "SPEAKER_01",
    }
    from_chat = SpeakersNamed(
        recording_id=recording_id,
        owner=named[-1]["owner"],
        names={**named[-1]["names"], "SPEAKER_00": "Maria K."},
    )
    await pipeline.publish(nats_client.jetstream(), SPEAKERS_NAMED, from_chat)
    for _ in range(50):
        names = (await api.get(speakers_url)).json()["names"]
        if names["SPEAKER_00"] == "Maria K.":
            break
        await asyncio.sleep(0.1)
    assert names["SPEAKER_00"] == "Maria K."
    await api.patch(speakers_url, json={"SPEAKER_00": "Maria"})

    # the llm service hears the names with every question
    await api.post(f"/v1/recordings/{recording_id}/questions", json={"question": "Who?"})
    asked = await published(nats_client, QUESTION_ASKED.subject, recording_id)
    assert QuestionAsked.model_validate(asked[-1]).speaker_names["SPEAKER_00"] == "Maria"

    await objects.put_model(
        nats_client.jetstream(),
        BUCKETS.artifacts,
        artifact_object_name(recording_id, "summary"),
        Summary(
            summary="SPEAKER_00 proposed March.",
            decisions=["Launch in March (SPEAKER_00)."],
            action_items=[ActionItem(who="SPEAKER_02", what="Send the invitations")],
        ),
    )
    summary = (await api.get(f"/v1/recordings/{recording_id}/summary")).json()
    assert summary["summary"] == "Maria proposed March."
    assert summary["decisions"] == ["Launch in March (Maria)."]
    assert summary["action_items"][0]["who"] == "Tom"

    waiting = await upload(api)
    early = await api.patch(f"/v1/recordings/{waiting}/speakers", json={"SPEAKER_00": "A"})
    assert early.status_code == 409 and early.json()["error"]["code"] == "transcript_not_ready"


# --- list and search ---------------------------------------------------------------------


async def test_recordings_are_listed_newest_first_a_page_at_a_time(
    api: AsyncTestClient[Any],
) -> None:
    uploaded = [await upload(api, f"Meeting {n}") for n in range(5)]
    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        params: dict[str, Any] = {"limit": 2}
        if cursor:
            params["cursor"] = cursor
        page = (await api.get("/v1/recordings", params=params)).json()
        seen += [item["id"] for item in page["items"]]
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == list(reversed(uploaded)) and pages == 3
    queued = (await api.get("/v1/recordings", params={"status": "queued"})).json()
    assert len(queued["items"]) == 5
    assert (await api.get("/v1/recordings", params={"status": "done"})).json()["items"] == []
    for params in ({"cursor": "not-a-cursor"}, {"limit": 0}, {"limit": 1000}, {"status": "x"}):
        response = await api.get("/v1/recordings", params=params)
        assert response.status_code == 400, params
        assert response.json()["error"]["code"] in ("invalid_cursor", "bad_request")


async def test_search_finds_what_was_said_where_and_by_whom(
    api: AsyncTestClient[Any], nats_client: Client, gateway_settings: GatewaySettings
) -> None:
    other = await finished(
        api,
        nats_client,
        meeting((0.0, "SPEAKER_00", "Hiring is on hold until the budget is approved.")),
        title="Hiring",
    )
    planning = await finished(api, nats_client, PLANNING)
    await finished(
        api, nats_client, meeting((3.0, "SPEAKER_01", "Нужно обсудить бюджет на март.")), "Бюджет"
    )
    await api.patch(f"/v1/recordings/{planning}/speakers", json={"SPEAKER_00": "Maria"})

    found = (await api.get("/v1/search", params={"q": "move the LAUNCH"})).json()
    assert found["items"] == [
        {
            "recording_id": planning,
            "recording_title": "Planning",
            "at": "01:10",
            "start": 70.0,
            "end": 74.0,
            "speaker": "Maria",
            "text": "Then we move the launch to March.",
        }
    ]
    phrase = (await api.get("/v1/search", params={"q": '"budget is approved"'})).json()
    assert [hit["recording_id"] for hit in phrase["items"]] == [other]
    budget = (await api.get("/v1/search", params={"q": "budget"})).json()
    assert {hit["recording_id"] for hit in budget["items"]} == {other, planning}
    russian = (await api.get("/v1/search", params={"q": "БЮДЖЕТ"})).json()
    assert [hit["recording_title"] for hit in russian["items"]] == ["Бюджет"]
    assert (await api.get("/v1/search", params={"q": "nothing like this"})).json()["items"] == []

    # whatever people type is a query or a clear 400, never a server error
    for query in ['"', "budget AND (", "NEAR(", "*", "-launch", "launch'; DROP TABLE segments"]:
        response = await api.get("/v1/search", params={"q": query})
        assert response.status_code in (200, 400), (query, response.text)
    empty = await api.get("/v1/search", params={"q": "?!"})
    assert empty.status_code == 400 and empty.json()["error"]["code"] == "invalid_query"

    # another owner's words are not found
    carol = bearer(await new_key(gateway_settings, "carol"))
    assert (await api.get("/v1/search", params={"q": "launch"}, headers=carol)).json()[
        "items"
    ] == []


# --- deletion and retention ----------------------------------------------------------------


async def _plant_everything(nats_client: Client, recording_id: str) -> None:
    """An object in every bucket and a key in every KV bucket the pipeline writes for a
    recording."""
    js = nats_client.jetstream()
    await (await js.object_store(BUCKETS.media)).put(recording_id, b"media")
    await (await js.object_store(BUCKETS.audio)).put(audio_object_name(recording_id), b"pcm")
    await (await js.object_store(BUCKETS.audio)).put(playback_object_name(recording_id), b"opus")
    for kind in ARTIFACT_KINDS:
        if kind != "transcript":
            await (await js.object_store(BUCKETS.artifacts)).put(
                artifact_object_name(recording_id, kind), b"{}"
            )
    await (await js.key_value(BUCKETS.merge_state)).put(f"{recording_id}.asr", b"{}")
    await (await js.key_value(BUCKETS.qa_history)).put(f"{recording_id}.0123abcd", b"[]")


# what `_plant_everything` and a finished transcript leave: media, audio, its rendition, every
# artifact, a merge-state and a history key
EVERYTHING = 3 + len(ARTIFACT_KINDS) + 2


async def _stored_objects(nats_client: Client, recording_id: str) -> list[str]:
    js = nats_client.jetstream()
    left = []
    names = [
        (BUCKETS.media, recording_id),
        (BUCKETS.audio, audio_object_name(recording_id)),
        (BUCKETS.audio, playback_object_name(recording_id)),
        *[(BUCKETS.artifacts, artifact_object_name(recording_id, k)) for k in ARTIFACT_KINDS],
    ]
    for bucket, name in names:
        try:
            await (await js.object_store(bucket)).get_info(name)
            left.append(f"{bucket}/{name}")
        except ObjectNotFoundError:
            pass
    for bucket in (BUCKETS.merge_state, BUCKETS.qa_history):
        keys = await keys_of_recording(js, bucket, recording_id)
        left += [f"{bucket}/{key}" for key in keys]
    return left


async def _rows(settings: GatewaySettings, recording_id: str) -> dict[str, int]:
    database = Database(settings.database_url)
    counts = {}
    try:
        async with database.sessions() as session:
            for table, column in (
                (RecordingRow, RecordingRow.id),
                (TranscriptRow, TranscriptRow.recording_id),
                (TranscriptRevisionRow, TranscriptRevisionRow.recording_id),
                (SegmentRow, SegmentRow.recording_id),
                (QuestionRow, QuestionRow.recording_id),
            ):
                counts[table.__tablename__] = int(
                    await session.scalar(select(func.count()).where(column == recording_id)) or 0
                )
    finally:
        await database.close()
    return counts


async def test_delete_leaves_nothing_behind(
    api: AsyncTestClient[Any], nats_client: Client, gateway_settings: GatewaySettings, owner: str
) -> None:
    recording_id = await finished(api, nats_client, PLANNING)
    kept = await finished(api, nats_client, PLANNING, title="Kept")
    await _plant_everything(nats_client, recording_id)
    await _plant_everything(nats_client, kept)
    await api.post(f"/v1/recordings/{recording_id}/questions", json={"question": "Budget?"})
    edit = {"revision": 0, "edits": [{"op": "join", "segment": 3}]}
    assert (await api.patch(f"/v1/recordings/{recording_id}/transcript", json=edit)).is_success
    assert 0 not in (await _rows(gateway_settings, recording_id)).values()

    response = await api.delete(f"/v1/recordings/{recording_id}")
    assert response.status_code == 204
    announced = await published(nats_client, RECORDING_DELETED.subject, recording_id)
    assert [event["owner"] for event in announced] == [owner]

    assert await _rows(gateway_settings, recording_id) == {
        "recordings": 0,
        "transcripts": 0,
        "transcript_revisions": 0,
        "segments": 0,
        "questions": 0,
    }
    assert await _stored_objects(nats_client, recording_id) == []
    assert (await api.get(f"/v1/recordings/{recording_id}")).status_code == 404
    # deleting again finds the news of the first deletion and answers as it did
    assert (await api.delete(f"/v1/recordings/{recording_id}")).status_code == 204
    assert await _stored_objects(nats_client, recording_id) == []
    assert (await api.get("/v1/search", params={"q": "launch"})).json()["items"][0][
        "recording_id"
    ] == kept
    # the other recording is untouched
    assert len(await _stored_objects(nats_client, kept)) == EVERYTHING
    assert (await api.get(f"/v1/recordings/{kept}/transcript")).status_code == 200


async def test_a_transcript_finished_after_deletion_is_removed_too(
    api: AsyncTestClient[Any], nats_client: Client
) -> None:
    recording_id = await upload(api)
    assert (await api.delete(f"/v1/recordings/{recording_id}")).status_code == 204
    # the pipeline was still working on it, and finishes
    await pipeline.finish(nats_client.jetstream(), recording_id, PLANNING)
    for _ in range(50):
        if not await _stored_objects(nats_client, recording_id):
            break
        await asyncio.sleep(0.1)
    assert await _stored_objects(nats_client, recording_id) == []
    assert (await api.get(f"/v1/recordings/{recording_id}")).status_code == 404


async def test_retention_removes_media_then_whole_recordings(
    gateway_settings: GatewaySettings, nats_client: Client, owner: str
) -> None:
    settings = gateway_settings.model_copy(
        update={
            "media_retention_days": 7,
            "transcript_retention_days": 30,
            "retention_check_every_s": 0.2,
        }
    )
    async with running_gateway(settings, owner) as api:
        fresh = await finished(api, nats_client, PLANNING, "fresh")
        week_old = await finished(api, nats_client, PLANNING, "week old")
        month_old = await finished(api, nats_client, PLANNING, "month old")
        processing = await upload(api, "still processing")
        for recording_id in (fresh, week_old, month_old, processing):
            await _plant_everything(nats_client, recording_id)
        database = Database(settings.database_url)
        async with database.sessions.begin() as session:
            for recording_id, days in ((week_old, 8), (month_old, 31), (processing, 40)):
                row = await session.get(RecordingRow, recording_id)
                assert row is not None
                row.created_at = datetime.now(UTC) - timedelta(days=days)
        await database.close()

        for _ in range(50):
            if (await api.get(f"/v1/recordings/{month_old}")).status_code == 404:
                break
            await asyncio.sleep(0.1)
        await asyncio.sleep(0.5)

        assert (await api.get(f"/v1/recordings/{month_old}")).status_code == 404
        assert await _stored_objects(nats_client, month_old) == []

        stripped = (await api.get(f"/v1/recordings/{week_old}")).json()
        assert stripped["media_available"] is False
        left = await _stored_objects(nats_client, week_old)
        assert not [name for name in left if name.startswith(("media/", "audio/"))]
        assert (await api.get(f"/v1/recordings/{week_old}/transcript")).status_code == 200

        assert (await api.get(f"/v1/recordings/{fresh}")).json()["media_available"] is True
        assert len(await _stored_objects(nats_client, fresh)) == EVERYTHING
        # a recording still in the pipeline keeps everything (it has no transcript yet),
        # whatever its age
        assert len(await _stored_objects(nats_client, processing)) == EVERYTHING - 1


async def test_failed_recordings_report_their_error_and_are_listed(
    api: AsyncTestClient[Any], nats_client: Client
) -> None:
    recording_id = await upload(api)
    await pipeline.fail(nats_client.jetstream(), recording_id, ErrorCode.NO_SPEECH, "Silence.")
    state = await wait_for_status(api, recording_id, "failed")
    assert state["error"] == {"code": "no_speech", "message": "Silence."}
    listed = (await api.get("/v1/recordings", params={"status": "failed"})).json()["items"]
    assert [item["id"] for item in listed] == [recording_id]


@pytest.mark.parametrize("path", ["/v1/recordings/nope", "/v1/recordings/nope/transcript"])
async def test_unknown_ids_are_not_found(api: AsyncTestClient[Any], path: str) -> None:
    response = await api.get(path)
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "recording_not_found"
