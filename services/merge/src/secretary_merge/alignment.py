"""Joins recognised words and speaker turns into a speaker-labelled transcript (pure logic)."""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass

from secretary_contracts import (
    SegmentFlag,
    Speaker,
    SpeakerTurn,
    Transcript,
    TranscriptSegment,
    TranscriptWarning,
    TranscriptWord,
    Word,
)
from secretary_contracts.text import join_words

from secretary_merge.quality import repeated_word_indexes

SENTENCE_END = (".", "?", "!", "…", "。", "？", "！")
# A speaker whose turns cover at least this share of what the best-covering speaker's do
# is as likely the one who said a word.
SHARED_WORD = 0.8


@dataclass(frozen=True)
class SegmentationRules:
    pause_s: float = 1.0
    """A silence at least this long between two words starts a new segment."""
    max_segment_s: float = 30.0
    """A segment this long is closed at the next sentence end."""
    low_confidence: float = 0.5
    """A segment whose words' mean probability is below this is flagged `low_confidence`."""
    repetitions: int = 4
    """A phrase said this many times in a row is flagged `repetition` (Whisper's loop)."""


class _TurnIndex:
    def __init__(self, turns: Sequence[SpeakerTurn], shared_word: float = SHARED_WORD) -> None:
        self.shared_word = shared_word
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
        shortest: dict[str, float] = {}
        for turn in self.turns[lower:upper]:
            shared = min(end, turn.end) - max(start, turn.start)
            if shared > 0 or (end == start and turn.start <= start <= turn.end):
                overlap[turn.speaker] = overlap.get(turn.speaker, 0.0) + max(shared, 0.0)
                length = turn.end - turn.start
                shortest[turn.speaker] = min(shortest.get(turn.speaker, length), length)
        if not overlap:
            return self._nearest(start, end, upper)
        most = max(overlap.values())
        # Where turns overlap, a word heard (nearly) as much in a short turn as in a long one
        # belongs to the short one: the "Yes." said into someone else's sentence.
        close = [s for s in overlap if overlap[s] >= self.shared_word * most]
        # ties go to the alphabetically first label so the result never depends on order
        return min(sorted(close), key=lambda s: shortest[s])

    def _nearest(self, start: float, end: float, upper: int) -> str:
        candidates: list[tuple[float, str]] = []
        if upper > 0:
            before = self.turns[self.latest_end[upper - 1]]
            candidates.append((start - before.end, before.speaker))
        if upper < len(self.turns):
            after = self.turns[upper]
            candidates.append((after.start - end, after.speaker))
        return min(candidates)[1]


def assign_speakers(
    words: Sequence[Word], turns: Sequence[SpeakerTurn], shared_word: float = SHARED_WORD
) -> list[TranscriptWord]:
    """Each word gets the speaker whose turns overlap it most (the shortest turn among those
    nearly as good), else the nearest turn's."""
    index = _TurnIndex(turns, shared_word)
    return [
        TranscriptWord(
            start=w.start,
            end=w.end,
            word=w.word,
            score=w.score,
            attached=w.attached,
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
    repeated = repeated_word_indexes([w.word for w in words], rules.repetitions)
    position = 0

    def close() -> None:
        nonlocal position
        if current:
            scores = [w.score for w in current if w.score is not None]
            confidence = round(sum(scores) / len(scores), 3) if scores else None
            flags = []
            if confidence is not None and confidence < rules.low_confidence:
                flags.append(SegmentFlag.LOW_CONFIDENCE)
            if any(i in repeated for i in range(position, position + len(current))):
                flags.append(SegmentFlag.REPETITION)
            segments.append(
                TranscriptSegment(
                    start=current[0].start,
                    end=max(w.end for w in current),
                    speaker=current[0].speaker,
                    text=join_words(current),
                    words=list(current),
                    confidence=confidence,
                    flags=flags,
                )
            )
            position += len(current)
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
    language_probability: float | None = None,
) -> Transcript:
    labelled = assign_speakers(words, turns)
    segments = build_segments(labelled, rules)
    speakers = sorted({w.speaker for w in labelled if w.speaker is not None})
    return Transcript(
        language=language,
        duration_s=duration_s,
        speakers=[Speaker(id=s) for s in speakers],
        segments=segments,
        language_probability=language_probability,
        warnings=[] if segments else [TranscriptWarning.NO_SPEECH],
    )
