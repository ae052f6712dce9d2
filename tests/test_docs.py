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
