"""The whole system as a user meets it: separate service processes, real models, REST API."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from secretary_cli.__main__ import main as cli_main
from secretary_cli.stack import Stack
from secretary_testing.media import Utterance, silent_video
from secretary_testing.scoring import speaker_accuracy, word_error_rate

from tests.stack import running_stack

UPLOAD_LIMIT = 5 * 1024 * 1024


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    with running_stack(
        tmp_path_factory.mktemp("stack"), SECRETARY_MAX_UPLOAD_BYTES=str(UPLOAD_LIMIT)
    ) as running:
        yield running


def test_dialogue_video_becomes_a_speaker_labelled_transcript(
    stack: Stack, dialogue: tuple[Path, list[Utterance]], dialogue_video: Path
) -> None:
    _, truth = dialogue
    created = stack.gateway.upload(dialogue_video, {"title": "Planning"})
    assert created["status"] == "queued"
    seen: list[dict] = []
    final = stack.gateway.watch(created["id"], timeout_s=300, on_update=seen.append)

    assert final["status"] == "done", final
    assert final["language"] == "en"
    assert final["speaker_count"] == 2
    assert final["duration_s"] == pytest.approx(truth[-1].end + 0.6, abs=1.0)
    assert final["progress"] == 1.0
    assert any(s["status"] == "processing" for s in seen)

    transcript = stack.gateway.http.get(f"/v1/recordings/{created['id']}/transcript").json()
    assert {s["id"] for s in transcript["speakers"]} == {"SPEAKER_00", "SPEAKER_01"}
    wer = word_error_rate(truth, transcript)
    accuracy = speaker_accuracy(truth, transcript)
    print(f"WER {wer:.3f}, words on the right speaker {accuracy:.1%}")
    assert wer <= 0.15, wer
    assert accuracy >= 0.9, accuracy

    text = stack.gateway.transcript(created["id"], "txt")
    assert text.splitlines()[0].startswith("[00:00:00] SPEAKER_0")
    srt = stack.gateway.transcript(created["id"], "srt")
    assert srt.startswith("1\n00:00:0")
    vtt = stack.gateway.transcript(created["id"], "vtt")
    assert vtt.startswith("WEBVTT")


def test_progress_streams_as_server_sent_events(stack: Stack, dialogue_video: Path) -> None:
    created = stack.gateway.upload(dialogue_video)
    events: list[tuple[str, dict]] = []
    kind = ""
    with stack.gateway.http.stream(
        "GET", f"/v1/recordings/{created['id']}/events", timeout=300
    ) as response:
        for line in response.iter_lines():
            if line.startswith("event:"):
                kind = line.split(":", 1)[1].strip()
            elif line.startswith("data:"):
                events.append((kind, json.loads(line.split(":", 1)[1])))
    kinds = [k for k, _ in events]
    assert kinds[-1] == "done" and kinds.count("done") == 1
    assert kinds.count("progress") >= 2
    progress = [body["progress"] for _, body in events]
    assert progress == sorted(progress) and progress[-1] == 1.0


def _wait_failed(stack: Stack, recording_id: str) -> dict:
    started = time.monotonic()
    final = stack.gateway.watch(recording_id, timeout_s=60)
    assert time.monotonic() - started < 60
    assert final["status"] == "failed", final
    return final


def test_text_file_named_mp3_is_not_media(stack: Stack, tmp_path: Path) -> None:
    fake = tmp_path / "minutes.mp3"
    fake.write_text("These are the minutes of the meeting, typed by hand.\n" * 50)
    created = stack.gateway.upload(fake)
    final = _wait_failed(stack, created["id"])
    assert final["error"]["code"] == "not_media"
    response = stack.gateway.http.get(f"/v1/recordings/{created['id']}/transcript")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "recording_failed"


def test_truncated_video_is_corrupt(stack: Stack, dialogue_video: Path, tmp_path: Path) -> None:
    truncated = tmp_path / "cut.mp4"
    truncated.write_bytes(dialogue_video.read_bytes()[: dialogue_video.stat().st_size // 2])
    created = stack.gateway.upload(truncated)
    final = _wait_failed(stack, created["id"])
    assert final["error"]["code"] == "corrupt_media"


def test_video_without_audio_has_no_audio_stream(stack: Stack, tmp_path: Path) -> None:
    created = stack.gateway.upload(silent_video(tmp_path / "screen.mp4", 2))
    assert _wait_failed(stack, created["id"])["error"]["code"] == "no_audio_stream"


def test_empty_file_is_refused_at_once(stack: Stack, tmp_path: Path) -> None:
    empty = tmp_path / "empty.m4a"
    empty.write_bytes(b"")
    with empty.open("rb") as body:
        response = stack.gateway.http.post("/v1/recordings", files={"file": body})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "empty_file"


def test_upload_over_the_limit_is_refused(stack: Stack, tmp_path: Path) -> None:
    big = tmp_path / "big.wav"
    big.write_bytes(b"\0" * (UPLOAD_LIMIT + 1024 * 1024))
    with big.open("rb") as body:
        response = stack.gateway.http.post("/v1/recordings", files={"file": body})
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "too_large"


def test_unknown_recording_is_404(stack: Stack) -> None:
    response = stack.gateway.http.get("/v1/recordings/0123456789abcdef")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "recording_not_found"


def test_gateway_and_services_survive_bad_input(stack: Stack) -> None:
    assert stack.gateway.http.get("/readyz").status_code == 200
    assert stack.dead() == []
    listed = stack.gateway.http.get("/v1/recordings").json()["items"]
    statuses = {r["filename"]: r["status"] for r in listed}
    assert statuses.get("meeting.mp4") == "done"


def test_keys_from_the_command_line_see_only_their_owners_recordings(
    stack: Stack, dialogue_video: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    mine = stack.gateway.upload(dialogue_video)["id"]
    command = ["--data-dir", str(stack.data_dir), "keys", "create", "--owner", "team-b"]
    assert cli_main(command) == 0
    token = capfd.readouterr().out.strip().splitlines()[-1]
    other = httpx.Client(base_url=stack.gateway_url, headers={"Authorization": f"Bearer {token}"})
    assert other.get("/v1/recordings").json()["items"] == []
    assert other.get(f"/v1/recordings/{mine}").status_code == 404
    assert other.delete(f"/v1/recordings/{mine}").status_code == 404
    assert httpx.get(f"{stack.gateway_url}/v1/recordings").status_code == 401
    assert stack.gateway.status(mine)["id"] == mine
