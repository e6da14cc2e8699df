"""The SPSA bench's CI smoke run: it finishes and reports every method and baseline."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

pytestmark = pytest.mark.integration

QuickReport = Callable[..., dict[str, Any]]


def test_spsa_quick_bench_runs_and_reports_baselines(quick_report: QuickReport) -> None:
    report = quick_report("bench.finetune.spsa", timeout=900)
    assert {"zero_shot", "adam", "fp32", "independent", "shared", "sign"} <= set(report["main"])
    assert {"shared@0.00", "shared@0.30", "shared+screen@0.30"} <= set(report["byzantine"])
    paired = report["byzantine_paired"]["shared+screen@0.30"]  # per-seed gap to honest
    assert paired["seeds"] == report["byzantine"]["shared+screen@0.30"]["seeds"]
    assert report["extras"]["onnxruntime_alongside"]["checkpoint_hashes_equal"]
