"""Fault injection against the real stack: separate processes, real nats-server, real models.

Figures (recovery times, throughput) are printed; docs/reliability.md records a run of them.
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nats
import pytest
from secretary_cli.__main__ import main as cli_main
from secretary_cli.dead_letters import list_dead_letters
from secretary_cli.stack import Stack
from secretary_contracts import MediaReceived, ObjectRef
from secretary_contracts.messaging import (
    BUCKETS,
    MEDIA_RECEIVED,
    RECORDINGS_STREAM,
    TRANSCRIPT_READY,
)
from secretary_testing.events import published
from secretary_testing.media import tone

from tests.stack import running_stack

ACK_WAIT_S = 8
MAX_DELIVER = 3


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    with running_stack(
        tmp_path_factory.mktemp("faults"),
        SECRETARY_ACK_WAIT_S=str(ACK_WAIT_S),
        SECRETARY_MAX_DELIVER=str(MAX_DELIVER),
        SECRETARY_SHUTDOWN_GRACE_S="1",
    ) as running:
        yield running


def _wait_for_log(
    stack: Stack, service: str, pattern: str, timeout_s: float = 120, times: int = 1
) -> None:
    log = stack.data_dir / "logs" / f"{service}.log"
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if log.exists() and len(re.findall(pattern, log.read_text(errors="replace"))) >= times:
            return
        time.sleep(0.05)
    raise TimeoutError(f"{service} never logged {pattern!r} {times} times")


def _transcript_events(stack: Stack) -> list[str]:
    """The recording id of every transcript-ready event in the stream, duplicates included."""

    async def collect() -> list[str]:
        assert stack.nats is not None
        connection = await nats.connect(stack.nats.url)
        try:
            return [
                b["recording_id"] for b in await published(connection, TRANSCRIPT_READY.subject)
            ]
        finally:
            await connection.close()

    return asyncio.run(collect())


def _wait_ready_again(stack: Stack, timeout_s: float = 180) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            stack.wait_ready(timeout_s=5)
            return
        except (TimeoutError, RuntimeError):
            time.sleep(0.5)
    raise TimeoutError("the stack did not come back")


@pytest.mark.parametrize("service", ["asr", "diarize"])
def test_worker_killed_mid_job_the_job_finishes_once(
    stack: Stack, dialogue_video: Path, service: str
) -> None:
    created = stack.gateway.upload(dialogue_video)
    _wait_for_log(stack, service, rf"{service} started recording_id={created['id']}")
    restarts = stack.restarts.get(service, 0)
    killed_at = time.monotonic()
    stack.kill(service)
    final = stack.gateway.watch(created["id"], timeout_s=300)
    recovery = time.monotonic() - killed_at
    print(f"\n{service} killed mid-job: done {recovery:.1f} s after the kill")
    assert final["status"] == "done", final
    assert stack.restarts.get(service, 0) == restarts + 1
    assert _transcript_events(stack).count(created["id"]) == 1
    _wait_ready_again(stack)


def test_merge_killed_while_a_recording_is_in_flight(stack: Stack, dialogue_video: Path) -> None:
    created = stack.gateway.upload(dialogue_video)
    _wait_for_log(stack, "asr", rf"asr started recording_id={created['id']}")
    stack.kill("merge")
    final = stack.gateway.watch(created["id"], timeout_s=300)
    assert final["status"] == "done", final
    assert _transcript_events(stack).count(created["id"]) == 1
    _wait_ready_again(stack)


def test_sigterm_hands_the_job_back_and_the_worker_leaves_promptly(
    stack: Stack, dialogue_video: Path
) -> None:
    created = stack.gateway.upload(dialogue_video)
    _wait_for_log(stack, "asr", rf"asr started recording_id={created['id']}")
    process = stack.processes["asr"]
    sent = time.monotonic()
    process.send_signal(signal.SIGTERM)
    process.wait(timeout=30)
    exit_s = time.monotonic() - sent
    print(f"\nasr left {exit_s:.1f} s after SIGTERM (grace 1 s)")
    assert exit_s < 10
    final = stack.gateway.watch(created["id"], timeout_s=300)
    assert final["status"] == "done", final
    assert _transcript_events(stack).count(created["id"]) == 1
    _wait_ready_again(stack)


def test_nats_restart_with_recordings_in_flight(stack: Stack, dialogue_video: Path) -> None:
    ids = [stack.gateway.upload(dialogue_video)["id"] for _ in range(3)]
    _wait_for_log(stack, "asr", rf"asr started recording_id={ids[0]}")
    assert stack.nats is not None
    down_at = time.monotonic()
    stack.nats.restart()
    finals = [stack.gateway.watch(i, timeout_s=300) for i in ids]
    recovery = time.monotonic() - down_at
    print(f"\nnats-server restarted: 3 in-flight recordings done {recovery:.1f} s later")
    assert [f["status"] for f in finals] == ["done"] * 3
    events = _transcript_events(stack)
    assert [events.count(i) for i in ids] == [1, 1, 1]


def test_same_event_published_twice_gives_one_transcript(
    stack: Stack, dialogue_video: Path
) -> None:
    created = stack.gateway.upload(dialogue_video)
    final = stack.gateway.watch(created["id"], timeout_s=300)
    assert final["status"] == "done"

    async def publish_again() -> None:
        assert stack.nats is not None
        connection = await nats.connect(stack.nats.url)
        js = connection.jetstream()
        info = await (await js.object_store(BUCKETS.media)).get_info(created["id"])
        event = MediaReceived(
            recording_id=created["id"],
            owner="local",
            filename="meeting.mp4",
            media=ObjectRef(bucket=BUCKETS.media, name=created["id"], size_bytes=info.size or 0),
        )
        # a producer that lost its ack and sends again, under another message id
        await js.publish(
            MEDIA_RECEIVED.of(event.recording_id),
            event.model_dump_json().encode(),
            headers={"Nats-Msg-Id": f"resent-{created['id']}"},
        )
        await connection.close()

    asyncio.run(publish_again())
    _wait_for_log(stack, "prepare", rf"prepare finished recording_id={created['id']}", times=2)
    time.sleep(3)
    assert _transcript_events(stack).count(created["id"]) == 1
    assert stack.gateway.watch(created["id"], timeout_s=10)["status"] == "done"


def test_poison_message_lands_in_the_dead_letters_and_fails_the_recording(
    stack: Stack, tmp_path: Path
) -> None:
    """Valid JSON, impossible content: the media it names does not exist."""
    created = stack.gateway.upload(tone(tmp_path / "tone.wav"))
    recording_id = "poison" + created["id"][6:]

    async def publish_poison() -> None:
        assert stack.nats is not None
        connection = await nats.connect(stack.nats.url)
        event = MediaReceived(
            recording_id=recording_id,
            owner="local",
            filename="ghost.mp4",
            media=ObjectRef(bucket=BUCKETS.media, name="no-such-object", size_bytes=1),
        )
        await connection.jetstream().publish(
            MEDIA_RECEIVED.of(event.recording_id), event.model_dump_json().encode()
        )
        await connection.close()

    started = time.monotonic()
    asyncio.run(publish_poison())
    final = stack.gateway.watch(recording_id, timeout_s=120)
    print(f"\npoison message: recording failed {time.monotonic() - started:.1f} s after publish")
    assert final["status"] == "failed"
    assert final["error"]["code"] == "stage_failed"
    assert stack.nats is not None
    nats_url = stack.nats.url
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        letters = asyncio.run(list_dead_letters(nats_url))
        if any(entry.recording_id == recording_id for entry in letters):
            break
        time.sleep(0.5)
    mine = [e for e in letters if e.recording_id == recording_id]
    assert mine and mine[0].advisory.consumer == "prepare"
    assert mine[0].advisory.deliveries == MAX_DELIVER
    assert mine[0].advisory.stream == RECORDINGS_STREAM


def test_dead_letters_can_be_listed_and_retried(
    stack: Stack, capsys: pytest.CaptureFixture[str]
) -> None:
    assert stack.nats is not None
    assert cli_main(["dlq", "list", "--nats-url", stack.nats.url]) == 0
    listing = capsys.readouterr().out
    assert "prepare" in listing and "recording=poison" in listing
    sequence = int(listing.split()[0])
    assert cli_main(["dlq", "retry", str(sequence), "--nats-url", stack.nats.url]) == 0
    assert "recordings.media.received.v1" in capsys.readouterr().out
    # the media is still missing, so the retry ends in the dead letters again
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        letters = asyncio.run(list_dead_letters(stack.nats.url))
        if len([e for e in letters if (e.recording_id or "").startswith("poison")]) >= 2:
            return
        time.sleep(0.5)
    raise AssertionError("the retried message did not come back to the dead letters")


def test_twenty_recordings_at_once(stack: Stack, dialogue_video: Path) -> None:
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=20) as pool:
        ids = [c["id"] for c in pool.map(lambda _: stack.gateway.upload(dialogue_video), range(20))]
    finals = [stack.gateway.watch(i, timeout_s=900, poll_s=1.0) for i in ids]
    elapsed = time.monotonic() - started
    audio_minutes = sum(f["duration_s"] for f in finals) / 60
    print(
        f"\n20 recordings ({audio_minutes:.1f} audio min) done in {elapsed:.0f} s: "
        f"{audio_minutes / (elapsed / 60):.1f} audio min per min"
    )
    assert [f["status"] for f in finals] == ["done"] * 20
    events = _transcript_events(stack)
    assert [events.count(i) for i in ids] == [1] * 20


def _media_bytes(stack: Stack) -> int:
    async def measure() -> int:
        assert stack.nats is not None
        connection = await nats.connect(stack.nats.url)
        info = await connection.jetstream().stream_info(f"OBJ_{BUCKETS.media}")
        await connection.close()
        return int(info.state.bytes)

    return asyncio.run(measure())


def test_client_that_disconnects_mid_upload_leaves_nothing(stack: Stack) -> None:
    listed_before = stack.gateway.http.get("/v1/recordings").json()["items"]
    before = _media_bytes(stack)
    boundary = "x" * 20
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.mp4"\r\n'
        f"Content-Type: video/mp4\r\n\r\n"
    ).encode()
    declared = 50 * 1024 * 1024
    with socket.create_connection(("127.0.0.1", stack.gateway_port)) as connection:
        connection.sendall(
            b"POST /v1/recordings HTTP/1.1\r\nHost: x\r\n"
            + f"Content-Type: multipart/form-data; boundary={boundary}\r\n".encode()
            + f"Content-Length: {declared}\r\n\r\n".encode()
            + head
        )
        for _ in range(40):
            connection.sendall(os.urandom(256 * 1024))
    time.sleep(2)
    assert _media_bytes(stack) - before < 1024
    listed_after = stack.gateway.http.get("/v1/recordings").json()["items"]
    assert len(listed_after) == len(listed_before)
    assert stack.gateway.http.get("/readyz").status_code == 200


def test_ten_hour_header_and_seven_hour_silence(stack: Stack, tmp_path: Path) -> None:
    lying_wav = tmp_path / "ten-hours.wav"
    claimed = 10 * 3600 * 16000 * 2
    header = (
        b"RIFF"
        + (36 + claimed).to_bytes(4, "little")
        + b"WAVEfmt "
        + (16).to_bytes(4, "little")
        + (1).to_bytes(2, "little")
        + (1).to_bytes(2, "little")
        + (16000).to_bytes(4, "little")
        + (32000).to_bytes(4, "little")
        + (2).to_bytes(2, "little")
        + (16).to_bytes(2, "little")
        + b"data"
        + claimed.to_bytes(4, "little")
    )
    lying_wav.write_bytes(header + b"\0" * 64000)
    bomb = tmp_path / "silence.flac"
    subprocess.run(
        [
            "ffmpeg",
            "-v",
            "error",
            "-f",
            "lavfi",
            "-i",
            "anullsrc=r=8000:cl=mono",
            "-t",
            "25200",
            "-c:a",
            "flac",
            "-compression_level",
            "0",
            str(bomb),
        ],
        check=True,
    )
    assert bomb.stat().st_size < 20 * 1024 * 1024
    # the header's claim is not believed: ffmpeg measures what is there (2 s of silence)
    # and nothing sizes a buffer for ten hours
    lying = stack.gateway.watch(stack.gateway.upload(lying_wav)["id"], timeout_s=60)
    assert (lying["status"], lying["warnings"]) == ("done", ["no_speech"])
    # seven hours of real (silent) audio: refused from the probe, before decoding
    started = time.monotonic()
    long_one = stack.gateway.watch(stack.gateway.upload(bomb)["id"], timeout_s=60)
    assert (long_one["status"], long_one["error"]["code"]) == ("failed", "too_long")
    assert time.monotonic() - started < 30


def test_absurd_metadata_is_harmless(stack: Stack, dialogue: tuple, tmp_path: Path) -> None:
    wav, _ = dialogue
    odd = tmp_path / "odd.mp3"
    subprocess.run(
        [
            "ffmpeg",
            "-v",
            "error",
            "-i",
            str(wav),
            "-metadata",
            f"title={'Ω' * 20000}",
            "-metadata",
            "date=-99999",
            "-metadata",
            "comment=\u202e\ufeff\u200b",
            "-c:a",
            "libmp3lame",
            str(odd),
        ],
        check=True,
    )
    created = stack.gateway.upload(odd, {"title": "x" * 400})
    final = stack.gateway.watch(created["id"], timeout_s=300)
    assert final["status"] == "done", final
