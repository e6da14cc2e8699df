"""The second world's users click at most once a query, where their click model says."""

from __future__ import annotations

import numpy as np
import pytest

from bench.rank.one_click import (
    DBN_PERSISTENCE,
    ONE_CLICK_MODELS,
    attractiveness,
    clicks_dbn1,
    clicks_pbm1,
)
from bench.rank.world import NAVIGATIONAL_CLICK, World
from models.rank.rows import Item

PAGE = [f"i{n}" for n in range(10)]


def _world(grades: dict[str, int], max_grade: int = 4) -> World:
    items = [Item(item, "t", "a") for item in PAGE]
    return World("test", items, ["q"], np.ones(1), [], {"q": grades}, max_grade=max_grade)


def _click_ranks(model, world: World, draws: int, seed: int = 0) -> np.ndarray:  # type: ignore[no-untyped-def]
    """(11,) share of pages clicked at ranks 1-10, and (last) of pages with no click."""
    rng = np.random.default_rng(seed)
    counts = np.zeros(len(PAGE) + 1)
    for _ in range(draws):
        clicked = model(world, "q", PAGE, rng)
        counts[PAGE.index(clicked[0]) if clicked else -1] += 1
    return counts / draws


@pytest.mark.parametrize("name", sorted(ONE_CLICK_MODELS))
def test_at_most_one_click_and_only_on_the_page(name: str) -> None:
    rng = np.random.default_rng(1)
    world = _world({item: int(g) for item, g in zip(PAGE, rng.integers(5, size=10), strict=True)})
    sizes = set()
    for _ in range(3_000):
        clicked = ONE_CLICK_MODELS[name](world, "q", PAGE, rng)
        sizes.add(len(clicked))
        assert set(clicked) <= set(PAGE)
    assert sizes == {0, 1}


def test_pbm1_clicks_the_first_examined_and_attracted_rank() -> None:
    a = attractiveness(_world({}), 3)
    world = _world(dict.fromkeys(PAGE, 3))
    # P(click at r) = a/r * prod_{s<r} (1 - a/s)
    expected, reach = [], 1.0
    for r in range(1, 11):
        expected.append(reach * a / r)
        reach *= 1.0 - a / r
    shares = _click_ranks(clicks_pbm1, world, 40_000)
    np.testing.assert_allclose(shares[:10], expected, atol=0.01)
    assert shares[-1] == pytest.approx(reach, abs=0.01)


def test_dbn1_reads_down_and_abandons_with_the_persistence() -> None:
    a = attractiveness(_world({}), 2)
    world = _world(dict.fromkeys(PAGE, 2))
    # P(click at r) = a * ((1 - a) * gamma)^(r - 1)
    expected = [a * ((1.0 - a) * DBN_PERSISTENCE) ** (r - 1) for r in range(1, 11)]
    shares = _click_ranks(clicks_dbn1, world, 40_000)
    np.testing.assert_allclose(shares[:10], expected, atol=0.01)


@pytest.mark.parametrize("model", [clicks_pbm1, clicks_dbn1])
def test_better_results_draw_more_clicks_at_the_same_rank(model) -> None:  # type: ignore[no-untyped-def]
    # a relevant result at rank 5 among irrelevant ones, then an irrelevant one there
    good = _click_ranks(model, _world({"i4": 4}), 20_000)[4]
    bad = _click_ranks(model, _world({}), 20_000)[4]
    assert good > 3 * bad > 0


def test_attractiveness_spreads_a_worlds_grades_over_the_standard_five() -> None:
    assert [attractiveness(_world({}, 4), g) for g in range(5)] == list(NAVIGATIONAL_CLICK)
    three = [attractiveness(_world({}, 2), g) for g in range(3)]
    assert three == [NAVIGATIONAL_CLICK[0], NAVIGATIONAL_CLICK[2], NAVIGATIONAL_CLICK[4]]


@pytest.mark.parametrize("name", sorted(ONE_CLICK_MODELS))
def test_every_page_draws_the_same_numbers_whatever_is_clicked(name: str) -> None:
    # common random numbers: two rankers' users stay in step on one seed
    first, second = np.random.default_rng(3), np.random.default_rng(3)
    ONE_CLICK_MODELS[name](_world(dict.fromkeys(PAGE, 4)), "q", PAGE, first)
    ONE_CLICK_MODELS[name](_world({}), "q", PAGE, second)
    assert first.random() == second.random()
