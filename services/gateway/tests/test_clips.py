"""A speaker's voice clip: the clearest stretch of their speech, cut from the prepared audio
(real Object Store) and encoded as Ogg/Opus (real FFmpeg libraries, decoded back here); and
the speakers' speech time and voice suggestions that decide whom to ask about."""

from __future__ import annotations

import io
import struct
from typing import Any

import av
import numpy as np
from litestar.testing import AsyncTestClient
from nats.aio.client import Client
from secretary_contracts import Speaker, SpeakerMatch
from secretary_contracts.messaging import BUCKETS, audio_object_name
from secretary_gateway.transcripts.clips import Span, clearest_span, wav_data_offset
from secretary_testing import pipeline

from services.gateway.tests.helpers import wait_for_status
from services.gateway.tests.test_product import PLANNING, finished, meeting, upload

TONES = {"SPEAKER_00": 300.0, "SPEAKER_01": 700.0, "SPEAKER_02": 1100.0}


def _decoded(ogg: bytes) -> tuple[np.ndarray, int]:
    with av.open(io.BytesIO(ogg), "r") as container:
        stream = container.streams.audio[0]
        assert stream.codec_context.name == "opus"
        frames = [frame.to_ndarray()[0] for frame in container.decode(stream)]
        return np.concatenate(frames), int(stream.codec_context.sample_rate)


def _pitch(samples: np.ndarray, rate: int) -> float:
    spectrum = np.abs(np.fft.rfft(samples))
    return float(np.fft.rfftfreq(len(samples), 1 / rate)[int(np.argmax(spectrum))])


def test_the_clip_is_the_longest_stretch_nobody_talks_over_cut_on_a_word() -> None:
    transcript = meeting(
        (0.0, "SPEAKER_00", "A short one."),
        (10.0, "SPEAKER_01", "Hm."),
        (20.0, "SPEAKER_00", "Talked over almost all the way through."),
    )
    # SPEAKER_01 talks over 21-24 of the second segment: the first segment is clearer
    transcript.segments[1].start, transcript.segments[1].end = 21.0, 24.0
    span = clearest_span(transcript, "SPEAKER_00")
    assert span == Span(0.0, 4.15)

    words = " ".join(f"w{i}" for i in range(40))  # 0.5 s a word: 20 s of speech
    long = meeting((0.0, "SPEAKER_00", words))
    long.segments[0].end = 20.0
    long.duration_s = 20.0
    span = clearest_span(long, "SPEAKER_00", max_s=10.0)
    assert span is not None and span.start == 0.0
    assert span.end == 9.9 + 0.15  # the end of the last word within ten seconds, and a breath
    assert clearest_span(long, "SPEAKER_09") is None


def test_the_samples_are_found_behind_any_chunk_of_the_wav_header() -> None:
    listed = b"INFOISFT\x05\x00\x00\x00Lavf\x00\x00"
    header = (
        b"RIFF\x00\x00\x00\x00WAVE"
        + b"fmt "
        + struct.pack("<I", 16)
        + b"\x00" * 16
        + b"LIST"
        + struct.pack("<I", len(listed))
        + listed
        + b"data\x00\x00\x00\x00"
    )
    assert wav_data_offset(header) == len(header)


async def test_a_speakers_clip_is_their_voice_and_says_why_when_it_cannot_be(
    api: AsyncTestClient[Any], nats_client: Client
) -> None:
    recording_id = await finished(api, nats_client, PLANNING)
    await pipeline.prepare(
        nats_client.jetstream(), recording_id, pipeline.speaker_tones(PLANNING, TONES)
    )
    for label, tone in TONES.items():
        response = await api.get(f"/v1/recordings/{recording_id}/speakers/{label}/clip")
        assert response.status_code == 200, response.text
        assert response.headers["content-type"] == "audio/ogg"
        samples, rate = _decoded(response.content)
        assert 4.1 <= len(samples) / rate <= 4.4  # a four-second segment and its breaths
        assert abs(_pitch(samples, rate) - tone) < 5

    # a label merged into another plays the speaker it is shown as
    await api.patch(f"/v1/recordings/{recording_id}/speakers", json={"SPEAKER_02": "SPEAKER_00"})
    merged = await api.get(f"/v1/recordings/{recording_id}/speakers/SPEAKER_02/clip")
    assert abs(_pitch(*_decoded(merged.content)) - TONES["SPEAKER_00"]) < 5

    unknown = await api.get(f"/v1/recordings/{recording_id}/speakers/SPEAKER_07/clip")
    assert unknown.status_code == 404 and unknown.json()["error"]["code"] == "unknown_speaker"
    store = await nats_client.jetstream().object_store(BUCKETS.audio)
    await store.delete(audio_object_name(recording_id))
    gone = await api.get(f"/v1/recordings/{recording_id}/speakers/SPEAKER_00/clip")
    assert gone.status_code == 410 and gone.json()["error"]["code"] == "audio_removed"
    not_ready = await api.get(f"/v1/recordings/{await upload(api)}/speakers/SPEAKER_00/clip")
    assert not_ready.status_code == 409


async def test_speakers_show_their_speech_time_names_and_suggested_people(
    api: AsyncTestClient[Any], nats_client: Client
) -> None:
    from services.gateway.tests.test_people import _with_voices

    enrolled_from = await finished(api, nats_client, PLANNING)
    await _with_voices(nats_client, enrolled_from)
    await api.patch(f"/v1/recordings/{enrolled_from}/speakers", json={"SPEAKER_00": "Maria"})
    (maria,) = (await api.get("/v1/people")).json()["items"]

    recording_id = await upload(api, "Tuesday")
    transcript = PLANNING.model_copy(deep=True)
    transcript.speakers[1] = Speaker(
        id="SPEAKER_01", person_id=maria["id"], match=SpeakerMatch(score=0.81, applied=False)
    )
    await pipeline.finish(nats_client.jetstream(), recording_id, transcript)
    await wait_for_status(api, recording_id, "done")
    await api.patch(f"/v1/recordings/{recording_id}/speakers", json={"SPEAKER_02": "Lena"})

    shown = (await api.get(f"/v1/recordings/{recording_id}/speakers")).json()
    assert shown["voiceprints"] is True
    by_id = {s["id"]: s for s in shown["speakers"]}
    assert by_id["SPEAKER_00"]["speech_s"] == 12.0 and not by_id["SPEAKER_00"]["named"]
    assert by_id["SPEAKER_01"]["suggestion"] == {
        "person_id": maria["id"],
        "name": "Maria",
        "score": 0.81,
    }
    assert by_id["SPEAKER_01"]["name"] == "SPEAKER_01" and not by_id["SPEAKER_01"]["named"]
    assert by_id["SPEAKER_02"]["named"] and by_id["SPEAKER_02"]["suggestion"] is None
