"""Sign-in links and web sessions. A link is a signed, short-lived, one-time token for an
owner, naming the key that asked for it (the one-time part is stored: its nonce, once used);
exchanged, it opens a web session: a row bound to that key, and a signed token naming the
row that the page sends as its key. A session ends when it expires, when its owner signs it
(or every session) out, and when the key that opened it is revoked."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from secretary_gateway.db import ApiKeyRow, Database, SignInRow, WebSessionRow, as_utc, utcnow
from secretary_gateway.errors import ApiError
from secretary_gateway.http import Caller
from secretary_gateway.keys.signed import Signed, Signer

LINK = "signin"
SESSION = "web"


@dataclass(frozen=True)
class Issued:
    token: str
    expires_at: datetime


def _issued(signed: Signed) -> Issued:
    return Issued(signed.token, datetime.fromtimestamp(signed.expires, UTC))


def _invalid_link() -> ApiError:
    return ApiError(401, "invalid_sign_in_link", "This sign-in link is not valid or has expired.")


class SignIns:
    def __init__(
        self, signer: Signer, database: Database, link_lifetime_s: float, session_lifetime_s: float
    ) -> None:
        self.signer = signer
        self.database = database
        self.link_lifetime_s = link_lifetime_s
        self.session_lifetime_s = session_lifetime_s

    def link(self, caller: Caller) -> Issued:
        """A link for the caller's owner, made with an API key: a web session may not make
        one, or a session could renew itself for ever."""
        if caller.session_id is not None:
            raise ApiError(
                403,
                "session_cannot_sign_in",
                "A web session cannot make sign-in links; ask with an API key (Telegram's /web).",
            )
        nonce = secrets.token_hex(16)
        return _issued(
            self.signer.sign(LINK, self.link_lifetime_s, o=caller.owner, n=nonce, k=caller.key_id)
        )

    async def exchange(self, link: str) -> Issued:
        claims = self.signer.verify(LINK, link, self.link_lifetime_s)
        if claims is None or not all(isinstance(claims.get(c), str) for c in ("o", "n", "k")):
            raise _invalid_link()
        owner, key_id = claims["o"], claims["k"]
        session_id = secrets.token_hex(16)
        signed = self.signer.sign(SESSION, self.session_lifetime_s, o=owner, s=session_id)
        try:
            async with self.database.sessions.begin() as session:
                key = await session.get(ApiKeyRow, key_id)
                if key is None or key.revoked_at is not None:
                    raise _invalid_link()
                # a link is used once; what is kept of it lasts as long as it would have
                await session.execute(
                    delete(SignInRow).where(
                        SignInRow.used_at < utcnow() - timedelta(seconds=self.link_lifetime_s)
                    )
                )
                # and a session's row as long as the session could have lasted
                await session.execute(
                    delete(WebSessionRow).where(WebSessionRow.expires_at < utcnow())
                )
                session.add(SignInRow(nonce=claims["n"], owner=owner))
                session.add(
                    WebSessionRow(
                        id=session_id,
                        owner=owner,
                        key_id=key_id,
                        expires_at=datetime.fromtimestamp(signed.expires, UTC),
                    )
                )
        except IntegrityError as used:
            raise ApiError(
                401, "sign_in_link_used", "This sign-in link was used already; ask for a new one."
            ) from used
        return _issued(signed)

    async def caller(self, token: str) -> Caller | None:
        """Who a web session acts for, while it is genuine, current, not signed out, and the
        key that opened it is not revoked."""
        claims = self.signer.verify(SESSION, token, self.session_lifetime_s)
        if claims is None or not isinstance(claims.get("s"), str):
            return None
        async with self.database.sessions() as session:
            found = (
                await session.execute(
                    select(WebSessionRow, ApiKeyRow)
                    .join(ApiKeyRow, ApiKeyRow.id == WebSessionRow.key_id)
                    .where(WebSessionRow.id == claims["s"])
                )
            ).first()
        if found is None:
            return None
        row, key = found
        if (
            row.owner != claims.get("o")
            or row.ended_at is not None
            or as_utc(row.expires_at) < utcnow()
            or key.revoked_at is not None
        ):
            return None
        return Caller(owner=row.owner, door=key.door or "rest", key_id=key.id, session_id=row.id)

    async def end(self, caller: Caller, everywhere: bool = False) -> int:
        """Signs out the caller's session, or (`everywhere`) every session of its owner;
        how many ended."""
        if not everywhere and caller.session_id is None:
            raise ApiError(
                400, "not_a_session", "This request was made with an API key, not a web session."
            )
        which = (
            WebSessionRow.owner == caller.owner
            if everywhere
            else WebSessionRow.id == caller.session_id
        )
        async with self.database.sessions.begin() as session:
            ended = await session.execute(
                update(WebSessionRow)
                .where(which, WebSessionRow.ended_at.is_(None))
                .values(ended_at=utcnow())
            )
        return int(ended.rowcount or 0)  # type: ignore[attr-defined]
