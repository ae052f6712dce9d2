"""Renders a transcript for people and players: plain text, SubRip and WebVTT.

Shared by every service that hands transcripts out (the REST API, the Telegram chat).
"""

from __future__ import annotations

from secretary_contracts import Transcript


def moment(seconds: float) -> str:
    """`mm:ss`, or `h:mm:ss` past the first hour: how answers cite a moment."""
    total = int(seconds)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes:02d}:{secs:02d}"


def _clock(seconds: float) -> str:
    total = int(seconds)
    return f"{total // 3600:02d}:{total % 3600 // 60:02d}:{total % 60:02d}"


def _cue_time(seconds: float, separator: str) -> str:
    millis = round(max(0.0, seconds) * 1000)
    hours, rest = divmod(millis, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    secs, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}{separator}{millis:03d}"


def _speaker_names(transcript: Transcript) -> dict[str, str]:
    return {s.id: s.name or s.id for s in transcript.speakers}


def to_text(transcript: Transcript) -> str:
    names = _speaker_names(transcript)
    return "".join(
        f"[{_clock(s.start)}] {names.get(s.speaker or '', s.speaker or 'UNKNOWN')}: {s.text}\n"
        for s in transcript.segments
    )


def to_srt(transcript: Transcript) -> str:
    names = _speaker_names(transcript)
    cues = []
    for number, segment in enumerate(transcript.segments, start=1):
        speaker = names.get(segment.speaker or "", segment.speaker or "UNKNOWN")
        cues.append(
            f"{number}\n{_cue_time(segment.start, ',')} --> {_cue_time(segment.end, ',')}\n"
            f"{speaker}: {segment.text}\n"
        )
    return "\n".join(cues)


def to_vtt(transcript: Transcript) -> str:
    names = _speaker_names(transcript)
    cues = ["WEBVTT\n"]
    for segment in transcript.segments:
        speaker = names.get(segment.speaker or "", segment.speaker or "UNKNOWN")
        text = segment.text.replace("-->", "->")
        cues.append(
            f"{_cue_time(segment.start, '.')} --> {_cue_time(segment.end, '.')}\n"
            f"<v {speaker}>{text}\n"
        )
    return "\n".join(cues)
