"""The adapt bench's CI smoke run: it finishes and reports every method and baseline."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

pytestmark = pytest.mark.integration

QuickReport = Callable[..., dict[str, Any]]


def test_adapt_quick_bench_runs_and_reports_baselines(quick_report: QuickReport) -> None:
    report = quick_report("bench.adapt.stream")
    methods = set(report["methods"])
    baselines = {"source", "bn_stats (updatable device)", "tent (updatable device)"}
    baselines |= {"prompt_random_upload", "uvpa_entropy", "teacher_every_sample"}
    assert baselines <= methods, methods
    assert "improved_entropy" in methods
    assert "uvpa_entropy_gain_over_source" in report["targets"]["checks"]
