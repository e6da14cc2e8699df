"""The rank benches' CI smoke runs: they finish and report every method and baseline."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

pytestmark = pytest.mark.integration

QuickReport = Callable[..., dict[str, Any]]


def test_grank_quick_bench_runs_and_reports_baselines(quick_report: QuickReport) -> None:
    report = quick_report("bench.rank.grank")
    assert report["seeds"] and len(report["seeds"]) >= 2
    ran = {method for scenario in report["summary"]["final"].values() for method in scenario}
    assert {"bm25", "grank_paper_f0", "byteswarm", "byteswarm_v2", "byteswarm_v3"} <= ran
    for preset in ("byteswarm_v2", "byteswarm_v3"):
        position = report["summary"]["final"]["position"][preset]
        assert position["rebuilds"]["mean"] > 0  # the row-counted half-life followed the rate
    # both worlds, with paired differences against G-Rank as in the paper
    second = report["summary"]["final"]["second_pbm1_uniform"]
    assert {"bm25", "grank_paper_f0", "byteswarm", "byteswarm_v2", "byteswarm_v3"} <= set(second)
    assert "ndcg_catalogue" in second["byteswarm_v3"]  # peers knew part of the catalogue
    for preset in ("byteswarm_v2", "byteswarm_v3"):
        paired = report["summary"]["paired"]["second_pbm1_uniform"][preset]
        assert len(paired["ndcg_minus_grank_paper_f0"]["per_seed"]) == len(report["seeds"])


def test_grank_serve_bench_times_the_store_backed_search_path(quick_report: QuickReport) -> None:
    report = quick_report("bench.rank.serve")
    (run,) = report["runs"]
    # every stored record reached the index: the initial rows, 10 a query, an own click every 10th
    assert run["rows_indexed"] == 5_000 + 200 * 10 + 200 // 10
    assert run["rebuilds_during_queries"] == 0  # a steady click rate never moves the half-life
    assert len(run["serve_ms"]) == 200 and min(run["serve_ms"]) > 0
    assert run["offline_cli_results"] > 0  # the offline CLI really ranked something
