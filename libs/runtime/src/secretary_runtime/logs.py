"""Structured logging: one JSON object a line, with the recording id bound to every line."""

import contextvars
import json
import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

_recording_id: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "recording_id", default=None
)


@contextmanager
def bound_recording(recording_id: str) -> Iterator[None]:
    """Every log line written inside this block carries `recording_id`."""
    token = _recording_id.set(recording_id)
    try:
        yield
    finally:
        _recording_id.reset(token)


class _RecordingIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.recording_id = _recording_id.get()
        return True


class JsonFormatter(logging.Formatter):
    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "service": self.service,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        recording_id = getattr(record, "recording_id", None)
        if recording_id:
            entry["recording_id"] = recording_id
        extra = getattr(record, "fields", None)
        if isinstance(extra, dict):
            entry.update(extra)
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


class TextFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        recording_id = getattr(record, "recording_id", None)
        extra = getattr(record, "fields", None)
        if recording_id:
            line += f" recording_id={recording_id}"
        if isinstance(extra, dict):
            line += "".join(f" {k}={v}" for k, v in extra.items())
        return line


def configure_logging(service: str, level: str = "INFO", fmt: str = "json") -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(_RecordingIdFilter())
    if fmt == "json":
        handler.setFormatter(JsonFormatter(service))
    else:
        handler.setFormatter(TextFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # Library chatter at INFO drowns the service's own lines.
    for noisy in (
        "faststream",
        "secretary.broker",
        "nats",
        "httpx",
        "urllib3",
        "numba",
        "speechbrain",
    ):
        logging.getLogger(noisy).setLevel(logging.WARNING)
