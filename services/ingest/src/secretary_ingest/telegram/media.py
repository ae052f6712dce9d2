"""Which Telegram messages carry a recording, and what we need to download it."""

from __future__ import annotations

from dataclasses import dataclass

from pyrogram import types


@dataclass(frozen=True)
class IncomingMedia:
    kind: str
    file_id: str
    file_unique_id: str
    file_name: str
    mime_type: str | None
    size: int


_DEFAULT_NAMES = {
    "audio": "audio.mp3",
    "voice": "voice.ogg",
    "video": "video.mp4",
    "video_note": "video-note.mp4",
    "document": "document",
}


def incoming_media(message: types.Message) -> IncomingMedia | None:
    """Audio, voice notes, videos, round videos, and documents whose MIME type is audio/video."""
    for kind in ("audio", "voice", "video", "video_note", "document"):
        item = getattr(message, kind, None)
        if item is None:
            continue
        mime = getattr(item, "mime_type", None)
        if kind == "document" and not (mime or "").startswith(("audio/", "video/")):
            return None
        return IncomingMedia(
            kind=kind,
            file_id=item.file_id,
            file_unique_id=item.file_unique_id,
            file_name=getattr(item, "file_name", None) or _DEFAULT_NAMES[kind],
            mime_type=mime,
            size=int(getattr(item, "file_size", 0) or 0),
        )
    return None
