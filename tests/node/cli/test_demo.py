"""`byteswarm demo`: its world and report come from the seed, bad flags are one line and
exit 2, and a quick run in this venv writes a report whose numbers follow the seed
(the fresh-venv run of the README's first command is ``test_demo_fresh_install.py``)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from node.cli.demo.world import make_world, ndcg_at, served_ndcg, user_clicks
from tests.node.cli.demo_checks import check_quick_report, run_quick_demo


def test_world_follows_the_seed() -> None:
    a, b = make_world(0), make_world(1)
    assert a.catalogue_jsonl() != b.catalogue_jsonl()
    assert a.grades != b.grades
    assert make_world(0).catalogue_jsonl() == a.catalogue_jsonl()
    for graded in a.grades.values():
        assert 2 in graded.values()  # every genre has a best item


def test_ndcg_of_the_ideal_ranking_is_one() -> None:
    world = make_world(3)
    ideal = {q: sorted(g, key=lambda i: -g[i]) for q, g in world.grades.items()}
    assert served_ndcg(world, ideal) == pytest.approx(1.0)
    assert ndcg_at([], {"x": 2}) == 0.0


def test_users_click_better_items_more() -> None:
    world = make_world(0)
    query = world.queries[0]
    grades = world.grades[query]
    best = next(i for i, g in grades.items() if g == 2)
    rng = np.random.default_rng(0)
    clicks = [user_clicks(world, query, [best], rng) for _ in range(200)]
    assert sum(bool(c) for c in clicks) > 150


@pytest.mark.parametrize(
    "args",
    [["--peers", "99"], ["--bogus"], ["--seed", "x"], ["--tui", "now"]],
)
def test_bad_flags_are_one_line_and_exit_2(args: list[str]) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "node", "demo", *args], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr


def test_out_that_is_not_a_demo_dir_is_refused(tmp_path: Path) -> None:
    (tmp_path / "precious.txt").write_text("mine")
    result = subprocess.run(
        [sys.executable, "-m", "node", "demo", "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        f"error: --out {tmp_path} is not empty and holds no earlier demo"
    ]
    assert (tmp_path / "precious.txt").read_text() == "mine"


@pytest.mark.integration
@pytest.mark.network
def test_quick_demo_report_follows_the_seed(tmp_path: Path) -> None:
    """Two seeds, two reports: every headline number comes from the run."""
    runs = []
    for seed in (1, 2):
        out = tmp_path / f"seed{seed}"
        result, report = run_quick_demo([sys.executable, "-m", "node"], out, seed)
        check_quick_report(result, report, out)
        runs.append(report["stages"])
    a, b = runs
    assert a["rank"]["curve"] != b["rank"]["curve"]
    assert a["rank"]["ndcg_end"] != b["rank"]["ndcg_end"]
    assert a["finetune"]["sha256"] != b["finetune"]["sha256"]
    assert a["adapt"]["domains"] != b["adapt"]["domains"]


def test_sizes_end_on_a_checkpoint() -> None:
    from node.cli.demo.context import DEFAULT, QUICK
    from node.cli.demo.finetune_stage import CHECKPOINT_EVERY

    for sizes in (DEFAULT, QUICK):
        assert sizes.finetune_rounds % CHECKPOINT_EVERY == 0
