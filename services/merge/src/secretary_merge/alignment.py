"""Joins recognised words and speaker turns into a speaker-labelled transcript (pure logic)."""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass

from secretary_contracts import (
    Speaker,
    SpeakerTurn,
    Transcript,
    TranscriptSegment,
    TranscriptWord,
    Word,
)

SENTENCE_END = (".", "?", "!", "…", "。", "？", "！")


@dataclass(frozen=True)
class SegmentationRules:
    pause_s: float = 1.0
    """A silence at least this long between two words starts a new segment."""
    max_segment_s: float = 30.0
    """A segment this long is closed at the next sentence end."""


class _TurnIndex:
    def __init__(self, turns: Sequence[SpeakerTurn]) -> None:
        self.turns = sorted(turns, key=lambda t: (t.start, t.end, t.speaker))
        self.starts = [t.start for t in self.turns]
        self.longest = max((t.end - t.start for t in self.turns), default=0.0)
        # latest_end[i]: index of the turn with the latest end among turns[: i + 1]
        self.latest_end: list[int] = []
        best = -1
        for i, turn in enumerate(self.turns):
            if best < 0 or turn.end > self.turns[best].end:
                best = i
            self.latest_end.append(best)

    def speaker_for(self, start: float, end: float) -> str | None:
        if not self.turns:
            return None
        upper = (
            bisect.bisect_left(self.starts, end)
            if end > start
            else bisect.bisect_right(self.starts, start)
        )
        lower = bisect.bisect_left(self.starts, start - self.longest)
        overlap: dict[str, float] = {}
        for turn in self.turns[lower:upper]:
            shared = min(end, turn.end) - max(start, turn.start)
            if shared > 0 or (end == start and turn.start <= start <= turn.end):
                overlap[turn.speaker] = overlap.get(turn.speaker, 0.0) + max(shared, 0.0)
        if overlap:
            # ties go to the alphabetically first label so the result never depends on order
            return max(sorted(overlap), key=lambda s: overlap[s])
        return self._nearest(start, end, upper)

    def _nearest(self, start: float, end: float, upper: int) -> str:
        candidates: list[tuple[float, str]] = []
        if upper > 0:
            before = self.turns[self.latest_end[upper - 1]]
            candidates.append((start - before.end, before.speaker))
        if upper < len(self.turns):
            after = self.turns[upper]
            candidates.append((after.start - end, after.speaker))
        return min(candidates)[1]


def assign_speakers(words: Sequence[Word], turns: Sequence[SpeakerTurn]) -> list[TranscriptWord]:
    """Each word gets the speaker whose turns overlap it most, else the nearest turn's."""
    index = _TurnIndex(turns)
    return [
        TranscriptWord(
            start=w.start,
            end=w.end,
            word=w.word,
            score=w.score,
            speaker=index.speaker_for(w.start, w.end),
        )
        for w in sorted(words, key=lambda w: (w.start, w.end))
    ]


def build_segments(
    words: Sequence[TranscriptWord], rules: SegmentationRules = SegmentationRules()
) -> list[TranscriptSegment]:
    """Splits at every change of speaker, at long pauses, and at sentence ends of long runs."""
    segments: list[TranscriptSegment] = []
    current: list[TranscriptWord] = []

    def close() -> None:
        if current:
            segments.append(
                TranscriptSegment(
                    start=current[0].start,
                    end=max(w.end for w in current),
                    speaker=current[0].speaker,
                    text=" ".join(w.word.strip() for w in current if w.word.strip()),
                    words=list(current),
                )
            )
            current.clear()

    for word in words:
        if current:
            previous = current[-1]
            long_run = previous.end - current[0].start >= rules.max_segment_s
            if (
                word.speaker != previous.speaker
                or word.start - previous.end >= rules.pause_s
                or (long_run and previous.word.strip().endswith(SENTENCE_END))
            ):
                close()
        current.append(word)
    close()
    return segments


def merge_transcript(
    language: str,
    duration_s: float,
    words: Sequence[Word],
    turns: Sequence[SpeakerTurn],
    rules: SegmentationRules = SegmentationRules(),
) -> Transcript:
    labelled = assign_speakers(words, turns)
    segments = build_segments(labelled, rules)
    speakers = sorted({w.speaker for w in labelled if w.speaker is not None})
    return Transcript(
        language=language,
        duration_s=duration_s,
        speakers=[Speaker(id=s) for s in speakers],
        segments=segments,
    )
