"""``RankConfig.explore_swaps``: several exploration swaps on one page, draws pinned by hand."""

from __future__ import annotations

import dataclasses

import numpy as np

from models.rank.config import BYTESWARM, GLOBAL_COUNTS
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
    assert BYTESWARM.explore_swaps == 1
    assert explored(1) == ["m1", "long", "m2"]
    assert explored(2) == ["long", "m1", "m2"]
    assert explored(0) == ["m1", "m2", "long"]
