"""The review page: one HTML shell and its script and style, served by the gateway itself.
The shell holds no one's data (the script fetches it with the key kept in the browser), so
it is served without a key, under a policy that lets it load nothing but itself."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from litestar import Controller, Response, Router, get
from litestar.datastructures import ResponseHeader
from litestar.static_files import create_static_files_router

HERE = Path(__file__).parent
SHELL = (HERE / "page.html").read_bytes()
# scripts, styles, media and requests from this origin only; no inline code, no frames, no
# forms posted elsewhere; blob: for the exports the script hands to the browser to save
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:;"
    " media-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'none';"
    " frame-ancestors 'none'"
)
SECURITY_HEADERS = [
    ResponseHeader(name="Content-Security-Policy", value=CONTENT_SECURITY_POLICY),
    ResponseHeader(name="X-Content-Type-Options", value="nosniff"),
    # a playback link carries a token: no page it leads to learns it from the Referer
    ResponseHeader(name="Referrer-Policy", value="no-referrer"),
    ResponseHeader(name="X-Frame-Options", value="DENY"),
]
PUBLIC_PAGES = ["^/$", "^/recordings/[^/]+$", "^/static/"]


async def with_security_headers(response: Response[Any]) -> Response[Any]:
    """The page's files get the same headers as the page (a router's own headers do not
    reach what the static files router sends)."""
    for header in SECURITY_HEADERS:
        response.headers[header.name] = header.value or ""
    return response


class PageController(Controller):
    include_in_schema = False

    @get(["/", "/recordings/{recording_id:str}"], media_type="text/html; charset=utf-8")
    async def page(self) -> Response[bytes]:
        return Response(SHELL, headers={"Cache-Control": "no-cache"})


web = Router(
    path="/",
    route_handlers=[
        PageController,
        create_static_files_router(
            path="/static", directories=[HERE / "static"], after_request=with_security_headers
        ),
    ],
    response_headers=SECURITY_HEADERS,
    include_in_schema=False,
)
