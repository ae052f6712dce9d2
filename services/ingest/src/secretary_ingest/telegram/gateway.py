"""The gateway's REST API as the Telegram door uses it: with the door's key, acting for one
Telegram owner per call (ADR 0007). Every rule (what a recording may be, what a name may be,
who may see what) is the gateway's; this module only carries requests."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx

OWNER_HEADER = "X-Secretary-Owner"
TIMEOUT = httpx.Timeout(30.0, connect=5.0)
# an upload may take as long as the download from Telegram that feeds it
UPLOAD_TIMEOUT = httpx.Timeout(None, connect=5.0)


class GatewayError(Exception):
    """The gateway refused: `code` and `message` are its own, for the user to read."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message


class GatewayUnavailable(Exception):
    """The gateway did not answer; nothing was created."""


@dataclass(frozen=True)
class MultipartUpload:
    """A multipart/form-data body generated as the file's chunks arrive, with its exact
    length known in advance from the file's size: streamed, never buffered."""

    fields: dict[str, str]
    filename: str
    content_type: str
    size: int
    boundary: str = ""

    def _boundary(self) -> str:
        return self.boundary or f"secretary-{secrets.token_hex(16)}"

    def parts(self, boundary: str) -> tuple[bytes, bytes]:
        head = b"".join(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode()
            + value.encode()
            + b"\r\n"
            for name, value in self.fields.items()
        )
        quoted = self.filename.replace('"', "%22").replace("\r", "").replace("\n", "")
        head += (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file";'
            f' filename="{quoted}"\r\nContent-Type: {self.content_type}\r\n\r\n'
        ).encode()
        return head, f"\r\n--{boundary}--\r\n".encode()

    def encode(self, chunks: AsyncIterator[bytes]) -> tuple[dict[str, str], AsyncIterator[bytes]]:
        boundary = self._boundary()
        head, tail = self.parts(boundary)

        async def body() -> AsyncIterator[bytes]:
            yield head
            async for chunk in chunks:
                yield chunk
            yield tail

        headers = {
            "Content-Type": f"multipart/form-data; boundary={boundary}",
            "Content-Length": str(len(head) + self.size + len(tail)),
        }
        return headers, body()


class GatewayClient:
    def __init__(self, http: httpx.AsyncClient, door_key: str) -> None:
        self.http = http
        self.door_key = door_key

    @classmethod
    def connect(cls, base_url: str, door_key: str) -> GatewayClient:
        return cls(httpx.AsyncClient(base_url=base_url, timeout=TIMEOUT), door_key)

    async def close(self) -> None:
        await self.http.aclose()

    def _headers(self, owner: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.door_key}", OWNER_HEADER: owner}

    async def _call(self, method: str, path: str, owner: str, **kwargs: Any) -> httpx.Response:
        headers = {**self._headers(owner), **kwargs.pop("headers", {})}
        try:
            response = await self.http.request(method, path, headers=headers, **kwargs)
        except httpx.TransportError as error:
            raise GatewayUnavailable(f"{type(error).__name__}: {error}") from error
        if response.status_code >= 500 and response.status_code != 503:
            raise GatewayUnavailable(f"the gateway answered {response.status_code}")
        if not response.is_success:
            try:
                detail = response.json()["error"]
                code, message = str(detail["code"]), str(detail["message"])
            except (ValueError, KeyError, TypeError):
                code, message = "http_error", response.text[:200]
            raise GatewayError(response.status_code, code, message)
        return response

    async def upload(
        self,
        owner: str,
        chunks: AsyncIterator[bytes],
        size: int,
        filename: str,
        content_type: str,
        title: str | None = None,
    ) -> dict[str, Any]:
        fields = {"title": title} if title else {}
        upload = MultipartUpload(fields, filename, content_type, size)
        headers, body = upload.encode(chunks)
        response = await self._call(
            "POST",
            "/v1/recordings",
            owner,
            content=body,
            headers=headers,
            timeout=UPLOAD_TIMEOUT,
        )
        created: dict[str, Any] = response.json()
        return created

    async def recording(self, owner: str, recording_id: str) -> dict[str, Any] | None:
        try:
            response = await self._call("GET", f"/v1/recordings/{recording_id}", owner)
        except GatewayError as error:
            if error.status == 404:
                return None
            raise
        found: dict[str, Any] = response.json()
        return found

    async def recordings(self, owner: str, limit: int = 20) -> list[dict[str, Any]]:
        response = await self._call("GET", "/v1/recordings", owner, params={"limit": limit})
        return list(response.json()["items"])

    async def transcript(self, owner: str, recording_id: str) -> dict[str, Any]:
        """As the REST API shows it: names given and merges applied."""
        response = await self._call("GET", f"/v1/recordings/{recording_id}/transcript", owner)
        transcript: dict[str, Any] = response.json()
        return transcript

    async def export(self, owner: str, recording_id: str, format: str) -> str:
        response = await self._call(
            "GET",
            f"/v1/recordings/{recording_id}/transcript",
            owner,
            params={"format": format},
        )
        return response.text

    async def summary(self, owner: str, recording_id: str) -> dict[str, Any]:
        response = await self._call("GET", f"/v1/recordings/{recording_id}/summary", owner)
        summary: dict[str, Any] = response.json()
        return summary

    async def name_speakers(
        self, owner: str, recording_id: str, names: dict[str, str | None]
    ) -> dict[str, Any]:
        response = await self._call(
            "PATCH", f"/v1/recordings/{recording_id}/speakers", owner, json=names
        )
        speakers: dict[str, Any] = response.json()
        return speakers

    async def delete(self, owner: str, recording_id: str) -> bool:
        """False when there was no such recording of this owner."""
        try:
            await self._call("DELETE", f"/v1/recordings/{recording_id}", owner)
        except GatewayError as error:
            if error.status == 404:
                return False
            raise
        return True

    async def ask(
        self, owner: str, recording_id: str, question: str, language: str
    ) -> dict[str, Any]:
        """Hands the question over at once; the answer arrives as events."""
        response = await self._call(
            "POST",
            f"/v1/recordings/{recording_id}/questions",
            owner,
            json={"question": question, "language": language, "wait_s": 0},
        )
        asked: dict[str, Any] = response.json()
        return asked

    async def sign_in_link(self, owner: str) -> dict[str, Any]:
        """A one-time link that opens the review page signed in as the owner."""
        link: dict[str, Any] = (await self._call("POST", "/v1/sign-in-links", owner)).json()
        return link

    async def end_sessions(self, owner: str) -> int:
        """Signs the owner out of the web page on every device; how many sessions ended."""
        ended: int = (await self._call("DELETE", "/v1/sessions", owner)).json()["ended"]
        return ended

    async def set_language(self, owner: str, language: str | None) -> str | None:
        response = await self._call("PUT", "/v1/settings", owner, json={"language": language})
        chosen: str | None = response.json()["language"]
        return chosen

    async def speakers(self, owner: str, recording_id: str) -> dict[str, Any]:
        """The speakers as shown, with their speech time and any voice suggestion."""
        response = await self._call("GET", f"/v1/recordings/{recording_id}/speakers", owner)
        speakers: dict[str, Any] = response.json()
        return speakers

    async def clip(self, owner: str, recording_id: str, speaker: str) -> bytes:
        """Up to ten seconds of the speaker's clearest speech, Ogg/Opus."""
        response = await self._call(
            "GET", f"/v1/recordings/{recording_id}/speakers/{speaker}/clip", owner
        )
        return response.content

    async def people(self, owner: str) -> list[dict[str, Any]]:
        response = await self._call("GET", "/v1/people", owner)
        return list(response.json()["items"])

    async def rename_person(self, owner: str, person_id: str, name: str) -> dict[str, Any]:
        response = await self._call("PATCH", f"/v1/people/{person_id}", owner, json={"name": name})
        person: dict[str, Any] = response.json()
        return person

    async def merge_people(self, owner: str, person_id: str, into: str) -> dict[str, Any]:
        response = await self._call(
            "POST", f"/v1/people/{person_id}/merge", owner, json={"into": into}
        )
        person: dict[str, Any] = response.json()
        return person

    async def forget_person(self, owner: str, person_id: str) -> None:
        await self._call("DELETE", f"/v1/people/{person_id}", owner)
