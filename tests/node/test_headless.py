"""A headless device node never loads textual or torch (docs/architecture.md §1)."""

from __future__ import annotations

import subprocess
import sys

import pytest

HEAVY = ("textual", "torch")


def loaded_modules(code: str) -> set[str]:
    script = f"{code}\nimport sys\nprint('\\n'.join(sys.modules))"
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=120
    ).stdout
    return {line.split(".")[0] for line in out.splitlines()}


@pytest.mark.parametrize(
    "code",
    [
        "import node.runtime.daemon, node.net.host, node.store.database, node.wire\n"
        "import node.cli.services",
        "import sys\nfrom node.cli.app import main\nsys.argv=['byteswarm','run','--help']\n"
        "try:\n    main()\nexcept SystemExit:\n    pass",
    ],
)
def test_headless_path_leaves_textual_and_torch_out(code: str) -> None:
    loaded = loaded_modules(code)
    assert "node" in loaded
    assert not loaded & set(HEAVY), loaded & set(HEAVY)
