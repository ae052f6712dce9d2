"""One status message per recording, edited as stages progress, never faster than allowed."""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, field
from typing import Any

from pyrogram.errors import FloodWait, MessageNotModified
from secretary_contracts import STARTS_AFTER, RecordingStatus, Stage

from secretary_ingest.telegram.texts import PLAIN, say

logger = logging.getLogger(__name__)


@dataclass
class _Pending:
    chat_id: int
    message_id: int
    text: str
    last_sent: str = ""
    last_edit: float = 0.0
    flush: asyncio.Task[None] | None = None
    stages: dict[str, float] = field(default_factory=dict)
    so_far_s: float = 0.0


def status_text(
    language: str,
    stages: dict[str, float],
    status: RecordingStatus,
    so_far_s: float = 0.0,
    recording_id: str = "",
) -> str:
    """`so_far_s`: how far the transcript so far of a long recording reaches."""
    text = _stage_text(language, stages, status)
    if so_far_s and status not in (RecordingStatus.DONE, RecordingStatus.FAILED):
        minutes = int(so_far_s // 60)
        text += "\n" + say(language, "status_so_far", minutes=minutes, recording_id=recording_id)
    return text


def _stage_text(language: str, stages: dict[str, float], status: RecordingStatus) -> str:
    if status == RecordingStatus.DONE:
        return say(language, "status_done")
    if status == RecordingStatus.FAILED:
        return say(language, "status_failed")
    if stages.get(Stage.MERGE, 0) > 0 or all(
        stages.get(s, 0) >= 1 for s in STARTS_AFTER[Stage.MERGE]
    ):
        return say(language, "status_merge")
    if (
        any(stages.get(s, 0) > 0 for s in (Stage.ASR, Stage.DIARIZE))
        or stages.get(Stage.PREPARE, 0) >= 1
    ):
        return say(
            language,
            "status_work",
            asr=int(100 * stages.get(Stage.ASR, 0)),
            diarize=int(100 * stages.get(Stage.DIARIZE, 0)),
        )
    if stages.get(Stage.PREPARE, 0) > 0:
        return say(language, "status_prepare")
    if "download" in stages and stages["download"] < 1:
        return say(language, "status_download", percent=int(100 * stages["download"]))
    return say(language, "status_queued")


class StatusMessages:
    """Coalesces updates: at most one edit per `interval_s` per message; FloodWait honoured."""

    def __init__(self, client: Any, interval_s: float) -> None:
        self.client = client
        self.interval_s = interval_s
        self._pending: dict[str, _Pending] = {}

    async def update(
        self,
        recording_id: str,
        chat_id: int,
        message_id: int,
        language: str,
        stage: str | None = None,
        fraction: float | None = None,
        status: RecordingStatus = RecordingStatus.PROCESSING,
        final: bool = False,
        so_far_s: float | None = None,
    ) -> None:
        pending = self._pending.setdefault(
            recording_id, _Pending(chat_id=chat_id, message_id=message_id, text="")
        )
        if stage is not None and fraction is not None:
            pending.stages[stage] = max(pending.stages.get(stage, 0.0), fraction)
        if so_far_s is not None:
            pending.so_far_s = max(pending.so_far_s, so_far_s)
        text = status_text(language, pending.stages, status, pending.so_far_s, recording_id)
        await self.show(recording_id, chat_id, message_id, text, final)

    async def show(
        self, key: str, chat_id: int, message_id: int, text: str, final: bool = False
    ) -> None:
        """Puts `text` in the message, now or at the next allowed edit."""
        pending = self._pending.setdefault(
            key, _Pending(chat_id=chat_id, message_id=message_id, text="")
        )
        pending.text = text
        if final:
            if pending.flush is not None:
                pending.flush.cancel()
            await self._edit(pending)
            self._pending.pop(key, None)
            return
        wait = pending.last_edit + self.interval_s - time.monotonic()
        if wait <= 0:
            await self._edit(pending)
        elif pending.flush is None or pending.flush.done():
            pending.flush = asyncio.create_task(self._flush_later(pending, wait))

    async def _flush_later(self, pending: _Pending, wait: float) -> None:
        await asyncio.sleep(wait)
        await self._edit(pending)

    async def _edit(self, pending: _Pending) -> None:
        if pending.text == pending.last_sent:
            return
        text = pending.text
        for _ in range(3):
            try:
                await self.client.edit_message_text(
                    pending.chat_id, pending.message_id, text, **PLAIN
                )
                break
            except FloodWait as wait:
                logger.warning("Telegram asks to wait %s s before editing", wait.value)
                await asyncio.sleep(float(wait.value))  # type: ignore[arg-type]
            except MessageNotModified:
                break
        pending.last_sent = text
        pending.last_edit = time.monotonic()
