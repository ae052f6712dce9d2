"""Door keys: a front door acts for its own owners, one per request, and for no one else."""

from __future__ import annotations

import uuid
from typing import Any

from litestar.testing import AsyncTestClient
from secretary_gateway.settings import GatewaySettings

from services.gateway.tests.helpers import bearer, new_key


def _as(owner: str | None) -> dict[str, str]:
    return {"X-Secretary-Owner": owner} if owner else {}


async def test_a_door_key_acts_for_the_owner_it_names_and_only_its_doors_owners(
    api: AsyncTestClient[Any], gateway_settings: GatewaySettings
) -> None:
    door = bearer(await new_key(gateway_settings, None, door="telegram"))
    maria, tom = f"telegram:{uuid.uuid4().int % 10**9}", f"telegram:{uuid.uuid4().int % 10**9}"
    created = await api.post(
        "/v1/recordings",
        files={"file": ("voice.ogg", b"not really audio", "audio/ogg")},
        headers={**door, **_as(maria)},
    )
    assert created.status_code == 201, created.text
    assert created.json()["source"] == "telegram"
    recording_id = created.json()["id"]

    mine = await api.get("/v1/recordings", headers={**door, **_as(maria)})
    assert [r["id"] for r in mine.json()["items"]] == [recording_id]
    # the same door acting for another of its owners does not see Maria's recording
    theirs = await api.get(f"/v1/recordings/{recording_id}", headers={**door, **_as(tom)})
    assert theirs.status_code == 404

    for header in (None, "telegram:", "team-berlin", "rest:1"):
        refused = await api.get("/v1/recordings", headers={**door, **_as(header)})
        assert refused.status_code == 403, header
        assert refused.json()["error"]["code"] == "owner_not_allowed"


async def test_an_owners_key_cannot_act_for_someone_else(
    api: AsyncTestClient[Any], owner: str
) -> None:
    assert (await api.get("/v1/recordings", headers=_as(owner))).status_code == 200
    refused = await api.get("/v1/recordings", headers=_as("telegram:42"))
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "owner_not_allowed"
    created = await api.post("/v1/recordings", files={"file": ("call.m4a", b"abc", "audio/mp4")})
    assert created.json()["source"] == "rest"
