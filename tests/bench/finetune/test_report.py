"""bench/finetune/report.py: attacked cells are judged seed by seed against the honest cell."""

from __future__ import annotations

import math
from typing import Any

import pytest

from bench.finetune.byzantine import merge_byzantine
from bench.finetune.report import paired_gaps


def _cell(seeds: list[int], values: list[float]) -> dict[str, object]:
    return {"seeds": seeds, "values": values, "mean": sum(values) / len(values)}


def test_gaps_pair_each_seed_with_its_own_honest_run() -> None:
    byz = {
        "shared+screen@0.00": _cell([0, 1, 2], [0.86, 0.88, 0.85]),
        "shared+screen@0.30:same": _cell([2, 0, 1], [0.86, 0.84, 0.88]),
        "shared+screen@0.45": _cell([0, 5], [0.80, 0.70]),  # seed 5 has no honest run
        "shared@0.30": _cell([0], [0.10]),  # another mode: not this table's
    }
    gaps = paired_gaps(byz)
    assert set(gaps) == {"shared+screen@0.30:same", "shared+screen@0.45"}
    same = gaps["shared+screen@0.30:same"]
    assert same["seeds"] == [2, 0, 1]
    assert same["gaps"] == pytest.approx([0.01, -0.02, 0.0])
    assert same["mean"] == pytest.approx(-0.01 / 3)
    std = math.sqrt(sum((g + 0.01 / 3) ** 2 for g in (0.01, -0.02, 0.0)) / 2)
    assert same["std"] == pytest.approx(std)
    assert same["sem"] == pytest.approx(std / math.sqrt(3))
    lone = gaps["shared+screen@0.45"]
    assert lone["seeds"] == [0] and lone["gaps"] == pytest.approx([-0.06])
    assert lone["std"] == 0.0


def test_no_honest_cell_no_gaps() -> None:
    assert paired_gaps({"shared+screen@0.30": _cell([0], [0.8])}) == {}


DIAGNOSTICS = ("rounds_per_second", "byzantine_excluded_share", "honest_saturated_share")


def _part(seeds: list[int], values: list[float], *, admitted: bool = True) -> dict[str, Any]:
    per_seed = {"values": [1.0] * len(seeds), "mean": 1.0, "std": 0.0}
    names = (*DIAGNOSTICS, "byzantine_admitted_share") if admitted else DIAGNOSTICS
    cell = {
        "byzantine": 6,
        "attack": "same",
        "values": values,
        "seeds": seeds,
        "honest_ever_excluded": [],
        **{name: per_seed for name in names},
    }
    return {
        "config": {"byzantine": {"rounds": 300}},
        "byzantine": {"peers": 20, "rounds": 300, "batch": 2, "shared+screen@0.30:same": cell},
    }


def test_a_cell_run_on_other_seeds_joins_them() -> None:
    merged = merge_byzantine([_part([3, 4], [0.8, 0.9]), _part([0, 3], [0.7, 0.8])])
    cell = merged["shared+screen@0.30:same"]
    assert cell["seeds"] == [0, 3, 4] and cell["values"] == [0.7, 0.8, 0.9]
    assert cell["mean"] == pytest.approx(0.8) and cell["std"] == pytest.approx(0.1)
    assert cell["rounds_per_second"]["values"] == [1.0, 1.0, 1.0]
    assert cell["byzantine_admitted_share"]["values"] == [1.0, 1.0, 1.0]


def test_a_diagnostic_an_older_part_lacks_is_left_out_of_the_join() -> None:
    merged = merge_byzantine([_part([0], [0.8]), _part([1], [0.9], admitted=False)])
    cell = merged["shared+screen@0.30:same"]
    assert "byzantine_admitted_share" not in cell
    assert cell["honest_saturated_share"]["values"] == [1.0, 1.0]


def test_a_seed_rerun_with_another_result_is_refused() -> None:
    with pytest.raises(ValueError, match="seed 3 ran in two parts"):
        merge_byzantine([_part([3], [0.8]), _part([3], [0.81])])
