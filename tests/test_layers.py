"""The layers import in one direction: the import contracts in pyproject.toml hold, and nothing imports the top."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
PACKAGES = ("core", "metrics", "data_sources", "store", "i18n", "charts", "sample_data", "views", "exports", "pipeline")


def test_the_import_contracts_hold() -> None:
    lint_imports = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    assert lint_imports, "import-linter is in requirements-dev.txt"
    result = subprocess.run(
        [lint_imports, "--no-cache"], cwd=PROJECT, capture_output=True, text=True, timeout=300, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


def imported_modules(path: Path) -> set[str]:
    modules = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            modules.add(node.module)
    return modules


def test_nothing_below_the_top_imports_the_pages_the_ui_or_the_entry_point() -> None:
    """``pages/`` is a folder of scripts and ``app.py`` a script, so the contracts cannot name them; this does."""
    found = [
        f"{path.relative_to(PROJECT)} imports {module}"
        for package in PACKAGES
        for path in sorted((PROJECT / package).rglob("*.py"))
        for module in imported_modules(path)
        if module.split(".")[0] in {"pages", "app", "ui"}
    ]
    assert found == []
