"""The half-life sweep keeps off the reported seeds and summarises per setting and scenario."""

from __future__ import annotations

import pytest

from bench.rank.tune import main, summarise


def test_the_reported_seeds_are_refused() -> None:
    with pytest.raises(SystemExit):
        main(["--half-life-rows", "460", "--seeds", "4", "100", "--json", "unused.json"])


def test_an_unknown_scenario_is_refused() -> None:
    with pytest.raises(SystemExit):
        main(["--half-life-rows", "460", "--scenarios", "nope", "--json", "unused.json"])


def _position(value: float, budget: float | None, seed: int, ndcg: float, hit: int | None):  # type: ignore[no-untyped-def]
    return {
        "half_life_rows": value,
        "vote_budget": budget,
        "scenario": "position",
        "seed": seed,
        "ndcg_final": ndcg,
        "queries_to_0.85": hit,
    }


def test_summary_per_setting_and_scenario() -> None:
    rows = [
        _position(460.0, None, 100, 0.9, 4_000),
        _position(460.0, None, 101, 0.8, None),
        {
            "half_life_rows": 460.0,
            "vote_budget": None,
            "scenario": "small_mimicry",
            "seed": 100,
            "attack_top1": 0.2,
        },
        {
            "half_life_rows": 460.0,
            "vote_budget": None,
            "scenario": "small_mimicry",
            "seed": 101,
            "attack_top1": 0.0,
        },
        _position(460.0, 10.0, 100, 0.95, 3_000),
        _position(925.0, None, 100, 0.7, None),
    ]
    plain, budget, longer = summarise(rows)
    assert (plain["half_life_rows"], plain["vote_budget"]) == (460.0, None)
    assert (budget["vote_budget"], longer["half_life_rows"]) == (10.0, 925.0)
    assert plain["position"]["ndcg"]["mean"] == pytest.approx(0.85)
    assert plain["position"]["seeds_reaching_0.85"] == 1
    assert plain["small_mimicry"]["attack_top1"]["mean"] == pytest.approx(0.1)
    assert budget["position"]["seeds_reaching_0.85"] == 1 and "small_mimicry" not in budget
    assert longer["position"]["seeds_reaching_0.85"] == 0
