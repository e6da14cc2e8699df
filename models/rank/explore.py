"""G-Rank's exploration: swaps on the page a user sees, so items below the fold get clicks
(``RankConfig.explore_p``, ``explore_swaps``, ``explore_scope``)."""

from __future__ import annotations

import numpy as np


def explore(
    ranked: list[str], shown: int, rng: np.random.Generator, swaps: int, scope: str
) -> None:
    """``swaps`` exploration swaps on ``ranked`` in place (``shown`` of it on the page)."""
    last: frozenset[int] = frozenset()
    for _ in range(swaps):
        last = swap(ranked, shown, rng, last, scope)


def swap(
    ranked: list[str], shown: int, rng: np.random.Generator, last: frozenset[int], scope: str
) -> frozenset[int]:
    """One exploration swap in place, within ``scope`` (``RankConfig.explore_scope``);
    returns the two slots.

    A swap of the same two slots as the swap before it (``last``) would undo it and is
    skipped (its draws are still taken). Every swap moves a shown slot, so two swaps on a
    page always leave it different from the served one."""
    pool = shown if scope == "shown" else len(ranked)
    if scope == "tail":
        if len(ranked) <= shown:
            return frozenset()
        first = shown - 1
        second = shown + int(rng.integers(len(ranked) - shown))
    elif pool > 1:
        first = int(rng.integers(shown))
        second = int(rng.integers(pool - 1))
        second += second >= first
    else:
        return frozenset()
    pair = frozenset((first, second))
    if pair != last:
        ranked[first], ranked[second] = ranked[second], ranked[first]
    return pair
