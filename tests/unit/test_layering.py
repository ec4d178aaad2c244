"""Imports point one way: api → workflows → policies → states (shared/style.md)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LAYERS = ["states", "policies", "workflows", "api"]
FRAMEWORKS = {"sqlmodel", "sqlalchemy", "fastapi", "prefect", "alembic", "starlette", "typer", "uvicorn"}


def imported_roots(path: Path) -> set[str]:
    roots: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            roots |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            roots.add(node.module.split(".")[0])
    return roots


def violations(package: str) -> list[str]:
    above = set(LAYERS[LAYERS.index(package) + 1 :])
    forbidden = above | (FRAMEWORKS if package in ("states", "policies") else set())
    return [
        f"{path.relative_to(ROOT)} imports {sorted(bad)}"
        for path in sorted((ROOT / package).rglob("*.py"))
        if (bad := imported_roots(path) & forbidden)
    ]


@pytest.mark.parametrize("package", LAYERS)
def test_packages_import_only_downwards(package: str) -> None:
    assert violations(package) == []


def test_the_check_catches_an_upward_import(tmp_path: Path) -> None:
    bad = tmp_path / "x.py"
    bad.write_text("from workflows.engine import fire\nimport sqlmodel\n")
    assert imported_roots(bad) & ({"workflows"} | FRAMEWORKS) == {"workflows", "sqlmodel"}
