"""The adapt benches' CI smoke runs: they finish and report every method, split and gap."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

pytestmark = pytest.mark.integration

QuickReport = Callable[..., dict[str, Any]]


def test_adapt_quick_bench_reports_every_split_with_the_warp_prompt(
    quick_report: QuickReport,
) -> None:
    report = quick_report("bench.adapt.stream")
    assert set(report["splits"]) == {"tuned", "tuned_reordered", "unseen", "unseen_reordered"}
    baselines = {"source", "bn_stats (updatable device)", "tent (updatable device)",
                 "teacher_bn_buffer_every_sample", "improved_entropy"}  # fmt: skip
    for split, entry in report["splits"].items():
        methods = set(entry["methods"])
        assert baselines | {"domains_warp", "warp_entropy"} <= methods, (split, methods)
        assert entry["methods"]["domains_warp"]["spec"]["family"] == "warp_filter_feature"
        assert "domains_warp - tent (updatable device)" in entry["checks"]["paired"]
        assert "met" in entry["checks"]["goal"]
    tuned = report["methods"]  # the session-5 layout stays readable
    assert {"prompt_random_upload", "uvpa_entropy", "teacher_every_sample"} <= set(tuned)
    assert "uvpa_entropy_gain_over_source" in report["targets"]["checks"]
    assert report["splits"]["unseen"]["stream"]["domains"][0] == "gamma"
    assert report["splits"]["unseen_reordered"]["stream"]["segment_batches"] == [1, 3]


def test_oracle_gap_quick_run_reports_before_and_after(quick_report: QuickReport) -> None:
    report = quick_report("bench.adapt.oracle")
    for split in ("tuned", "unseen_reordered"):
        gap = report["gap"][split]
        assert {"before", "after"} <= set(gap)
        for entry in gap.values():
            assert 0 <= entry["online"]["mean"] <= 100 and 0 <= entry["offline"]["mean"] <= 100
