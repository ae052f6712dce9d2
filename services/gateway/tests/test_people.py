"""People and voiceprints: naming a speaker enrols its voice; taking the name back, or deleting
the recording, removes it; the voiceprints merge matches against follow; never across owners."""

from __future__ import annotations

from typing import Any

from litestar.testing import AsyncTestClient
from nats.aio.client import Client
from secretary_contracts import DiarizationResult, SpeakerTurn, SpeakerVoice
from secretary_contracts.messaging import BUCKETS, artifact_object_name
from secretary_gateway.settings import GatewaySettings
from secretary_runtime import objects
from secretary_runtime.voiceprints import people_of

from services.gateway.tests.helpers import running_gateway
from services.gateway.tests.test_product import PLANNING, finished

VOICES = {
    "SPEAKER_00": ([1.0] + [0.0] * 191, 40.0),
    "SPEAKER_01": ([0.0, 1.0] + [0.0] * 190, 30.0),
    "SPEAKER_02": ([0.0, 0.0, 1.0] + [0.0] * 189, 3.0),  # too little to enrol
}


async def _with_voices(nats_client: Client, recording_id: str) -> None:
    """What the diarize stage stores: the turns and each speaker's voice."""
    result = DiarizationResult(
        duration_s=80.0,
        turns=[SpeakerTurn(start=0.0, end=1.0, speaker=label) for label in VOICES],
        voices=[
            SpeakerVoice(speaker=label, embedding=embedding, speech_s=seconds)
            for label, (embedding, seconds) in VOICES.items()
        ],
    )
    await objects.put_model(
        nats_client.jetstream(),
        BUCKETS.artifacts,
        artifact_object_name(recording_id, "diarization"),
        result,
    )


async def _voiceprints(nats_client: Client, owner: str) -> dict[str, int]:
    """What merge matches the owner's speakers against: each person's name and how many
    enrolments they are matched by."""
    return {p.name: len(p.embeddings) for p in await people_of(nats_client.jetstream(), owner)}


async def test_naming_enrols_and_taking_back_or_deleting_forgets(
    api: AsyncTestClient[Any], nats_client: Client, owner: str, gateway_settings: GatewaySettings
) -> None:
    first = await finished(api, nats_client, PLANNING)
    second = await finished(api, nats_client, PLANNING, title="Review")
    for recording_id in (first, second):
        await _with_voices(nats_client, recording_id)
    named = await api.patch(
        f"/v1/recordings/{first}/speakers",
        json={"SPEAKER_00": "Maria", "SPEAKER_01": "Tom", "SPEAKER_02": "Lena"},
    )
    assert named.status_code == 200, named.text
    await api.patch(f"/v1/recordings/{second}/speakers", json={"SPEAKER_00": "maria"})

    people = {p["name"]: p for p in (await api.get("/v1/people")).json()["items"]}
    assert people["Maria"]["recordings"] == 2 and people["Maria"]["speech_s"] == 80.0
    assert people["Tom"]["recordings"] == 1
    assert people["Lena"]["recordings"] == 0  # three seconds are too few to recognise her by
    assert await _voiceprints(nats_client, owner) == {"Maria": 2, "Tom": 1}

    # a wrong name taken back, and a recording deleted: their voices are no one's
    await api.patch(f"/v1/recordings/{first}/speakers", json={"SPEAKER_01": None})
    assert (await api.delete(f"/v1/recordings/{second}")).status_code == 204
    assert await _voiceprints(nats_client, owner) == {"Maria": 1}

    # another owner has no people, and sees none
    async with running_gateway(gateway_settings, owner=f"{owner}-other") as other:
        assert (await other.get("/v1/people")).json()["items"] == []
    assert await _voiceprints(nats_client, f"{owner}-other") == {}


async def test_a_renamed_person_is_renamed_everywhere_and_a_forgotten_one_leaves_a_plain_name(
    api: AsyncTestClient[Any], nats_client: Client, owner: str
) -> None:
    """A recording whose speaker merge recognised as Maria: renaming her reaches its
    transcript; deleting her deletes her voiceprint and leaves the name as written."""
    from secretary_contracts import Speaker, SpeakerMatch
    from secretary_testing import pipeline

    from services.gateway.tests.helpers import wait_for_status
    from services.gateway.tests.test_product import upload

    enrolled_from = await finished(api, nats_client, PLANNING)
    await _with_voices(nats_client, enrolled_from)
    await api.patch(f"/v1/recordings/{enrolled_from}/speakers", json={"SPEAKER_00": "Maria"})
    (maria,) = (await api.get("/v1/people")).json()["items"]

    recognised_in = await upload(api, "Tuesday")
    transcript = PLANNING.model_copy(deep=True)
    transcript.speakers[0] = Speaker(
        id="SPEAKER_00",
        name="Maria",
        person_id=maria["id"],
        match=SpeakerMatch(score=0.97, applied=True),
    )
    await pipeline.finish(nats_client.jetstream(), recognised_in, transcript)
    await wait_for_status(api, recognised_in, "done")

    renamed = await api.patch(f"/v1/people/{maria['id']}", json={"name": "Maria Petrova"})
    assert renamed.status_code == 200 and renamed.json()["name"] == "Maria Petrova"
    for recording_id in (recognised_in, enrolled_from):  # recognised in, and named in
        text = (
            await api.get(f"/v1/recordings/{recording_id}/transcript", params={"format": "txt"})
        ).text
        assert text.startswith("[00:00:00] Maria Petrova: Good morning")
    speakers = (await api.get(f"/v1/recordings/{recognised_in}/speakers")).json()["speakers"]
    assert speakers[0]["name"] == "Maria Petrova"
    assert (await api.get(f"/v1/people/{maria['id']}/recordings")).json()["items"] == [
        enrolled_from
    ]

    # Maria and "Masha" are one person: Masha's voiceprint and names become Maria's
    await api.patch(f"/v1/recordings/{enrolled_from}/speakers", json={"SPEAKER_01": "Masha"})
    masha = next(p for p in (await api.get("/v1/people")).json()["items"] if p["name"] == "Masha")
    merged = await api.post(f"/v1/people/{masha['id']}/merge", json={"into": maria["id"]})
    assert merged.status_code == 200, merged.text
    assert merged.json()["name"] == "Maria Petrova" and merged.json()["speech_s"] == 70.0
    assert [p["name"] for p in (await api.get("/v1/people")).json()["items"]] == ["Maria Petrova"]
    assert (await api.get(f"/v1/people/{masha['id']}")).status_code == 404
    self_merge = await api.post(f"/v1/people/{maria['id']}/merge", json={"into": maria["id"]})
    assert self_merge.status_code == 400

    assert (await api.delete(f"/v1/people/{maria['id']}")).status_code == 204
    assert (await api.get(f"/v1/people/{maria['id']}")).status_code == 404
    shown = (await api.get(f"/v1/recordings/{recognised_in}/transcript")).json()["speakers"][0]
    assert (shown["name"], shown["person_id"]) == ("Maria", None)
    assert await _voiceprints(nats_client, owner) == {}
