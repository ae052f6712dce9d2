from pathlib import Path

from tools import asyncapi
from tools.settings_doc import render

ROOT = Path(__file__).resolve().parents[1]


def test_configuration_page_lists_every_setting() -> None:
    """Regenerate with `python tools/settings_doc.py > docs/configuration.md`."""
    assert (ROOT / "docs" / "configuration.md").read_text() == render()


def test_the_asyncapi_document_is_the_running_services_own() -> None:
    """Regenerate with `make schemas`: every durable consumer of every service, as it
    registers itself, and every published subject of the contracts."""
    rendered = asyncapi.render()
    assert (ROOT / "docs" / "asyncapi.yaml").read_text() == rendered
    from secretary_contracts.messaging import CONSUMER_SPECS

    for spec in CONSUMER_SPECS:
        assert f"{spec.durable}:{spec.subject.subject}:" in rendered, spec.durable


def test_the_architecture_page_lists_every_durable_consumer() -> None:
    """docs/architecture.md's consumer table names each consumer the contracts declare, with
    its ack wait and its deliveries."""
    import re

    from secretary_contracts.messaging import CONSUMER_SPECS

    rows = [
        line
        for line in (ROOT / "docs" / "architecture.md").read_text().splitlines()
        if line.startswith("| `")
    ]
    for spec in CONSUMER_SPECS:
        (row,) = [r for r in rows if f"`{spec.durable}`" in r.split("|")[1]]
        seconds = int(spec.ack_wait.total_seconds())
        waits = [f"{seconds} s"] + ([f"{seconds // 60} min"] if seconds % 60 == 0 else [])
        deliveries = "unlimited" if spec.max_deliver < 0 else str(spec.max_deliver)
        assert any(re.search(rf"\b{wait}\b", row) for wait in waits), (spec.durable, row)
        assert re.search(rf"\b{deliveries}\b", row), (spec.durable, deliveries, row)
