"""API keys: `sec_<id>_<secret>`, shown once; only the secret's SHA-256 is stored.

Keys are long random strings, so a fast hash is enough (no password stretching needed);
the id part finds the row without scanning, and the comparison is constant-time.
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

PREFIX = "sec"
# the routes that answer without a key: probes, metrics, the API's own description
PUBLIC_PATHS = ["^/healthz$", "^/readyz$", "^/metrics$", "^/schema"]
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


async def create_key(database: Database, owner: str, name: str | None = None) -> NewKey:
    key_id = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    async with database.sessions.begin() as session:
        session.add(ApiKeyRow(id=key_id, owner=owner, name=name, secret_sha256=_digest(secret)))
    return NewKey(id=key_id, owner=owner, token=f"{PREFIX}_{key_id}_{secret}")


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


async def owner_of_token(database: Database, token: str) -> str | None:
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
        return row.owner


class ApiKeyAuthentication(AbstractAuthenticationMiddleware):
    """`Authorization: Bearer <key>` on every route but the public ones; the owner is the user."""

    async def authenticate_request(
        self, connection: ASGIConnection[Any, Any, Any, Any]
    ) -> AuthenticationResult:
        scheme, _, token = connection.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise NotAuthorizedException("Send an API key: `Authorization: Bearer <key>`.")
        database: Database = connection.app.state.database
        owner = await owner_of_token(database, token.strip())
        if owner is None:
            raise NotAuthorizedException("The API key is not valid (unknown or revoked).")
        return AuthenticationResult(user=owner, auth=token.strip())
