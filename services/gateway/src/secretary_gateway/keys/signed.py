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


# clocks of two replicas may disagree by this much about when a token was issued
CLOCK_SKEW_S = 60


class Signer:
    """Signs with `secret`; also believes what `previous` signed, so that the secret can be
    rotated without signing everyone out (docs/deploy.md)."""

    def __init__(self, secret: bytes, previous: bytes = b"") -> None:
        self.secret = secret
        self.previous = previous

    @staticmethod
    def _signature(secret: bytes, kind: str, claims: str) -> str:
        return _encode(hmac.new(secret, f"{kind}.{claims}".encode(), hashlib.sha256).digest())

    def sign(self, kind: str, lifetime_s: float, now: float | None = None, **claims: Any) -> Signed:
        """A token of `kind` carrying `claims`, its issue time (`i`) and expiry (`e`), both
        Unix seconds."""
        issued = int(now or time.time())
        expires = int(issued + lifetime_s)
        body = {**claims, "i": issued, "e": expires}
        encoded = _encode(json.dumps(body, separators=(",", ":"), sort_keys=True).encode())
        return Signed(f"{kind}.{encoded}.{self._signature(self.secret, kind, encoded)}", expires)

    def _genuine(self, kind: str, claims: str, signature: str) -> bool:
        secrets = [self.secret, self.previous] if self.previous else [self.secret]
        return any(
            hmac.compare_digest(self._signature(secret, kind, claims), signature)
            for secret in secrets
        )

    def verify(
        self, kind: str, token: str, lifetime_s: float, now: float | None = None
    ) -> dict[str, Any] | None:
        """The claims of a genuine, current token of `kind`; None for anything else. Current
        means issued no longer than `lifetime_s` ago, whatever expiry the token carries."""
        parts = token.split(".")
        if len(parts) != 3 or parts[0] != kind or not self._genuine(kind, parts[1], parts[2]):
            return None
        try:
            claims = json.loads(_decode(parts[1]))
        except ValueError:
            return None
        if not isinstance(claims, dict):
            return None
        issued, expires = claims.get("i"), claims.get("e")
        if not isinstance(issued, int) or not isinstance(expires, int):
            return None
        moment = now or time.time()
        if issued > moment + CLOCK_SKEW_S:
            return None
        return claims if moment <= min(expires, issued + lifetime_s) else None
