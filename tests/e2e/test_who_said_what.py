"""Who said what, through the REST API: meetings of three and four voices, backchannels,
recordings nobody speaks in."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from secretary_cli.stack import Stack
from secretary_testing.media import SAMPLE_RATE, make_dialogue, to_video, tone, write_wav
from secretary_testing.meetings import Meeting, MeetingPlan, VoiceRenderer, make_meeting
from secretary_testing.scoring import words_on_right_speaker

from tests.stack import running_stack

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    with running_stack(tmp_path_factory.mktemp("stack")) as running:
        yield running


@pytest.fixture(scope="module")
def voices(tmp_path_factory: pytest.TempPathFactory) -> VoiceRenderer:
    return VoiceRenderer(tmp_path_factory.mktemp("voices"))


def _meeting(directory: Path, renderer: VoiceRenderer, plan: MeetingPlan) -> tuple[Path, Meeting]:
    wav = directory / f"{plan.name}.wav"
    return wav, make_meeting(plan, wav, renderer)


@pytest.mark.parametrize(
    "plan",
    [
        # two women a semitone and a half apart, and a man; as a video call recording
        MeetingPlan("standup", "en", 3, seed=11, minutes=2.0, voices=("amy", "iris", "ben")),
        MeetingPlan("review", "en", 4, seed=12, minutes=2.5, voices=("cleo", "dan", "amy", "finn")),
    ],
    ids=lambda plan: plan.name,
)
def test_every_voice_of_a_meeting_is_its_own_speaker(
    stack: Stack, voices: VoiceRenderer, tmp_path: Path, plan: MeetingPlan
) -> None:
    wav, meeting = _meeting(tmp_path, voices, plan)
    media = to_video(wav, tmp_path / f"{plan.name}.mp4") if plan.speaker_count == 3 else wav
    final = stack.gateway.watch(stack.gateway.upload(media)["id"], timeout_s=400)
    assert final["status"] == "done", final
    assert final["speaker_count"] == plan.speaker_count, final
    transcript = stack.gateway.http.get(f"/v1/recordings/{final['id']}/transcript").json()
    accuracy = words_on_right_speaker(meeting.truth_regions(), transcript)
    print(f"{plan.name}: words on the right speaker {accuracy:.1%}")
    assert accuracy >= 0.9, accuracy


def test_a_backchannel_is_its_own_segment_with_the_other_speaker(
    stack: Stack, tmp_path: Path
) -> None:
    wav = tmp_path / "backchannel.wav"
    lines = [
        ("alice", "We looked at the numbers again and the new website costs more than we planned."
         " The agency wants another month for the design work."),
        ("bob", "Yes."),
        ("alice", "So I suggest that we move the launch to the end of March and tell the board."),
        ("bob", "That sounds right to me, I will write to the board on Friday morning."),
        ("alice", "Good, then we are done with the website for today, thank you."),
    ]  # fmt: skip
    truth = make_dialogue(wav, lines, gap_s=0.3)
    final = stack.gateway.watch(stack.gateway.upload(wav)["id"], timeout_s=300)
    transcript = stack.gateway.http.get(f"/v1/recordings/{final['id']}/transcript").json()
    segments = transcript["segments"]
    yes = [s for s in segments if s["text"].strip(" .!").lower() == "yes"]
    assert len(yes) == 1, [(s["speaker"], s["start"], s["text"]) for s in segments]
    before = max(
        (s for s in segments if s["end"] <= yes[0]["start"] + 0.1),
        key=lambda s: s["end"],
    )
    assert yes[0]["speaker"] != before["speaker"]
    assert yes[0]["start"] == pytest.approx(truth[1].start, abs=0.6)
    text = stack.gateway.transcript(final["id"], "txt")
    assert any(line.endswith(": Yes.") for line in text.splitlines()), text


@pytest.mark.parametrize("kind", ["silence", "tone"])
def test_a_recording_nobody_speaks_in_is_done_with_a_warning(
    stack: Stack, tmp_path: Path, kind: str
) -> None:
    if kind == "silence":
        media = tmp_path / "silence.wav"
        write_wav(np.zeros(SAMPLE_RATE * 20, dtype=np.int16), media)
    else:
        media = tone(tmp_path / "tone.m4a", seconds=20)
    final = stack.gateway.watch(stack.gateway.upload(media)["id"], timeout_s=120)
    assert final["status"] == "done", final
    assert final["warnings"] == ["no_speech"]
    assert final["error"] is None
    transcript = stack.gateway.http.get(f"/v1/recordings/{final['id']}/transcript").json()
    assert transcript["segments"] == [] and transcript["warnings"] == ["no_speech"]
    assert stack.gateway.transcript(final["id"], "txt") == ""


def test_an_owners_default_language_is_used(
    stack: Stack, voices: VoiceRenderer, tmp_path: Path
) -> None:
    http = stack.gateway.http
    assert http.get("/v1/settings").json() == {"language": None, "vocabulary": []}
    refused = http.put("/v1/settings", json={"language": "xx"})
    assert refused.status_code == 400
    assert refused.json()["error"]["code"] == "unsupported_language"
    try:
        assert http.put("/v1/settings", json={"language": "RU"}).json()["language"] == "ru"
        wav, _ = _meeting(tmp_path, voices, MeetingPlan("ru-call", "ru", 3, seed=13, minutes=1.0))
        final = stack.gateway.watch(stack.gateway.upload(wav)["id"], timeout_s=300)
        assert (final["status"], final["language"]) == ("done", "ru")
        # given, not detected
        assert final["language_probability"] is None
    finally:
        http.put("/v1/settings", json={"language": None})
