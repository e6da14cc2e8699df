"""Incremental click counters keyed (query, item, author), with time decay and per-author caps.

Each query keeps its (item, author) pairs as parallel arrays, so scoring a query is one
vectorised pass however many authors clicked it. Decay trick: a click at time t is stored as
``2^((t - t_ref) / h)`` (its *stored unit*); its weight at ``now`` is that times
``2^(-(now - t_ref) / h)``, a factor shared by every counter, so a new click never touches
older ones. ``t_ref`` moves forward when stored values grow large.
"""

from __future__ import annotations

import math
from array import array

import numpy as np

from models.rank.config import AuthorCap

_MAX_EXPONENT = 200.0
_AUTHOR_BITS = 24  # a slot key packs (item, author) into one int: cheaper than a tuple


class _QueryCounts:
    """COO storage for one query: ``values[n]`` clicks by ``authors[n]`` on ``items[n]``.

    ``array.array`` makes single-element updates cheap and is viewed by numpy without a copy.
    """

    __slots__ = ("authors", "items", "slots", "values")

    def __init__(self) -> None:
        self.slots: dict[int, int] = {}
        self.items = array("q")
        self.authors = array("q")
        self.values = array("d")

    def add(self, item: int, author: int, weight: float, keep_max: bool = False) -> float:
        """Add ``weight`` to the (item, author) slot, or keep the larger of the two; returns
        how much the slot grew."""
        key = (item << _AUTHOR_BITS) | author
        slot = self.slots.get(key)
        if slot is None:
            self.slots[key] = len(self.values)
            self.items.append(item)
            self.authors.append(author)
            self.values.append(weight)
            return weight
        before = self.values[slot]
        self.values[slot] = max(before, weight) if keep_max else before + weight
        return self.values[slot] - before

    def get(self, item: int, author: int) -> float:
        slot = self.slots.get((item << _AUTHOR_BITS) | author)
        return 0.0 if slot is None else self.values[slot]

    def clear(self, item: int, author: int) -> float:
        """Set the slot to 0; returns what it held."""
        slot = self.slots.get((item << _AUTHOR_BITS) | author)
        if slot is None:
            return 0.0
        before = self.values[slot]
        self.values[slot] = 0.0
        return before


class ClickCounters:
    """``query -> (item, author) -> decayed clicks``, scored against per-author weights."""

    def __init__(
        self, half_life_s: float | None, cap: AuthorCap, vote_budget: float | None = None
    ) -> None:
        self._half_life = half_life_s
        self._cap = cap
        self._budget = vote_budget
        self._mass = array("d")
        """Per author id, the sum of its slots' stored values (for ``vote_budget``)."""
        self._t_ref: float | None = None
        self._by_query: dict[str, _QueryCounts] = {}
        self.item_ids: dict[str, int] = {}
        self._item_names: list[str] = []

    def unit(self, ts: float) -> float:
        """The stored value of one click made at ``ts`` (1 without decay); may rebase."""
        half_life = self._half_life
        if half_life is None:
            return 1.0
        if self._t_ref is None:
            self._t_ref = ts
        exponent = (ts - self._t_ref) / half_life
        if exponent > _MAX_EXPONENT:
            self._rebase(ts)
            exponent = 0.0
        return math.pow(2.0, exponent)

    def add(self, query: str, item: str, author_id: int, ts: float, count: float = 1.0) -> None:
        """Record ``count`` clicks made at ``ts`` by the author with this id."""
        self.add_stored(query, item, author_id, float(count) * self.unit(ts))

    def add_stored(self, query: str, item: str, author_id: int, value: float) -> None:
        """Add ``value`` already in stored units (``count * unit(ts)``)."""
        item_id = self.item_ids.get(item)
        if item_id is None:
            item_id = self.item_ids[item] = len(self._item_names)
            self._item_names.append(item)
        counts = self._by_query.get(query)
        if counts is None:
            counts = self._by_query[query] = _QueryCounts()
        # stored units grow with time, so the largest is the author's latest click
        grew = counts.add(item_id, author_id, value, keep_max=self._cap == "recent")
        if self._budget is not None:
            mass = self._mass
            if author_id >= len(mass):
                mass.extend([0.0] * (author_id + 1 - len(mass)))
            mass[author_id] += grew

    def latest(self, query: str, item: str, author_id: int) -> float | None:
        """The time of the author's latest click on ``item`` for ``query`` (``recent`` cap,
        one unit a click, with decay); None if it holds none (or the counters keep no time)."""
        counts = self._by_query.get(query)
        item_id = self.item_ids.get(item)
        if counts is None or item_id is None or self._half_life is None or self._t_ref is None:
            return None
        value = counts.get(item_id, author_id)
        if value <= 0.0:
            return None
        return self._t_ref + self._half_life * math.log2(value)

    def clear(self, query: str, item: str, author_id: int) -> None:
        """Drop the author's clicks on ``item`` for ``query``."""
        counts = self._by_query.get(query)
        item_id = self.item_ids.get(item)
        if counts is None or item_id is None:
            return
        held = counts.clear(item_id, author_id)
        if self._budget is not None and author_id < len(self._mass):
            self._mass[author_id] -= held

    def _rebase(self, ts: float) -> None:
        assert self._t_ref is not None and self._half_life is not None
        factor = math.pow(2.0, -(ts - self._t_ref) / self._half_life)
        for counts in self._by_query.values():
            values = np.frombuffer(counts.values, dtype=np.float64)  # (P,) a view: in place
            values *= factor
        mass = np.frombuffer(self._mass, dtype=np.float64)  # (A,) a view: in place
        mass *= factor
        self._t_ref = ts

    def _factor(self, now: float) -> float:
        if self._half_life is None or self._t_ref is None:
            return 1.0
        return math.pow(2.0, -(now - self._t_ref) / self._half_life)

    def capped(self, query: str, now: float) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
        """(items, authors, capped decayed clicks) of ``query``, each (P,); None if unseen."""
        counts = self._by_query.get(query)
        if counts is None:
            return None
        values = np.frombuffer(counts.values, dtype=np.float64) * self._factor(now)  # (P,)
        authors = np.frombuffer(counts.authors, dtype=np.int64)  # (P,)
        items = np.frombuffer(counts.items, dtype=np.int64)  # (P,)
        if self._cap in ("distinct", "recent"):
            values = np.minimum(values, 1.0)
        elif self._cap == "log":
            values = np.log1p(values)
        elif self._cap == "top":
            largest = np.zeros(int(authors.max()) + 1)  # (A,) each author's largest count
            np.maximum.at(largest, authors, values)
            values = np.divide(
                values,
                largest[authors],
                out=np.zeros_like(values),
                where=largest[authors] > 0,
            )
        elif self._cap == "share":
            per_author = np.bincount(authors, weights=values)  # (A,)
            values = np.divide(
                values,
                per_author[authors],
                out=np.zeros_like(values),
                where=per_author[authors] > 0,
            )
        if self._budget is not None and values.size:
            # an author whose decayed votes, over every query, weigh more than the budget
            # has all of them scaled down to it: a burst of many distinct votes at once
            # counts like a few; the node's own votes (id 0) are never scaled
            mass = np.frombuffer(self._mass, dtype=np.float64)[authors] * self._factor(now)
            scale = np.minimum(1.0, self._budget / np.maximum(mass, 1e-300))  # (P,)
            scale[authors == 0] = 1.0
            values = values * scale
        return items, authors, values

    def item_name(self, item_id: int) -> str:
        return self._item_names[item_id]

    def scores(
        self,
        query: str,
        weights: np.ndarray,
        now: float,
        min_support: float = 0.0,
        consensus_rounds: int = 0,
    ) -> dict[str, float]:
        """``sum_j cap(c_j(query, item)) * weights[j]`` for every item with a positive score.

        ``weights`` is (A,), indexed by author id; every id passed to ``add`` must be < A.
        With ``consensus_rounds`` > 0, each round multiplies every author's weight (except
        id 0, the node itself) by its agreement with the current scores (``agreement``).
        With ``min_support`` > 0, items clicked by fewer than that fraction of the trusted
        authors (weight > 0) who clicked anything for the query are left out.
        """
        parts = self.pair_parts(query, weights, now, min_support, consensus_rounds)
        if parts is None:
            return {}
        items, _, shares = parts
        totals = np.bincount(items, weights=shares)  # (I,)
        positive = np.flatnonzero(totals > 0.0)
        names = self._item_names
        return {names[i]: float(totals[i]) for i in positive.tolist()}

    def pair_parts(
        self,
        query: str,
        weights: np.ndarray,
        now: float,
        min_support: float = 0.0,
        consensus_rounds: int = 0,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
        """(items, authors, shares), each (P,): every (item, author) pair's weighted click
        as ``scores`` counts it (after caps, decay, consensus and support); an item's
        score is the sum of its pairs' shares. None when the query was never clicked."""
        found = self.capped(query, now)
        if found is None:
            return None
        items, authors, values = found
        shares = values * weights[authors]  # (P,)
        if consensus_rounds > 0:
            totals = np.bincount(items, weights=shares)  # (I,)
            weighted = shares
            mass = np.bincount(authors, weights=values)  # (A',) each author's capped clicks
            split = np.divide(
                values, mass[authors], out=np.zeros_like(values), where=mass[authors] > 0
            )  # (P,) sums to 1 per author
            for _ in range(consensus_rounds):
                trust = agreement(items, authors, split, totals)  # (A',)
                shares = weighted * trust[authors]  # (P,)
                totals = np.bincount(items, weights=shares)  # (I,)
        if min_support > 0.0:
            trusted = (weights[authors] > 0.0) & (values > 0.0)  # (P,) one pair per author
            support = np.bincount(items, weights=trusted)  # (I,) distinct trusted authors
            voters = np.unique(authors[trusted]).size
            dropped = support < min_support * voters  # (I,)
            shares = np.where(dropped[items], 0.0, shares)  # (P,)
        return items, authors, shares


def agreement(
    items: np.ndarray, authors: np.ndarray, shares: np.ndarray, totals: np.ndarray
) -> np.ndarray:
    """(A',) how much each author's clicks on a query agree with the scores ``totals`` (I,).

    ``sum_k share_j(k) * totals(k) / max(totals)``, where ``share_j`` (``shares``, (P,), one
    entry per (item, author) pair) is the author's split of its clicks: 1 for an author
    whose clicks all went to the top-scored item, less the more of them went to items the
    other authors rank low. Author id 0 (the node itself) always gets 1.
    """
    largest = float(totals.max()) if totals.size else 0.0
    if largest <= 0.0:
        return np.ones(int(authors.max()) + 1 if authors.size else 1)
    trust: np.ndarray = np.bincount(authors, weights=shares * totals[items] / largest)  # (A',)
    trust[0] = 1.0
    return trust
