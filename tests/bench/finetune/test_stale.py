"""bench/finetune/stale.py: the table pairs seeds with K = 1, and its smoke run reports every K."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import asdict, replace
from pathlib import Path

import pytest

from bench.finetune.stale import base_config, tabulate, with_reference_k1


def test_differences_to_k1_are_paired_by_seed() -> None:
    runs = [
        {"pull_every": 1, "seed": 0, "accuracy": 0.90},
        {"pull_every": 1, "seed": 1, "accuracy": 0.80},
        {"pull_every": 8, "seed": 1, "accuracy": 0.70},
        {"pull_every": 8, "seed": 0, "accuracy": 0.95},
        {"pull_every": 32, "seed": 2, "accuracy": 0.50},  # no K = 1 run to pair with
    ]
    table = tabulate(runs)
    assert table["8"]["seeds"] == [0, 1]
    assert table["8"]["values"] == [0.95, 0.70]
    assert table["8"]["minus_k1"]["values"] == pytest.approx([0.05, -0.10])
    assert table["8"]["minus_k1"]["mean"] == pytest.approx(-0.025)
    assert "minus_k1" not in table["1"] and "minus_k1" not in table["32"]


def _main_part(path: Path, rounds: int, runs: list[dict[str, object]]) -> Path:
    config = asdict(replace(base_config(quick=False), rounds=rounds))
    del config["pull_every"]  # bench.finetune.spsa's JSONs predate the field
    report = {"config": {"main": config}, "main": {"independent": {"runs": runs}}}
    path.write_text(json.dumps(report))
    return path


def test_reference_k1_runs_are_used_only_when_a_rerun_reproduces_them(tmp_path: Path) -> None:
    theirs = [
        {"seed": 0, "accuracy": 0.91, "final_sha256": "aa"},
        {"seed": 1, "accuracy": 0.90, "final_sha256": "bb"},
    ]
    reference = [_main_part(tmp_path / "main.json", 300, theirs)]
    base = base_config(quick=False)
    stale = {"pull_every": 8, "seed": 1, "accuracy": 0.88, "final_sha256": "cc"}
    rerun = {"pull_every": 1, "seed": 0, "accuracy": 0.91, "final_sha256": "aa"}
    runs, reproduced = with_reference_k1([stale, rerun], reference, base)
    assert reproduced == [0]
    assert sorted((r["pull_every"], r["seed"]) for r in runs) == [(1, 0), (1, 1), (8, 1)]
    with pytest.raises(ValueError, match="differs"):
        with_reference_k1([stale, {**rerun, "final_sha256": "dd"}], reference, base)
    with pytest.raises(ValueError, match="no K=1 rerun"):
        with_reference_k1([stale], reference, base)
    other = [_main_part(tmp_path / "other.json", 100, theirs)]
    with pytest.raises(ValueError, match="another setting"):
        with_reference_k1([stale, rerun], other, base)


@pytest.mark.slow  # ~12 s of CPU (MiniLM): the unit tests above and in tests/models/spsa suffice
@pytest.mark.integration
def test_quick_run_reports_each_k_and_seed(tmp_path: Path) -> None:
    out = tmp_path / "stale.json"
    args = ["--quick", "--pull-every", "1", "3", "--seeds", "0", "--json", str(out)]
    done = subprocess.run(
        [sys.executable, "-m", "bench.finetune.stale", *args],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(out.read_text())
    assert sorted(report["accuracy_by_k"]) == ["1", "3"]
    assert len(report["accuracy_by_k"]["3"]["minus_k1"]["values"]) == 1
    hashes = {run["pull_every"]: run["final_sha256"] for run in report["runs"]}
    assert hashes[1] != hashes[3]  # stale codes really change the run
    assert report["machine"] and report["date"] and "--quick" in report["command"]
