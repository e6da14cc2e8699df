"""bench.rank.report: paired differences against G-Rank as in the paper, and their table."""

from __future__ import annotations

from typing import Any

import pytest

from bench.rank.report import PAIRED_BASELINE, format_paired_markdown, summarise


def _run(scenario: str, method: str, seed: int, ndcg: float) -> dict[str, Any]:
    return {
        "scenario": scenario,
        "method": method,
        "seed": seed,
        "x": [100, 200],
        "curves": {"ndcg": [0.1, ndcg]},
        "cpu_s": 1.0,
    }


def test_paired_differences_use_the_seeds_both_methods_ran() -> None:
    runs = [
        _run("w", PAIRED_BASELINE, 0, 0.70),
        _run("w", PAIRED_BASELINE, 1, 0.80),
        _run("w", "ours", 0, 0.75),
        _run("w", "ours", 1, 0.90),
        _run("w", "ours", 2, 0.99),  # no baseline on seed 2: left out of the difference
        _run("other", "ours", 0, 0.5),  # no baseline at all in this scenario
    ]
    summary = summarise(runs)
    diff = summary["paired"]["w"]["ours"][f"ndcg_minus_{PAIRED_BASELINE}"]
    assert diff["seeds"] == [0, 1]
    assert diff["per_seed"] == pytest.approx([0.05, 0.10])
    assert diff["mean"] == pytest.approx(0.075) and diff["std"] == pytest.approx(0.025)
    assert PAIRED_BASELINE not in summary["paired"]["w"] and "other" not in summary["paired"]
    table = format_paired_markdown(summary)
    assert "| ours | 0.500 ± 0.000 | 0.880 ± 0.099 (+0.075 ± 0.025) |" in table.splitlines()
