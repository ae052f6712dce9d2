"""A recording's transcript as its owner sees it: names and merges applied, in every format;
naming speakers; the summary in the same names."""

from __future__ import annotations

import asyncio
from typing import Any

from faststream.nats import NatsBroker
from litestar.datastructures import State
from nats.js import JetStreamContext
from nats.js.errors import NotFoundError, ObjectDeletedError, ObjectNotFoundError
from secretary_contracts import ObjectRef, RecordingStatus, SpeakersNamed, Summary, Transcript
from secretary_contracts.messaging import (
    BUCKETS,
    SPEAKERS_NAMED,
    artifact_object_name,
    audio_object_name,
    speakers_named_message_id,
)
from secretary_contracts.speakers import (
    apply_speaker_names,
    rename_in_text,
    resolve_speakers,
    speaker_labels,
)
from secretary_runtime import objects
from secretary_runtime.owners import read_owner_settings
from secretary_runtime.publishing import EventPublisher

from secretary_gateway.db import Database, RecordingRow, TranscriptRow
from secretary_gateway.errors import ApiError
from secretary_gateway.http import Caller
from secretary_gateway.people.service import PeopleService
from secretary_gateway.recordings.service import owned_recording
from secretary_gateway.settings import GatewaySettings
from secretary_gateway.transcripts import clips
from secretary_gateway.transcripts.editing import Edit, new_terms
from secretary_gateway.transcripts.revisions import RevisionStore
from secretary_gateway.transcripts.schemas import (
    EditedTranscript,
    Revisions,
    SpeakerOut,
    Speakers,
    Suggestion,
)

MAX_NAME_LENGTH = 100


def speakers_of(
    transcript: Transcript, names: dict[str, str], people: dict[str, str] | None = None
) -> Speakers:
    """Each speaker as shown: its name, the labels merged into it, how long it speaks, and the
    person its voice was recognised as or is close to (`people`: their names by id)."""
    labels = speaker_labels(transcript)
    originals = {s.id: s for s in transcript.speakers}
    recognised = {s.id: s.name for s in transcript.speakers if s.name}
    resolved = resolve_speakers(labels, {**recognised, **names})
    speech: dict[str, float] = {}
    for segment in transcript.segments:
        if segment.speaker is not None:
            speech[segment.speaker] = speech.get(segment.speaker, 0.0) + segment.end - segment.start
    shown: dict[str, SpeakerOut] = {}
    for label in labels:
        canonical, name = resolved[label]
        speaker = shown.setdefault(
            canonical, SpeakerOut(id=canonical, name=name, named=name != canonical)
        )
        if label != canonical:
            speaker.merged.append(label)
        speaker.speech_s = round(speaker.speech_s + speech.get(label, 0.0), 1)
        original = originals.get(label)
        if label != canonical or label in names or original is None or not original.person_id:
            continue
        if original.match is None or original.match.applied:
            speaker.person_id = original.person_id
        elif original.person_id in (people or {}):
            speaker.suggestion = Suggestion(
                person_id=original.person_id,
                name=(people or {})[original.person_id],
                score=original.match.score,
            )
    return Speakers(speakers=list(shown.values()), names=names)


def checked_names(
    labels: list[str], names: dict[str, str], given: dict[str, str | None]
) -> dict[str, str]:
    """Every name so far, with `given` applied: labels must exist, names are 1 to 100
    characters, a label as name merges, null takes a name back."""
    names = dict(names)
    for label, value in given.items():
        if label not in labels:
            raise ApiError(
                400,
                "unknown_speaker",
                f"No speaker {label!r} in this recording (it has {', '.join(labels) or 'none'}).",
            )
        name = (value or "").strip()
        if value is not None and not (0 < len(name) <= MAX_NAME_LENGTH):
            raise ApiError(
                400, "invalid_speaker_name", f"A name has 1 to {MAX_NAME_LENGTH} characters."
            )
        if value is None or name == label:
            names.pop(label, None)
        else:
            names[label] = name
    return names


class TranscriptService:
    def __init__(self, database: Database, broker: NatsBroker, settings: GatewaySettings) -> None:
        self.database = database
        self.broker = broker
        self.settings = settings

    async def stored(self, row: RecordingRow, so_far: bool = False) -> Transcript:
        """The pipeline's transcript, labels as the pipeline wrote them; `so_far`: or, while
        a long recording is processed, its transcript so far (to read, not to edit)."""
        async with self.database.sessions() as session:
            stored = await session.get(TranscriptRow, row.id)
        if stored is None:
            if row.status == RecordingStatus.FAILED:
                raise ApiError(
                    409, "recording_failed", f"The recording failed: {row.error_message}"
                )
            if so_far and row.transcript_through_s:
                return await self._so_far(row)
            raise ApiError(
                409, "transcript_not_ready", f"The recording is {row.status}; try later."
            )
        # a three-hour transcript is megabytes of JSON: parsed off the event loop
        transcript = await asyncio.to_thread(Transcript.model_validate_json, stored.body)
        return transcript.model_copy(update={"revision": stored.revision})

    async def _so_far(self, row: RecordingRow) -> Transcript:
        """The transcript so far of a long recording still being processed."""
        ref = ObjectRef(
            bucket=BUCKETS.artifacts,
            name=artifact_object_name(row.id, "partial"),
            size_bytes=0,
        )
        try:
            return await objects.get_model(self.broker.connection.jetstream(), ref, Transcript)
        except (ObjectNotFoundError, ObjectDeletedError, NotFoundError) as missing:
            raise ApiError(
                409, "transcript_not_ready", f"The recording is {row.status}; try later."
            ) from missing

    async def _with_people(
        self, caller: Caller, transcript: Transcript
    ) -> tuple[Transcript, dict[str, str]]:
        """The people recognised by voice under their current names (a rename reaches every
        transcript); a person since deleted leaves their name as a plain name. With the
        transcript, the names of the people it points at, by id."""
        ids = {s.person_id for s in transcript.speakers if s.person_id}
        people = PeopleService(self.database, self.broker, self.settings)
        current = await people.current(caller, ids)
        speakers = []
        for speaker in transcript.speakers:
            person = current.get(speaker.person_id or "")
            if speaker.person_id and person is None:
                speaker = speaker.model_copy(update={"person_id": None, "match": None})
            elif person is not None:
                applied = speaker.match is not None and speaker.match.applied
                update = {"person_id": person.id, **({"name": person.name} if applied else {})}
                speaker = speaker.model_copy(update=update)
            speakers.append(speaker)
        people_names = {person.id: person.name for person in current.values()}
        return transcript.model_copy(update={"speakers": speakers}), people_names

    async def named(self, caller: Caller, recording_id: str) -> tuple[RecordingRow, Transcript]:
        """The transcript as every export shows it: names given and merges applied (the
        transcript so far while a long recording is processed)."""
        row = await owned_recording(self.database, caller, recording_id)
        transcript, _ = await self._with_people(caller, await self.stored(row, so_far=True))
        return row, apply_speaker_names(transcript, row.speaker_names or {})

    async def edit(
        self, caller: Caller, recording_id: str, based_on: int, edits: list[Edit]
    ) -> EditedTranscript:
        row = await owned_recording(self.database, caller, recording_id)
        store = self._revisions()
        edited = await store.edit(row, await self.stored(row), based_on, edits)
        vocabulary = (await read_owner_settings(self._js(), caller.owner)).vocabulary
        _, after = await self.named(caller, recording_id)
        return EditedTranscript(
            **after.model_dump(), suggested_terms=new_terms(edited.rewritten, vocabulary)
        )

    def _revisions(self) -> RevisionStore:
        return RevisionStore(self.database, self.broker, self.settings.transcript_revisions_kept)

    def _js(self) -> JetStreamContext:
        return self.broker.connection.jetstream()

    async def revert(self, caller: Caller, recording_id: str, based_on: int, to: int) -> Transcript:
        row = await owned_recording(self.database, caller, recording_id)
        await self._revisions().revert(row, await self.stored(row), based_on, to)
        return (await self.named(caller, recording_id))[1]

    async def revisions(self, caller: Caller, recording_id: str) -> Revisions:
        row = await owned_recording(self.database, caller, recording_id)
        current = await self.stored(row)
        return await self._revisions().revisions(row, current.revision)

    async def speakers(self, caller: Caller, recording_id: str) -> Speakers:
        row = await owned_recording(self.database, caller, recording_id)
        transcript, people = await self._with_people(caller, await self.stored(row))
        shown = speakers_of(transcript, row.speaker_names or {}, people)
        shown.voiceprints = self.settings.voiceprints
        return shown

    async def clip(self, caller: Caller, recording_id: str, speaker: str) -> bytes:
        """Up to ten seconds of the speaker's clearest speech (a merged label: of the speaker
        it is shown as), as Ogg/Opus."""
        row = await owned_recording(self.database, caller, recording_id)
        transcript, _ = await self._with_people(caller, await self.stored(row))
        labels = speaker_labels(transcript)
        if speaker not in labels:
            raise ApiError(
                404,
                "unknown_speaker",
                f"No speaker {speaker!r} in this recording (it has {', '.join(labels) or 'none'}).",
            )
        names = row.speaker_names or {}
        recognised = {s.id: s.name for s in transcript.speakers if s.name}
        shown_as = resolve_speakers(labels, {**recognised, **names})[speaker][0]
        span = clips.clearest_span(apply_speaker_names(transcript, names), shown_as)
        if span is None:
            raise ApiError(404, "no_speech", f"{speaker} has no transcribed speech to play.")
        js = self.broker.connection.jetstream()
        name = audio_object_name(recording_id)

        async def read(start: int, length: int) -> bytes:
            return b"".join(
                [c async for c in objects.read_range(js, BUCKETS.audio, name, start, length)]
            )

        try:
            header = await read(0, clips.WAV_HEADER_MAX_BYTES)
            pcm = await read(*clips.byte_range(span, clips.wav_data_offset(header)))
        except ObjectNotFoundError as missing:
            raise ApiError(
                410, "audio_removed", "This recording's audio was removed; only its text is kept."
            ) from missing
        return await asyncio.to_thread(clips.to_ogg_opus, pcm)

    async def name_speakers(
        self, caller: Caller, recording_id: str, given: dict[str, str | None]
    ) -> Speakers:
        row = await owned_recording(self.database, caller, recording_id)
        transcript = await self.stored(row)
        names = checked_names(speaker_labels(transcript), row.speaker_names or {}, given)
        async with self.database.sessions.begin() as session:
            stored = await session.get(RecordingRow, recording_id)
            assert stored is not None
            stored.speaker_names = names
        await PeopleService(self.database, self.broker, self.settings).names_given(
            caller, recording_id, given, speaker_labels(transcript)
        )
        named = SpeakersNamed(recording_id=recording_id, owner=caller.owner, names=names)
        await EventPublisher(self.broker).publish(
            SPEAKERS_NAMED, named, message_id=speakers_named_message_id(named)
        )
        return await self.speakers(caller, recording_id)

    async def summary(self, caller: Caller, recording_id: str) -> Summary:
        row = await owned_recording(self.database, caller, recording_id)
        store = await self.broker.connection.jetstream().object_store(BUCKETS.artifacts)
        try:
            stored = await store.get(artifact_object_name(recording_id, "summary"))
        except ObjectNotFoundError as missing:
            if row.summary_error_code:  # none will come, and the llm service said why
                raise ApiError(
                    409, row.summary_error_code, row.summary_error_message or ""
                ) from missing
            raise ApiError(409, "summary_not_ready", "The summary is not written yet.") from missing
        summary = Summary.model_validate_json(stored.data or b"{}")
        names = row.speaker_names or {}
        if not names:
            return summary
        labels = speaker_labels(await self.stored(row))

        def rename(value: Any) -> Any:
            if isinstance(value, str):
                return rename_in_text(value, labels, names)
            if isinstance(value, list):
                return [rename(v) for v in value]
            if isinstance(value, dict):
                return {k: rename(v) for k, v in value.items()}
            return value

        # every text of the summary, whatever fields it grows
        return Summary.model_validate(rename(summary.model_dump()))


def provide_transcripts(state: State) -> TranscriptService:
    return TranscriptService(state.database, state.broker, state.settings)
