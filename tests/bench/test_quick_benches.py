"""The CI smoke runs of the benches: they finish and report every method and baseline."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest


@pytest.mark.integration
def test_grank_quick_bench_runs_and_reports_baselines(tmp_path: Path) -> None:
    out = tmp_path / "grank.json"
    result = subprocess.run(
        [sys.executable, "-m", "bench.grank", "--quick", "--json", str(out)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(out.read_text())
    assert report["seeds"] and len(report["seeds"]) >= 2
    methods = set(report["methods"])
    assert {"bm25", "global_counts", "grank_paper_f0", "byteswarm"} <= methods
