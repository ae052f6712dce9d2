"""People over HTTP (transport only)."""

from __future__ import annotations

from litestar import Controller, get
from litestar.di import NamedDependency, Provide

from secretary_gateway.http import Caller, errors
from secretary_gateway.people.schemas import PersonList
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
        return await people.list(caller)
