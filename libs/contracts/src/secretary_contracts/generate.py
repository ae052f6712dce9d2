"""Writes the JSON Schemas of every event and artifact, and the AsyncAPI document.

`python -m secretary_contracts.generate [repo root]`; a test fails when the checked-in files
differ from what this renders.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import yaml
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
    from secretary_contracts.asyncapi import app

    files: dict[str, str] = {}
    models = [s.model for s in messaging.ALL_SUBJECTS] + list(ARTIFACTS)
    for model in models:
        schema = model.model_json_schema(mode="serialization")
        files[f"libs/contracts/schemas/{model.__name__}.json"] = (
            json.dumps(schema, indent=2, sort_keys=True) + "\n"
        )
    assert app.schema is not None
    # faststream orders channels by set iteration; sorted keys make the document reproducible
    document = yaml.safe_load(app.schema.to_specification().to_yaml())
    files["docs/asyncapi.yaml"] = yaml.safe_dump(document, sort_keys=True, width=100)
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
