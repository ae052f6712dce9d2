"""Tokens the gateway signs and later believes without storing them: playback links, sign-in
links, web sessions. `<kind>.<claims>.<signature>`: the claims are JSON (base64url), the
signature an HMAC-SHA256 of the kind and the claims, so a token of one kind is never taken for
another, and any replica with the same secret checks any replica's tokens."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from typing import Any, NamedTuple


def _encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class Signed(NamedTuple):
    token: str
    expires: int
    """Unix seconds."""


class Signer:
    def __init__(self, secret: bytes) -> None:
        self.secret = secret

    def _signature(self, kind: str, claims: str) -> str:
        return _encode(hmac.new(self.secret, f"{kind}.{claims}".encode(), hashlib.sha256).digest())

    def sign(self, kind: str, lifetime_s: float, now: float | None = None, **claims: Any) -> Signed:
        """A token of `kind` carrying `claims` and an expiry (`e`, Unix seconds)."""
        expires = int((now or time.time()) + lifetime_s)
        body = {**claims, "e": expires}
        encoded = _encode(json.dumps(body, separators=(",", ":"), sort_keys=True).encode())
        return Signed(f"{kind}.{encoded}.{self._signature(kind, encoded)}", expires)

    def verify(self, kind: str, token: str, now: float | None = None) -> dict[str, Any] | None:
        """The claims of a genuine, current token of `kind`; None for anything else."""
        parts = token.split(".")
        if len(parts) != 3 or parts[0] != kind:
            return None
        if not hmac.compare_digest(self._signature(kind, parts[1]), parts[2]):
            return None
        try:
            claims = json.loads(_decode(parts[1]))
        except ValueError:
            return None
        if not isinstance(claims, dict) or not isinstance(claims.get("e"), int):
            return None
        return claims if claims["e"] >= (now or time.time()) else None
