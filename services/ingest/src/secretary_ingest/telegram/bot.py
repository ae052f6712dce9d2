"""What happens when a Telegram user writes to the bot.

The door carries each request to the gateway (ADR 0007): creating, listing, naming speakers,
deleting and asking follow the same rules as over REST. What is kept here is only what a chat
knows: which chat and message a recording belongs to, and which Telegram file it came from.
"""

from __future__ import annotations

import asyncio
import io
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from faststream.nats import NatsBroker
from pyrogram import types
from secretary_contracts import ErrorCode, RecordingStatus, Summary, TranscriptWarning
from secretary_runtime.logs import bound_recording

from secretary_ingest.settings import IngestSettings
from secretary_ingest.telegram.gateway import GatewayClient, GatewayError, GatewayUnavailable
from secretary_ingest.telegram.media import incoming_media
from secretary_ingest.telegram.state import ChatClip, ChatQuestion, ChatRecording, TelegramState
from secretary_ingest.telegram.status import StatusMessages
from secretary_ingest.telegram.texts import (
    PLAIN,
    PLAIN_CAPTION,
    agrees,
    human_duration,
    human_size,
    language_of,
    render_summary,
    say,
)

logger = logging.getLogger(__name__)

LISTED = 20
# while the gateway is away at start, the sign-outs of disallowed users are tried again
SIGN_OUT_RETRY_S = 30.0
SIGN_OUT_TRIES = 120


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
        gateway: GatewayClient,
    ) -> None:
        self.settings = settings
        self.broker = broker
        self.client = client
        self.status = status
        self.gateway = gateway
        self.state = TelegramState(lambda: broker.connection.jetstream())
        self._sign_outs: asyncio.Task[None] | None = None

    async def sign_out_the_disallowed(self) -> list[int]:
        """The web sessions of users no longer on the allow-list end, so that taking someone
        off the list takes their review page away too. Returns those whose sessions could
        not be ended yet (the gateway away)."""
        if self.settings.telegram_open:
            return []
        left = []
        for user_id in await self.state.known_users():
            if self.settings.serves(user_id):
                continue
            try:
                ended = await self.gateway.end_sessions(owner_of(user_id))
            except (GatewayUnavailable, GatewayError) as error:
                logger.warning("sessions of a disallowed user not ended yet: %s", error)
                left.append(user_id)
                continue
            if ended:
                logger.info("web sessions of a disallowed user ended: %d", ended)
        return left

    def start_signing_out_the_disallowed(self) -> None:
        """At start, in the background, until the gateway has answered for everyone."""

        async def until_done() -> None:
            for _ in range(SIGN_OUT_TRIES):
                if not await self.sign_out_the_disallowed():
                    return
                await asyncio.sleep(SIGN_OUT_RETRY_S)
            logger.error("web sessions of disallowed users could not be ended; restart to retry")

        self._sign_outs = asyncio.create_task(until_done())

    async def handle(self, _: Any, message: types.Message) -> None:
        """The single entry point for every private message the client receives."""
        user = message.from_user
        if user is None:
            return
        language = language_of(user.language_code)
        if not self.settings.serves(user.id):
            await self._reply(message, say(language, "not_allowed", user_id=user.id))
            return
        try:
            await self._dispatch(message, language)
        except GatewayUnavailable as error:
            logger.warning("the gateway did not answer: %s", error)
            await self._reply(message, say(language, "unavailable"))
        except GatewayError as error:
            await self._reply(message, say(language, "refused", message=error.message))

    async def _dispatch(self, message: types.Message, language: str) -> None:
        text = (message.text or "").strip()
        if text.startswith("/"):
            await self._command(message, language, text)
            return
        if text:
            clip = None
            if message.reply_to_message_id is not None:
                clip = await self.state.clip(_chat_id(message), message.reply_to_message_id)
            if clip is not None:
                await self._name_from_clip(message, language, clip, text)
            else:
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
            _chat_id(message), text, reply_to_message_id=message.id, **PLAIN
        )
        return sent

    async def _already_have(self, message: types.Message, language: str, recording_id: str) -> None:
        found = await self.gateway.recording(owner_of(_user_id(message)), recording_id)
        status = found["status"] if found else "?"
        await self._reply(
            message, say(language, "duplicate", recording_id=recording_id, status=status)
        )
        known = await self.state.recording(recording_id)
        if known is not None and status == RecordingStatus.DONE:
            await self.send_transcript(known)

    async def _recording(self, message: types.Message, language: str, media: Any) -> None:
        user_id = _user_id(message)
        existing_id = await self.state.recording_of_file(media.file_unique_id)
        if existing_id is not None:
            existing = await self.state.recording(existing_id)
            if existing is not None and existing.user_id == user_id:
                await self._already_have(message, language, existing_id)
                return
        status_message = await self._reply(message, say(language, "status_download", percent=0))
        # until the gateway names the recording, its status message goes by the message
        download_key = f"download:{_chat_id(message)}:{message.id}"
        chunks = self._download(message, media.size, download_key, status_message.id)

        async def end_download(succeeded: bool) -> None:
            await self.status.update(
                download_key,
                _chat_id(message),
                status_message.id,
                language,
                stage="download",
                fraction=1.0,
                status=RecordingStatus.QUEUED if succeeded else RecordingStatus.FAILED,
                final=True,
            )

        try:
            created = await self.gateway.upload(
                owner_of(user_id),
                chunks,
                media.size,
                media.file_name,
                media.mime_type,
                title=media.file_name,
            )
        except GatewayError:
            await end_download(succeeded=False)
            raise
        except Exception:
            logger.exception("the recording did not reach the gateway")
            await end_download(succeeded=False)
            await self._reply(message, say(language, "download_failed"))
            return
        await end_download(succeeded=True)
        recording_id = str(created["id"])
        if created.get("duplicate_of"):
            # the same bytes under another Telegram file id: the gateway kept the first
            await self._already_have(message, language, recording_id)
            return
        with bound_recording(recording_id):
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
            await self.state.save_recording(recording)
            await self.state.remember_file(media.file_unique_id, recording_id)
            user = await self.state.user(user_id)
            user.recordings = [recording_id, *user.recordings]
            await self.state.save_user(user_id, user)
            logger.info("telegram recording received", extra={"fields": {"bytes": media.size}})
            # what the pipeline announced before the chat knew the recording's id
            await self.catch_up(recording)

    async def _download(
        self,
        message: types.Message,
        size: int,
        status_key: str,
        status_message_id: int,
    ) -> AsyncIterator[bytes]:
        received = 0
        async for chunk in self.client.stream_media(message):
            received += len(chunk)
            if size:
                await self.status.update(
                    status_key,
                    _chat_id(message),
                    status_message_id,
                    language_of(message.from_user.language_code if message.from_user else None),
                    stage="download",
                    fraction=min(0.99, received / size),
                )
            yield chunk

    async def catch_up(self, recording: ChatRecording) -> None:
        """Delivers a result the chat missed (a failure right after the upload)."""
        found = await self.gateway.recording(owner_of(recording.user_id), recording.recording_id)
        if found is None or (recording.delivered and recording.asked_all):
            return
        if found["status"] == RecordingStatus.DONE:
            await self.deliver_transcript(recording)
        elif found["status"] == RecordingStatus.FAILED and found.get("error"):
            await self.deliver_failure(recording, found["error"]["code"], found["error"]["message"])

    async def _settle(self, recording: ChatRecording, status: RecordingStatus) -> bool:
        """Marks the final message as sent, once: False when it already was."""
        current = await self.state.recording(recording.recording_id)
        if current is None or current.delivered:
            return False
        current.delivered = True
        await self.state.save_recording(current)
        await self.status.update(
            recording.recording_id,
            recording.chat_id,
            recording.status_message_id,
            recording.language,
            status=status,
            final=True,
        )
        return True

    async def deliver_transcript(self, recording: ChatRecording) -> None:
        """The transcript once, then a voice clip for each speaker worth naming; a retry
        after a failure in between sends only what is missing."""
        current = await self.state.recording(recording.recording_id) or recording
        if not current.delivered:
            await self.send_transcript(current)
            await self._settle(current, RecordingStatus.DONE)
        if not current.asked_all:
            await self.ask_who(current)

    async def ask_who(self, recording: ChatRecording) -> None:
        """A short clip of each unnamed speaker with enough speech, asking who it is (a voice
        close to a known person asks whether it is them)."""
        owner = owner_of(recording.user_id)
        shown = await self.gateway.speakers(owner, recording.recording_id)
        for speaker in shown["speakers"] if shown.get("voiceprints") else []:
            if (
                speaker["named"]
                or speaker["speech_s"] < self.settings.telegram_ask_who_min_speech_s
                or speaker["id"] in recording.asked
            ):
                continue
            clip = await self.gateway.clip(owner, recording.recording_id, speaker["id"])
            suggested = (speaker.get("suggestion") or {}).get("name")
            caption = (
                say(recording.language, "is_this", name=suggested, speaker=speaker["id"])
                if suggested
                else say(recording.language, "who_is_this", speaker=speaker["id"])
            )
            voice = io.BytesIO(clip)
            voice.name = f"{speaker['id']}.ogg"
            sent = await self.client.send_voice(
                recording.chat_id,
                voice,
                caption=caption,
                reply_to_message_id=recording.source_message_id,
                **PLAIN_CAPTION,
            )
            await self.state.save_clip(
                ChatClip(
                    chat_id=recording.chat_id,
                    message_id=sent.id,
                    recording_id=recording.recording_id,
                    speaker=speaker["id"],
                    suggested=suggested,
                )
            )
            recording.asked.append(speaker["id"])
            await self._update(recording.recording_id, asked=recording.asked)
        await self._update(recording.recording_id, asked_all=True)

    async def _update(self, recording_id: str, **changes: Any) -> None:
        current = await self.state.recording(recording_id)
        if current is not None:
            await self.state.save_recording(current.model_copy(update=changes))

    async def _name_from_clip(
        self, message: types.Message, language: str, clip: ChatClip, text: str
    ) -> None:
        name = clip.suggested if clip.suggested and agrees(text) else text
        await self.gateway.name_speakers(
            owner_of(_user_id(message)), clip.recording_id, {clip.speaker: name}
        )
        await self._reply(message, say(language, "enrolled", speaker=clip.speaker, name=name))

    async def deliver_failure(self, recording: ChatRecording, code: str, message: str) -> None:
        if await self._settle(recording, RecordingStatus.FAILED):
            await self.client.send_message(
                recording.chat_id,
                say(recording.language, "failed", message=message, code=code),
                reply_to_message_id=recording.source_message_id,
                **PLAIN,
            )

    async def send_transcript(self, recording: ChatRecording) -> None:
        """The `.txt` and `.srt` exactly as the REST API renders them (names, merges)."""
        owner = owner_of(recording.user_id)
        transcript = await self.gateway.transcript(owner, recording.recording_id)
        if TranscriptWarning.NO_SPEECH in transcript.get("warnings", []) or not transcript.get(
            "segments"
        ):
            await self.client.send_message(
                recording.chat_id,
                say(recording.language, "no_speech"),
                reply_to_message_id=recording.source_message_id,
                **PLAIN,
            )
            return
        stem = recording.file_name.rsplit(".", 1)[0] or recording.recording_id
        caption = say(
            recording.language,
            "caption",
            speakers=len({s["speaker"] for s in transcript["segments"]}),
            spoken=transcript["language"],
            duration=human_duration(float(transcript["duration_s"])),
        )
        if transcript.get("partial"):
            minutes = int(float(transcript["duration_s"]) // 60)
            caption = say(recording.language, "caption_so_far", minutes=minutes) + "\n" + caption
        for suffix in ("txt", "srt"):
            body = await self.gateway.export(owner, recording.recording_id, suffix)
            document = io.BytesIO(body.encode())
            document.name = f"{stem}.{suffix}"
            await self.client.send_document(
                recording.chat_id,
                document,
                caption=f"{caption}\n{recording.recording_id}" if suffix == "txt" else None,
                reply_to_message_id=recording.source_message_id,
                **PLAIN_CAPTION,
            )

    async def send_summary(self, recording: ChatRecording) -> None:
        summary = await self.gateway.summary(owner_of(recording.user_id), recording.recording_id)
        await self.client.send_message(
            recording.chat_id,
            render_summary(recording.language, Summary.model_validate(summary)),
            reply_to_message_id=recording.source_message_id,
            **PLAIN,
        )

    async def send_no_summary(self, recording: ChatRecording, code: str, message: str) -> None:
        """Once per recording: no summary will come, and why."""
        key = "no_summary_llm_off" if code == ErrorCode.LLM_NOT_CONFIGURED else "no_summary"
        await self.client.send_message(
            recording.chat_id,
            say(recording.language, key, message=message, code=code),
            reply_to_message_id=recording.source_message_id,
            **PLAIN,
        )

    async def _owned(
        self, message: types.Message, language: str, recording_id: str
    ) -> dict[str, Any] | None:
        found = await self.gateway.recording(owner_of(_user_id(message)), recording_id)
        if found is None:
            await self._reply(
                message, say(language, "unknown_recording", recording_id=recording_id)
            )
        return found

    async def _command(self, message: types.Message, language: str, text: str) -> None:
        command, *args = text.split()
        command = command.split("@", 1)[0].lower()
        handler = self._commands().get(command)
        if handler is None:
            await self._reply(
                message,
                say(language, "help", limit=human_size(self.settings.telegram_max_file_bytes)),
            )
            return
        await handler(message, language, args)

    def _commands(
        self,
    ) -> dict[str, Callable[[types.Message, str, list[str]], Awaitable[None]]]:
        return {
            "/start": self._start,
            "/help": self._help,
            "/list": self._list,
            "/get": self._get,
            "/delete": self._delete,
            "/lang": self._lang,
            "/speakers": self._speakers,
            "/people": self._people,
            "/web": self._web,
            "/ask": lambda message, language, args: self._question(
                message, language, " ".join(args)
            ),
        }

    async def _start(self, message: types.Message, language: str, _: list[str]) -> None:
        limit = human_size(self.settings.telegram_max_file_bytes)
        await self._reply(message, say(language, "start", limit=limit))

    async def _help(self, message: types.Message, language: str, _: list[str]) -> None:
        limit = human_size(self.settings.telegram_max_file_bytes)
        await self._reply(message, say(language, "help", limit=limit))

    async def _web(self, message: types.Message, language: str, _: list[str]) -> None:
        user_id = _user_id(message)
        user = await self.state.user(user_id)
        if not user.signed_in:  # so that taking the user off the allow-list signs them out
            await self.state.save_user(user_id, user.model_copy(update={"signed_in": True}))
        link = await self.gateway.sign_in_link(owner_of(user_id))
        await self._reply(message, say(language, "web_link", url=link["url"]))

    async def _list(self, message: types.Message, language: str, _: list[str]) -> None:
        found = await self.gateway.recordings(owner_of(_user_id(message)), LISTED)
        lines = [
            say(
                language,
                "list_line",
                recording_id=r["id"],
                name=r.get("title") or r["filename"],
                status=r["status"],
            )
            for r in found
        ]
        await self._reply(message, "\n".join(lines) or say(language, "no_recordings"))

    async def _get(self, message: types.Message, language: str, args: list[str]) -> None:
        if not args:
            await self._reply(message, say(language, "usage_get"))
        elif (found := await self._owned(message, language, args[0])) is not None:
            if found["status"] != RecordingStatus.DONE and not found.get("transcript_through_s"):
                await self._reply(
                    message,
                    say(language, "not_ready", recording_id=args[0], status=found["status"]),
                )
                return
            known = await self.state.recording(args[0])
            await self.send_transcript(known or self._stand_in(message, language, found))

    def _stand_in(
        self, message: types.Message, language: str, found: dict[str, Any]
    ) -> ChatRecording:
        """A recording this chat did not send (uploaded over REST for this owner)."""
        return ChatRecording(
            recording_id=found["id"],
            user_id=_user_id(message),
            chat_id=_chat_id(message),
            status_message_id=message.id,
            source_message_id=message.id,
            file_unique_id="",
            file_name=found.get("title") or found["filename"],
            language=language,
        )

    async def _delete(self, message: types.Message, language: str, args: list[str]) -> None:
        if not args:
            await self._reply(message, say(language, "usage_delete"))
            return
        if not await self.gateway.delete(owner_of(_user_id(message)), args[0]):
            await self._reply(message, say(language, "unknown_recording", recording_id=args[0]))
            return
        known = await self.state.recording(args[0])
        if known is not None:
            await self.state.forget(known)
        await self._reply(message, say(language, "deleted", recording_id=args[0]))

    async def _lang(self, message: types.Message, language: str, args: list[str]) -> None:
        wanted = args[0] if args else None
        try:
            chosen = await self.gateway.set_language(owner_of(_user_id(message)), wanted)
        except GatewayError as error:
            if error.status != 400:
                raise
            await self._reply(message, say(language, "lang_unknown", code=wanted))
            return
        await self._reply(
            message,
            say(language, "lang_auto")
            if chosen is None
            else say(language, "lang_set", code=chosen),
        )

    async def _speakers(self, message: types.Message, language: str, args: list[str]) -> None:
        if len(args) < 3:
            await self._reply(message, say(language, "speakers_usage"))
            return
        recording_id, label, name = args[0], args[1].upper(), " ".join(args[2:])
        try:
            await self.gateway.name_speakers(
                owner_of(_user_id(message)), recording_id, {label: name}
            )
        except GatewayError as error:
            if error.status != 404:
                raise
            await self._reply(
                message, say(language, "unknown_recording", recording_id=recording_id)
            )
            return
        await self._reply(
            message,
            say(language, "speaker_named", speaker=label, name=name, recording_id=recording_id),
        )

    async def _people(self, message: types.Message, language: str, args: list[str]) -> None:
        """`/people` lists; `rename <n> <name>`, `merge <n> <into n>`, `forget <n>` act on
        the person of that number in the list."""
        owner = owner_of(_user_id(message))
        people = await self.gateway.people(owner)
        action = args[0].lower() if args else ""
        wanted = {"rename": 3, "merge": 3, "forget": 2}
        if action not in wanted or len(args) < wanted[action]:
            lines = [
                say(
                    language,
                    "people_line",
                    number=number,
                    name=person["name"],
                    recordings=person["recordings"],
                    speech=human_duration(float(person["speech_s"])),
                )
                for number, person in enumerate(people, start=1)
            ]
            if not lines:
                await self._reply(message, say(language, "people_none"))
                return
            await self._reply(message, "\n".join([*lines, "", say(language, "people_help")]))
            return

        def numbered(value: str) -> dict[str, Any] | None:
            index = int(value) - 1 if value.isdigit() else -1
            return people[index] if 0 <= index < len(people) else None

        references = args[1:3] if action == "merge" else args[1:2]
        chosen = [numbered(value) for value in references]
        if None in chosen:
            unknown = references[chosen.index(None)]
            await self._reply(message, say(language, "people_unknown", number=unknown))
            return
        person = chosen[0]
        assert person is not None
        if action == "rename":
            name = " ".join(args[2:])
            await self.gateway.rename_person(owner, person["id"], name)
            await self._reply(
                message, say(language, "person_renamed", old=person["name"], name=name)
            )
        elif action == "merge":
            into = chosen[1]
            assert into is not None
            await self.gateway.merge_people(owner, person["id"], into["id"])
            await self._reply(
                message, say(language, "people_merged", name=person["name"], into=into["name"])
            )
        else:
            await self.gateway.forget_person(owner, person["id"])
            await self._reply(message, say(language, "person_forgotten", name=person["name"]))

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
        asked = await self.gateway.ask(
            owner_of(_user_id(message)), recording_id, question, language
        )
        await self.state.save_question(
            ChatQuestion(
                question_id=str(asked["id"]),
                chat_id=_chat_id(message),
                question_message_id=message.id,
                language=language,
            )
        )
        await self._reply(message, say(language, "question_stored", recording_id=recording_id))
