"""Renders a transcript for people and players: plain text, SubRip and WebVTT.

Shared by every service that hands transcripts out (the REST API, the Telegram chat).
"""

from __future__ import annotations

from secretary_contracts import SegmentFlag, Transcript, TranscriptSegment

FLAG_NOTES = {
    SegmentFlag.LOW_CONFIDENCE: "unsure",
    SegmentFlag.REPETITION: "repeated, may be a recognition loop",
}
NO_SPEECH_NOTE = "Nobody speaks in this recording."


def flag_note(segment: TranscriptSegment) -> str:
    """`(unsure)` and the like for a flagged segment, empty otherwise."""
    notes = [FLAG_NOTES[flag] for flag in segment.flags if flag in FLAG_NOTES]
    return f"({'; '.join(notes)})" if notes else ""


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


def speaker_turns(transcript: Transcript) -> list[tuple[str, list[TranscriptSegment]]]:
    """Consecutive segments of one speaker, grouped: the paragraphs of a readable transcript."""
    names = _speaker_names(transcript)
    turns: list[tuple[str, list[TranscriptSegment]]] = []
    for segment in transcript.segments:
        speaker = names.get(segment.speaker or "", segment.speaker or "UNKNOWN")
        if turns and turns[-1][0] == speaker:
            turns[-1][1].append(segment)
        else:
            turns.append((speaker, [segment]))
    return turns


def to_markdown(transcript: Transcript, title: str | None = None) -> str:
    speakers = ", ".join(_speaker_names(transcript).values()) or "none"
    lines = [
        f"# {title or 'Transcript'}",
        "",
        f"*Language: {transcript.language} · Duration: {moment(transcript.duration_s)}"
        f" · Speakers: {speakers}*",
    ]
    if not transcript.segments:
        lines += ["", NO_SPEECH_NOTE]
    for speaker, segments in speaker_turns(transcript):
        lines += ["", f"## {speaker}", ""]
        for s in segments:
            note = flag_note(s)
            lines.append(f"**[{moment(s.start)}]** {s.text}{f' *{note}*' if note else ''}  ")
    return "\n".join(lines) + "\n"
