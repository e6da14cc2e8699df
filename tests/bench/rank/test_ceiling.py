"""The central learner's examination weights are unbiased under the users' own click models."""

from __future__ import annotations

import numpy as np
import pytest

from bench.rank.ceiling import run
from bench.rank.examination import dbn_no_click, examined
from bench.rank.one_click import DBN_PERSISTENCE, ONE_CLICK_MODELS, attractiveness
from bench.rank.world import World
from models.rank.rows import Item

PAGE = [f"i{n}" for n in range(10)]
GRADES = [4, 0, 3, 1, 2, 4, 0, 2, 3, 1]


def _world() -> World:
    items = [Item(item, "t", "a") for item in PAGE]
    grades = {"q": dict(zip(PAGE, GRADES, strict=True))}
    return World("test", items, ["q"], np.ones(1), [], grades, max_grade=4)


@pytest.mark.parametrize("model", sorted(ONE_CLICK_MODELS))
def test_clicks_over_clicks_and_passed_recover_each_rank_s_attractiveness(model: str) -> None:
    """Reference check: users drawn from ``one_click.py``, weights from the true means; the
    ratio per rank converges to the grade's attractiveness (a wrong examination model, e.g.
    counting every result above a pbm1 click as read, misses it by far)."""
    world = _world()
    truth = [attractiveness(world, g) for g in GRADES]
    rng = np.random.default_rng(7)
    clicks = np.zeros(len(PAGE))
    passed = np.zeros(len(PAGE))
    for _ in range(40_000):
        clicked = ONE_CLICK_MODELS[model](world, "q", PAGE, rng)
        position = PAGE.index(clicked[0]) if clicked else len(PAGE)
        passed[:position] += examined(model, truth[:position], bool(clicked))
        if clicked:
            clicks[position] += 1.0
    ratio = clicks / (clicks + passed)
    enough = clicks + passed > 300  # deep ranks are rarely reached
    assert enough[:4].all()
    np.testing.assert_allclose(ratio[enough], np.array(truth)[enough], atol=0.04)


def test_dbn_no_click_reads_on_geometrically_when_nothing_attracts() -> None:
    seen = dbn_no_click([0.0] * 5)
    np.testing.assert_allclose(seen, [DBN_PERSISTENCE**r for r in range(5)])


def test_dbn_no_click_on_a_certain_click_is_impossible_past_it() -> None:
    # rank 2 is always clicked when read: a page without a click never read it
    seen = dbn_no_click([0.3, 1.0, 0.2])
    assert seen[0] == pytest.approx(1.0)
    assert seen[1] == pytest.approx(0.0)


def test_a_short_run_learns_above_the_metadata_order() -> None:
    """The central learner on the second world's pbm1 scenario: its served nDCG after 1,500
    queries beats the one it starts from (the BM25 prior)."""
    result = run("second_pbm1_uniform", 100, "thompson", 8.0, None, 1_500)
    assert len(result["ndcg"]) == 15
    assert all(0.0 <= v <= 1.0 for v in result["ndcg"])
    assert result["ndcg"][-1] > result["ndcg"][0] + 0.05
    assert set(result["ndcg_terms_final"]) == {"ndcg_terms_1", "ndcg_terms_2"}
    assert all(0.0 < v <= 1.0 for v in result["ndcg_terms_final"].values())
