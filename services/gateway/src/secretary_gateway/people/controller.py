"""People over HTTP (transport only)."""

from __future__ import annotations

from litestar import Controller, delete, get, patch, post
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, JSONBody

from secretary_gateway.http import Caller, errors
from secretary_gateway.people.schemas import Merge, Person, PersonList, PersonRecordings, Rename
from secretary_gateway.people.service import PeopleService, provide_people


class PeopleController(Controller):
    path = "/v1/people"
    tags = ("people",)
    dependencies = {"people": Provide(provide_people, sync_to_thread=False)}

    @get(
        "/",
        operation_id="listPeople",
        summary="The people I named, recognised by voice in my later recordings.",
        description="Naming a speaker (PATCH .../speakers, or Telegram's /speakers) enrols"
        " that recording's voice for the person of that name; taking the name back removes it.",
        responses=errors(403),
    )
    async def list_people(
        self, caller: NamedDependency[Caller], people: NamedDependency[PeopleService]
    ) -> PersonList:
        return await people.everyone(caller)

    @get(
        "/{person_id:str}",
        operation_id="getPerson",
        summary="A person, with how many recordings and seconds their voiceprint rests on.",
        responses=errors(403, 404),
    )
    async def get_person(
        self,
        person_id: FromPath[str],
        caller: NamedDependency[Caller],
        people: NamedDependency[PeopleService],
    ) -> Person:
        return await people.get(caller, person_id)

    @patch(
        "/{person_id:str}",
        operation_id="renamePerson",
        summary="Rename a person: every transcript they were recognised in shows the new name.",
        responses=errors(400, 403, 404),
    )
    async def rename(
        self,
        person_id: FromPath[str],
        data: JSONBody[Rename],
        caller: NamedDependency[Caller],
        people: NamedDependency[PeopleService],
    ) -> Person:
        return await people.rename(caller, person_id, data.name)

    @post(
        "/{person_id:str}/merge",
        operation_id="mergePeople",
        status_code=200,
        summary="Two people who are one: this one's voiceprint and transcripts become `into`'s.",
        responses=errors(400, 403, 404),
    )
    async def merge(
        self,
        person_id: FromPath[str],
        data: JSONBody[Merge],
        caller: NamedDependency[Caller],
        people: NamedDependency[PeopleService],
    ) -> Person:
        return await people.merge(caller, person_id, data.into)

    @delete(
        "/{person_id:str}",
        operation_id="deletePerson",
        summary="Forget a person: their voiceprint is deleted; transcripts keep the plain name.",
        responses=errors(403, 404),
    )
    async def forget(
        self,
        person_id: FromPath[str],
        caller: NamedDependency[Caller],
        people: NamedDependency[PeopleService],
    ) -> None:
        await people.delete(caller, person_id)

    @get(
        "/{person_id:str}/recordings",
        operation_id="personRecordings",
        summary="The recordings a person's voiceprint was enrolled from.",
        responses=errors(403, 404),
    )
    async def recordings(
        self,
        person_id: FromPath[str],
        caller: NamedDependency[Caller],
        people: NamedDependency[PeopleService],
    ) -> PersonRecordings:
        return PersonRecordings(items=await people.recordings(caller, person_id))
