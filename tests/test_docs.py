from pathlib import Path

from tools.settings_doc import render

ROOT = Path(__file__).resolve().parents[1]


def test_configuration_page_lists_every_setting() -> None:
    """Regenerate with `python tools/settings_doc.py > docs/configuration.md`."""
    assert (ROOT / "docs" / "configuration.md").read_text() == render()
