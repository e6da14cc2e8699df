"""The CI smoke runs of the benches: they finish and report every method and baseline."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.integration


def quick_report(bench: str, tmp_path: Path, timeout: float = 600) -> dict[str, Any]:
    """Run ``python -m bench.<bench> --quick`` and return the JSON it wrote."""
    out = tmp_path / f"{bench}.json"
    result = subprocess.run(
        [sys.executable, "-m", f"bench.{bench}", "--quick", "--json", str(out)],
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    report: dict[str, Any] = json.loads(out.read_text())
    return report


def test_grank_quick_bench_runs_and_reports_baselines(tmp_path: Path) -> None:
    report = quick_report("grank", tmp_path)
    assert report["seeds"] and len(report["seeds"]) >= 2
    ran = {method for scenario in report["summary"]["final"].values() for method in scenario}
    assert {"bm25", "grank_paper_f0", "byteswarm", "byteswarm_v2"} <= ran
    position = report["summary"]["final"]["position"]["byteswarm_v2"]
    assert position["rebuilds"]["mean"] > 0  # the row-counted half-life followed the rate


def test_adapt_quick_bench_runs_and_reports_baselines(tmp_path: Path) -> None:
    report = quick_report("adapt", tmp_path)
    methods = set(report["methods"])
    baselines = {"source", "bn_stats (updatable device)", "tent (updatable device)"}
    baselines |= {"prompt_random_upload", "uvpa_entropy", "teacher_every_sample"}
    assert baselines <= methods, methods
    assert "improved_entropy" in methods
    assert "uvpa_entropy_gain_over_source" in report["targets"]["checks"]


def test_spsa_quick_bench_runs_and_reports_baselines(tmp_path: Path) -> None:
    report = quick_report("spsa", tmp_path, timeout=900)
    assert {"zero_shot", "adam", "fp32", "independent", "shared", "sign"} <= set(report["main"])
    assert {"shared@0.00", "shared@0.30", "shared+screen@0.30"} <= set(report["byzantine"])
    paired = report["byzantine_paired"]["shared+screen@0.30"]  # per-seed gap to honest
    assert paired["seeds"] == report["byzantine"]["shared+screen@0.30"]["seeds"]
    assert report["extras"]["onnxruntime_alongside"]["checkpoint_hashes_equal"]


def test_grank_serve_bench_times_the_store_backed_search_path(tmp_path: Path) -> None:
    report = quick_report("grank_serve", tmp_path)
    (run,) = report["runs"]
    # every stored record reached the index: the initial rows, 10 a query, an own click every 10th
    assert run["rows_indexed"] == 5_000 + 200 * 10 + 200 // 10
    assert run["rebuilds_during_queries"] == 0  # a steady click rate never moves the half-life
    assert len(run["serve_ms"]) == 200 and min(run["serve_ms"]) > 0
    assert run["offline_cli_results"] > 0  # the offline CLI really ranked something
