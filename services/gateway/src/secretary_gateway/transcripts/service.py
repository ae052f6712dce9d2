"""A recording's transcript as its owner sees it: names and merges applied, in every format;
naming speakers; the summary in the same names."""

from __future__ import annotations

from typing import Any

from faststream.nats import NatsBroker
from litestar.datastructures import State
from nats.js.errors import ObjectNotFoundError
from secretary_contracts import RecordingStatus, SpeakersNamed, Summary, Transcript
from secretary_contracts.messaging import (
    BUCKETS,
    SPEAKERS_NAMED,
    artifact_object_name,
    speakers_named_message_id,
)
from secretary_contracts.speakers import (
    apply_speaker_names,
    rename_in_text,
    resolve_speakers,
    speaker_labels,
)
from secretary_runtime.publishing import EventPublisher

from secretary_gateway.db import Database, RecordingRow, TranscriptRow
from secretary_gateway.errors import ApiError
from secretary_gateway.http import Caller
from secretary_gateway.people.service import PeopleService
from secretary_gateway.recordings.service import owned_recording
from secretary_gateway.settings import GatewaySettings
from secretary_gateway.transcripts.schemas import SpeakerOut, Speakers

MAX_NAME_LENGTH = 100


def speakers_of(transcript: Transcript, names: dict[str, str]) -> Speakers:
    labels = speaker_labels(transcript)
    recognised = {s.id: s.name for s in transcript.speakers if s.name}
    resolved = resolve_speakers(labels, {**recognised, **names})
    shown: dict[str, SpeakerOut] = {}
    for label in labels:
        canonical, name = resolved[label]
        speaker = shown.setdefault(canonical, SpeakerOut(id=canonical, name=name))
        if label != canonical:
            speaker.merged.append(label)
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

    async def stored(self, row: RecordingRow) -> Transcript:
        """The pipeline's transcript, labels as the pipeline wrote them."""
        async with self.database.sessions() as session:
            stored = await session.get(TranscriptRow, row.id)
        if stored is None:
            if row.status == RecordingStatus.FAILED:
                raise ApiError(
                    409, "recording_failed", f"The recording failed: {row.error_message}"
                )
            raise ApiError(
                409, "transcript_not_ready", f"The recording is {row.status}; try later."
            )
        return Transcript.model_validate_json(stored.body)

    async def _with_people(self, caller: Caller, transcript: Transcript) -> Transcript:
        """The people recognised by voice under their current names (a rename reaches every
        transcript); a person since deleted leaves their name as a plain name."""
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
        return transcript.model_copy(update={"speakers": speakers})

    async def named(self, caller: Caller, recording_id: str) -> tuple[RecordingRow, Transcript]:
        """The transcript as every export shows it: names given and merges applied."""
        row = await owned_recording(self.database, caller, recording_id)
        transcript = await self._with_people(caller, await self.stored(row))
        return row, apply_speaker_names(transcript, row.speaker_names or {})

    async def speakers(self, caller: Caller, recording_id: str) -> Speakers:
        row = await owned_recording(self.database, caller, recording_id)
        transcript = await self._with_people(caller, await self.stored(row))
        return speakers_of(transcript, row.speaker_names or {})

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
        return speakers_of(transcript, names)

    async def summary(self, caller: Caller, recording_id: str) -> Summary:
        row = await owned_recording(self.database, caller, recording_id)
        store = await self.broker.connection.jetstream().object_store(BUCKETS.artifacts)
        try:
            stored = await store.get(artifact_object_name(recording_id, "summary"))
        except ObjectNotFoundError as missing:
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
