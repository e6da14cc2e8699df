"""``Popularity``: every click under one pseudo-query, the fallback when a query matches
nothing. Clicks wait in a list and are counted only when a query needs the fallback:
most queries never do."""

from __future__ import annotations

from collections.abc import Container

import numpy as np

from models.rank.config import AuthorCap
from models.rank.counters import ClickCounters

ALL_QUERIES = ""
"""The pseudo-query every click also counts under."""


class Popularity:
    """Decayed, capped, similarity-weighted clicks per item across all queries."""

    def __init__(self, half_life_s: float | None, cap: AuthorCap) -> None:
        self._counters = ClickCounters(half_life_s, cap)
        self._pending: list[tuple[str, int, float, float]] = []

    def add(self, item: str, author_id: int, ts: float, weight: float) -> None:
        """One click (``weight`` votes) on ``item`` at ``ts``; counted on the next ``top``."""
        self._pending.append((item, author_id, ts, weight))

    def top(self, k: int, weights: np.ndarray, now: float, known: Container[str]) -> list[str]:
        """The ``k`` most clicked items among ``known`` (by score, then id), each author's
        clicks times ``weights[author id]``."""
        for item, author_id, ts, weight in self._pending:
            self._counters.add(ALL_QUERIES, item, author_id, ts, weight)
        self._pending.clear()
        scores = self._counters.scores(ALL_QUERIES, weights, now)
        found = [item for item in scores if item in known]
        return sorted(found, key=lambda item: (-scores[item], item))[:k]
