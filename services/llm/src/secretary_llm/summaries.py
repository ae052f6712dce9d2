"""Summary, decisions and action items of a meeting, by map-reduce when it is long.

Map: each group of passages that fits the token budget becomes notes. Reduce: the notes
(or the whole transcript, when it fits) become one summary. The model is asked for JSON; a
reply that is not JSON is kept as the summary text, so nothing the model wrote is lost.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Sequence

from openai import AsyncOpenAI
from pydantic import ValidationError
from secretary_contracts import Summary, Transcript

from secretary_llm.passages import Passage, passages, render_transcript
from secretary_llm.settings import LlmSettings
from secretary_llm.tokens import estimate_tokens

logger = logging.getLogger(__name__)

SUMMARY_PROMPT = """Summarise this meeting transcript (lines read `[mm:ss] Speaker: words`).
Reply with JSON only, in the language of the meeting:
{"summary": "3-6 sentences", "decisions": ["..."],
 "action_items": [{"who": "name or null", "what": "...", "when": "deadline or null"}]}"""

NOTES_PROMPT = """These are notes on consecutive parts of one meeting. Merge them into one
summary of the whole meeting. Reply with JSON only:
{"summary": "3-6 sentences", "decisions": ["..."],
 "action_items": [{"who": "name or null", "what": "...", "when": "deadline or null"}]}"""

_JSON = re.compile(r"\{.*\}", re.S)


def groups_within_budget(parts: Sequence[Passage], budget: int) -> list[list[Passage]]:
    """Consecutive passages, packed in order into groups under `budget` tokens; a passage is
    never split, and one larger than the budget stands alone."""
    groups: list[list[Passage]] = []
    current: list[Passage] = []
    used = 0
    for part in parts:
        cost = estimate_tokens(part.text)
        if current and used + cost > budget:
            groups.append(current)
            current, used = [], 0
        current.append(part)
        used += cost
    if current:
        groups.append(current)
    return groups


def parse_summary(reply: str) -> Summary:
    match = _JSON.search(reply)
    if match:
        try:
            return Summary.model_validate(json.loads(match.group(0)))
        except (json.JSONDecodeError, ValidationError):
            logger.info("the model's summary was not the JSON asked for; kept as text")
    return Summary(summary=reply.strip())


class Summarizer:
    def __init__(self, settings: LlmSettings, client: AsyncOpenAI) -> None:
        self.settings = settings
        self.client = client

    async def _complete(self, system: str, content: str) -> str:
        response = await self.client.chat.completions.create(
            model=self.settings.llm_model,
            messages=[
                {"role": "system", "content": system},
                {"role": "user", "content": content},
            ],
            max_tokens=self.settings.llm_max_answer_tokens,
            temperature=0.1,
        )
        return response.choices[0].message.content or ""

    async def summarize(self, transcript: Transcript) -> tuple[Summary, int]:
        """The summary, and how many parts the transcript was mapped in (1 = read whole)."""
        whole = render_transcript(transcript)
        if estimate_tokens(whole) <= self.settings.context_token_budget:
            return parse_summary(await self._complete(SUMMARY_PROMPT, whole)), 1
        groups = groups_within_budget(
            passages(transcript, self.settings.chunk_window_s), self.settings.context_token_budget
        )
        notes = []
        for group in groups:
            reply = await self._complete(SUMMARY_PROMPT, "\n".join(p.text for p in group))
            partial = parse_summary(reply)
            notes.append(partial.model_dump_json())
        merged = await self._complete(NOTES_PROMPT, "\n\n".join(notes))
        return parse_summary(merged), len(groups)
