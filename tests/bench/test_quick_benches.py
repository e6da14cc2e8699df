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


@pytest.mark.integration
def test_adapt_quick_bench_runs_and_reports_baselines(tmp_path: Path) -> None:
    out = tmp_path / "adapt.json"
    result = subprocess.run(
        [sys.executable, "-m", "bench.adapt", "--quick", "--json", str(out)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(out.read_text())
    methods = set(report["methods"])
    baselines = {"source", "bn_stats (updatable device)", "tent (updatable device)"}
    baselines |= {"prompt_random_upload", "uvpa_entropy", "teacher_every_sample"}
    assert baselines <= methods, methods
    assert "improved_entropy" in methods
    checks = report["targets"]["checks"]
    assert "uvpa_entropy_gain_over_source" in checks


@pytest.mark.integration
def test_spsa_quick_bench_runs_and_reports_baselines(tmp_path: Path) -> None:
    out = tmp_path / "spsa.json"
    result = subprocess.run(
        [sys.executable, "-m", "bench.spsa", "--quick", "--json", str(out)],
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(out.read_text())
    assert {"zero_shot", "adam", "fp32", "independent", "shared", "sign"} <= set(report["main"])
    assert {"shared@0.00", "shared@0.30", "shared+screen@0.30"} <= set(report["byzantine"])
    assert report["extras"]["onnxruntime_alongside"]["checkpoint_hashes_equal"]
