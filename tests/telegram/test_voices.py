"""Who is this? After a transcript the bot plays each unnamed speaker who spoke long enough and
asks; a reply names them (and enrols their voice); `/people` lists, renames, merges and forgets.
The gateway, its clips (real Ogg/Opus) and voiceprints are real (see `door.py`)."""

from __future__ import annotations

import os
from typing import Any

from secretary_contracts import (
    DiarizationResult,
    Speaker,
    SpeakerMatch,
    SpeakerTurn,
    SpeakerVoice,
    Transcript,
    TranscriptSegment,
    TranscriptWord,
)
from secretary_contracts.messaging import BUCKETS, artifact_object_name
from secretary_runtime import objects
from secretary_testing import pipeline

from tests.telegram.door import Harness, until, user_message

TONES = {"SPEAKER_00": 300.0, "SPEAKER_01": 700.0, "SPEAKER_02": 1100.0}


def _turn(start: float, end: float, speaker: str) -> TranscriptSegment:
    words = [
        TranscriptWord(start=t, end=t + 0.4, word="word", speaker=speaker)
        for t in [start + 0.5 * i for i in range(int((end - start) / 0.5))]
    ]
    text = " ".join(w.word for w in words)
    return TranscriptSegment(start=start, end=end, speaker=speaker, text=text, words=words)


# two people who speak 24 s each, and one who says four seconds' worth
MEETING = Transcript(
    language="en",
    duration_s=55.0,
    speakers=[Speaker(id=label) for label in TONES],
    segments=[
        _turn(0.0, 24.0, "SPEAKER_00"),
        _turn(25.0, 49.0, "SPEAKER_01"),
        _turn(50.0, 54.0, "SPEAKER_02"),
    ],
)


async def _finished_in_chat(h: Harness, unique_id: str, message_id: int, t: Transcript) -> str:
    """A recording sent from the chat whose pipeline has run: its audio prepared, its voices
    diarized, its transcript announced."""
    h.telegram.files[unique_id] = os.urandom(1000)
    await h.bot.handle(None, user_message(message_id, document=(unique_id, "video/mp4", 1000)))
    recording_id = (await h.bot.state.user(42)).recordings[0]
    js = h.nats.jetstream()
    await pipeline.prepare(js, recording_id, pipeline.speaker_tones(t, TONES))
    diarization = DiarizationResult(
        duration_s=t.duration_s,
        turns=[SpeakerTurn(start=s.start, end=s.end, speaker=s.speaker or "") for s in t.segments],
        voices=[
            SpeakerVoice(
                speaker=label,
                embedding=[1.0 if i == n else 0.0 for i in range(192)],
                speech_s=24.0 if label != "SPEAKER_02" else 4.0,
            )
            for n, label in enumerate(TONES)
        ],
    )
    await objects.put_model(
        js, BUCKETS.artifacts, artifact_object_name(recording_id, "diarization"), diarization
    )
    await pipeline.finish(js, recording_id, t)
    return recording_id


async def _people(h: Harness) -> list[dict[str, Any]]:
    return list((await h.rest.get("/v1/people")).json()["items"])


async def test_unknown_voices_are_played_and_a_reply_names_them(harness: Harness) -> None:
    first = await _finished_in_chat(harness, "voices-1", 300, MEETING)
    await until(lambda: len(harness.telegram.voices) == 2)
    asked = harness.telegram.voices
    assert [v["caption"] for v in asked] == [
        f"🎙 Who is {label}? Reply to this message with their name, and I will recognise"
        " their voice in your next recordings."
        for label in ("SPEAKER_00", "SPEAKER_01")
    ]  # SPEAKER_02's four seconds are too few to ask about
    assert all(v["body"][:4] == b"OggS" and v["reply_to_message_id"] == 300 for v in asked)

    await harness.bot.handle(None, user_message(301, text="Maria", reply_to=asked[0]["id"]))
    assert harness.telegram.sent[-1]["text"] == (
        "Got it: SPEAKER_00 is Maria. I will recognise this voice from now on."
    )
    (maria,) = await _people(harness)
    assert (maria["name"], maria["recordings"]) == ("Maria", 1)
    shown = (await harness.rest.get(f"/v1/recordings/{first}/speakers")).json()["speakers"]
    assert shown[0]["name"] == "Maria"
    # the transcript announced again (a redelivery) asks no one twice
    recording = await harness.bot.state.recording(first)
    assert recording is not None
    await harness.bot.deliver_transcript(recording)
    assert len(harness.telegram.voices) == 2 and len(harness.telegram.documents) == 2

    # the next meeting: a voice close to Maria's is put as a question, "yes" takes it
    suggested = MEETING.model_copy(deep=True)
    suggested.speakers[0] = Speaker(
        id="SPEAKER_00", person_id=maria["id"], match=SpeakerMatch(score=0.8, applied=False)
    )
    second = await _finished_in_chat(harness, "voices-2", 310, suggested)
    await until(lambda: len(harness.telegram.voices) == 4)
    question = harness.telegram.voices[2]
    assert (
        question["caption"] == '🎙 Is this Maria (SPEAKER_00)? Reply "yes", or with the right name.'
    )
    await harness.bot.handle(None, user_message(311, text="Yes!", reply_to=question["id"]))
    (maria,) = await _people(harness)
    assert maria["recordings"] == 2 and maria["speech_s"] == 48.0
    shown = (await harness.rest.get(f"/v1/recordings/{second}/speakers")).json()["speakers"]
    assert shown[0]["name"] == "Maria"
    # a reply that is not to a clip is still a question about the recording
    await harness.bot.handle(None, user_message(312, text="What was decided?", reply_to=310))
    assert harness.telegram.sent[-1]["text"].startswith("🤔 Looking for the answer")


async def test_people_are_listed_renamed_merged_and_forgotten_from_the_chat(
    harness: Harness,
) -> None:
    recording_id = await _finished_in_chat(harness, "voices-3", 320, MEETING)
    await until(lambda: any(v["reply_to_message_id"] == 320 for v in harness.telegram.voices))
    await harness.rest.patch(
        f"/v1/recordings/{recording_id}/speakers", json={"SPEAKER_00": "Ann", "SPEAKER_01": "Bob"}
    )
    before = {p["name"] for p in await _people(harness)}
    assert {"Ann", "Bob"} <= before

    async def people_says(message_id: int, text: str = "/people", language: str = "en") -> str:
        await harness.bot.handle(None, user_message(message_id, text=text, language=language))
        return str(harness.telegram.sent[-1]["text"])

    listed = (await people_says(321)).splitlines()
    number = {line.split(". ", 1)[1].split(" · ")[0]: line.split(".")[0] for line in listed[:-2]}
    assert f"{number['Ann']}. Ann · 1 recording(s) · 0:00:24 of speech" in listed
    assert listed[-1].startswith("/people rename <n> <new name>")
    assert "записей: 1" in await people_says(322, language="ru")

    said = await people_says(323, f"/people rename {number['Ann']} Ann Lee")
    assert said == "Ann is now Ann Lee, in every transcript."
    txt = await harness.rest.get(
        f"/v1/recordings/{recording_id}/transcript", params={"format": "txt"}
    )
    assert txt.text.startswith("[00:00:00] Ann Lee: word")

    listed = (await people_says(324)).splitlines()
    number = {line.split(". ", 1)[1].split(" · ")[0]: line.split(".")[0] for line in listed[:-2]}
    said = await people_says(325, f"/people merge {number['Bob']} {number['Ann Lee']}")
    assert said == "Bob and Ann Lee are one person now: Ann Lee."
    assert "Bob" not in {p["name"] for p in await _people(harness)}

    assert await people_says(326, "/people forget 99") == "There is no person 99; see /people."
    listed = (await people_says(327)).splitlines()
    number = {line.split(". ", 1)[1].split(" · ")[0]: line.split(".")[0] for line in listed[:-2]}
    said = await people_says(328, f"/people forget {number['Ann Lee']}")
    assert said.startswith("Ann Lee's voiceprint is deleted")
    assert "Ann Lee" not in {p["name"] for p in await _people(harness)}
