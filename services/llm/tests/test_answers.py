"""The llm service against a real OpenAI-compatible server (llama.cpp with SmolLM2, shipped in
a PyPI package) reached through a real HTTP proxy (proxy.py), and a real nats-server."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from faststream.nats import NatsBroker
from nats.aio.client import Client
from secretary_contracts import (
    AnswerFailed,
    AnswerReady,
    QuestionAsked,
    Speaker,
    Transcript,
    TranscriptSegment,
)
from secretary_contracts.messaging import (
    ANSWER_DELTA,
    ANSWER_FAILED,
    ANSWER_READY,
    BUCKETS,
    QUESTION_ASKED,
    artifact_object_name,
)
from secretary_llm.answerer import Answerer
from secretary_llm.client import create_client
from secretary_llm.passages import passages
from secretary_llm.prompting import NOT_FOUND
from secretary_llm.retrieval import MiniLmEmbedder, PassageIndex
from secretary_llm.settings import LlmSettings
from secretary_llm.worker import QuestionWorker
from secretary_runtime import objects
from secretary_runtime.jobs import JobRunner
from secretary_runtime.nats_server import NatsServer
from secretary_runtime.publishing import EventPublisher
from secretary_testing.brokers import started_broker
from secretary_testing.events import published
from secretary_testing.llm_servers import free_port, http_proxy, llama_server

TRANSCRIPT = Transcript(
    language="en",
    duration_s=40,
    speakers=[Speaker(id="SPEAKER_00", name="Maria"), Speaker(id="SPEAKER_01", name="Tom")],
    segments=[
        TranscriptSegment(
            start=1,
            end=6,
            speaker="SPEAKER_00",
            words=[],
            text="We agreed to spend forty thousand euros on the new website.",
        ),
        TranscriptSegment(
            start=7,
            end=11,
            speaker="SPEAKER_01",
            words=[],
            text="Then the launch moves to the end of March.",
        ),
        TranscriptSegment(
            start=12,
            end=16,
            speaker="SPEAKER_00",
            words=[],
            text="Tom will send the updated plan on Friday.",
        ),
    ],
)


@pytest.fixture(scope="module")
def llm_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with llama_server(tmp_path_factory.mktemp("llama")) as url:
        yield url


@pytest.fixture(scope="module")
def proxy(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    with http_proxy(tmp_path_factory.mktemp("proxy")) as running:
        yield running


@pytest.fixture(scope="module")
def embedder() -> MiniLmEmbedder:
    return MiniLmEmbedder()


def _settings(base_url: str, proxy_url: str, **extra: Any) -> LlmSettings:
    return LlmSettings(
        llm_base_url=base_url,
        llm_proxy_url=proxy_url,
        llm_model="smollm2",
        llm_timeout_s=60,
        llm_max_answer_tokens=60,
        **extra,
    )


async def test_answers_stream_through_the_proxy(
    llm_server: str, proxy: tuple[str, Path], embedder: MiniLmEmbedder
) -> None:
    proxy_url, proxy_log = proxy
    settings = _settings(llm_server, proxy_url)
    answerer = Answerer(settings, create_client(settings))
    deltas: list[str] = []

    async def on_delta(piece: str) -> None:
        deltas.append(piece)

    index = PassageIndex(passages(TRANSCRIPT), embedder)
    answer = await answerer.answer(
        TRANSCRIPT, index, "How much will the website cost?", [], on_delta
    )
    assert len(deltas) > 1, "the answer arrives in pieces"
    assert answer.whole_transcript
    # a 135M-parameter model rarely cites correctly: whatever it says, an answer without a
    # checked citation is reported as unsupported rather than passed on
    if not answer.supported:
        assert answer.text == NOT_FOUND and answer.citations == []
    else:
        assert all(c.speaker in ("Maria", "Tom") for c in answer.citations)
    # the proxy writes its access line when the connection closes
    await answerer.client.close()
    deadline = time.monotonic() + 10
    while "/v1/chat/completions" not in proxy_log.read_text() and time.monotonic() < deadline:
        await asyncio.sleep(0.2)
    assert "/v1/chat/completions" in proxy_log.read_text()


async def _ask_a_server_that_refuses(
    proxy_url: str, status: str, headers: str, retries: int, error: type[Exception]
) -> list[float]:
    """Asks an endpoint that always answers `status`; returns when each attempt arrived."""
    attempts: list[float] = []

    async def refuse(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        attempts.append(time.monotonic())
        body = b'{"error": {"message": "not now"}}'
        writer.write(
            f"HTTP/1.1 {status}\r\nContent-Type: application/json\r\n{headers}".encode()
            + f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode()
            + body
        )
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(refuse, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    settings = _settings(f"http://127.0.0.1:{port}/v1", proxy_url, llm_max_retries=retries)
    answerer = Answerer(settings, create_client(settings))

    async def ignore(_: str) -> None:
        return None

    try:
        with pytest.raises(error):
            await answerer.answer(
                TRANSCRIPT, PassageIndex([], _NoEmbedder()), "Anything?", [], ignore
            )
    finally:
        server.close()
    return attempts


async def test_5xx_answers_are_retried(proxy: tuple[str, Path]) -> None:
    from openai import InternalServerError

    attempts = await _ask_a_server_that_refuses(
        proxy[0], "503 Service Unavailable", "", 2, InternalServerError
    )
    assert len(attempts) == 3, "one request and two retries"
    assert attempts[2] - attempts[0] > 0.3, "retries back off"


async def test_rate_limits_are_waited_out_as_the_server_asks(proxy: tuple[str, Path]) -> None:
    """429 with Retry-After: the client waits what the server asks, retries, then gives up
    with a clear error (the job runner then reports `llm_unavailable`)."""
    from openai import RateLimitError

    attempts = await _ask_a_server_that_refuses(
        proxy[0], "429 Too Many Requests", "Retry-After: 2\r\n", 1, RateLimitError
    )
    assert len(attempts) == 2, "one request and one retry"
    assert attempts[1] - attempts[0] >= 1.9, "the retry waited the Retry-After"


class _NoEmbedder:
    def embed(self, texts: Any) -> Any:
        import numpy as np

        return np.zeros((len(texts), 4), dtype=np.float32)


@pytest.fixture
async def worker_broker(
    nats_server: NatsServer, llm_server: str, proxy: tuple[str, Path], embedder: MiniLmEmbedder
) -> AsyncIterator[NatsBroker]:
    settings = _settings(llm_server, proxy[0], nats_url=nats_server.url, max_deliver=2)
    async with started_broker(nats_server.url, _question_worker(settings, embedder)) as broker:
        yield broker


def _question_worker(settings: LlmSettings, embedder: MiniLmEmbedder) -> Any:
    def register(broker: NatsBroker) -> None:
        QuestionWorker(
            settings,
            broker,
            JobRunner(broker, EventPublisher(broker)),
            Answerer(settings, create_client(settings)),
            embedder,
        ).register()

    return register


async def _ask(broker: NatsBroker, recording_id: str, question: str) -> str:
    question_id = uuid.uuid4().hex
    await EventPublisher(broker).publish(
        QUESTION_ASKED,
        QuestionAsked(
            recording_id=recording_id, question_id=question_id, owner="local", question=question
        ),
        message_id=f"{question_id}:asked",
    )
    return question_id


async def _transcript_ready(broker: NatsBroker, recording_id: str) -> None:
    """What merge does at the end: the transcript stored, its news published."""
    from secretary_contracts import TranscriptReady
    from secretary_contracts.messaging import TRANSCRIPT_READY

    ref = await objects.put_model(
        broker.connection.jetstream(),
        BUCKETS.artifacts,
        artifact_object_name(recording_id, "transcript"),
        TRANSCRIPT,
    )
    await EventPublisher(broker).publish(
        TRANSCRIPT_READY,
        TranscriptReady(
            recording_id=recording_id,
            transcript=ref,
            language="en",
            duration_s=40,
            speaker_count=2,
            segment_count=3,
        ),
    )


async def _wait_for(client: Client, subject: str, recording_id: str, timeout: float = 90) -> list:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = await published(client, subject, recording_id)
        if found:
            return found
        await asyncio.sleep(0.5)
    raise TimeoutError(subject)


async def test_a_question_event_gets_deltas_and_an_answer_and_history(
    worker_broker: NatsBroker, nats_client: Client
) -> None:
    recording_id = uuid.uuid4().hex
    js = nats_client.jetstream()
    await objects.put_model(
        js, BUCKETS.artifacts, artifact_object_name(recording_id, "transcript"), TRANSCRIPT
    )
    question_id = await _ask(worker_broker, recording_id, "When does the launch happen?")
    (ready,) = await _wait_for(nats_client, ANSWER_READY.subject, recording_id)
    answer = AnswerReady.model_validate(ready)
    assert answer.question_id == question_id
    assert answer.question == "When does the launch happen?"
    deltas = await published(nats_client, ANSWER_DELTA.subject, recording_id)
    assert deltas and [d["sequence"] for d in deltas] == list(range(len(deltas)))
    history = await js.key_value(BUCKETS.qa_history)
    keys = [k for k in await history.keys() if k.startswith(recording_id)]
    assert len(keys) == 1


async def test_a_question_without_a_transcript_fails_clearly(
    worker_broker: NatsBroker, nats_client: Client
) -> None:
    recording_id = uuid.uuid4().hex
    await _ask(worker_broker, recording_id, "Anything?")
    (failed,) = await _wait_for(nats_client, ANSWER_FAILED.subject, recording_id)
    assert AnswerFailed.model_validate(failed).code == "transcript_not_ready"


async def test_short_meetings_are_summarised_whole_and_long_ones_by_map_reduce(
    llm_server: str, proxy: tuple[str, Path]
) -> None:
    from secretary_llm.summaries import Summarizer
    from secretary_testing.transcripts import planted_meeting

    summarizer = Summarizer(
        _settings(llm_server, proxy[0]), create_client(_settings(llm_server, proxy[0]))
    )
    summary, parts = await summarizer.summarize(TRANSCRIPT)
    assert parts == 1 and summary.summary
    long_meeting, _ = planted_meeting(hours=0.25)
    small_budget = _settings(llm_server, proxy[0], context_token_budget=900)
    summary, parts = await Summarizer(small_budget, create_client(small_budget)).summarize(
        long_meeting
    )
    assert parts > 1 and summary.summary


async def test_a_ready_transcript_gets_a_stored_summary(
    llm_server: str, proxy: tuple[str, Path], tmp_path: Path
) -> None:
    """On a nats-server of its own: the summary consumer starts from the stream's beginning,
    and the session's shared stream holds every transcript the other tests announced."""
    with NatsServer(tmp_path / "nats") as own:
        await _summarised(own, llm_server, proxy[0])


async def _summarised(own: NatsServer, llm_server: str, proxy_url: str) -> None:
    import nats
    from secretary_contracts import ObjectRef, Summary, TranscriptEdited
    from secretary_contracts.messaging import SUMMARY_READY, TRANSCRIPT_EDITED
    from secretary_llm.summaries import Summarizer
    from secretary_llm.worker import SummaryWorker

    nats_client = await nats.connect(own.url)
    settings = _settings(llm_server, proxy_url, nats_url=own.url)

    def register(broker: NatsBroker) -> None:
        SummaryWorker(
            settings,
            broker,
            JobRunner(broker, EventPublisher(broker)),
            Summarizer(settings, create_client(settings)),
        ).register()

    async with started_broker(own.url, register) as broker:
        recording_id = uuid.uuid4().hex
        js = nats_client.jetstream()
        await _transcript_ready(broker, recording_id)
        (ready,) = await _wait_for(nats_client, SUMMARY_READY.subject, recording_id)
        stored = await objects.get_model(js, ObjectRef.model_validate(ready["summary"]), Summary)
        assert stored.summary

        # the owner edits it twice; the first edit's event arrives after the second was
        # saved: only the latest revision is summarised again
        name = artifact_object_name(recording_id, "edited")
        refs = {}
        for revision in (1, 2):
            edited = TRANSCRIPT.model_copy(update={"revision": revision})
            refs[revision] = await objects.put_model(js, BUCKETS.artifacts, name, edited)
        for revision, ref in refs.items():
            await EventPublisher(broker).publish(
                TRANSCRIPT_EDITED,
                TranscriptEdited(
                    recording_id=recording_id,
                    owner="local",
                    revision=revision,
                    transcript=ref,
                    segment_count=3,
                ),
                message_id=f"{recording_id}:edited:{revision}",
            )
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            summaries = await _summary_messages(nats_client, recording_id)
            if len(summaries) > 1:
                break
            await asyncio.sleep(0.5)
        await asyncio.sleep(2)  # time for a wrong third one to arrive
        summaries = await _summary_messages(nats_client, recording_id)
        assert summaries[1:] == [f"{recording_id}:summary:2"]
    await nats_client.close()


async def _summary_messages(client: Any, recording_id: str) -> list[str]:
    """The Nats-Msg-Id of each summary announced for the recording, in order."""
    from secretary_contracts.messaging import RECORDINGS_STREAM, SUMMARY_READY

    js = client.jetstream()
    subject = SUMMARY_READY.of(recording_id)
    info = await js.stream_info(RECORDINGS_STREAM, subjects_filter=subject)
    count = (info.state.subjects or {}).get(subject, 0)
    if not count:
        return []
    subscription = await js.subscribe(subject, stream=RECORDINGS_STREAM, ordered_consumer=True)
    try:
        messages = [await subscription.next_msg(timeout=5) for _ in range(count)]
    finally:
        await subscription.unsubscribe()
    return [(m.headers or {}).get("Nats-Msg-Id", "") for m in messages]


async def test_a_question_is_answered_from_the_revision_its_owner_reads(
    worker_broker: NatsBroker, nats_client: Client
) -> None:
    recording_id = uuid.uuid4().hex
    edited = TRANSCRIPT.model_copy(update={"revision": 1})
    await objects.put_model(
        nats_client.jetstream(),
        BUCKETS.artifacts,
        artifact_object_name(recording_id, "edited"),
        edited,
    )
    question_id = uuid.uuid4().hex
    await EventPublisher(worker_broker).publish(
        QUESTION_ASKED,
        QuestionAsked(
            recording_id=recording_id,
            question_id=question_id,
            owner="local",
            question="When does the launch happen?",
            transcript_revision=1,
        ),
        message_id=f"{question_id}:asked",
    )
    # only the edited transcript exists: answering from the pipeline's would fail
    (ready,) = await _wait_for(nats_client, ANSWER_READY.subject, recording_id)
    assert AnswerReady.model_validate(ready).question_id == question_id


async def test_an_unreachable_llm_fails_the_question_clearly(
    nats_server: NatsServer, nats_client: Client, embedder: MiniLmEmbedder
) -> None:
    closed = free_port()  # nothing listens here
    settings = LlmSettings(
        nats_url=nats_server.url,
        llm_base_url=f"http://127.0.0.1:{closed}/v1",
        llm_max_retries=1,
        llm_timeout_s=5,
        max_deliver=2,
        ack_wait_s=20,
    )
    async with started_broker(nats_server.url, _question_worker(settings, embedder)) as broker:
        recording_id = uuid.uuid4().hex
        await objects.put_model(
            nats_client.jetstream(),
            BUCKETS.artifacts,
            artifact_object_name(recording_id, "transcript"),
            TRANSCRIPT,
        )
        await _ask(broker, recording_id, "Who sends the plan?")
        (failed,) = await _wait_for(nats_client, ANSWER_FAILED.subject, recording_id, timeout=60)
        event = AnswerFailed.model_validate(failed)
        assert event.code == "llm_unavailable"
        assert "Connection" in event.message or "connect" in event.message.lower()


async def test_with_no_llm_configured_questions_fail_at_once_and_nothing_is_retried(
    tmp_path: Path, embedder: MiniLmEmbedder
) -> None:
    """`make up` with no SECRETARY_LLM_BASE_URL: a question gets `llm_not_configured` on its
    first delivery, a transcript gets no summary but the news of why, and neither is
    redelivered."""
    import nats
    from secretary_contracts.messaging import (
        CONSUMER_LLM_SUMMARIES,
        SUMMARY_READY,
        SUMMARY_UNAVAILABLE,
    )
    from secretary_llm.summaries import Summarizer
    from secretary_llm.worker import SummaryWorker

    with NatsServer(tmp_path / "nats") as own:
        settings = LlmSettings(nats_url=own.url, ack_wait_s=2)
        assert not settings.llm_configured

        def register(broker: NatsBroker) -> None:
            _question_worker(settings, embedder)(broker)
            SummaryWorker(
                settings,
                broker,
                JobRunner(broker, EventPublisher(broker)),
                Summarizer(settings, create_client(settings)),
            ).register()

        client = await nats.connect(own.url)
        async with started_broker(own.url, register) as broker:
            recording_id = uuid.uuid4().hex
            await _transcript_ready(broker, recording_id)
            await _ask(broker, recording_id, "Who sends the plan?")
            (failed,) = await _wait_for(client, ANSWER_FAILED.subject, recording_id, timeout=10)
            assert AnswerFailed.model_validate(failed).code == "llm_not_configured"
            await asyncio.sleep(3 * settings.ack_wait_s)  # past any redelivery
            summaries = client.jetstream()
            consumer = await summaries.consumer_info(
                CONSUMER_LLM_SUMMARIES.stream, CONSUMER_LLM_SUMMARIES.durable
            )
            assert consumer.num_ack_pending == 0 and consumer.num_redelivered == 0
            assert await published(client, SUMMARY_READY.subject, recording_id) == []
            (unavailable,) = await published(client, SUMMARY_UNAVAILABLE.subject, recording_id)
            assert unavailable["code"] == "llm_not_configured"
        await client.close()
