"""Sign-in links and their exchange for a web session (transport only)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from litestar import Controller, Request, delete, get, post
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.params import JSONBody
from pydantic import BaseModel, Field

from secretary_gateway.http import Caller, errors
from secretary_gateway.sessions.service import SignIns


class SignInLink(BaseModel):
    url: str = Field(
        description="Opens the review page signed in as this owner; once, and briefly.",
        examples=["https://secretary.example.org/#sign-in=signin.…"],
    )
    expires_at: datetime


class SignIn(BaseModel):
    link: str = Field(description="The token of a sign-in link (after `#sign-in=`).")


class WebSession(BaseModel):
    key: str = Field(description="Send as `Authorization: Bearer <key>` until it expires.")
    expires_at: datetime


class Whoami(BaseModel):
    owner: str = Field(description="Whom this key or session acts for.")
    session: bool = Field(description="Signed in by a link (a web session), not an API key.")


class SignedOut(BaseModel):
    ended: int = Field(description="How many web sessions ended.")


class SignInController(Controller):
    path = "/v1"
    tags = ("sign-in",)

    @post(
        "/sign-in-links",
        operation_id="createSignInLink",
        status_code=201,
        summary="A one-time link that opens the review page signed in as me (Telegram's /web).",
        description="Needs an API key: a web session cannot make one (403"
        " `session_cannot_sign_in`).",
        responses=errors(403),
    )
    async def create_link(
        self, request: Request[Any, Any, State], caller: NamedDependency[Caller]
    ) -> SignInLink:
        sign_ins: SignIns = request.app.state.sign_ins
        issued = sign_ins.link(caller)
        base = request.app.state.settings.public_url or str(request.base_url)
        return SignInLink(
            url=f"{base.rstrip('/')}/#sign-in={issued.token}", expires_at=issued.expires_at
        )

    @post(
        "/sign-in",
        operation_id="signIn",
        status_code=200,
        summary="Exchange a sign-in link for a web session (no key needed).",
        description="A link works once and for a few minutes; 401 `invalid_sign_in_link` or"
        " `sign_in_link_used` otherwise.",
        security=[],
        responses=errors(),
    )
    async def sign_in(
        self, request: Request[Any, Any, State], data: JSONBody[SignIn]
    ) -> WebSession:
        sign_ins: SignIns = request.app.state.sign_ins
        issued = await sign_ins.exchange(data.link)
        return WebSession(key=issued.token, expires_at=issued.expires_at)

    @get(
        "/sessions/current",
        operation_id="currentSession",
        summary="Whom the key or web session of this request acts for.",
        responses=errors(),
    )
    async def current(self, caller: NamedDependency[Caller]) -> Whoami:
        return Whoami(owner=caller.owner, session=caller.session_id is not None)

    @delete(
        "/sessions/current",
        operation_id="signOut",
        status_code=200,
        summary="Sign this web session out; its token is refused from now on.",
        responses=errors(400),
    )
    async def sign_out(
        self, request: Request[Any, Any, State], caller: NamedDependency[Caller]
    ) -> SignedOut:
        sign_ins: SignIns = request.app.state.sign_ins
        return SignedOut(ended=await sign_ins.end(caller))

    @delete(
        "/sessions",
        operation_id="signOutEverywhere",
        status_code=200,
        summary="Sign out every web session of my owner, on every device.",
        responses=errors(),
    )
    async def sign_out_everywhere(
        self, request: Request[Any, Any, State], caller: NamedDependency[Caller]
    ) -> SignedOut:
        sign_ins: SignIns = request.app.state.sign_ins
        return SignedOut(ended=await sign_ins.end(caller, everywhere=True))
