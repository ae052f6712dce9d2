"""When each stage of a recording finished, and so how long each took."""

from __future__ import annotations

from datetime import datetime

from secretary_contracts import PIPELINE_STAGES, STARTS_AFTER, Stage

from secretary_gateway.db import RecordingRow, as_utc

# the upload is already done when the row exists: prepare's start is the row's creation
MEASURED = tuple(stage for stage in PIPELINE_STAGES if stage != Stage.UPLOAD)


def stage_started(row: RecordingRow, stage: Stage) -> datetime | None:
    before = [row.timeline.get(s) for s in STARTS_AFTER[stage] if s != Stage.UPLOAD]
    if not before:
        return as_utc(row.created_at)
    if any(b is None for b in before):
        return None
    return max(datetime.fromisoformat(b) for b in before if b)


def stage_durations(row: RecordingRow) -> dict[str, float]:
    durations = {}
    for stage in MEASURED:
        finished = (row.timeline or {}).get(stage)
        started = stage_started(row, stage) if finished else None
        if finished and started:
            durations[str(stage)] = round(
                max(0.0, (datetime.fromisoformat(finished) - started).total_seconds()), 3
            )
    return durations


def finish_stage(row: RecordingRow, stage: Stage, at: datetime) -> float | None:
    """Notes the stage's end once; returns its duration the first time, else None."""
    if stage in (row.timeline or {}):
        return None
    row.timeline = {**(row.timeline or {}), stage: as_utc(at).isoformat()}
    return stage_durations(row).get(str(stage))
