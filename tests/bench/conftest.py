"""Fixtures: ``quick_report`` runs ``python -m <module> --quick --json OUT`` in a subprocess."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest


@pytest.fixture
def quick_report(tmp_path: Path) -> Callable[..., dict[str, Any]]:
    """Run ``python -m <module> --quick`` and return the JSON it wrote."""

    def run(module: str, timeout: float = 600) -> dict[str, Any]:
        out = tmp_path / f"{module}.json"
        result = subprocess.run(
            [sys.executable, "-m", module, "--quick", "--json", str(out)],
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        assert result.returncode == 0, result.stderr[-3000:]
        report: dict[str, Any] = json.loads(out.read_text())
        return report

    return run
