"""Voiceprints through the whole pipeline with the real models: three people named in one
meeting are named in the next, which they spend on other things in another order; another
owner's upload of the same meeting is named by no one (ADR 0008)."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from secretary_cli.client import Gateway
from secretary_cli.stack import Stack
from secretary_testing.meetings import Meeting, MeetingPlan, VoiceRenderer, make_meeting

from tests.stack import running_stack

pytestmark = pytest.mark.slow
PEOPLE = ("amy", "ben", "gina")


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    # the thresholds are a deployment's setting; this checks the mechanism with room to spare
    with running_stack(
        tmp_path_factory.mktemp("stack"),
        SECRETARY_VOICEPRINT_NAME_AT="0.8",
        SECRETARY_VOICEPRINT_SUGGEST_AT="0.6",
    ) as running:
        yield running


def _meeting(tmp_path: Path, name: str, seed: int) -> tuple[Path, Meeting]:
    wav = tmp_path / f"{name}.wav"
    plan = MeetingPlan(name, "en", 3, seed=seed, minutes=1.5, voices=PEOPLE)
    return wav, make_meeting(plan, wav, VoiceRenderer(tmp_path.parent / "voices"))


def _done(gateway: Gateway, wav: Path) -> dict[str, Any]:
    final = gateway.watch(gateway.upload(wav)["id"], timeout_s=400)
    assert final["status"] == "done", final
    transcript = gateway.http.get(f"/v1/recordings/{final['id']}/transcript").json()
    return {"id": final["id"], **transcript}


def _who_is_who(meeting: Meeting, transcript: dict[str, Any]) -> dict[str, str]:
    """Each label, as the person who said most of its words."""
    spoken: dict[str, dict[str, float]] = {}
    for segment in transcript["segments"]:
        for start, end, person in meeting.truth_regions():
            shared = min(end, segment["end"]) - max(start, segment["start"])
            if shared > 0:
                votes = spoken.setdefault(segment["speaker"], {})
                votes[person] = votes.get(person, 0.0) + shared
    return {label: max(votes, key=lambda p: votes[p]) for label, votes in spoken.items()}


def _other_owner(stack: Stack) -> Gateway:
    created = subprocess.run(
        [sys.executable, "-m", "secretary_gateway.keys", "create", "--owner", "team-elsewhere"],
        env=stack.environment(),
        capture_output=True,
        text=True,
        check=True,
    )
    return Gateway(stack.gateway_url, created.stdout.strip())


def test_people_named_once_are_named_in_the_next_meeting(stack: Stack, tmp_path: Path) -> None:
    first_wav, first_meeting = _meeting(tmp_path, "monday", seed=31)
    first = _done(stack.gateway, first_wav)
    names = {
        label: person.capitalize() for label, person in _who_is_who(first_meeting, first).items()
    }
    assert sorted(names.values()) == ["Amy", "Ben", "Gina"], names
    named = stack.gateway.http.patch(f"/v1/recordings/{first['id']}/speakers", json=names)
    assert named.status_code == 200, named.text
    people = stack.gateway.http.get("/v1/people").json()["items"]
    assert sorted((p["name"], p["recordings"]) for p in people) == [
        ("Amy", 1),
        ("Ben", 1),
        ("Gina", 1),
    ]

    second_wav, second_meeting = _meeting(tmp_path, "tuesday", seed=32)
    second = _done(stack.gateway, second_wav)
    truth = _who_is_who(second_meeting, second)
    shown = {s["id"]: s for s in second["speakers"]}
    for label, person in truth.items():
        speaker = shown[label]
        assert speaker["name"] == person.capitalize(), (label, person, second["speakers"])
        assert speaker["match"]["applied"] and speaker["match"]["score"] >= 0.8
    text = stack.gateway.transcript(second["id"], "txt")
    assert "SPEAKER_" not in text

    elsewhere = _done(_other_owner(stack), second_wav)
    assert all(s["name"] is None and s["person_id"] is None for s in elsewhere["speakers"])
