"""Writes the JSON Schemas of every event and artifact (the AsyncAPI document, which needs
the services' own subscribers, is `tools/asyncapi.py`'s).

`python -m secretary_contracts.generate [repo root]`; a test fails when the checked-in files
differ from what this renders.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from pydantic import BaseModel

from secretary_contracts import artifacts, messaging

ARTIFACTS: tuple[type[BaseModel], ...] = (
    artifacts.AsrResult,
    artifacts.DiarizationResult,
    artifacts.Transcript,
    artifacts.Summary,
)


def render() -> dict[str, str]:
    """Relative path (from the repository root) -> file content."""
    files: dict[str, str] = {}
    models = [s.model for s in messaging.ALL_SUBJECTS] + list(ARTIFACTS)
    for model in models:
        schema = model.model_json_schema(mode="serialization")
        files[f"libs/contracts/schemas/{model.__name__}.json"] = (
            json.dumps(schema, indent=2, sort_keys=True) + "\n"
        )
    return files


def main() -> None:
    root = Path(sys.argv[1]) if len(sys.argv) > 1 else Path.cwd()
    for relative, content in render().items():
        target = root / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(content)
        print(f"wrote {relative}")


if __name__ == "__main__":
    main()
