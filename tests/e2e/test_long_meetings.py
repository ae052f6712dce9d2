"""A long meeting in pieces, through the REST API: two asr and two diarize replicas share one
recording's pieces, the transcript so far shows before the end, a voice keeps its label
across the cuts, and a replica killed mid-piece costs that piece only.

The pieces are made short (`SECRETARY_CHUNK_TARGET_S`) so that a meeting of under three
minutes is cut in three or four, as an hour-long one is cut in twelve.
"""

from __future__ import annotations

import asyncio
import itertools
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import nats
import pytest
from secretary_cli.stack import Stack
from secretary_contracts.messaging import RECORDING_READY, TRANSCRIPT_PARTIAL, TRANSCRIPT_READY
from secretary_runtime.pieces import pieces_stored
from secretary_testing.events import published
from secretary_testing.meetings import Meeting, MeetingPlan, VoiceRenderer, make_meeting
from secretary_testing.scoring import normalise, words_on_right_speaker

from tests.stack import running_stack

pytestmark = pytest.mark.slow

PIECE_S = 50
ACK_WAIT_S = 10


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    with running_stack(
        tmp_path_factory.mktemp("long"),
        replicas={"asr": 2, "diarize": 2},
        SECRETARY_CHUNK_TARGET_S=str(PIECE_S),
        SECRETARY_ACK_WAIT_S=str(ACK_WAIT_S),
        SECRETARY_SHUTDOWN_GRACE_S="1",
    ) as running:
        yield running


@pytest.fixture(scope="module")
def meeting(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Meeting]:
    directory = tmp_path_factory.mktemp("meeting")
    plan = MeetingPlan("long", "en", 3, seed=21, minutes=2.6, voices=("amy", "ben", "cleo"))
    wav = directory / "long.wav"
    return wav, make_meeting(plan, wav, VoiceRenderer(directory))


def _pieces_taken(stack: Stack, service: str, verb: str, recording_id: str) -> dict[str, int]:
    """How many pieces of the recording each replica of a service started."""
    taken = {}
    for name in stack.instances(service):
        log = stack.data_dir / "logs" / f"{name}.log"
        text = log.read_text(errors="replace") if log.exists() else ""
        taken[name] = len(re.findall(rf"{verb} piece \d+ of \d+ recording_id={recording_id}", text))
    return taken


def _events(stack: Stack, subject: str, recording_id: str) -> list[Any]:
    async def collect() -> list[Any]:
        assert stack.nats is not None
        connection = await nats.connect(stack.nats.url)
        try:
            return await published(connection, subject, recording_id)
        finally:
            await connection.close()

    return asyncio.run(collect())


def _pieces_left(stack: Stack, recording_id: str, count: int) -> int:
    async def count_stored() -> int:
        assert stack.nats is not None
        connection = await nats.connect(stack.nats.url)
        try:
            js = connection.jetstream()
            kinds = ("asr", "diarization", "embeddings")
            return sum([await pieces_stored(js, recording_id, kind, count) for kind in kinds])
        finally:
            await connection.close()

    return asyncio.run(count_stored())


def _watch_with_partials(
    stack: Stack, recording_id: str, timeout_s: float
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Polls the recording until it settles; the transcript so far each time it grew."""
    partials: list[dict[str, Any]] = []
    reached = 0.0
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        response = stack.gateway.http.get(f"/v1/recordings/{recording_id}")
        if response.status_code == 200:
            state = response.json()
            if state["status"] in ("done", "failed"):
                return state, partials
            if (state["transcript_through_s"] or 0.0) > reached:
                reached = state["transcript_through_s"]
                so_far = stack.gateway.http.get(f"/v1/recordings/{recording_id}/transcript")
                partials.append({"through_s": reached, **so_far.json()})
        time.sleep(0.2)
    raise TimeoutError(recording_id)


def test_pieces_spread_over_replicas_and_a_voice_keeps_its_label(
    stack: Stack, meeting: tuple[Path, Meeting]
) -> None:
    wav, truth = meeting
    created = stack.gateway.upload(wav)
    final, partials = _watch_with_partials(stack, created["id"], timeout_s=600)
    assert final["status"] == "done", final
    pieces = len(_events(stack, RECORDING_READY.subject, created["id"])[0]["chunks"])
    assert pieces >= 3
    for service, verb in (("asr", "transcribing"), ("diarize", "analysing")):
        taken = _pieces_taken(stack, service, verb, created["id"])
        assert sum(taken.values()) == pieces, taken
        assert all(taken.values()), f"one replica took every piece: {taken}"

    # the transcript so far came first, grew piece by piece, and the final one replaced it
    assert partials, "no transcript so far was ever shown"
    for partial in partials:
        assert partial["partial"] is True
        assert all(s["end"] <= partial["through_s"] + 0.01 for s in partial["segments"])
    announced = [e["through_s"] for e in _events(stack, TRANSCRIPT_PARTIAL.subject, created["id"])]
    # one per growth of the run of finished pieces from the first (two may finish at once)
    assert announced == sorted(set(announced)) and 1 <= len(announced) < pieces, announced
    transcript = stack.gateway.http.get(f"/v1/recordings/{created['id']}/transcript").json()
    assert transcript["partial"] is False
    assert final["transcript_through_s"] is None
    # merge removes what each piece left once it announced the transcript
    deadline = time.monotonic() + 10
    while _pieces_left(stack, created["id"], pieces) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert _pieces_left(stack, created["id"], pieces) == 0, "the pieces' results outlive it"

    # one label per voice over the whole meeting, cuts included
    assert final["speaker_count"] == 3, final
    accuracy = words_on_right_speaker(truth.truth_regions(), transcript)
    print(f"\nlong meeting in {pieces} pieces: words on the right speaker {accuracy:.1%}")
    assert accuracy >= 0.9, accuracy

    # no word lost or said twice where the meeting was cut
    said = normalise(" ".join(u.text for u in truth.utterances)).split()
    heard = normalise(" ".join(s["text"] for s in transcript["segments"])).split()
    assert abs(len(heard) - len(said)) <= 0.05 * len(said), (len(heard), len(said))
    words = [w for s in transcript["segments"] for w in s["words"]]
    for before, after in itertools.pairwise(words):
        assert after["start"] >= before["start"], (before, after)
        doubled = after["word"] == before["word"] and after["start"] < before["end"]
        assert not doubled, (before, after)


def test_asr_replica_killed_mid_piece_redoes_that_piece_only(
    stack: Stack, meeting: tuple[Path, Meeting]
) -> None:
    wav, _ = meeting
    created = stack.gateway.upload(wav)
    log = stack.data_dir / "logs" / "asr.log"
    pattern = rf"transcribing piece \d+ of \d+ recording_id={created['id']}"
    deadline = time.monotonic() + 300
    while not re.search(pattern, log.read_text(errors="replace")):
        assert time.monotonic() < deadline, "asr never took a piece"
        time.sleep(0.05)
    stack.kill("asr")
    final = stack.gateway.watch(created["id"], timeout_s=600)
    assert final["status"] == "done", final
    pieces = len(_events(stack, RECORDING_READY.subject, created["id"])[0]["chunks"])
    assert sum(_pieces_taken(stack, "asr", "transcribing", created["id"]).values()) == pieces + 1
    assert len(_events(stack, TRANSCRIPT_READY.subject, created["id"])) == 1
