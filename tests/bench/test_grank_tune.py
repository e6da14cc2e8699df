"""The half-life sweep keeps off the reported seeds and summarises per value."""

from __future__ import annotations

import pytest

from bench.grank_tune import main, summarise


def test_the_reported_seeds_are_refused() -> None:
    with pytest.raises(SystemExit):
        main(["--half-life-rows", "460", "--seeds", "4", "100", "--json", "unused.json"])


def test_summary_per_value_counts_seeds_reaching_the_target() -> None:
    rows = [
        {
            "half_life_rows": 460.0,
            "scenario": "position",
            "seed": 100,
            "ndcg_final": 0.9,
            "queries_to_0.85": 4_000,
        },
        {
            "half_life_rows": 460.0,
            "scenario": "position",
            "seed": 101,
            "ndcg_final": 0.8,
            "queries_to_0.85": None,
        },
        {"half_life_rows": 460.0, "scenario": "small_mimicry", "seed": 100, "attack_top1": 0.2},
        {"half_life_rows": 460.0, "scenario": "small_mimicry", "seed": 101, "attack_top1": 0.0},
        {
            "half_life_rows": 925.0,
            "scenario": "position",
            "seed": 100,
            "ndcg_final": 0.7,
            "queries_to_0.85": None,
        },
        {"half_life_rows": 925.0, "scenario": "small_mimicry", "seed": 100, "attack_top1": 0.5},
    ]
    short, long = summarise(rows)
    assert short["half_life_rows"] == 460.0 and long["half_life_rows"] == 925.0
    assert short["ndcg"]["mean"] == pytest.approx(0.85)
    assert short["seeds_reaching_0.85"] == 1 and long["seeds_reaching_0.85"] == 0
    assert short["small_mimicry_top1"]["mean"] == pytest.approx(0.1)
