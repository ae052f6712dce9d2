"""The transcript as a Word document: a heading per speaker turn, a timestamp per line."""

from __future__ import annotations

import io

from docx import Document
from docx.shared import Pt, RGBColor
from secretary_contracts import Transcript
from secretary_contracts.exports import NO_SPEECH_NOTE, flag_note, moment, speaker_turns

DOCX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def to_docx(transcript: Transcript, title: str | None = None) -> bytes:
    document = Document()
    document.core_properties.title = title or "Transcript"
    document.add_heading(title or "Transcript", level=1)
    speakers = ", ".join(s.name or s.id for s in transcript.speakers) or "none"
    document.add_paragraph().add_run(
        f"Language: {transcript.language} · Duration: {moment(transcript.duration_s)}"
        f" · Speakers: {speakers}"
    ).italic = True
    if not transcript.segments:
        document.add_paragraph(NO_SPEECH_NOTE)
    for speaker, segments in speaker_turns(transcript):
        document.add_heading(speaker, level=2)
        for segment in segments:
            paragraph = document.add_paragraph()
            stamp = paragraph.add_run(f"[{moment(segment.start)}] ")
            stamp.font.size = Pt(9)
            stamp.font.color.rgb = RGBColor(0x66, 0x66, 0x66)
            paragraph.add_run(segment.text)
            if note := flag_note(segment):
                marker = paragraph.add_run(f" {note}")
                marker.italic = True
                marker.font.color.rgb = RGBColor(0xB0, 0x40, 0x00)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
