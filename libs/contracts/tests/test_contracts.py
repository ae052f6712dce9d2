from pathlib import Path

import pytest
from pydantic import ValidationError
from secretary_contracts import (
    AsrDone,
    ErrorCode,
    MediaReceived,
    ObjectRef,
    RecordingOptions,
    RecordingReady,
    Stage,
    StageFailed,
    StageProgress,
    TranscriptReady,
)
from secretary_contracts.generate import render
from secretary_contracts.messaging import ALL_SUBJECTS, STREAMS

ROOT = Path(__file__).resolve().parents[3]
REF = ObjectRef(bucket="media", name="abc", size_bytes=10, sha256="00" * 32)

EXAMPLES = [
    MediaReceived(
        recording_id="abc",
        owner="maria",
        filename="call.mp4",
        media=REF,
        options=RecordingOptions(language="de", num_speakers=3),
    ),
    RecordingReady(recording_id="abc", audio=REF, duration_s=61.5),
    AsrDone(recording_id="abc", result=REF, language="en", word_count=120),
    TranscriptReady(
        recording_id="abc",
        transcript=REF,
        language="en",
        duration_s=61.5,
        speaker_count=2,
        segment_count=9,
    ),
    StageProgress(recording_id="abc", stage=Stage.ASR, fraction=0.4),
    StageFailed(recording_id="abc", stage=Stage.PREPARE, code=ErrorCode.NOT_MEDIA, message="x"),
]


@pytest.mark.parametrize("event", EXAMPLES, ids=lambda e: type(e).__name__)
def test_events_round_trip_through_json(event) -> None:
    assert type(event).model_validate_json(event.model_dump_json()) == event
    assert event.schema_version == 1


def test_a_newer_field_from_a_newer_producer_is_tolerated() -> None:
    payload = EXAMPLES[1].model_dump(mode="json") | {"added_later": True}
    assert RecordingReady.model_validate(payload).recording_id == "abc"


def test_invalid_values_are_rejected() -> None:
    with pytest.raises(ValidationError):
        StageProgress(recording_id="abc", stage=Stage.ASR, fraction=1.5)
    with pytest.raises(ValidationError):
        RecordingOptions(num_speakers=0)


def test_every_subject_belongs_to_exactly_one_stream() -> None:
    for subject in ALL_SUBJECTS:
        owners = [
            s.name
            for s in STREAMS
            if any(subject.subject.startswith(p.removesuffix(">")) for p in s.subjects)
        ]
        assert len(owners) == 1, (subject.subject, owners)


def test_message_ids_are_one_per_event_kind_and_recording() -> None:
    ids = {s.message_id("abc") for s in ALL_SUBJECTS}
    assert len(ids) == len(ALL_SUBJECTS)


def test_checked_in_schemas_match_the_code() -> None:
    """Run `make schemas` after changing a contract, and commit what it writes."""
    for relative, expected in render().items():
        path = ROOT / relative
        assert path.exists(), f"{relative} is missing: run `make schemas`"
        assert path.read_text() == expected, f"{relative} has drifted: run `make schemas`"


def test_a_chosen_language_is_one_rule_for_every_door() -> None:
    import pytest
    from secretary_contracts.languages import UnsupportedLanguage, chosen_language

    assert chosen_language(" RU ") == "ru"
    assert chosen_language("auto") is None and chosen_language(None) is None
    with pytest.raises(UnsupportedLanguage, match="'klingon'"):
        chosen_language("klingon")
