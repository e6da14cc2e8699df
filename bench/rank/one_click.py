"""Users who click at most once a query (the second world's; ``world.py``'s may click more).

Both use the standard navigational attractiveness of the five grades (``NAVIGATIONAL_CLICK``;
a world with fewer grades spreads them over the five) and stop at their first click:

- ``pbm1``: position-based. The result at rank r is examined with probability 1/r and
  clicked, if examined, with the attractiveness of its grade; the user clicks the highest
  ranked such result and leaves. So rank 1 takes its position-based share and each lower
  rank only what the ranks above it left.
- ``dbn1``: the dynamic Bayesian network model (Chapelle & Zhang 2009) with one click: the
  user reads down from rank 1, clicks a result with its attractiveness and leaves satisfied,
  else goes on to the next with probability ``DBN_PERSISTENCE`` (abandons otherwise). With
  one click the satisfaction term never matters; it is the cascade model with abandonment.

Every call draws the same count of numbers for a page, whatever is clicked, so two rankers
compared on one seed see the same user draws at the same ranks (common random numbers).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from bench.rank.world import NAVIGATIONAL_CLICK, World

DBN_PERSISTENCE = 0.9
"""Probability that a ``dbn1`` user reads on past a result it did not click."""

ClickModel = Callable[[World, str, list[str], np.random.Generator], list[str]]


def attractiveness(world: World, grade: int) -> float:
    """Navigational click probability of ``grade`` on the standard five-grade scale."""
    return NAVIGATIONAL_CLICK[grade * (len(NAVIGATIONAL_CLICK) - 1) // world.max_grade]


def clicks_pbm1(world: World, query: str, shown: list[str], rng: np.random.Generator) -> list[str]:
    grades = world.grades[query]
    draws = rng.random(len(shown))
    for r, (item, draw) in enumerate(zip(shown, draws, strict=True), start=1):
        if draw < attractiveness(world, grades.get(item, 0)) / r:
            return [item]
    return []


def clicks_dbn1(world: World, query: str, shown: list[str], rng: np.random.Generator) -> list[str]:
    grades = world.grades[query]
    draws = rng.random((len(shown), 2))  # (R, 2): click, read on
    for item, (click, read_on) in zip(shown, draws, strict=True):
        if click < attractiveness(world, grades.get(item, 0)):
            return [item]
        if read_on >= DBN_PERSISTENCE:
            return []
    return []


ONE_CLICK_MODELS: dict[str, ClickModel] = {"pbm1": clicks_pbm1, "dbn1": clicks_dbn1}
