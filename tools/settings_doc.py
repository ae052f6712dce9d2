"""Renders docs/configuration.md from the services' settings classes (`make docs`)."""

from __future__ import annotations

import sys
from pathlib import Path

from pydantic_settings import BaseSettings
from secretary_asr.settings import AsrSettings
from secretary_diarize.settings import DiarizeSettings
from secretary_gateway.settings import GatewaySettings
from secretary_ingest.settings import IngestSettings
from secretary_llm.settings import LlmSettings
from secretary_merge.settings import MergeSettings
from secretary_prepare.settings import PrepareSettings
from secretary_runtime.settings import ServiceSettings

SERVICES: dict[str, type[BaseSettings]] = {
    "every service": ServiceSettings,
    "gateway": GatewaySettings,
    "prepare": PrepareSettings,
    "ingest (Telegram)": IngestSettings,
    "asr": AsrSettings,
    "diarize": DiarizeSettings,
    "merge": MergeSettings,
    "llm": LlmSettings,
}

HEADER = """# Configuration

Every setting is an environment variable with the `SECRETARY_` prefix, read once at process
start (pydantic-settings). This page is generated from the settings classes
(`python tools/settings_doc.py > docs/configuration.md`); a test fails when it drifts.

Other variables: `PYANNOTE_METRICS_ENABLED=false` (set by the diarize service unless given)
turns pyannote's telemetry off; `HF_HUB_OFFLINE=1` is set by the local runner.
"""


def _default(value: object) -> str:
    if isinstance(value, Path) and str(value).startswith(str(Path.home())):
        value = "~" + str(value)[len(str(Path.home())) :]
    text = str(value)
    return f"`{text}`" if text else "(empty)"


def render() -> str:
    shared = set(ServiceSettings.model_fields)
    parts = [HEADER]
    for service, settings in SERVICES.items():
        own = [
            (name, field)
            for name, field in settings.model_fields.items()
            if settings is ServiceSettings or name not in shared
        ]
        parts.append(f"\n## {service}\n\n| variable | default | meaning |\n| --- | --- | --- |")
        for name, field in own:
            parts.append(
                f"| `SECRETARY_{name.upper()}` | {_default(field.default)} | "
                f"{field.description or ''} |"
            )
    return "\n".join(parts) + "\n"


if __name__ == "__main__":
    sys.stdout.write(render())
