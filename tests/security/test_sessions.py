"""Web sessions cannot be forged or outlive what opened them: the gateway will not start with
a template, short or (in production) missing secret; a token is believed only for the
configured lifetime, whatever expiry it carries; a session ends with the key that opened it,
when signed out, and everywhere at once; it cannot make sign-in links, and shares its key's
event-stream allowance. Real NATS, SQLite and PostgreSQL, a real gateway process."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import time
import uuid
from typing import Any

import httpx
import pytest
from litestar.testing import AsyncTestClient
from pydantic import SecretStr, ValidationError
from secretary_gateway.db import Database
from secretary_gateway.keys.auth import revoke_key
from secretary_gateway.keys.signed import Signer
from secretary_gateway.sessions.service import SESSION
from secretary_gateway.settings import GatewaySettings
from secretary_ingest.settings import IngestSettings
from secretary_llm.settings import LlmSettings
from secretary_runtime.nats_server import NatsServer
from secretary_runtime.settings import ServiceSettings

from services.gateway.tests.helpers import bearer, new_key, running_gateway, serving_gateway

SECRET = "a" + "9f3c1e7b2d4a6f8e0c5b7d9a1e3f5c7b"
KEYLESS = {"Authorization": ""}


@pytest.fixture
def settings(nats_server: NatsServer, database_url: str) -> GatewaySettings:
    return GatewaySettings(
        nats_url=nats_server.url, database_url=database_url, link_secret=SECRET, answer_wait_s=0
    )


def _owner() -> str:
    return f"maria-{uuid.uuid4().hex[:8]}"


def _claims(token: str) -> dict[str, Any]:
    encoded = token.split(".")[1]
    return dict(json.loads(base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))))


async def _session(api: AsyncTestClient[Any], key: str | None = None) -> str:
    """A web session opened with a sign-in link made by the client's key (or `key`)."""
    headers = bearer(key) if key else {}
    link = (await api.post("/v1/sign-in-links", headers=headers)).json()["url"]
    signed_in = await api.post(
        "/v1/sign-in", json={"link": link.split("#sign-in=")[1]}, headers=KEYLESS
    )
    assert signed_in.status_code == 200, signed_in.text
    return str(signed_in.json()["key"])


def _gateway_refuses_to_start(**environment: str) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SECRETARY_")}
    started = subprocess.run(
        [sys.executable, "-m", "secretary_gateway"],
        env={**env, "SECRETARY_PORT": "0", **environment},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert started.returncode != 0, started.stdout
    return started.stderr


@pytest.mark.parametrize(
    ("environment", "told"),
    [
        ({"SECRETARY_LINK_SECRET": "CHANGE-ME"}, "SECRETARY_LINK_SECRET holds a template value"),
        ({"SECRETARY_LINK_SECRET": "s3cr3t-but-short"}, "has 16 characters, fewer than the 32"),
        ({"SECRETARY_ENVIRONMENT": "production"}, "SECRETARY_LINK_SECRET is empty"),
        (
            {"SECRETARY_LINK_SECRET": SECRET, "SECRETARY_NATS_PASSWORD": "change_me"},
            "SECRETARY_NATS_PASSWORD holds a template value",
        ),
    ],
)
def test_the_gateway_will_not_start_with_a_weak_secret(
    environment: dict[str, str], told: str
) -> None:
    assert told in _gateway_refuses_to_start(**environment)


def test_every_service_refuses_template_secrets() -> None:
    for settings, field in (
        (ServiceSettings, "nats_password"),
        (IngestSettings, "gateway_api_key"),
        (IngestSettings, "telegram_bot_token"),
        (LlmSettings, "llm_api_key"),
        (GatewaySettings, "link_secret_previous"),
    ):
        with pytest.raises(ValidationError, match=f"SECRETARY_{field.upper()} holds a template"):
            settings.model_validate({field: "CHANGE-ME"})
    with pytest.raises(ValidationError, match="SECRETARY_NATS_PASSWORD is empty"):
        ServiceSettings(environment="production", nats_user="asr")
    # what the local stack runs with stays allowed
    assert GatewaySettings().link_secret.get_secret_value() == ""
    assert LlmSettings().llm_api_key.get_secret_value() == "not-needed"


async def test_a_token_is_believed_only_for_the_configured_lifetime(
    settings: GatewaySettings,
) -> None:
    async with running_gateway(settings, _owner()) as api:
        session = await _session(api)
        assert (await api.get("/v1/recordings", headers=bearer(session))).status_code == 200
        claims = _claims(session)
        lifetime = settings.web_session_lifetime_s
        signer = Signer(SECRET.encode())
        # signed with the real secret and claiming to last ten years, but issued longer ago
        # than a session may live
        ten_years = 10 * 365 * 86400.0
        old = signer.sign(
            SESSION, ten_years, now=time.time() - lifetime - 60, o=claims["o"], s=claims["s"]
        )
        refused = await api.get("/v1/recordings", headers=bearer(old.token))
        assert refused.status_code == 401
        # issued in the future (a forged clock) is not believed either
        ahead = signer.sign(SESSION, 60, now=time.time() + 3600, o=claims["o"], s=claims["s"])
        assert (await api.get("/v1/recordings", headers=bearer(ahead.token))).status_code == 401
        # the secret everyone has read in the template signs nothing the gateway believes
        template = Signer(b"CHANGE-ME").sign(SESSION, 60, o=claims["o"], s=claims["s"])
        assert (await api.get("/v1/recordings", headers=bearer(template.token))).status_code == 401


async def test_a_rotated_secret_keeps_its_sessions_until_it_is_removed(
    settings: GatewaySettings,
) -> None:
    owner = _owner()
    async with running_gateway(settings, owner) as api:
        session = await _session(api)
    rotated = settings.model_copy(
        update={"link_secret": SecretStr("b" * 40), "link_secret_previous": settings.link_secret}
    )
    async with running_gateway(rotated, owner) as api:
        assert (await api.get("/v1/recordings", headers=bearer(session))).status_code == 200
        newer = await _session(api)
        assert _claims(newer)["s"] != _claims(session)["s"]
    removed = rotated.model_copy(update={"link_secret_previous": SecretStr("")})
    async with running_gateway(removed, owner) as api:
        assert (await api.get("/v1/recordings", headers=bearer(session))).status_code == 401
        assert (await api.get("/v1/recordings", headers=bearer(newer))).status_code == 200


async def test_a_session_ends_with_the_key_that_opened_it(settings: GatewaySettings) -> None:
    owner = _owner()
    async with running_gateway(settings, owner) as api:
        other_key = await new_key(settings, owner)
        doomed = await _session(api, other_key)
        kept = await _session(api)
        assert (await api.get("/v1/recordings", headers=bearer(doomed))).status_code == 200
        database = Database(settings.database_url)
        try:
            assert await revoke_key(database, other_key.split("_")[1])
        finally:
            await database.close()
        refused = await api.get("/v1/recordings", headers=bearer(doomed))
        assert refused.status_code == 401 and "key revoked" in refused.json()["error"]["message"]
        assert (await api.get("/v1/recordings", headers=bearer(kept))).status_code == 200


async def test_a_door_session_ends_with_the_door_key(settings: GatewaySettings) -> None:
    door_key = await new_key(settings, None, door="telegram")
    door = {**bearer(door_key), "X-Secretary-Owner": "telegram:4242"}
    async with running_gateway(settings, _owner()) as api:
        link = (await api.post("/v1/sign-in-links", headers=door)).json()["url"]
        signed_in = await api.post(
            "/v1/sign-in", json={"link": link.split("#sign-in=")[1]}, headers=KEYLESS
        )
        session = signed_in.json()["key"]
        me = await api.get("/v1/sessions/current", headers=bearer(session))
        assert me.json() == {"owner": "telegram:4242", "session": True}
        database = Database(settings.database_url)
        try:
            await revoke_key(database, door_key.split("_")[1])
        finally:
            await database.close()
        assert (await api.get("/v1/recordings", headers=bearer(session))).status_code == 401


async def test_a_session_cannot_renew_itself_and_signs_out(settings: GatewaySettings) -> None:
    owner = _owner()
    async with running_gateway(settings, owner) as api:
        session = await _session(api)
        renewed = await api.post("/v1/sign-in-links", headers=bearer(session))
        assert renewed.status_code == 403
        assert renewed.json()["error"]["code"] == "session_cannot_sign_in"

        not_a_session = await api.delete("/v1/sessions/current")
        assert not_a_session.status_code == 400
        signed_out = await api.delete("/v1/sessions/current", headers=bearer(session))
        assert signed_out.json() == {"ended": 1}
        assert (await api.get("/v1/recordings", headers=bearer(session))).status_code == 401
        # the link it came from cannot bring it back
        assert (await api.get("/v1/sessions/current")).json() == {"owner": owner, "session": False}


async def test_sign_out_everywhere_ends_every_session_of_the_owner_only(
    settings: GatewaySettings,
) -> None:
    owner = _owner()
    async with (
        running_gateway(settings, owner) as api,
        running_gateway(settings, f"{owner}-neighbour") as neighbour,
    ):
        laptop, phone = await _session(api), await _session(api)
        theirs = await _session(neighbour)
        ended = await api.delete("/v1/sessions", headers=bearer(phone))
        assert ended.json() == {"ended": 2}
        for gone in (laptop, phone):
            assert (await api.get("/v1/recordings", headers=bearer(gone))).status_code == 401
        assert (await api.get("/v1/recordings", headers=bearer(theirs))).status_code == 200
        # the owner's API key is untouched
        assert (await api.get("/v1/recordings")).status_code == 200


async def test_sessions_share_their_keys_event_stream_allowance(
    settings: GatewaySettings,
) -> None:
    limited = settings.model_copy(update={"event_streams_per_key": 1})
    async with (
        serving_gateway(limited) as url,
        httpx.AsyncClient(base_url=url, headers=bearer(await new_key(limited, _owner()))) as api,
    ):
        sessions = []
        for _ in range(2):
            link = (await api.post("/v1/sign-in-links")).json()["url"].split("#sign-in=")[1]
            opened = await api.post("/v1/sign-in", json={"link": link}, headers=KEYLESS)
            sessions.append(opened.json()["key"])
        created = await api.post("/v1/recordings", files={"file": ("a.wav", os.urandom(100))})
        events = f"/v1/recordings/{created.json()['id']}/events"
        async with api.stream("GET", events, headers=bearer(sessions[0])) as held:
            assert held.status_code == 200
            for other in (sessions[1], None):
                refused = await api.get(events, headers=bearer(other) if other else None)
                assert refused.status_code == 429
                assert refused.json()["error"]["code"] == "too_many_streams"


def test_production_needs_the_public_address_links_are_made_with() -> None:
    with pytest.raises(ValidationError, match="SECRETARY_PUBLIC_URL must be the https://"):
        GatewaySettings(environment="production", link_secret=SECRET)
    GatewaySettings(
        environment="production", link_secret=SECRET, public_url="https://secretary.example.org"
    )
