"""The tree is the architecture: every package under node/ maps its modules in its docstring,
and no module reaches into another's private names (the floors and the absence of import
circles are import-linter contracts in pyproject.toml)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

NODE = Path(__file__).resolve().parents[2] / "node"
PACKAGES = sorted(p.parent for p in NODE.rglob("__init__.py"))
MODULES = sorted(NODE.rglob("*.py"))
REEXPORTS = {NODE / "wire"}
"""Packages whose ``__init__`` re-exports flat names on purpose (``wire.SignedRecord``)."""


def _name(path: Path) -> str:
    return ".".join(path.relative_to(NODE.parent).with_suffix("").parts)


@pytest.mark.parametrize("package", PACKAGES, ids=lambda p: _name(p / "__init__.py"))
def test_each_package_maps_its_modules(package: Path) -> None:
    init = package / "__init__.py"
    doc = ast.get_docstring(ast.parse(init.read_text(encoding="utf-8"))) or ""
    assert doc, f"{init} has no docstring map"
    for child in sorted(package.iterdir()):
        if child.suffix == ".py" and child.name != "__init__.py":
            assert f"``{child.name}``" in doc, f"{init} does not map {child.name}"
        elif (child / "__init__.py").exists():
            assert f"``{child.name}/``" in doc, f"{init} does not map {child.name}/"


@pytest.mark.parametrize("package", PACKAGES, ids=lambda p: _name(p / "__init__.py"))
def test_package_inits_import_nothing(package: Path) -> None:
    if package in REEXPORTS:
        return
    tree = ast.parse((package / "__init__.py").read_text(encoding="utf-8"))
    imports = [n for n in tree.body if isinstance(n, ast.Import | ast.ImportFrom)]
    assert not imports, f"{package}/__init__.py imports: importing a package loads nothing"


def test_no_module_imports_a_private_name_of_another() -> None:
    found = []
    for path in MODULES:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("node"):
                for alias in node.names:
                    if alias.name.startswith("_"):
                        found.append(f"{_name(path)}: from {node.module} import {alias.name}")
    assert not found, "shared helpers get public names:\n" + "\n".join(found)


def test_every_module_says_what_it_is() -> None:
    missing = [
        _name(p)
        for p in MODULES
        if p.name != "__init__.py" and not ast.get_docstring(ast.parse(p.read_text("utf-8")))
    ]
    assert not missing, f"modules without a docstring: {missing}"
