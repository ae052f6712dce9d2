"""What happens when a Telegram user writes to the bot."""

from __future__ import annotations

import io
import logging
import uuid
from collections.abc import AsyncIterator
from typing import Any

from faststream.nats import NatsBroker
from pyrogram import types
from secretary_contracts import (
    MediaReceived,
    OwnerSettings,
    QuestionAsked,
    RecordingDeleted,
    RecordingOptions,
    RecordingStatus,
    SpeakersNamed,
    Transcript,
    exports,
)
from secretary_contracts.languages import UnsupportedLanguage, chosen_language
from secretary_contracts.messaging import (
    BUCKETS,
    MEDIA_RECEIVED,
    QUESTION_ASKED,
    RECORDING_DELETED,
    SPEAKERS_NAMED,
    artifact_object_name,
    speakers_named_message_id,
)
from secretary_runtime import objects
from secretary_runtime.logs import bound_recording
from secretary_runtime.owners import write_owner_settings
from secretary_runtime.publishing import EventPublisher
from secretary_runtime.recordings import purge_recording

from secretary_ingest.settings import IngestSettings
from secretary_ingest.telegram.media import incoming_media
from secretary_ingest.telegram.state import ChatQuestion, ChatRecording, TelegramState
from secretary_ingest.telegram.status import StatusMessages
from secretary_ingest.telegram.texts import human_duration, human_size, language_of, say

logger = logging.getLogger(__name__)


def _user_id(message: types.Message) -> int:
    assert message.from_user is not None, "only messages from users reach the handlers"
    return int(message.from_user.id)


def _chat_id(message: types.Message) -> int:
    assert message.chat is not None and message.chat.id is not None
    return int(message.chat.id)


def owner_of(user_id: int) -> str:
    return f"telegram:{user_id}"


class TelegramBot:
    def __init__(
        self,
        settings: IngestSettings,
        broker: NatsBroker,
        client: Any,
        status: StatusMessages,
    ) -> None:
        self.settings = settings
        self.broker = broker
        self.client = client
        self.status = status
        self.publisher = EventPublisher(broker)
        self.state = TelegramState(lambda: broker.connection.jetstream())

    async def handle(self, _: Any, message: types.Message) -> None:
        """The single entry point for every private message the client receives."""
        user = message.from_user
        if user is None:
            return
        language = language_of(user.language_code)
        if (
            self.settings.telegram_allowed_users
            and user.id not in self.settings.telegram_allowed_users
        ):
            await self._reply(message, say(language, "not_allowed", user_id=user.id))
            return
        text = (message.text or "").strip()
        if text.startswith("/"):
            await self._command(message, language, text)
            return
        if text:
            await self._question(message, language, text)
            return
        media = incoming_media(message)
        if media is None:
            await self._reply(message, say(language, "unsupported"))
            return
        if media.size > self.settings.telegram_max_file_bytes:
            await self._reply(
                message,
                say(
                    language,
                    "too_large",
                    size=human_size(media.size),
                    limit=human_size(self.settings.telegram_max_file_bytes),
                ),
            )
            return
        await self._recording(message, language, media)

    async def _reply(self, message: types.Message, text: str) -> types.Message:
        sent: types.Message = await self.client.send_message(
            _chat_id(message), text, reply_to_message_id=message.id
        )
        return sent

    async def _recording(self, message: types.Message, language: str, media: Any) -> None:
        user_id = _user_id(message)
        existing_id = await self.state.recording_of_file(media.file_unique_id)
        if existing_id is not None:
            existing = await self.state.recording(existing_id)
            if existing is not None and existing.user_id == user_id:
                await self._reply(
                    message,
                    say(language, "duplicate", recording_id=existing_id, status=existing.status),
                )
                if existing.status == RecordingStatus.DONE:
                    await self.send_transcript(existing)
                return
        recording_id = uuid.uuid4().hex
        with bound_recording(recording_id):
            status_message = await self._reply(message, say(language, "status_download", percent=0))
            recording = ChatRecording(
                recording_id=recording_id,
                user_id=user_id,
                chat_id=_chat_id(message),
                status_message_id=status_message.id,
                source_message_id=message.id,
                file_unique_id=media.file_unique_id,
                file_name=media.file_name,
                language=language,
            )
            # registered before the download, so that a failure is reported to this chat
            await self.state.save_recording(recording)
            user = await self.state.user(user_id)
            js = self.broker.connection.jetstream()
            try:
                ref = await objects.put_stream(
                    js,
                    BUCKETS.media,
                    recording_id,
                    self._download(message, recording, media.size),
                    max_bytes=self.settings.telegram_max_file_bytes,
                )
            except Exception:
                logger.exception("telegram download failed")
                await self.state.forget(recording)
                await self.status.update(
                    recording_id,
                    recording.chat_id,
                    recording.status_message_id,
                    language,
                    status=RecordingStatus.FAILED,
                    final=True,
                )
                await self._reply(message, say(language, "download_failed"))
                return
            same_content = await self.state.recording_of_content(user_id, ref.sha256 or "")
            if same_content is not None and same_content != recording_id:
                # the same bytes under another Telegram file id: keep the first recording
                await objects.delete_object(js, BUCKETS.media, recording_id)
                await self.state.forget(recording)
                await self.status.update(
                    recording_id,
                    recording.chat_id,
                    recording.status_message_id,
                    language,
                    status=RecordingStatus.DONE,
                    final=True,
                )
                known = await self.state.recording(same_content)
                await self._reply(
                    message,
                    say(
                        language,
                        "duplicate",
                        recording_id=same_content,
                        status=known.status if known else "?",
                    ),
                )
                if known is not None and known.status == RecordingStatus.DONE:
                    await self.send_transcript(known)
                return
            recording.sha256 = ref.sha256
            await self.state.save_recording(recording)
            await self.state.remember_file(media.file_unique_id, recording_id)
            await self.state.remember_content(user_id, ref.sha256 or "", recording_id)
            user.recordings = [recording_id, *user.recordings]
            # no language here: prepare applies the owner's default (/lang or PUT /v1/settings)
            options = RecordingOptions()
            await self.state.save_user(user_id, user)
            await self.publisher.publish(
                MEDIA_RECEIVED,
                MediaReceived(
                    recording_id=recording_id,
                    owner=owner_of(user_id),
                    source="telegram",
                    filename=media.file_name,
                    content_type=media.mime_type,
                    title=media.file_name,
                    media=ref,
                    options=options,
                ),
            )
            await self.status.update(
                recording_id,
                recording.chat_id,
                recording.status_message_id,
                language,
                stage="download",
                fraction=1.0,
            )
            logger.info("telegram recording received", extra={"fields": {"bytes": ref.size_bytes}})

    async def _download(
        self, message: types.Message, recording: ChatRecording, size: int
    ) -> AsyncIterator[bytes]:
        received = 0
        async for chunk in self.client.stream_media(message):
            received += len(chunk)
            if size:
                await self.status.update(
                    recording.recording_id,
                    recording.chat_id,
                    recording.status_message_id,
                    recording.language,
                    stage="download",
                    fraction=min(0.99, received / size),
                )
            yield chunk

    async def send_transcript(self, recording: ChatRecording) -> None:
        js = self.broker.connection.jetstream()
        store = await js.object_store(BUCKETS.artifacts)
        stored = await store.get(artifact_object_name(recording.recording_id, "transcript"))
        transcript = Transcript.model_validate_json(stored.data or b"{}")
        if not transcript.segments:
            await self.client.send_message(
                recording.chat_id,
                say(recording.language, "no_speech"),
                reply_to_message_id=recording.source_message_id,
            )
            return
        for speaker in transcript.speakers:
            speaker.name = recording.speaker_names.get(speaker.id, speaker.name)
        stem = recording.file_name.rsplit(".", 1)[0] or recording.recording_id
        caption = say(
            recording.language,
            "caption",
            speakers=len(transcript.speakers),
            spoken=transcript.language,
            duration=human_duration(transcript.duration_s),
        )
        for suffix, body in (
            ("txt", exports.to_text(transcript)),
            ("srt", exports.to_srt(transcript)),
        ):
            document = io.BytesIO(body.encode())
            document.name = f"{stem}.{suffix}"
            await self.client.send_document(
                recording.chat_id,
                document,
                caption=f"{caption}\n{recording.recording_id}" if suffix == "txt" else None,
                reply_to_message_id=recording.source_message_id,
            )

    async def _owned(
        self, message: types.Message, language: str, recording_id: str
    ) -> ChatRecording | None:
        recording = await self.state.recording(recording_id)
        if recording is None or recording.user_id != _user_id(message):
            await self._reply(
                message, say(language, "unknown_recording", recording_id=recording_id)
            )
            return None
        return recording

    async def _command(self, message: types.Message, language: str, text: str) -> None:
        command, *args = text.split()
        command = command.split("@", 1)[0].lower()
        user_id = _user_id(message)
        if command in ("/start", "/help"):
            key = "start" if command == "/start" else "help"
            await self._reply(
                message, say(language, key, limit=human_size(self.settings.telegram_max_file_bytes))
            )
        elif command == "/list":
            user = await self.state.user(user_id)
            lines = []
            for recording_id in user.recordings[:20]:
                recording = await self.state.recording(recording_id)
                if recording is not None:
                    lines.append(
                        say(
                            language,
                            "list_line",
                            recording_id=recording_id,
                            name=recording.file_name,
                            status=recording.status,
                        )
                    )
            await self._reply(message, "\n".join(lines) or say(language, "no_recordings"))
        elif command == "/get":
            if not args:
                await self._reply(message, say(language, "usage_get"))
            elif (recording := await self._owned(message, language, args[0])) is not None:
                if recording.status == RecordingStatus.DONE:
                    await self.send_transcript(recording)
                else:
                    await self._reply(
                        message,
                        say(language, "not_ready", recording_id=args[0], status=recording.status),
                    )
        elif command == "/delete":
            if not args:
                await self._reply(message, say(language, "usage_delete"))
            elif (recording := await self._owned(message, language, args[0])) is not None:
                await self.delete(recording)
                await self._reply(message, say(language, "deleted", recording_id=args[0]))
        elif command == "/lang":
            try:
                chosen = OwnerSettings(language=chosen_language(args[0] if args else None))
            except UnsupportedLanguage as error:
                await self._reply(message, say(language, "lang_unknown", code=error.code))
                return
            await write_owner_settings(
                self.broker.connection.jetstream(), owner_of(user_id), chosen
            )
            await self._reply(
                message,
                say(language, "lang_auto")
                if chosen.language is None
                else say(language, "lang_set", code=chosen.language),
            )
        elif command == "/speakers":
            if len(args) < 3:
                await self._reply(message, say(language, "speakers_usage"))
            elif (recording := await self._owned(message, language, args[0])) is not None:
                speaker, name = args[1].upper(), " ".join(args[2:])
                recording.speaker_names[speaker] = name
                await self.state.save_recording(recording)
                # the REST API (and its exports, search, answers) uses the same names
                named = SpeakersNamed(
                    recording_id=recording.recording_id,
                    owner=owner_of(recording.user_id),
                    names=recording.speaker_names,
                )
                await self.publisher.publish(
                    SPEAKERS_NAMED, named, message_id=speakers_named_message_id(named)
                )
                await self._reply(
                    message,
                    say(
                        language, "speaker_named", speaker=speaker, name=name, recording_id=args[0]
                    ),
                )
        elif command == "/ask":
            await self._question(message, language, " ".join(args))
        else:
            await self._reply(
                message,
                say(language, "help", limit=human_size(self.settings.telegram_max_file_bytes)),
            )

    async def _question(self, message: types.Message, language: str, question: str) -> None:
        user = await self.state.user(_user_id(message))
        recording_id = None
        replied = message.reply_to_message_id
        if replied is not None:
            for candidate in user.recordings:
                recording = await self.state.recording(candidate)
                if recording is not None and replied in (
                    recording.source_message_id,
                    recording.status_message_id,
                ):
                    recording_id = candidate
                    break
        if recording_id is None and user.recordings:
            recording_id = user.recordings[0]
        if recording_id is None or not question:
            await self._reply(message, say(language, "no_recording_for_question"))
            return
        question_id = uuid.uuid4().hex
        asked_about = await self.state.recording(recording_id)
        await self.state.save_question(
            ChatQuestion(
                question_id=question_id,
                chat_id=_chat_id(message),
                question_message_id=message.id,
                language=language,
            )
        )
        await self.publisher.publish(
            QUESTION_ASKED,
            QuestionAsked(
                recording_id=recording_id,
                question_id=question_id,
                owner=owner_of(_user_id(message)),
                question=question,
                language=language,
                speaker_names=asked_about.speaker_names if asked_about else {},
            ),
            message_id=f"{recording_id}:question:{question_id}",
        )
        await self._reply(message, say(language, "question_stored", recording_id=recording_id))

    async def delete(self, recording: ChatRecording) -> None:
        await purge_recording(self.broker.connection.jetstream(), recording.recording_id)
        await self.state.forget(recording)
        await self.publisher.publish(
            RECORDING_DELETED,
            RecordingDeleted(
                recording_id=recording.recording_id, owner=owner_of(recording.user_id)
            ),
        )
