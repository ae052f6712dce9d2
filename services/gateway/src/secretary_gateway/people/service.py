"""Enrolling and forgetting voiceprints, and the snapshot merge matches against (ADR 0008).

Naming a speaker enrols that recording's voice of the speaker for the person of that name
(made on first use); taking the name back, or naming the speaker as someone else, moves or
removes that enrolment, so a wrong match does not repeat. After every change the owner's
voiceprints in the `voiceprints` KV bucket are written again, one key per person; merge reads
only those."""

from __future__ import annotations

import uuid

from faststream.nats import NatsBroker
from litestar.datastructures import State
from nats.js.errors import ObjectNotFoundError
from secretary_contracts import DiarizationResult, ObjectRef, SpeakersNamed
from secretary_contracts.messaging import (
    BUCKETS,
    SPEAKERS_NAMED,
    artifact_object_name,
    speakers_named_message_id,
)
from secretary_contracts.voiceprints import MAX_VOICEPRINT_EMBEDDINGS, VoiceprintPerson
from secretary_runtime import objects
from secretary_runtime.publishing import EventPublisher
from secretary_runtime.voiceprints import store_people
from sqlalchemy import delete, func, select

from secretary_gateway.db import Database, EnrolmentRow, PersonRow, RecordingRow
from secretary_gateway.errors import ApiError
from secretary_gateway.http import Caller
from secretary_gateway.people.schemas import Person, PersonList
from secretary_gateway.settings import GatewaySettings


async def write_snapshot(
    database: Database, broker: NatsBroker, owner: str, enabled: bool = True
) -> None:
    """The owner's people as merge matches against them, written again from the database:
    one key per person, each with the enrolments that have the most speech."""
    people: list[VoiceprintPerson] = []
    if enabled:
        async with database.sessions() as session:
            rows = (await session.scalars(select(PersonRow).where(PersonRow.owner == owner))).all()
            enrolments = (
                await session.scalars(
                    select(EnrolmentRow)
                    .where(EnrolmentRow.owner == owner)
                    .order_by(EnrolmentRow.speech_s.desc())
                )
            ).all()
        by_person: dict[str, list[list[float]]] = {}
        for enrolment in enrolments:
            kept = by_person.setdefault(enrolment.person_id, [])
            if len(kept) < MAX_VOICEPRINT_EMBEDDINGS:
                kept.append(list(enrolment.embedding))
        people = [
            VoiceprintPerson(person_id=p.id, name=p.name, embeddings=by_person[p.id])
            for p in rows
            if p.id in by_person
        ]
    await store_people(broker.connection.jetstream(), owner, people)


MAX_NAME_LENGTH = 100


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

    async def everyone(self, caller: Caller) -> PersonList:
        async with self.database.sessions() as session:
            people = (
                await session.scalars(
                    select(PersonRow)
                    .where(PersonRow.owner == caller.owner, PersonRow.merged_into.is_(None))
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

    async def _owned(self, caller: Caller, person_id: str) -> PersonRow:
        async with self.database.sessions() as session:
            person = await session.get(PersonRow, person_id)
        if person is None or person.owner != caller.owner or person.merged_into:
            raise ApiError(404, "person_not_found", f"No person with id {person_id}.")
        return person

    async def get(self, caller: Caller, person_id: str) -> Person:
        person = await self._owned(caller, person_id)
        return next(p for p in (await self.everyone(caller)).items if p.id == person.id)

    async def _names_follow(self, caller: Caller, person_id: str, name: str) -> None:
        """The speakers the owner named and enrolled for this person are called `name` in
        their recordings too, announced as any naming is."""
        changed: dict[str, dict[str, str]] = {}
        async with self.database.sessions.begin() as session:
            enrolments = await session.scalars(
                select(EnrolmentRow).where(EnrolmentRow.person_id == person_id)
            )
            for enrolment in enrolments:
                row = await session.get(RecordingRow, enrolment.recording_id)
                names = dict(row.speaker_names or {}) if row is not None else {}
                if row is None or row.owner != caller.owner or enrolment.speaker not in names:
                    continue
                names[enrolment.speaker] = name
                row.speaker_names = names
                changed[row.id] = names
        publisher = EventPublisher(self.broker)
        for recording_id, names in changed.items():
            event = SpeakersNamed(recording_id=recording_id, owner=caller.owner, names=names)
            await publisher.publish(
                SPEAKERS_NAMED, event, message_id=speakers_named_message_id(event)
            )

    async def rename(self, caller: Caller, person_id: str, name: str) -> Person:
        """Every transcript of the person shows the new name: those they were recognised in,
        and those they were named and enrolled in."""
        name = name.strip()
        if not 0 < len(name) <= MAX_NAME_LENGTH:
            raise ApiError(
                400, "invalid_speaker_name", f"A name has 1 to {MAX_NAME_LENGTH} characters."
            )
        await self._owned(caller, person_id)
        async with self.database.sessions.begin() as session:
            person = await session.get(PersonRow, person_id)
            assert person is not None
            person.name = name
        await self._names_follow(caller, person_id, name)
        await self.write_snapshot(caller.owner)
        return await self.get(caller, person_id)

    async def delete(self, caller: Caller, person_id: str) -> None:
        """The voiceprint is gone; transcripts keep the name as a plain name."""
        await self._owned(caller, person_id)
        async with self.database.sessions.begin() as session:
            await session.execute(delete(EnrolmentRow).where(EnrolmentRow.person_id == person_id))
            await session.execute(delete(PersonRow).where(PersonRow.id == person_id))
        await self.write_snapshot(caller.owner)

    async def merge(self, caller: Caller, person_id: str, into: str) -> Person:
        """Two people who are one: `person_id`'s voiceprint becomes `into`'s, and transcripts
        that named `person_id` show `into`."""
        if person_id == into:
            raise ApiError(400, "invalid_merge", "A person cannot be merged into themselves.")
        await self._owned(caller, person_id)
        await self._owned(caller, into)
        async with self.database.sessions.begin() as session:
            enrolments = await session.scalars(
                select(EnrolmentRow).where(EnrolmentRow.person_id == person_id)
            )
            for enrolment in enrolments:
                enrolment.person_id = into
            merged = await session.get(PersonRow, person_id)
            assert merged is not None
            merged.merged_into = into
            # whoever was merged into `person_id` before follows it
            earlier = await session.scalars(
                select(PersonRow).where(PersonRow.merged_into == person_id)
            )
            for person in earlier:
                person.merged_into = into
            stays = await session.get(PersonRow, into)
            assert stays is not None
            name = stays.name
        await self._names_follow(caller, into, name)
        await self.write_snapshot(caller.owner)
        return await self.get(caller, into)

    async def recordings(self, caller: Caller, person_id: str) -> list[str]:
        await self._owned(caller, person_id)
        async with self.database.sessions() as session:
            rows = await session.scalars(
                select(EnrolmentRow.recording_id).where(EnrolmentRow.person_id == person_id)
            )
            return sorted(set(rows))

    async def current(self, caller: Caller, person_ids: set[str]) -> dict[str, PersonRow]:
        """Each id as the person it now is (itself, or whom it was merged into); a deleted
        person is missing."""
        if not person_ids:
            return {}
        async with self.database.sessions() as session:
            rows = {
                row.id: row
                for row in await session.scalars(
                    select(PersonRow).where(PersonRow.owner == caller.owner)
                )
            }
        found = {}
        for person_id in person_ids:
            person = rows.get(person_id)
            while person is not None and person.merged_into:
                person = rows.get(person.merged_into)
            if person is not None:
                found[person_id] = person
        return found


def provide_people(state: State) -> PeopleService:
    return PeopleService(state.database, state.broker, state.settings)
