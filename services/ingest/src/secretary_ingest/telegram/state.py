"""What only a chat knows, in a JetStream KV bucket (the service stays stateless). A
recording's status, names and transcript are the gateway's: this keeps none of them.

Keys: `rec.<recording id>` a recording sent from a chat; `user.<user id>` a user's
preferences and recordings, newest first; `file.<file_unique_id>` the recording a file became
(the same bytes under another file id are the gateway's to recognise);
`q.<question id>` a question asked in a chat; `clip.<chat id>.<message id>` the speaker a voice
clip the bot sent asks about.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from datetime import UTC, datetime

from nats.js import JetStreamContext
from nats.js.errors import KeyNotFoundError
from nats.js.kv import KeyValue
from pydantic import BaseModel, Field
from secretary_contracts.messaging import BUCKETS
from secretary_runtime.kv import keys_written


class ChatRecording(BaseModel):
    recording_id: str
    user_id: int
    chat_id: int
    status_message_id: int
    source_message_id: int
    file_unique_id: str
    file_name: str
    sha256: str | None = Field(
        default=None, description="Set by earlier releases, which kept a key for the content."
    )
    language: str = "en"
    delivered: bool = Field(
        default=False, description="The chat has its final message (transcript or failure)."
    )
    asked: list[str] = Field(
        default_factory=list, description="Speakers whose voice clip the chat was sent."
    )
    asked_all: bool = Field(
        default=False, description="Every unknown speaker worth asking about was asked about."
    )
    created_at: datetime = Field(default_factory=lambda: datetime.now(UTC))


class ChatQuestion(BaseModel):
    question_id: str
    chat_id: int
    question_message_id: int
    language: str = "en"
    answer_message_id: int | None = None


class ChatClip(BaseModel):
    """A voice clip the bot sent to ask who a speaker is; a reply to it names them."""

    chat_id: int
    message_id: int
    recording_id: str
    speaker: str
    suggested: str | None = None


class UserState(BaseModel):
    recordings: list[str] = Field(default_factory=list)
    signed_in: bool = Field(
        default=False, description="The user was given a sign-in link for the web page."
    )


class TelegramState:
    def __init__(self, jetstream: Callable[[], JetStreamContext]) -> None:
        self._jetstream = jetstream
        self._kv: KeyValue | None = None

    async def kv(self) -> KeyValue:
        if self._kv is None:
            self._kv = await self._jetstream().key_value(BUCKETS.telegram)
        return self._kv

    async def _get(self, key: str) -> bytes | None:
        try:
            entry = await (await self.kv()).get(key)
        except KeyNotFoundError:
            return None
        return entry.value

    async def recording(self, recording_id: str) -> ChatRecording | None:
        raw = await self._get(f"rec.{recording_id}")
        return ChatRecording.model_validate_json(raw) if raw else None

    async def save_recording(self, recording: ChatRecording) -> None:
        await (await self.kv()).put(
            f"rec.{recording.recording_id}", recording.model_dump_json().encode()
        )

    async def user(self, user_id: int) -> UserState:
        raw = await self._get(f"user.{user_id}")
        return UserState.model_validate_json(raw) if raw else UserState()

    async def save_user(self, user_id: int, state: UserState) -> None:
        await (await self.kv()).put(f"user.{user_id}", state.model_dump_json().encode())

    async def known_users(self) -> list[int]:
        """Everyone the door keeps a state for: who sent a recording or asked for a link."""
        keys = await keys_written(self._jetstream(), BUCKETS.telegram, "user.*")
        return sorted(int(key.removeprefix("user.")) for key in keys)

    async def recording_of_file(self, file_unique_id: str) -> str | None:
        raw = await self._get(f"file.{file_unique_id}")
        return raw.decode() if raw else None

    async def remember_file(self, file_unique_id: str, recording_id: str) -> None:
        await (await self.kv()).put(f"file.{file_unique_id}", recording_id.encode())

    async def question(self, question_id: str) -> ChatQuestion | None:
        raw = await self._get(f"q.{question_id}")
        return ChatQuestion.model_validate_json(raw) if raw else None

    async def save_question(self, question: ChatQuestion) -> None:
        await (await self.kv()).put(
            f"q.{question.question_id}", question.model_dump_json().encode()
        )

    async def clip(self, chat_id: int, message_id: int) -> ChatClip | None:
        raw = await self._get(f"clip.{chat_id}.{message_id}")
        return ChatClip.model_validate_json(raw) if raw else None

    async def save_clip(self, clip: ChatClip) -> None:
        await (await self.kv()).put(
            f"clip.{clip.chat_id}.{clip.message_id}", clip.model_dump_json().encode()
        )

    async def forget(self, recording: ChatRecording) -> None:
        kv = await self.kv()
        keys = [f"rec.{recording.recording_id}", f"file.{recording.file_unique_id}"]
        if recording.sha256:  # a key earlier releases wrote for the content
            keys.append(f"sha.{recording.user_id}.{recording.sha256}")
        for key in keys:
            with contextlib.suppress(KeyNotFoundError):
                await kv.delete(key)
        user = await self.user(recording.user_id)
        user.recordings = [r for r in user.recordings if r != recording.recording_id]
        await self.save_user(recording.user_id, user)
