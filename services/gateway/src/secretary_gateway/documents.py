"""The transcript as a Word document: a heading per speaker turn, a timestamp per line."""

from __future__ import annotations

import io

from docx import Document
from docx.shared import Pt, RGBColor
from secretary_contracts import Transcript
from secretary_contracts.exports import moment, speaker_turns

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
    for speaker, segments in speaker_turns(transcript):
        document.add_heading(speaker, level=2)
        for segment in segments:
            paragraph = document.add_paragraph()
            stamp = paragraph.add_run(f"[{moment(segment.start)}] ")
            stamp.font.size = Pt(9)
            stamp.font.color.rgb = RGBColor(0x66, 0x66, 0x66)
            paragraph.add_run(segment.text)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
