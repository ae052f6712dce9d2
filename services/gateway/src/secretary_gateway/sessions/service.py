"""Sign-in links and web sessions. A link is a signed, short-lived, one-time token for an
owner (the one-time part is the only thing stored: its nonce, once used); exchanged, it gives
a web session, a signed token the page sends as its key until it expires."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError

from secretary_gateway.db import Database, SignInRow, utcnow
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


class SignIns:
    def __init__(
        self, signer: Signer, database: Database, link_lifetime_s: float, session_lifetime_s: float
    ) -> None:
        self.signer = signer
        self.database = database
        self.link_lifetime_s = link_lifetime_s
        self.session_lifetime_s = session_lifetime_s

    def link(self, caller: Caller) -> Issued:
        nonce = secrets.token_hex(16)
        return _issued(self.signer.sign(LINK, self.link_lifetime_s, o=caller.owner, n=nonce))

    async def exchange(self, link: str) -> Issued:
        claims = self.signer.verify(LINK, link)
        if claims is None or not isinstance(claims.get("o"), str):
            raise ApiError(
                401, "invalid_sign_in_link", "This sign-in link is not valid or has expired."
            )
        try:
            async with self.database.sessions.begin() as session:
                # a link is used once; what is kept of it lasts as long as it would have
                await session.execute(
                    delete(SignInRow).where(
                        SignInRow.used_at < utcnow() - timedelta(seconds=self.link_lifetime_s)
                    )
                )
                session.add(SignInRow(nonce=str(claims.get("n", "")), owner=claims["o"]))
        except IntegrityError as used:
            raise ApiError(
                401, "sign_in_link_used", "This sign-in link was used already; ask for a new one."
            ) from used
        return _issued(self.signer.sign(SESSION, self.session_lifetime_s, o=claims["o"]))

    def session_owner(self, token: str) -> str | None:
        claims = self.signer.verify(SESSION, token)
        owner = claims.get("o") if claims else None
        return owner if isinstance(owner, str) else None
