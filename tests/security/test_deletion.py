"""Deletion that deletes, and fails safely: while storage does not answer, a delete answers 503,
the recording reads as gone and every row stays, marked `deleting`; the same call later (or
the gateway's sweep) deletes everything, the recording's events in every stream included
(questions, answers, citations, progress). Real nats-server (the gateway's own, stopped and
started again under it, where storage goes away) and PostgreSQL."""

from __future__ import annotations

import asyncio
import os
import uuid
from pathlib import Path

from nats.aio.client import Client
from nats.js.errors import ObjectNotFoundError
from secretary_contracts import AnswerDelta, AnswerReady
from secretary_contracts.messaging import (
    ALL_SUBJECTS,
    ANSWER_DELTA,
    ANSWER_READY,
    BUCKETS,
    QUESTION_ASKED,
    RECORDING_DELETED,
    TRANSCRIPT_READY,
)
from secretary_gateway.settings import GatewaySettings
from secretary_runtime.nats_server import NatsServer
from secretary_testing import pipeline
from secretary_testing.events import published

from services.gateway.tests.helpers import running_gateway, wait_for_status
from services.gateway.tests.test_product import PLANNING


async def _media_is_gone(client: Client, recording_id: str) -> None:
    store = await client.jetstream().object_store(BUCKETS.media)
    try:
        await store.get_info(recording_id)
    except ObjectNotFoundError:
        return
    raise AssertionError("the media outlived its recording")


async def test_a_delete_while_storage_is_away_keeps_everything_and_succeeds_later(
    tmp_path: Path, postgresql_url: str
) -> None:
    import nats

    with NatsServer(tmp_path / "nats") as server:
        settings = GatewaySettings(nats_url=server.url, database_url=postgresql_url)
        async with running_gateway(settings, "deleter") as api:
            created = await api.post("/v1/recordings", files={"file": ("a.wav", os.urandom(100))})
            recording_id = created.json()["id"]
            client = await nats.connect(server.url)
            await pipeline.finish(client.jetstream(), recording_id, PLANNING)
            await client.close()
            await wait_for_status(api, recording_id, "done")

            server.stop()
            refused = await api.delete(f"/v1/recordings/{recording_id}")
            assert refused.status_code == 503, refused.text
            assert refused.json()["error"]["code"] == "unavailable"
            # gone for its owner, and every row still there for the retry
            assert (await api.get(f"/v1/recordings/{recording_id}")).status_code == 404
            assert (await api.get("/v1/recordings")).json()["items"] == []
            assert await _rows_left(postgresql_url, recording_id) == ("deleting", True)

            server.start()
            await asyncio.sleep(3)  # the gateway's client reconnects
            deleted = await api.delete(f"/v1/recordings/{recording_id}")
            assert deleted.status_code == 204, deleted.text
            assert (await api.get(f"/v1/recordings/{recording_id}")).status_code == 404
            client = await nats.connect(server.url)
            try:
                await _media_is_gone(client, recording_id)
            finally:
                await client.close()


async def _rows_left(database_url: str, recording_id: str) -> tuple[str, bool] | None:
    """The recording row's status, and whether its transcript row is there; None when the
    recording has no row."""
    from secretary_gateway.db import Database, RecordingRow, TranscriptRow

    database = Database(database_url)
    try:
        async with database.sessions() as session:
            row = await session.get(RecordingRow, recording_id)
            transcript = await session.get(TranscriptRow, recording_id)
    finally:
        await database.close()
    return None if row is None else (row.status, transcript is not None)


async def test_a_deletion_no_one_retries_is_finished_by_the_sweep(
    nats_server: NatsServer, nats_client: Client, database_url: str
) -> None:
    """A delete marked its recording and then stopped (its request gone before the news went
    out): the sweep finds it once it is old enough and deletes what is left."""
    from datetime import timedelta

    from faststream.nats import NatsBroker
    from secretary_gateway.db import Database, RecordingRow, utcnow
    from secretary_gateway.recordings.retention import DELETION_RESUMED_AFTER, RetentionSweeper
    from sqlalchemy import update

    settings = GatewaySettings(nats_url=nats_server.url, database_url=database_url)
    async with running_gateway(settings, f"stalled-{uuid.uuid4().hex[:6]}") as api:
        ids = [
            (await api.post("/v1/recordings", files={"file": ("a.wav", os.urandom(200))})).json()[
                "id"
            ]
            for _ in range(2)
        ]
        for recording_id in ids:
            await pipeline.finish(nats_client.jetstream(), recording_id, PLANNING)
            await wait_for_status(api, recording_id, "done")
        stalled, recent = ids
        database = Database(database_url)
        try:
            for recording_id, age in (
                (stalled, DELETION_RESUMED_AFTER * 2),
                (recent, timedelta(seconds=5)),  # may still be running in its request
            ):
                async with database.sessions.begin() as session:
                    await session.execute(
                        update(RecordingRow)
                        .where(RecordingRow.id == recording_id)
                        .values(status="deleting", updated_at=utcnow() - age)
                    )
            # the sweep of a replica (the app's own runs on its test client's loop)
            broker = NatsBroker(nats_server.url)
            await broker.connect()
            try:
                await RetentionSweeper(broker, database, None, None, 3600).sweep()
            finally:
                await broker.stop()
        finally:
            await database.close()
        assert await _rows_left(database_url, stalled) is None
        await _media_is_gone(nats_client, stalled)
        assert await _rows_left(database_url, recent) == ("deleting", True)


async def test_a_deleted_recordings_events_leave_every_stream_and_no_one_elses_do(
    nats_server: NatsServer, nats_client: Client, postgresql_url: str
) -> None:
    settings = GatewaySettings(
        nats_url=nats_server.url, database_url=postgresql_url, answer_wait_s=0
    )
    js = nats_client.jetstream()
    async with running_gateway(settings, f"forgetful-{uuid.uuid4().hex[:8]}") as api:
        kept, deleted = [
            (await api.post("/v1/recordings", files={"file": ("a.wav", os.urandom(300))})).json()[
                "id"
            ]
            for _ in range(2)
        ]
        for recording_id in (kept, deleted):
            await pipeline.finish(js, recording_id, PLANNING)
            await wait_for_status(api, recording_id, "done")
            asked = await api.post(
                f"/v1/recordings/{recording_id}/questions", json={"question": "What budget?"}
            )
            question_id = asked.json()["id"]
            # what the llm service would publish for it
            await pipeline.publish(
                js,
                ANSWER_DELTA,
                AnswerDelta(
                    recording_id=recording_id, question_id=question_id, sequence=0, text="4"
                ),
            )
            await pipeline.publish(
                js,
                ANSWER_READY,
                AnswerReady(
                    recording_id=recording_id,
                    question_id=question_id,
                    owner="x",
                    question="What budget?",
                    answer="Forty thousand [00:05] SPEAKER_01.",
                    supported=True,
                ),
            )
        assert (await api.delete(f"/v1/recordings/{deleted}")).status_code == 204

    kinds = [s for s in ALL_SUBJECTS if s.per_recording]
    left = {s.subject: len(await published(nats_client, s.subject, deleted)) for s in kinds}
    assert left == {s.subject: 1 if s is RECORDING_DELETED else 0 for s in kinds}
    for kind in (TRANSCRIPT_READY, QUESTION_ASKED, ANSWER_DELTA, ANSWER_READY):
        assert len(await published(nats_client, kind.subject, kept)) == 1, kind.subject


async def test_a_deletion_whose_request_died_after_its_news_finishes_from_the_event(
    nats_server: NatsServer, postgresql_url: str
) -> None:
    """The news goes out first; a gateway that died right after it (here: only the event is
    sent, as the request would have) still has its recording's rows and objects removed by
    its own projection of that event."""
    import nats
    from secretary_contracts import RecordingDeleted

    settings = GatewaySettings(nats_url=nats_server.url, database_url=postgresql_url)
    async with running_gateway(settings, f"saga-{uuid.uuid4().hex[:6]}") as api:
        created = await api.post("/v1/recordings", files={"file": ("a.wav", os.urandom(100))})
        recording_id = created.json()["id"]
        owner = (await api.get("/v1/sessions/current")).json()["owner"]
        client = await nats.connect(nats_server.url)
        js = client.jetstream()
        await pipeline.finish(js, recording_id, PLANNING)
        await wait_for_status(api, recording_id, "done")
        news = RecordingDeleted(recording_id=recording_id, owner=owner)
        await js.publish(
            RECORDING_DELETED.of(recording_id),
            news.model_dump_json().encode(),
            headers={"Nats-Msg-Id": f"{recording_id}:deleted"},
        )
        for _ in range(100):
            if (await api.get(f"/v1/recordings/{recording_id}")).status_code == 404:
                break
            await asyncio.sleep(0.1)
        assert (await api.get(f"/v1/recordings/{recording_id}")).status_code == 404
        # the deletion's news answers a retry of its owner only
        assert (await api.delete(f"/v1/recordings/{recording_id}")).status_code == 204
        async with running_gateway(settings, f"{owner}-neighbour") as neighbour:
            theirs = await neighbour.delete(f"/v1/recordings/{recording_id}")
            assert theirs.status_code == 404
        try:
            await _media_is_gone(client, recording_id)
        finally:
            await client.close()
