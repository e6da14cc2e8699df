"""The TUI talks to a node only through the store: importing it loads no torch,
onnxruntime, libp2p or trio (docs/architecture.md §1); the CLI loads textual only for
``byteswarm tui``."""

from __future__ import annotations

import subprocess
import sys

FORBIDDEN = {"torch", "onnxruntime", "libp2p", "trio"}


def loaded_modules(code: str) -> set[str]:
    script = f"{code}\nimport sys\nprint('\\n'.join(sys.modules))"
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=120
    ).stdout
    return {line.split(".")[0] for line in out.splitlines()}


def test_importing_the_tui_loads_no_torch_onnxruntime_libp2p_or_trio() -> None:
    loaded = loaded_modules(
        "import tui, tui.app, tui.views.search, tui.control, tui.source, tui.serve, tui.jobs"
    )
    assert "textual" in loaded
    assert not loaded & FORBIDDEN, loaded & FORBIDDEN
    assert "textual_serve" not in loaded  # only --serve loads the web server


def test_the_cli_loads_textual_only_for_the_tui_command() -> None:
    code = (
        "import sys\nfrom node.cli.app import main\nsys.argv=['byteswarm','tui','--help']\n"
        "try:\n    main()\nexcept SystemExit:\n    pass"
    )
    assert "textual" not in loaded_modules(code)


def test_each_tui_package_maps_its_modules() -> None:
    import ast
    from pathlib import Path

    root = Path(__file__).resolve().parents[2] / "tui"
    for init in sorted(root.rglob("__init__.py")):
        doc = ast.get_docstring(ast.parse(init.read_text(encoding="utf-8"))) or ""
        for child in sorted(init.parent.iterdir()):
            if child.suffix == ".py" and child.name != "__init__.py":
                assert f"``{child.name}``" in doc, f"{init} does not map {child.name}"
            elif (child / "__init__.py").exists():
                assert f"``{child.name}/``" in doc, f"{init} does not map {child.name}/"
