"""Answers one question about one transcript, streaming, with checked citations."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field

from openai import AsyncOpenAI
from secretary_contracts import Citation, Transcript

from secretary_llm.citations import check_citations, unsupported_sentences
from secretary_llm.prompting import NOT_FOUND, Exchange, build_prompt
from secretary_llm.retrieval import PassageIndex
from secretary_llm.settings import LlmSettings


@dataclass(frozen=True)
class Answer:
    text: str
    supported: bool
    citations: list[Citation]
    whole_transcript: bool
    unsupported_sentences: list[str] = field(default_factory=list)


class Answerer:
    def __init__(self, settings: LlmSettings, client: AsyncOpenAI) -> None:
        self.settings = settings
        self.client = client

    async def answer(
        self,
        transcript: Transcript,
        index: PassageIndex,
        question: str,
        history: Sequence[Exchange],
        on_delta: Callable[[str], Awaitable[None]],
    ) -> Answer:
        prompt = build_prompt(
            transcript,
            question,
            index,
            self.settings.context_token_budget,
            self.settings.retrieval_top_k,
            history,
        )
        stream = await self.client.chat.completions.create(
            model=self.settings.llm_model,
            messages=prompt.messages,
            max_tokens=self.settings.llm_max_answer_tokens,
            temperature=0.1,
            stream=True,
        )
        pieces: list[str] = []
        async for chunk in stream:
            if chunk.choices and chunk.choices[0].delta.content:
                piece = chunk.choices[0].delta.content
                pieces.append(piece)
                await on_delta(piece)
        text = "".join(pieces).strip()
        checked = check_citations(text, transcript, self.settings.citation_tolerance_s)
        # an answer that points at nothing in the transcript is not passed on as fact
        supported = bool(checked.valid) and NOT_FOUND not in text
        tolerance = self.settings.citation_tolerance_s
        return Answer(
            text=text if supported else NOT_FOUND,
            supported=supported,
            citations=checked.valid,
            whole_transcript=prompt.whole_transcript,
            # a supported answer may still say more than its sources: those sentences are named
            unsupported_sentences=unsupported_sentences(text, transcript, tolerance)
            if supported
            else [],
        )
