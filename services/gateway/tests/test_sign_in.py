"""Signing in to the review page with a one-time link, as Telegram's /web hands out: the link
works once and briefly, the session it starts acts for that owner only."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from litestar.testing import AsyncTestClient
from nats.aio.client import Client
from secretary_gateway.db import Database
from secretary_gateway.errors import ApiError
from secretary_gateway.http import Caller
from secretary_gateway.keys.auth import create_key
from secretary_gateway.keys.signed import Signer
from secretary_gateway.sessions.service import LINK, SESSION, SignIns
from secretary_gateway.settings import GatewaySettings

from services.gateway.tests.helpers import running_gateway
from services.gateway.tests.test_product import PLANNING, finished


async def test_a_sign_in_link_starts_one_web_session_for_its_owner(
    api: AsyncTestClient[Any],
    nats_client: Client,
    gateway_settings: GatewaySettings,
) -> None:
    recording_id = await finished(api, nats_client, PLANNING)
    made = await api.post("/v1/sign-in-links")
    assert made.status_code == 201
    url = made.json()["url"]
    # the token rides in the fragment: browsers send no fragment to any server
    assert "/#sign-in=" in url
    link = url.split("#sign-in=", 1)[1]

    keyless = {"Authorization": ""}
    signed_in = await api.post("/v1/sign-in", json={"link": link}, headers=keyless)
    assert signed_in.status_code == 200, signed_in.text
    session = {"Authorization": f"Bearer {signed_in.json()['key']}"}
    listed = await api.get("/v1/recordings", headers=session)
    assert [r["id"] for r in listed.json()["items"]] == [recording_id]
    transcript = await api.get(f"/v1/recordings/{recording_id}/transcript", headers=session)
    assert transcript.status_code == 200

    again = await api.post("/v1/sign-in", json={"link": link}, headers=keyless)
    assert again.status_code == 401 and again.json()["error"]["code"] == "sign_in_link_used"
    forged = await api.post("/v1/sign-in", json={"link": link[:-3] + "abc"}, headers=keyless)
    assert forged.status_code == 401 and forged.json()["error"]["code"] == "invalid_sign_in_link"

    # another owner's session sees none of it
    async with running_gateway(gateway_settings, "mallory") as mallory:
        theirs = (await mallory.post("/v1/sign-in-links")).json()["url"].split("#sign-in=")[1]
        their_session = await mallory.post("/v1/sign-in", json={"link": theirs}, headers=keyless)
        bearer = {"Authorization": f"Bearer {their_session.json()['key']}"}
        other = await mallory.get(f"/v1/recordings/{recording_id}", headers=bearer)
        assert other.status_code == 404


async def test_links_and_sessions_expire_and_one_kind_is_never_another() -> None:
    signer = Signer(b"secret")
    database = Database("sqlite+aiosqlite:///:memory:")
    await database.migrate()
    sign_ins = SignIns(signer, database, link_lifetime_s=60, session_lifetime_s=60)
    key = await create_key(database, "maria")
    issued = await sign_ins.exchange(sign_ins.link(Caller("maria", key_id=key.id)).token)
    session = await sign_ins.caller(issued.token)
    assert session is not None and session.owner == "maria" and session.key_id == key.id
    _, claims, _ = issued.token.split(".")
    session_id = json.loads(base64.urlsafe_b64decode(claims + "=="))["s"]
    for not_a_session in (
        signer.sign(SESSION, -1, o="maria", s=session_id).token,
        signer.sign(LINK, 60, o="maria", n="x", k=key.id, s=session_id).token,
        signer.sign(SESSION, 60, o="mallory", s=session_id).token,
    ):
        assert await sign_ins.caller(not_a_session) is None
    for not_a_link in (
        signer.sign(LINK, -1, o="maria", n="x", k=key.id).token,
        signer.sign(SESSION, 60, o="m", n="y", k=key.id).token,
        signer.sign(LINK, 60, o="maria", n="z", k="no-such-key").token,
    ):
        with pytest.raises(ApiError) as refused:
            await sign_ins.exchange(not_a_link)
        assert refused.value.code == "invalid_sign_in_link"
    await database.close()


async def test_a_session_signed_elsewhere_is_refused(api: AsyncTestClient[Any]) -> None:
    stale = Signer(b"elsewhere").sign(SESSION, 60, o="maria", s="0" * 32).token
    refused = await api.get("/v1/recordings", headers={"Authorization": f"Bearer {stale}"})
    assert refused.status_code == 401
