"""Cuts a transcript into passages of about a minute, at speaker turns, and renders them."""

from __future__ import annotations

from dataclasses import dataclass

from secretary_contracts import Transcript, TranscriptSegment
from secretary_contracts.exports import moment as clock


def speaker_name(transcript: Transcript, label: str | None) -> str:
    for speaker in transcript.speakers:
        if speaker.id == label:
            return speaker.name or speaker.id
    return label or "UNKNOWN"


def render_segment(transcript: Transcript, segment: TranscriptSegment) -> str:
    return f"[{clock(segment.start)}] {speaker_name(transcript, segment.speaker)}: {segment.text}"


@dataclass(frozen=True)
class Passage:
    index: int
    start: float
    end: float
    segments: tuple[TranscriptSegment, ...]
    text: str


def passages(transcript: Transcript, window_s: float = 60.0) -> list[Passage]:
    """Consecutive segments grouped until a passage spans `window_s`; a segment is never split,
    so a passage always starts at a speaker turn or a pause."""
    result: list[Passage] = []
    current: list[TranscriptSegment] = []

    def close() -> None:
        if current:
            result.append(
                Passage(
                    index=len(result),
                    start=current[0].start,
                    end=max(s.end for s in current),
                    segments=tuple(current),
                    text="\n".join(render_segment(transcript, s) for s in current),
                )
            )
            current.clear()

    for segment in transcript.segments:
        if current and segment.end - current[0].start > window_s:
            close()
        current.append(segment)
    close()
    return result


def render_transcript(transcript: Transcript) -> str:
    return "\n".join(render_segment(transcript, s) for s in transcript.segments)
