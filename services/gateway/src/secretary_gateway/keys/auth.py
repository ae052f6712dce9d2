"""API keys: `sec_<id>_<secret>`, shown once; only the secret's SHA-256 is stored.

Keys are long random strings, so a fast hash is enough (no password stretching needed);
the id part finds the row without scanning, and the comparison is constant-time.

A door key (`--door telegram`) belongs to a front door, not to an owner: it acts for one of
its door's owners per request, named in `X-Secretary-Owner` (`telegram:42`), and for no one
else (see ADR 0007).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException
from litestar.middleware import AbstractAuthenticationMiddleware, AuthenticationResult
from sqlalchemy import select

from secretary_gateway.db import ApiKeyRow, Database, as_utc, utcnow
from secretary_gateway.errors import ApiError
from secretary_gateway.http import Caller
from secretary_gateway.playback.service import AUDIO_PATH, PlaybackLinks
from secretary_gateway.sessions.service import SESSION, SignIns

PREFIX = "sec"
OWNER_HEADER = "x-secretary-owner"
DOORS = ("telegram",)
# the routes that answer without a key: probes, metrics, the API's own description
PUBLIC_PATHS = ["^/healthz$", "^/readyz$", "^/metrics$", "^/schema", "^/v1/sign-in$"]
LAST_USED_RESOLUTION = timedelta(minutes=1)


@dataclass(frozen=True)
class NewKey:
    id: str
    owner: str
    token: str


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _parse(token: str) -> tuple[str, str] | None:
    prefix, _, rest = token.partition("_")
    key_id, _, secret = rest.partition("_")
    if prefix != PREFIX or not key_id or not secret:
        return None
    return key_id, secret


async def create_key(
    database: Database, owner: str | None, name: str | None = None, door: str | None = None
) -> NewKey:
    """A key for an owner, or (with `door`) for a front door that acts for its own owners."""
    if (owner is None) == (door is None):
        raise ValueError("a key belongs to an owner or to a door")
    if door is not None and door not in DOORS:
        raise ValueError(f"unknown door {door!r} (known: {', '.join(DOORS)})")
    holder = owner if owner is not None else f"door:{door}"
    key_id = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    async with database.sessions.begin() as session:
        session.add(
            ApiKeyRow(id=key_id, owner=holder, name=name, door=door, secret_sha256=_digest(secret))
        )
    return NewKey(id=key_id, owner=holder, token=f"{PREFIX}_{key_id}_{secret}")


async def list_keys(database: Database, owner: str | None = None) -> list[ApiKeyRow]:
    query = select(ApiKeyRow).order_by(ApiKeyRow.created_at)
    if owner:
        query = query.where(ApiKeyRow.owner == owner)
    async with database.sessions() as session:
        return list((await session.scalars(query)).all())


async def revoke_key(database: Database, key_id: str) -> bool:
    async with database.sessions.begin() as session:
        row = await session.get(ApiKeyRow, key_id)
        if row is None or row.revoked_at is not None:
            return False
        row.revoked_at = utcnow()
        return True


async def key_of_token(database: Database, token: str) -> ApiKeyRow | None:
    parsed = _parse(token)
    if parsed is None:
        return None
    key_id, secret = parsed
    async with database.sessions.begin() as session:
        row = await session.get(ApiKeyRow, key_id)
        if (
            row is None
            or row.revoked_at is not None
            or not hmac.compare_digest(row.secret_sha256, _digest(secret))
        ):
            return None
        now = datetime.now(UTC)
        if row.last_used_at is None or as_utc(row.last_used_at) < now - LAST_USED_RESOLUTION:
            row.last_used_at = now
        return row


def caller_for(key: ApiKeyRow, acting_for: str | None) -> Caller:
    """An owner's key acts for its owner; a door key for the one of its owners it names."""
    if key.door is None:
        if acting_for is not None and acting_for != key.owner:
            raise ApiError(403, "owner_not_allowed", "This key acts only for its own owner.")
        return Caller(owner=key.owner, key_id=key.id)
    if not acting_for or not acting_for.startswith(f"{key.door}:") or acting_for == f"{key.door}:":
        raise ApiError(
            403,
            "owner_not_allowed",
            f"A {key.door} door key acts for one {key.door} owner: send"
            f" `X-Secretary-Owner: {key.door}:<id>`.",
        )
    return Caller(owner=acting_for, door=key.door, key_id=key.id)


class ApiKeyAuthentication(AbstractAuthenticationMiddleware):
    """`Authorization: Bearer <key>` on every route but the public ones; the `Caller` is the
    user."""

    async def authenticate_request(
        self, connection: ASGIConnection[Any, Any, Any, Any]
    ) -> AuthenticationResult:
        link = _playback_link_caller(connection)
        if link is not None:
            return link
        scheme, _, token = connection.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise NotAuthorizedException("Send an API key: `Authorization: Bearer <key>`.")
        if token.strip().startswith(f"{SESSION}."):
            return await _web_session_caller(connection, token.strip())
        database: Database = connection.app.state.database
        key = await key_of_token(database, token.strip())
        if key is None:
            raise NotAuthorizedException("The API key is not valid (unknown or revoked).")
        caller = caller_for(key, connection.headers.get(OWNER_HEADER))
        return AuthenticationResult(user=caller, auth=token.strip())


def _playback_link_caller(
    connection: ASGIConnection[Any, Any, Any, Any],
) -> AuthenticationResult | None:
    """A player's request for a recording's audio with the `token` of a playback link (and no
    key): it acts for the link's owner, on that route and recording only."""
    token = connection.query_params.get("token")
    matched = AUDIO_PATH.match(connection.url.path)
    if token is None or matched is None or connection.headers.get("authorization"):
        return None
    links: PlaybackLinks = connection.app.state.playback_links
    owner = links.owner_of(token, matched["recording_id"])
    if owner is None:
        raise NotAuthorizedException("The audio link is not valid (expired or not this one's).")
    return AuthenticationResult(user=Caller(owner=owner), auth=None)


async def _web_session_caller(
    connection: ASGIConnection[Any, Any, Any, Any], token: str
) -> AuthenticationResult:
    """The review page signed in by a sign-in link: it acts for that owner, as their key would,
    while the session lasts."""
    sign_ins: SignIns = connection.app.state.sign_ins
    caller = await sign_ins.caller(token)
    if caller is None:
        raise NotAuthorizedException(
            "The web session has ended (expired, signed out, or its key revoked): sign in again."
        )
    return AuthenticationResult(user=caller, auth=token)
