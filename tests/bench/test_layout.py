"""bench/ is one package per service: no import circle, no private-name import, a docstring map
in every package, and every ``python -m bench...`` command the results and docstrings name runs."""

from __future__ import annotations

import ast
import json
import re
import runpy
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BENCH = ROOT / "bench"
SERVICES = ("rank", "finetune", "adapt", "export", "network", "runtime", "tui")
COMMAND = re.compile(r"python -m (bench(?:\.\w+)+)(?![.\w<])")


def module_name(path: Path) -> str:
    return ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")


MODULES = {module_name(p): p for p in sorted(BENCH.rglob("*.py"))}
TREES = {name: ast.parse(path.read_text()) for name, path in MODULES.items()}


def is_command(tree: ast.Module) -> bool:
    return any(
        isinstance(node, ast.If) and "__main__" in ast.unparse(node.test) for node in tree.body
    )


COMMANDS = sorted(name for name, tree in TREES.items() if is_command(tree))


def imports(name: str) -> set[str]:
    """The bench modules ``name`` imports (TYPE_CHECKING and function-level imports too)."""
    out = set()
    for node in ast.walk(TREES[name]):
        if isinstance(node, ast.ImportFrom) and node.module and not node.level:
            for alias in node.names:
                full = f"{node.module}.{alias.name}"
                target = full if full in MODULES else node.module
                if target in MODULES:
                    out.add(target)
        elif isinstance(node, ast.Import):
            out |= {alias.name for alias in node.names if alias.name in MODULES}
    return out


def test_no_import_circle_in_bench() -> None:
    graph = {name: imports(name) for name in MODULES}
    done: set[str] = set()

    def visit(name: str, path: list[str]) -> None:
        if name in path:
            cycle = [*path[path.index(name) :], name]
            pytest.fail("import circle: " + " -> ".join(cycle))
        if name in done:
            return
        for target in sorted(graph[name]):
            visit(target, [*path, name])
        done.add(name)

    for name in graph:
        visit(name, [])


def test_no_module_imports_a_private_name_from_another() -> None:
    private = [
        f"{name}: from {node.module} import {alias.name}"
        for name, tree in TREES.items()
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom)
        for alias in node.names
        if alias.name.startswith("_") and alias.name != "__future__"
    ]
    assert not private


def test_services_import_only_themselves_and_runtime() -> None:
    crossing = [
        f"{name} -> {target}"
        for name in MODULES
        if name.count(".") >= 2
        for target in imports(name)
        if target.split(".")[1] not in (name.split(".")[1], "runtime")
    ]
    assert not crossing


def test_every_package_is_a_service_with_a_docstring_map_and_no_code() -> None:
    packages = sorted(p.parent.name for p in BENCH.glob("*/__init__.py"))
    assert packages == sorted(SERVICES)
    for init in [BENCH / "__init__.py", *BENCH.glob("*/__init__.py")]:
        tree = TREES[module_name(init)]
        assert len(tree.body) == 1 and ast.get_docstring(tree), f"{init}: a docstring only"
        doc = ast.get_docstring(tree) or ""
        if init.parent == BENCH:
            missing = [s for s in SERVICES if f"``{s}/``" not in doc]
        else:
            missing = [p.name for p in init.parent.glob("*.py") if p.name != "__init__.py"]
            missing = [m for m in missing if f"``{m}``" not in doc]
        assert not missing, f"{init}: the map does not name {missing}"


def test_tests_mirror_the_packages() -> None:
    here = Path(__file__).parent
    for service in SERVICES:
        assert (here / service / "__init__.py").is_file(), service
        assert list((here / service).glob("test_*.py")), f"no tests for bench/{service}/"


def named_commands() -> set[str]:
    """Every ``python -m bench...`` in the results' ``command`` fields and in bench/'s code."""
    found = set()
    for path in sorted((BENCH / "results").glob("*.json")):

        def walk(value: object) -> None:
            if isinstance(value, dict):
                for key, item in value.items():
                    if key.endswith(("command", "commands")):
                        for text in item if isinstance(item, list) else [item]:
                            found.update(COMMAND.findall(text))
                    else:
                        walk(item)
            elif isinstance(value, list):
                for item in value:
                    walk(item)

        walk(json.loads(path.read_text()))
    for path in MODULES.values():
        found.update(COMMAND.findall(path.read_text()))
    return found


def test_every_named_command_is_a_bench_command() -> None:
    named = named_commands()
    assert named, "no command found: the pattern is wrong"
    unknown = named - set(COMMANDS)
    assert not unknown, f"named but not a command module: {sorted(unknown)}"


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # runpy: the module was imported before
@pytest.mark.parametrize("module", COMMANDS)
def test_every_command_documents_itself(
    module: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sys, "argv", [module, "--help"])
    with pytest.raises(SystemExit) as exit_:
        runpy.run_module(module, run_name="__main__", alter_sys=True)
    assert exit_.value.code in (0, None)
    assert "usage:" in capsys.readouterr().out
