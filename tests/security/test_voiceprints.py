"""Voiceprints stay within the server's limits however many people an owner names: one KV
key per person, each with at most `MAX_VOICEPRINT_EMBEDDINGS` enrolments (those with the most
speech). An owner whose people together are many times the payload limit still renames,
forgets and is matched. Real nats-server, SQLite and PostgreSQL."""

from __future__ import annotations

import uuid

from nats.aio.client import Client
from secretary_contracts.voiceprints import MAX_VOICEPRINT_EMBEDDINGS
from secretary_gateway.db import Database, EnrolmentRow, PersonRow
from secretary_gateway.settings import GatewaySettings
from secretary_runtime.nats_server import NatsServer
from secretary_runtime.voiceprints import people_of

from services.gateway.tests.helpers import running_gateway

DIMENSIONS = 256  # as the speaker embeddings diarize stores
PEOPLE = 60


def _embedding(marker: int) -> list[float]:
    """Values that do not shorten in JSON, as real embeddings do not; `marker` says which."""
    return [float(marker)] + [0.123456789012345] * (DIMENSIONS - 1)


async def _revisions(nats_client: Client, owner: str) -> dict[str, int]:
    from secretary_contracts.messaging import BUCKETS, owner_key
    from secretary_runtime.kv import live_entries

    keys = f"{owner_key(owner)}.>"
    entries = await live_entries(nats_client.jetstream(), BUCKETS.voiceprints, keys)
    return {entry.key: entry.revision for entry in entries if entry.revision is not None}


async def test_an_owner_with_many_people_over_the_payload_limit_still_renames_and_forgets(
    nats_server: NatsServer, nats_client: Client, database_url: str
) -> None:
    owner = f"crowd-{uuid.uuid4().hex[:6]}"
    settings = GatewaySettings(nats_url=nats_server.url, database_url=database_url)
    async with running_gateway(settings, owner) as api:
        database = Database(database_url)
        try:
            async with database.sessions.begin() as session:
                for person in range(PEOPLE):
                    person_id = f"p{person:04d}"
                    session.add(PersonRow(id=person_id, owner=owner, name=f"Person {person}"))
                    # the first person was named in twice as many meetings as are kept
                    for meeting in range(MAX_VOICEPRINT_EMBEDDINGS * (2 if person == 0 else 1)):
                        session.add(
                            EnrolmentRow(
                                recording_id=f"r{person:04d}{meeting:04d}",
                                speaker="SPEAKER_00",
                                person_id=person_id,
                                owner=owner,
                                embedding=_embedding(meeting),
                                speech_s=float(meeting),
                            )
                        )
        finally:
            await database.close()
        # 17 characters a value in JSON: all of them together are far over one message
        stored_bytes = PEOPLE * MAX_VOICEPRINT_EMBEDDINGS * DIMENSIONS * 17
        assert stored_bytes > 5 * nats_client.max_payload

        renamed = await api.patch("/v1/people/p0000", json={"name": "Maria"})
        assert renamed.status_code == 200, renamed.text
        people = {p.person_id: p for p in await people_of(nats_client.jetstream(), owner)}
        assert len(people) == PEOPLE
        maria = people["p0000"]
        assert maria.name == "Maria"
        # the enrolments with the most speech are the ones matched by
        kept = sorted(int(e[0]) for e in maria.embeddings)
        assert kept == list(range(MAX_VOICEPRINT_EMBEDDINGS, 2 * MAX_VOICEPRINT_EMBEDDINGS))

        written = await _revisions(nats_client, owner)
        assert (await api.delete("/v1/people/p0001")).status_code == 204
        # forgetting one person rewrites no one else
        assert await _revisions(nats_client, owner) == {
            key: revision for key, revision in written.items() if not key.endswith(".p0001")
        }
        left = {p.person_id for p in await people_of(nats_client.jetstream(), owner)}
        assert "p0001" not in left and len(left) == PEOPLE - 1
        assert (await api.get("/v1/people")).json()["items"][0]["name"] == "Maria"

    # another owner reads none of them
    assert await people_of(nats_client.jetstream(), f"{owner}x") == []
