"""The Telegram door. No Telegram server can exist here: messages are real
`pyrogram.types.Message` objects and the client is a fake whose `stream_media` streams bytes;
everything behind it is real: the gateway (uvicorn, its read model on SQLite), nats-server,
the Object Store, KV, events (see `door.py`)."""

from __future__ import annotations

import asyncio
import hashlib
import os
import time
from typing import Any

import pytest
from nats.aio.client import Client
from nats.js.errors import ObjectNotFoundError
from pydantic import ValidationError
from secretary_contracts import (
    ERROR_MESSAGES,
    ErrorCode,
    MediaReceived,
    QuestionAsked,
    RecordingDeleted,
    RecordingStatus,
    Speaker,
    Stage,
    Transcript,
    TranscriptSegment,
    TranscriptWord,
)
from secretary_contracts.messaging import (
    BUCKETS,
    MEDIA_RECEIVED,
    QUESTION_ASKED,
    RECORDING_DELETED,
    SPEAKERS_NAMED,
    artifact_object_name,
)
from secretary_ingest.settings import IngestSettings
from secretary_ingest.telegram.status import StatusMessages
from secretary_runtime import objects
from secretary_runtime.owners import read_owner_settings
from secretary_runtime.publishing import EventPublisher
from secretary_testing import pipeline
from secretary_testing.events import published

from tests.telegram.door import (
    CHUNK,
    FakeTelegram,
    Harness,
    until,
    user_message,
)


async def _events(client: Client, subject: str, model: Any, recording_id: str) -> list[Any]:
    return [model.model_validate(body) for body in await published(client, subject, recording_id)]


async def _send_recording(h: Harness, unique_id: str, size: int, message_id: int) -> str:
    h.telegram.files[unique_id] = os.urandom(size)
    await h.bot.handle(None, user_message(message_id, document=(unique_id, "video/mp4", size)))
    user = await h.bot.state.user(42)
    return user.recordings[0]


async def test_someone_not_on_the_allow_list_is_refused_and_nothing_is_downloaded(
    harness: Harness,
) -> None:
    harness.telegram.files["stranger"] = os.urandom(100)
    message = user_message(1, user_id=7, document=("stranger", "audio/mpeg", 100), language="ru")
    await harness.bot.handle(None, message)
    assert "stranger" not in harness.telegram.streamed
    assert "закрытый бот" in harness.telegram.sent[-1]["text"]
    assert "7" in harness.telegram.sent[-1]["text"]


async def test_what_is_not_audio_or_video_gets_an_explanation(harness: Harness) -> None:
    await harness.bot.handle(None, user_message(2, document=("pdf", "application/pdf", 10)))
    assert "only transcribe audio and video" in harness.telegram.sent[-1]["text"]
    await harness.bot.handle(None, user_message(3, document=("huge", "video/mp4", 3 * 1024**3)))
    assert "limit is 2.0 GB" in harness.telegram.sent[-1]["text"]


async def test_a_file_streams_into_the_object_store_and_enters_the_pipeline(
    harness: Harness,
) -> None:
    size = 5 * CHUNK + 123
    recording_id = await _send_recording(harness, "meeting-1", size, 10)
    js = harness.nats.jetstream()
    info = await (await js.object_store(BUCKETS.media)).get_info(recording_id)
    assert info.size == size
    published = await _events(harness.nats, MEDIA_RECEIVED.subject, MediaReceived, recording_id)
    assert len(published) == 1
    event = published[0]
    assert event.owner == "telegram:42" and event.source == "telegram"
    assert event.media.sha256 == hashlib.sha256(harness.telegram.files["meeting-1"]).hexdigest()
    status = next(s for s in harness.telegram.sent if s.get("reply_to_message_id") == 10)
    assert status["text"].startswith("⬇️ Downloading")


async def test_a_file_sent_again_does_not_run_again(harness: Harness) -> None:
    recording_id = await _send_recording(harness, "meeting-2", 1000, 20)
    await harness.bot.handle(None, user_message(21, document=("meeting-2", "video/mp4", 1000)))
    assert harness.telegram.streamed.count("meeting-2") == 1
    assert f"already have this recording ({recording_id})" in harness.telegram.sent[-1]["text"]
    published = await _events(harness.nats, MEDIA_RECEIVED.subject, MediaReceived, recording_id)
    assert len(published) == 1


async def test_the_same_content_under_another_file_id_does_not_run_again(
    harness: Harness,
) -> None:
    recording_id = await _send_recording(harness, "meeting-8", 1500, 90)
    harness.telegram.files["meeting-8-forwarded"] = harness.telegram.files["meeting-8"]
    await harness.bot.handle(
        None, user_message(91, document=("meeting-8-forwarded", "video/mp4", 1500))
    )
    assert f"already have this recording ({recording_id})" in harness.telegram.sent[-1]["text"]
    assert (await harness.bot.state.user(42)).recordings[0] == recording_id
    published = await _events(harness.nats, MEDIA_RECEIVED.subject, MediaReceived, recording_id)
    assert len(published) == 1


async def test_credentials_telegram_refuses_end_the_service_with_one_line(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from pyrogram.errors import AccessTokenInvalid
    from secretary_ingest.telegram.client import start_or_exit

    class RefusingClient:
        async def start(self) -> None:
            raise AccessTokenInvalid()

    with pytest.raises(SystemExit) as exited:
        await start_or_exit(RefusingClient())  # type: ignore[arg-type]
    assert exited.value.code == 2
    assert "ingest: Telegram refused the credentials" in capsys.readouterr().err


async def test_status_edits_are_rate_limited_and_flood_wait_is_honoured() -> None:
    telegram = FakeTelegram()
    status = StatusMessages(telegram, interval_s=0.5)
    started = time.monotonic()
    for step in range(30):
        await status.update("r1", 1, 99, "en", stage="asr", fraction=step / 30)
        await asyncio.sleep(0.01)
    await asyncio.sleep(0.7)
    assert 1 <= len(telegram.edits) <= 3
    gaps = [b[0] - a[0] for a, b in zip(telegram.edits, telegram.edits[1:], strict=False)]
    assert all(gap >= 0.45 for gap in gaps)
    assert "Transcribing 96%" in telegram.edits[-1][2]

    telegram.flood_waits = 1
    before = time.monotonic()
    await status.update("r1", 1, 99, "en", status=RecordingStatus.DONE, final=True)
    assert time.monotonic() - before >= 1.0
    assert telegram.edits[-1][2] == "✅ Done"
    assert time.monotonic() - started < 5


async def test_a_failed_recording_is_reported_in_one_sentence(harness: Harness) -> None:
    recording_id = await _send_recording(harness, "meeting-3", 2000, 30)
    await EventPublisher(harness.bot.broker).failed(
        recording_id, Stage.PREPARE, ErrorCode.NOT_MEDIA, "The file is not a recording."
    )
    await until(lambda: any("code: not_media" in s["text"] for s in harness.telegram.sent))
    report = next(s for s in harness.telegram.sent if "code: not_media" in s["text"])
    assert report["reply_to_message_id"] == 30
    stored = await harness.bot.state.recording(recording_id)
    assert stored is not None and stored.delivered
    # the status is the gateway's, not the chat's (its projection hears the failure on a
    # consumer of its own, maybe after the chat did)
    for _ in range(100):
        if (await harness.rest.get(f"/v1/recordings/{recording_id}")).json()["status"] == "failed":
            break
        await asyncio.sleep(0.1)
    await harness.bot.handle(None, user_message(31, text=f"/get {recording_id}"))
    assert harness.telegram.sent[-1]["text"] == f"{recording_id} is not ready yet: failed."


TWO_VOICES = Transcript(
    language="en",
    duration_s=65.0,
    speakers=[Speaker(id="SPEAKER_00"), Speaker(id="SPEAKER_01")],
    segments=[
        TranscriptSegment(
            start=1.0,
            end=2.0,
            speaker="SPEAKER_00",
            text="Hello.",
            words=[TranscriptWord(start=1.0, end=2.0, word="Hello.", speaker="SPEAKER_00")],
        ),
        TranscriptSegment(start=62.0, end=64.0, speaker="SPEAKER_01", text="Bye.", words=[]),
    ],
)


async def _finish(h: Harness, recording_id: str, transcript: Transcript = TWO_VOICES) -> None:
    """Stands in for the pipeline: the transcript is stored and announced; the gateway
    projects it, the chat receives it."""
    await pipeline.finish(h.nats.jetstream(), recording_id, transcript)
    for _ in range(200):
        stored = await h.bot.state.recording(recording_id)
        if stored is not None and stored.delivered:
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the transcript did not reach the chat")


def _files(h: Harness, stem: str) -> list[dict[str, Any]]:
    return [d for d in h.telegram.documents if d["name"].startswith(f"{stem}.")]


async def test_a_ready_transcript_arrives_as_txt_and_srt_with_the_names_given_anywhere(
    harness: Harness,
) -> None:
    recording_id = await _send_recording(harness, "meeting-4", 2000, 40)
    await _finish(harness, recording_id)
    txt, srt = _files(harness, "meeting-4")
    assert txt["name"] == "meeting-4.txt" and srt["name"] == "meeting-4.srt"
    assert txt["body"].decode().splitlines() == [
        "[00:00:01] SPEAKER_00: Hello.",
        "[00:01:02] SPEAKER_01: Bye.",
    ]
    assert "2 speaker(s) · language: en · 0:01:05" in txt["caption"]

    await harness.bot.handle(
        None, user_message(41, text=f"/speakers {recording_id} speaker_00 Maria")
    )
    assert "SPEAKER_00 is now called Maria" in harness.telegram.sent[-1]["text"]
    named = await published(harness.nats, SPEAKERS_NAMED.subject, recording_id)
    assert named[-1]["names"] == {"SPEAKER_00": "Maria"}
    assert named[-1]["owner"] == "telegram:42"
    # the gateway's checks hold in the chat too
    await harness.bot.handle(None, user_message(42, text=f"/speakers {recording_id} SPEAKER_09 X"))
    assert harness.telegram.sent[-1]["text"].startswith("⚠️ No speaker 'SPEAKER_09'")
    # a name given over REST reaches the chat's files
    renamed = await harness.rest.patch(
        f"/v1/recordings/{recording_id}/speakers", json={"SPEAKER_01": "Tom"}
    )
    assert renamed.status_code == 200, renamed.text

    await harness.bot.handle(None, user_message(43, text=f"/get {recording_id}"))
    txt, srt = _files(harness, "meeting-4")[-2:]
    assert txt["body"].decode().splitlines() == [
        "[00:00:01] Maria: Hello.",
        "[00:01:02] Tom: Bye.",
    ]
    assert srt["body"].decode().startswith("1\n00:00:01,000 --> 00:00:02,000\nMaria: Hello.")


async def test_questions_go_to_the_replied_or_the_latest_recording(harness: Harness) -> None:
    first = await _send_recording(harness, "meeting-5", 1000, 50)
    latest = await _send_recording(harness, "meeting-6", 1000, 60)
    await harness.bot.handle(None, user_message(51, text="Too early?", reply_to=50))
    assert "ask once it is done" in harness.telegram.sent[-1]["text"]
    await _finish(harness, first)
    await _finish(harness, latest)
    await harness.bot.handle(None, user_message(52, text="What about the budget?", reply_to=50))
    await harness.bot.handle(None, user_message(61, text="Who wrote the summary?"))
    asked_first = await _events(harness.nats, QUESTION_ASKED.subject, QuestionAsked, first)
    asked_latest = await _events(harness.nats, QUESTION_ASKED.subject, QuestionAsked, latest)
    assert [q.question for q in asked_first] == ["What about the budget?"]
    assert [q.question for q in asked_latest] == ["Who wrote the summary?"]
    assert asked_latest[0].owner == "telegram:42" and asked_latest[0].language == "en"
    assert "Looking for the answer" in harness.telegram.sent[-1]["text"]
    # the same question is on record over REST
    question = await harness.rest.get(
        f"/v1/recordings/{latest}/questions/{asked_latest[0].question_id}"
    )
    assert question.json()["question"] == "Who wrote the summary?"


async def test_an_answer_is_written_live_and_ends_with_its_sources(harness: Harness) -> None:
    from secretary_contracts import AnswerDelta, AnswerReady, Citation
    from secretary_contracts.messaging import ANSWER_DELTA, ANSWER_READY

    recording_id = await _send_recording(harness, "meeting-9", 1000, 100)
    await _finish(harness, recording_id)
    await harness.bot.handle(None, user_message(101, text="Where is the offsite?"))
    (asked,) = await _events(harness.nats, QUESTION_ASKED.subject, QuestionAsked, recording_id)
    publisher = EventPublisher(harness.bot.broker)
    for sequence, piece in enumerate(["The offsite ", "is in Lisbon."]):
        await publisher.publish(
            ANSWER_DELTA,
            AnswerDelta(
                recording_id=recording_id,
                question_id=asked.question_id,
                sequence=sequence,
                text=piece,
            ),
            message_id=f"{asked.question_id}:delta:{sequence}",
        )
    await publisher.publish(
        ANSWER_READY,
        AnswerReady(
            recording_id=recording_id,
            question_id=asked.question_id,
            owner="telegram:42",
            question=asked.question,
            answer="The offsite is in Lisbon [01:02] Maria. It has a pool.",
            supported=True,
            citations=[Citation(start=62, end=66, speaker="Maria", text="Lisbon it is.")],
            unsupported_sentences=["It has a pool."],
        ),
        message_id=f"{asked.question_id}:ready",
    )
    await until(lambda: any("Sources:" in e[2] for e in harness.telegram.edits))
    reply = next(
        s
        for s in harness.telegram.sent
        if s.get("reply_to_message_id") == 101 and s["text"].startswith("The offsite")
    )
    assert reply["text"].endswith("✍️ a draft, being checked against the recording…")
    final = [e for e in harness.telegram.edits if e[1] == reply["id"]][-1][2]
    assert final.startswith("The offsite is in Lisbon [01:02] Maria. It has a pool.")
    assert "⚠️ Partly supported: 1 sentence(s) above cite nothing in the recording." in final
    assert "draft" not in final
    assert final.endswith("Sources:\n[01:02] Maria: Lisbon it is.")


async def test_list_lang_and_delete(harness: Harness) -> None:
    recording_id = await _send_recording(harness, "meeting-7", 3000, 70)
    await harness.bot.handle(None, user_message(71, text="/list"))
    assert harness.telegram.sent[-1]["text"].splitlines()[0].startswith(recording_id)

    await harness.bot.handle(None, user_message(72, text="/lang de"))
    js = harness.nats.jetstream()
    assert (await read_owner_settings(js, "telegram:42")).language == "de"
    await harness.bot.handle(None, user_message(75, text="/lang klingon"))
    assert "not a language" in harness.telegram.sent[-1]["text"]
    assert (await read_owner_settings(js, "telegram:42")).language == "de"
    await harness.bot.handle(None, user_message(76, text="/lang auto"))
    assert (await read_owner_settings(js, "telegram:42")).language is None

    other_user = user_message(73, user_id=43, text=f"/delete {recording_id}")
    await harness.bot.handle(None, other_user)
    assert "no recording" in harness.telegram.sent[-1]["text"]

    await harness.bot.handle(None, user_message(74, text=f"/delete {recording_id}"))
    assert f"Deleted {recording_id}" in harness.telegram.sent[-1]["text"]
    store = await harness.nats.jetstream().object_store(BUCKETS.media)
    with pytest.raises(ObjectNotFoundError):
        await store.get_info(recording_id)
    assert await harness.bot.state.recording(recording_id) is None
    assert await harness.bot.state.recording_of_file("meeting-7") is None
    assert recording_id not in (await harness.bot.state.user(42)).recordings
    deleted = await _events(harness.nats, RECORDING_DELETED.subject, RecordingDeleted, recording_id)
    assert len(deleted) == 1


async def test_web_sends_a_link_that_signs_the_user_in_once(harness: Harness) -> None:
    recording_id = await _send_recording(harness, "meeting-9", 3000, 90)
    await harness.bot.handle(None, user_message(91, text="/web"))
    reply = harness.telegram.sent[-1]["text"]
    url = next(word for word in reply.split() if "#sign-in=" in word)
    link = url.split("#sign-in=", 1)[1]

    signed_in = await harness.rest.post(
        "/v1/sign-in", json={"link": link}, headers={"Authorization": ""}
    )
    assert signed_in.status_code == 200, signed_in.text
    session = {"Authorization": f"Bearer {signed_in.json()['key']}"}
    mine = (await harness.rest.get("/v1/recordings", headers=session)).json()["items"]
    theirs = (await harness.rest.get("/v1/recordings")).json()["items"]  # telegram:42's key
    assert recording_id in [r["id"] for r in mine] and mine == theirs
    again = await harness.rest.post(
        "/v1/sign-in", json={"link": link}, headers={"Authorization": ""}
    )
    assert again.status_code == 401


async def test_taking_a_user_off_the_allow_list_ends_their_web_sessions(harness: Harness) -> None:
    """The door restarted with user 42 no longer allowed: their review page signs out, and
    an allowed user's stays."""
    sessions = {}
    for message_id, user_id in ((95, 42), (96, 43)):
        await harness.bot.handle(None, user_message(message_id, user_id=user_id, text="/web"))
        reply = harness.telegram.sent[-1]["text"]
        link = next(w for w in reply.split() if "#sign-in=" in w).split("#sign-in=", 1)[1]
        signed_in = await harness.rest.post(
            "/v1/sign-in", json={"link": link}, headers={"Authorization": ""}
        )
        sessions[user_id] = {"Authorization": f"Bearer {signed_in.json()['key']}"}
    allowed = harness.bot.settings
    harness.bot.settings = allowed.model_copy(update={"telegram_allowed_users": [43]})
    try:
        assert await harness.bot.sign_out_the_disallowed() == []
    finally:
        harness.bot.settings = allowed  # the harness serves the module's other tests
    current = "/v1/sessions/current"
    assert (await harness.rest.get(current, headers=sessions[42])).status_code == 401
    assert (await harness.rest.get(current, headers=sessions[43])).status_code == 200


async def test_a_voice_note_is_accepted_and_the_owners_language_is_kept_for_prepare(
    harness: Harness,
) -> None:
    await harness.bot.handle(None, user_message(80, text="/lang ru"))
    harness.telegram.files["voice-1"] = os.urandom(4000)
    await harness.bot.handle(None, user_message(81, voice=("voice-1", 4000)))
    recording_id = (await harness.bot.state.user(42)).recordings[0]
    (event,) = await _events(harness.nats, MEDIA_RECEIVED.subject, MediaReceived, recording_id)
    # the door names no language: prepare applies the owner's, set here or over REST
    assert event.options.language is None
    assert event.owner == "telegram:42"
    js = harness.nats.jetstream()
    assert (await read_owner_settings(js, event.owner)).language == "ru"


def test_half_configured_telegram_is_refused_with_a_clear_message() -> None:
    with pytest.raises(ValidationError, match="SECRETARY_TELEGRAM_API_HASH"):
        IngestSettings(telegram_api_id=123)
    with pytest.raises(ValidationError, match="not both"):
        IngestSettings(
            telegram_api_id=1,
            telegram_api_hash="h",
            telegram_bot_token="t",
            telegram_session_string="s",
        )
    assert not IngestSettings().telegram_enabled


def test_allowed_users_come_comma_separated(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SECRETARY_TELEGRAM_ALLOWED_USERS", "42, 43,44")
    assert IngestSettings().telegram_allowed_users == [42, 43, 44]


async def test_the_summary_follows_the_transcript(harness: Harness) -> None:
    from secretary_contracts import ActionItem, Summary, SummaryReady
    from secretary_contracts.messaging import SUMMARY_READY

    recording_id = await _send_recording(harness, "meeting-10", 1000, 110)
    summary = Summary(
        summary="The budget was agreed.",
        decisions=["Spend forty thousand on the website [00:04] Maria", "Hire two people"],
        action_items=[ActionItem(who="Tom", what="Send the plan", when="Friday")],
        unsupported=["Hire two people", "Send the plan"],
    )
    ref = await objects.put_model(
        harness.nats.jetstream(),
        BUCKETS.artifacts,
        artifact_object_name(recording_id, "summary"),
        summary,
    )
    await EventPublisher(harness.bot.broker).publish(
        SUMMARY_READY, SummaryReady(recording_id=recording_id, summary=ref)
    )
    await until(lambda: any(s["text"].startswith("📋") for s in harness.telegram.sent))
    sent = next(s for s in harness.telegram.sent if s["text"].startswith("📋"))
    assert sent["reply_to_message_id"] == 110
    assert "• Spend forty thousand on the website [00:04] Maria\n" in sent["text"]
    assert "• Hire two people ⚠️" in sent["text"]
    assert "• Tom: Send the plan ⚠️ (Friday)" in sent["text"]
    assert sent["text"].endswith("⚠️ = no source found in the recording")


async def test_with_no_language_model_the_chat_and_the_api_say_why_there_is_no_summary(
    harness: Harness,
) -> None:
    """The llm service says no summary will come (no SECRETARY_LLM_BASE_URL): the chat is
    told once, in its language, and REST answers with the reason until a summary is there."""
    from secretary_contracts import Summary, SummaryReady, SummaryUnavailable
    from secretary_contracts.messaging import SUMMARY_READY, SUMMARY_UNAVAILABLE

    recording_id = await _send_recording(harness, "meeting-13", 1000, 130)
    publisher = EventPublisher(harness.bot.broker)
    code = ErrorCode.LLM_NOT_CONFIGURED
    await publisher.publish(
        SUMMARY_UNAVAILABLE,
        SummaryUnavailable(recording_id=recording_id, code=code, message=ERROR_MESSAGES[code]),
    )

    def told() -> list[dict[str, Any]]:
        return [s for s in harness.telegram.sent if s.get("reply_to_message_id") == 130]

    def no_summary() -> list[str]:
        return [s["text"] for s in told() if s["text"].startswith("ℹ️")]

    await until(lambda: bool(no_summary()))
    (said,) = no_summary()
    assert "no language model" in said

    url = f"/v1/recordings/{recording_id}/summary"
    for _ in range(50):  # the gateway hears the news on a consumer of its own
        refused = await harness.rest.get(url)
        if refused.json()["error"]["code"] != "summary_not_ready":
            break
        await asyncio.sleep(0.1)
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "llm_not_configured"
    assert "SECRETARY_LLM_BASE_URL" in refused.json()["error"]["message"]

    # configured later, and the transcript summarised: the reason is gone
    ref = await objects.put_model(
        harness.nats.jetstream(),
        BUCKETS.artifacts,
        artifact_object_name(recording_id, "summary"),
        Summary(summary="The budget was agreed."),
    )
    await publisher.publish(SUMMARY_READY, SummaryReady(recording_id=recording_id, summary=ref))
    await until(lambda: any(s["text"].startswith("📋") for s in told()))
    assert (await harness.rest.get(url)).json()["summary"] == "The budget was agreed."


THREE_VOICES = Transcript(
    language="en",
    duration_s=30.0,
    speakers=[Speaker(id=f"SPEAKER_0{i}") for i in range(3)],
    segments=[
        TranscriptSegment(start=1.0, end=2.0, speaker="SPEAKER_00", text="Budget first.", words=[]),
        TranscriptSegment(start=3.0, end=4.0, speaker="SPEAKER_01", text="Agreed.", words=[]),
        TranscriptSegment(
            start=5.0, end=6.0, speaker="SPEAKER_02", text="Forty thousand.", words=[]
        ),
    ],
)


async def _stored_objects(h: Harness, recording_id: str) -> list[str]:
    js = h.nats.jetstream()
    names = [(BUCKETS.media, recording_id), (BUCKETS.audio, f"{recording_id}.wav")]
    names += [
        (BUCKETS.artifacts, artifact_object_name(recording_id, kind))
        for kind in ("transcript", "summary")
    ]
    left = []
    for bucket, name in names:
        try:
            await (await js.object_store(bucket)).get_info(name)
            left.append(f"{bucket}/{name}")
        except ObjectNotFoundError:
            pass
    return left


async def test_both_doors_follow_one_set_of_rules(harness: Harness) -> None:
    """The same operations through Telegram and through REST give the same results."""
    by_chat = await _send_recording(harness, "meeting-11", 1000, 120)
    uploaded = await harness.rest.post(
        "/v1/recordings", files={"file": ("meeting-12.mp4", os.urandom(1000), "video/mp4")}
    )
    assert uploaded.status_code == 201, uploaded.text
    by_rest = uploaded.json()["id"]
    await _finish(harness, by_chat, THREE_VOICES)
    await _finish_over_rest(harness, by_rest, THREE_VOICES)

    # naming and merging: in the chat one label at a time, over REST in one call
    for message_id, (label, name) in enumerate(
        [("SPEAKER_00", "Maria"), ("SPEAKER_01", "Tom"), ("SPEAKER_02", "SPEAKER_01")], 121
    ):
        await harness.bot.handle(
            None, user_message(message_id, text=f"/speakers {by_chat} {label} {name}")
        )
    renamed = await harness.rest.patch(
        f"/v1/recordings/{by_rest}/speakers",
        json={"SPEAKER_00": "Maria", "SPEAKER_01": "Tom", "SPEAKER_02": "SPEAKER_01"},
    )
    assert renamed.status_code == 200
    speakers = [
        (await harness.rest.get(f"/v1/recordings/{r}/speakers")).json() for r in (by_chat, by_rest)
    ]
    assert speakers[0] == speakers[1]
    assert [(s["id"], s["name"], s["merged"]) for s in speakers[0]["speakers"]] == [
        ("SPEAKER_00", "Maria", []),
        ("SPEAKER_01", "Tom", ["SPEAKER_02"]),
    ]
    exported = [
        (await harness.rest.get(f"/v1/recordings/{r}/transcript", params={"format": "txt"})).text
        for r in (by_chat, by_rest)
    ]
    assert exported[0] == exported[1]
    assert exported[0].splitlines()[-1] == "[00:00:05] Tom: Forty thousand."
    # the chat's files are the REST export, whichever door the recording came in by
    for message_id, recording_id in ((130, by_chat), (131, by_rest)):
        await harness.bot.handle(None, user_message(message_id, text=f"/get {recording_id}"))
        txt = [d for d in harness.telegram.documents if d["name"].endswith(".txt")][-1]
        assert txt["body"].decode() == exported[0]

    # deletion, through either door, leaves nothing: each deleted through the other door
    await harness.bot.handle(None, user_message(132, text=f"/delete {by_rest}"))
    assert (await harness.rest.delete(f"/v1/recordings/{by_chat}")).status_code == 204
    await _until_forgotten(harness, by_chat)
    for recording_id in (by_chat, by_rest):
        assert (await harness.rest.get(f"/v1/recordings/{recording_id}")).status_code == 404
        assert await _stored_objects(harness, recording_id) == []
        deleted = await _events(
            harness.nats, RECORDING_DELETED.subject, RecordingDeleted, recording_id
        )
        assert len(deleted) == 1
    found = await harness.rest.get("/v1/search", params={"q": "thousand"})
    assert found.json()["items"] == []
    await harness.bot.handle(None, user_message(133, text="/list"))
    assert by_chat not in harness.telegram.sent[-1]["text"]
    assert by_rest not in harness.telegram.sent[-1]["text"]


async def _until_forgotten(h: Harness, recording_id: str) -> None:
    for _ in range(200):
        if await h.bot.state.recording(recording_id) is None:
            assert await h.bot.state.recording_of_file("meeting-11") is None
            assert recording_id not in (await h.bot.state.user(42)).recordings
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the chat still remembers the deleted recording")


async def _finish_over_rest(h: Harness, recording_id: str, transcript: Transcript) -> None:
    """As `_finish`, for a recording no chat sent: done once the gateway says so."""
    await pipeline.finish(h.nats.jetstream(), recording_id, transcript)
    for _ in range(200):
        state = (await h.rest.get(f"/v1/recordings/{recording_id}")).json()
        if state["status"] == "done":
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the gateway did not project the transcript")
