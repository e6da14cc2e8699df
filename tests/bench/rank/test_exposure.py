"""``bench.rank.exposure``: the same attack scenario without the attack, paired by seed."""

from __future__ import annotations

from typing import Any

import pytest

from bench.rank.exposure import after_attack, summarise


def _run(seed: int, top3: list[float], method: str = "m") -> dict[str, Any]:
    x = [100 * (i + 1) for i in range(len(top3))]
    curves = {"attack_top1": [0.0] * len(top3), "attack_top3": top3}
    return {"scenario": "s", "method": method, "seed": seed, "x": x, "curves": curves}


def test_after_attack_averages_only_the_later_evaluations() -> None:
    run = _run(0, [1.0, 1.0, 0.2, 0.4])
    assert after_attack(run, 200) == {"attack_top1": 0.0, "attack_top3": pytest.approx(0.3)}


def test_the_paired_difference_is_the_attacks_share() -> None:
    attacked = [
        {**_run(0, [0.0, 0.5, 0.5]), "attack_at": 100},
        {**_run(1, [0.0, 0.3, 0.1]), "attack_at": 100},
        {**_run(2, [0.0, 0.9, 0.9]), "attack_at": 100, "method": "other"},
    ]
    without = [
        {"scenario": "s", "method": "m", "seed": 0, "attack_top1": 0.0, "attack_top3": 0.5},
        {"scenario": "s", "method": "m", "seed": 1, "attack_top1": 0.0, "attack_top3": 0.0},
    ]
    entry = summarise(attacked, without)["s"]["m"]
    assert entry["seeds"] == [0, 1]  # the run without a clean twin is left out
    top3 = entry["attack_top3"]
    assert top3["attacked"][0] == pytest.approx(0.35)
    assert top3["without"][0] == pytest.approx(0.25)
    assert top3["paired"] == [pytest.approx(0.1), pytest.approx(0.1)]
    assert "other" not in summarise(attacked, without)["s"]
