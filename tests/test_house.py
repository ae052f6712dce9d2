"""The house's rules that a reviewer would otherwise have to remember: layers point one way,
no service imports another, and a recording's life has one vocabulary."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from secretary_contracts import DeliveryStatus, QuestionStatus, RecordingStatus

ROOT = Path(__file__).resolve().parents[1]
SERVICES = sorted(p.name for p in (ROOT / "services").iterdir() if (p / "src").is_dir())

# who may import whom, besides itself
ALLOWED = {
    "secretary_contracts": set(),
    "secretary_runtime": {"secretary_contracts"},
    "secretary_testing": {"secretary_contracts", "secretary_runtime"},
    "secretary_cli": {"secretary_contracts", "secretary_runtime"},
    **{f"secretary_{name}": {"secretary_contracts", "secretary_runtime"} for name in SERVICES},
}


def _package_dir(package: str) -> Path:
    name = package.removeprefix("secretary_")
    for parent in ("libs", "services"):
        if (ROOT / parent / name / "src" / package).is_dir():
            return ROOT / parent / name / "src" / package
    return ROOT / "cli" / "src" / package


def _imported_packages(source: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(source.read_text(), str(source))):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return {name for name in found if name.startswith("secretary_")}


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_layers_point_one_way(package: str) -> None:
    directory = _package_dir(package)
    assert directory.is_dir(), directory
    offences = {
        str(source.relative_to(ROOT)): sorted(imported - ALLOWED[package] - {package})
        for source in directory.rglob("*.py")
        if (imported := _imported_packages(source)) - ALLOWED[package] - {package}
    }
    assert not offences, f"{package} may import only {sorted(ALLOWED[package])}: {offences}"


STATUS_VALUES = {str(s) for enum in (RecordingStatus, QuestionStatus, DeliveryStatus) for s in enum}
BARE_STATUS = re.compile(r"""status\w*\W.*["'](""" + "|".join(sorted(STATUS_VALUES)) + """)["']""")


def test_statuses_are_never_bare_strings_outside_contracts() -> None:
    sources = [
        source
        for top in ("libs", "services", "cli")
        for source in (ROOT / top).rglob("src/**/*.py")
        if "secretary_contracts" not in source.parts and "migrations" not in source.parts
    ]
    assert len(sources) > 50
    offences = [
        f"{source.relative_to(ROOT)}:{number}: {line.strip()}"
        for source in sources
        for number, line in enumerate(source.read_text().splitlines(), 1)
        if BARE_STATUS.search(line)
    ]
    assert not offences, "use the enums of secretary_contracts.lifecycle:\n" + "\n".join(offences)
