"""``RankConfig.explore_swaps``: several exploration swaps on one page, draws pinned by hand."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from models.rank.config import BYTESWARM, BYTESWARM_V2, GLOBAL_COUNTS
from models.rank.index import RankIndex
from models.rank.rows import Item

CATALOGUE = [
    Item("m1", "jazz", "ann", ("blue",)),
    Item("m2", "jazz", "bob", ("blue",)),
    Item("long", "jazz night long session", "cat", ("blue",)),
]


def explored(swaps: int) -> list[str]:
    config = dataclasses.replace(GLOBAL_COUNTS, explore_p=1.0, explore_swaps=swaps)
    index = RankIndex("me", config, CATALOGUE)
    assert index.rank("jazz", k=None) == ["m1", "m2", "long"]
    return index.rank("jazz", k=None, explore_rng=np.random.default_rng(1))


def test_each_swap_takes_two_draws_in_turn() -> None:
    # default_rng(1): random() 0.51 < 1 explores; then integers(3) = 2, integers(2) = 1 (< 2,
    # kept): slots 2 and 1 swap; then integers(3) = 0, integers(2) = 0 (>= 0, so 1): 0 and 1
    assert BYTESWARM.explore_swaps == 1 and BYTESWARM_V2.explore_swaps == 2
    assert explored(1) == ["m1", "long", "m2"]
    assert explored(2) == ["long", "m1", "m2"]
    assert explored(0) == ["m1", "m2", "long"]


def test_a_swap_that_would_undo_the_one_before_is_skipped() -> None:
    # default_rng(0): random() explores; both swaps draw slots {0, 1} (integers(2) for the
    # shown slot, integers(2) for the other of 3, shifted past the first); the second would
    # restore the served order, so it is skipped and the page stays explored
    rng = np.random.default_rng(0)
    rng.random()
    pairs = []
    for _ in range(2):
        first, second = int(rng.integers(2)), int(rng.integers(2))
        pairs.append({first, second + (second >= first)})
    assert pairs == [{0, 1}, {0, 1}]
    config = dataclasses.replace(GLOBAL_COUNTS, explore_p=1.0, explore_swaps=2)
    index = RankIndex("me", config, CATALOGUE)
    assert index.rank("jazz", k=2, explore_rng=np.random.default_rng(0)) == ["m2", "m1"]


@pytest.mark.parametrize("scope", ["any", "shown", "tail"])
def test_two_swaps_never_give_back_the_served_page(scope: str) -> None:
    many = [Item(f"x{n}", "jazz", "ann", ("blue",)) for n in range(6)]
    config = dataclasses.replace(
        GLOBAL_COUNTS,
        explore_p=1.0,
        explore_swaps=2,
        explore_scope=scope,  # type: ignore[arg-type]
    )
    index = RankIndex("me", config, many)
    for k in (2, 3):
        served = index.rank("jazz", k=k)
        rng = np.random.default_rng(0)
        assert all(index.rank("jazz", k=k, explore_rng=rng) != served for _ in range(300))
