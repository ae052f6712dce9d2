"""Enrolling and forgetting voiceprints, and the snapshot merge matches against (ADR 0008).

Naming a speaker enrols that recording's voice of the speaker for the person of that name
(made on first use); taking the name back, or naming the speaker as someone else, moves or
removes that enrolment, so a wrong match does not repeat. After every change the owner's
snapshot in the `voiceprints` KV bucket is written again; merge reads only that."""

from __future__ import annotations

import contextlib
import uuid

from faststream.nats import NatsBroker
from litestar.datastructures import State
from nats.js.errors import KeyNotFoundError, ObjectNotFoundError
from secretary_contracts import DiarizationResult, ObjectRef
from secretary_contracts.messaging import BUCKETS, artifact_object_name, owner_key
from secretary_contracts.voiceprints import VoiceprintPerson, Voiceprints
from secretary_runtime import objects
from sqlalchemy import delete, func, select

from secretary_gateway.db import Database, EnrolmentRow, PersonRow
from secretary_gateway.http import Caller
from secretary_gateway.people.schemas import Person, PersonList
from secretary_gateway.settings import GatewaySettings


async def write_snapshot(
    database: Database, broker: NatsBroker, owner: str, enabled: bool = True
) -> None:
    """The owner's people as merge matches against them, written again from the database."""
    kv = await broker.connection.jetstream().key_value(BUCKETS.voiceprints)
    if not enabled:
        with contextlib.suppress(KeyNotFoundError):
            await kv.delete(owner_key(owner))
        return
    async with database.sessions() as session:
        people = (await session.scalars(select(PersonRow).where(PersonRow.owner == owner))).all()
        enrolments = (
            await session.scalars(select(EnrolmentRow).where(EnrolmentRow.owner == owner))
        ).all()
    by_person: dict[str, list[list[float]]] = {}
    for enrolment in enrolments:
        by_person.setdefault(enrolment.person_id, []).append(list(enrolment.embedding))
    snapshot = Voiceprints(
        owner=owner,
        people=[
            VoiceprintPerson(person_id=p.id, name=p.name, embeddings=by_person[p.id])
            for p in people
            if p.id in by_person
        ],
    )
    await kv.put(owner_key(owner), snapshot.model_dump_json().encode())


class PeopleService:
    def __init__(self, database: Database, broker: NatsBroker, settings: GatewaySettings) -> None:
        self.database = database
        self.broker = broker
        self.settings = settings

    async def _voices(self, recording_id: str) -> dict[str, tuple[list[float], float]]:
        js = self.broker.connection.jetstream()
        ref = ObjectRef(
            bucket=BUCKETS.artifacts,
            name=artifact_object_name(recording_id, "diarization"),
            size_bytes=0,
        )
        try:
            result = await objects.get_model(js, ref, DiarizationResult)
        except ObjectNotFoundError:
            return {}
        return {v.speaker: (v.embedding, v.speech_s) for v in result.voices}

    async def names_given(
        self, caller: Caller, recording_id: str, given: dict[str, str | None], labels: list[str]
    ) -> None:
        """After `PATCH .../speakers`: every label named here is enrolled for the person of
        that name; a name taken back, or a label merged into another, is not."""
        if not self.settings.voiceprints:
            return
        voices = await self._voices(recording_id)
        async with self.database.sessions.begin() as session:
            for label, value in given.items():
                await session.execute(
                    delete(EnrolmentRow).where(
                        EnrolmentRow.recording_id == recording_id, EnrolmentRow.speaker == label
                    )
                )
                name = (value or "").strip()
                if not name or name in labels:
                    continue  # a name taken back, or a label merged into another
                person = (
                    await session.scalars(
                        select(PersonRow).where(
                            PersonRow.owner == caller.owner,
                            func.lower(PersonRow.name) == name.lower(),
                        )
                    )
                ).first()
                if person is None:
                    person = PersonRow(id=uuid.uuid4().hex, owner=caller.owner, name=name)
                    session.add(person)
                if label not in voices or voices[label][1] < self.settings.voiceprint_min_speech_s:
                    continue  # named, but too little speech to recognise anyone by
                embedding, speech_s = voices[label]
                session.add(
                    EnrolmentRow(
                        recording_id=recording_id,
                        speaker=label,
                        person_id=person.id,
                        owner=caller.owner,
                        embedding=embedding,
                        speech_s=speech_s,
                    )
                )
        await self.write_snapshot(caller.owner)

    async def write_snapshot(self, owner: str) -> None:
        await write_snapshot(self.database, self.broker, owner, self.settings.voiceprints)

    async def list(self, caller: Caller) -> PersonList:
        async with self.database.sessions() as session:
            people = (
                await session.scalars(
                    select(PersonRow)
                    .where(PersonRow.owner == caller.owner)
                    .order_by(PersonRow.name)
                )
            ).all()
            enrolments = (
                await session.scalars(
                    select(EnrolmentRow).where(EnrolmentRow.owner == caller.owner)
                )
            ).all()
        items = []
        for person in people:
            own = [e for e in enrolments if e.person_id == person.id]
            items.append(
                Person(
                    id=person.id,
                    name=person.name,
                    recordings=len({e.recording_id for e in own}),
                    speech_s=round(sum(e.speech_s for e in own), 1),
                )
            )
        return PersonList(items=items)


def provide_people(state: State) -> PeopleService:
    return PeopleService(state.database, state.broker, state.settings)
