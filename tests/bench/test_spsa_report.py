"""bench/spsa_report.py: attacked cells are judged seed by seed against the honest cell."""

from __future__ import annotations

import math

import pytest

from bench.spsa_report import paired_gaps


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
