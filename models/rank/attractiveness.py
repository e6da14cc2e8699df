"""Click-or-skip attractiveness per (query, item) on a metadata prior (``RankConfig.estimator``).

A click at page position p says the user looked at the p - 1 results above it and passed
them over (the cascade assumption; Joachims' "skip above"). Per (author, query, item) a node
keeps one decayed click vote and one decayed skip vote (``ClickCounters`` with the ``recent``
cap: a burst counts as one vote at its latest time); weighted by the author's similarity
they sum to C(k) and S(k), and an item's score is the mean of a Beta posterior whose prior is
centred on its metadata match:

    score(k) = (C(k) + a * p0(k)) / (C(k) + S(k) + a),    p0(k) = top * bm25(k) / max bm25

``a`` (``prior_strength``) is how many similarity-weighted votes the metadata order is worth:
with no evidence the ranking is the BM25 order, one early (random or position-biased) click
moves an item by at most ``1 / (1 + a)`` of the score range, and many consistent votes
outweigh the prior. Unlike the vote sum (every clicked match above every unclicked one), an
item that is shown and passed over sinks, however often it was clicked before.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from models.rank.counters import ClickCounters
from models.rank.rows import ClickRow

_SAME_TIME_S = 1e-6
_TINY = 1e-6
MAX_RELATED = 16
"""Related queries a ranking reads at most (each is one scoring pass): the subsets first,
then the supersets, each in name order. The second world's queries have at most 8."""


def skipped(row: ClickRow) -> tuple[str, ...]:
    """The results the row's user passed over: those above the click on the page (distinct,
    the clicked item left out); () when the row does not carry the page above the click."""
    position = row.page_position()
    if position <= 1 or len(row.shown) < position - 1:
        return ()
    above = dict.fromkeys(row.shown[: position - 1])
    above.pop(row.clicked, None)
    return tuple(above)


def posterior(
    meta: Mapping[str, float],
    clicks: Mapping[str, float],
    skips: Mapping[str, float],
    strength: float,
    top: float,
    related: tuple[Mapping[str, float], Mapping[str, float], float] | None = None,
    relative: bool = False,
    sample: tuple[np.random.Generator, float] | None = None,
    cap: float | None = None,
) -> dict[str, float]:
    """``(C + a p0) / (C + S + a)`` for every metadata match (``meta``: item -> BM25 > 0).

    ``clicks`` and ``skips`` are the similarity-weighted decayed votes per item (absent: 0).
    With ``strength`` 0 an item without votes scores its prior ``p0``. ``related`` is
    (clicks, skips, b) summed over related queries (one's terms a subset of the other's):
    the prior becomes ``p0 * (C' + b top) / (top (C' + S' + b))``, the related queries'
    own posterior relative to ``top``, so an item liked under "rock" starts higher under
    "rock live" (and the other way round) while its metadata match still scales it.

    ``sample`` = (rng, k) draws each score from Beta(k (C + a p0), k (S + a (1 - p0)))
    instead (Thompson sampling, for the pages users are shown: an item with little
    evidence is sometimes drawn high, one passed over by many rarely); the mean of the
    draw is the score above, ``k`` (the concentration) narrows it.

    ``relative``: ``a`` is ``strength`` times the mean votes (C + S) of the items that have
    any (``RankConfig.prior_relative``), at most ``cap`` votes (``RankConfig.prior_cap``).
    """
    largest = max(meta.values(), default=0.0)
    if largest <= 0.0:
        return {}
    if relative:
        mass = [clicks.get(k, 0.0) + skips.get(k, 0.0) for k in meta]
        voted = [m for m in mass if m > 0.0]
        if voted:
            strength *= sum(voted) / len(voted)
        if cap is not None:
            strength = min(strength, cap)
    scores: dict[str, float] = {}
    for item, bm25 in meta.items():
        prior = top * bm25 / largest
        if related is not None and top > 0.0:
            rel_clicks, rel_skips, b = related
            rc = rel_clicks.get(item, 0.0)
            denominator = rc + rel_skips.get(item, 0.0) + b
            if denominator > 0.0:
                prior *= (rc + b * top) / (top * denominator)
        c = clicks.get(item, 0.0)
        s = skips.get(item, 0.0)
        if sample is not None:
            rng, k = sample
            alpha = k * (c + strength * prior)
            beta = k * (s + strength * (1.0 - prior))
            scores[item] = float(rng.beta(max(alpha, _TINY), max(beta, _TINY)))
            continue
        total = c + s + strength
        scores[item] = (c + strength * prior) / total if total > 0.0 else prior
    return scores


class SkipVotes:
    """The skip votes next to a node's click votes, and the related-query map.

    Per (author, query, item) the latest action wins: a click and a skip of the same item
    for the same query by one author never both count; the newer one does (a click on the
    same page as a skip, i.e. at the same time, wins). Decided on arrival from the stored
    times, so rows gossiped out of order end in the same state.
    """

    def __init__(
        self, half_life_s: float | None, position_power: float = 0.0, supersets_only: bool = False
    ) -> None:
        self.counters = ClickCounters(half_life_s, "recent")
        """The skip votes scored: each weighted ``rank ** -position_power``."""
        self._times = ClickCounters(half_life_s, "recent")
        """The same votes unweighted: when each author last passed each item over."""
        self._power = position_power
        self._queries_by_term: dict[str, set[str]] = {}
        self._terms: dict[str, frozenset[str]] = {}
        self._related: dict[str, list[str]] = {}
        self._supersets_only = supersets_only
        self.passed = ClickCounters(half_life_s, "recent")
        """Skip votes from pages passed over without a click (rank-weighted, unsettled)."""

    def add_query(self, query: str, terms: list[str]) -> None:
        """Know ``query`` (normalised, with its tokens) for ``related``."""
        if query in self._terms:
            return
        self._terms[query] = frozenset(terms)
        for term in terms:
            self._queries_by_term.setdefault(term, set()).add(query)
        self._related.clear()

    def add(self, row: ClickRow, query: str, author_id: int, clicks: ClickCounters) -> None:
        """Count ``row``'s skips (its click is already in ``clicks``) and settle every item
        it touched to its author's latest action. A row without a click (a page passed
        over) adds a skip vote on each shown item to ``passed``, unsettled."""
        if not row.clicked:
            unit = self.passed.unit(row.ts)
            for rank, item in enumerate(dict.fromkeys(row.shown), start=1):
                weight = rank**-self._power if self._power else 1.0
                self.passed.add_stored(query, item, author_id, weight * unit)
            return
        self._settle(query, row.clicked, author_id, clicks)
        passed = skipped(row)
        if not passed:
            return
        unit = self.counters.unit(row.ts)
        time_unit = self._times.unit(row.ts)
        for rank, item in enumerate(passed, start=1):
            weight = rank**-self._power if self._power else 1.0
            self.counters.add_stored(query, item, author_id, weight * unit)
            self._times.add_stored(query, item, author_id, time_unit)
            self._settle(query, item, author_id, clicks)

    def _settle(self, query: str, item: str, author_id: int, clicks: ClickCounters) -> None:
        clicked = clicks.latest(query, item, author_id)
        if clicked is None:
            return
        passed = self._times.latest(query, item, author_id)
        if passed is None:
            return
        if passed > clicked + _SAME_TIME_S:
            clicks.clear(query, item, author_id)
        else:
            self.counters.clear(query, item, author_id)
            self._times.clear(query, item, author_id)

    def related(self, query: str) -> list[str]:
        """Known queries whose terms are a strict subset or superset of ``query``'s (only
        supersets if so built; at most ``MAX_RELATED``)."""
        found = self._related.get(query)
        if found is None:
            terms = self._terms.get(query)
            if terms is None:
                terms = frozenset(query.split())
            candidates: set[str] = set()
            for term in terms:
                candidates |= self._queries_by_term.get(term, set())
            subsets = sorted(
                other
                for other in candidates
                if self._terms[other] < terms and not self._supersets_only
            )
            supersets = sorted(other for other in candidates if self._terms[other] > terms)
            found = (subsets + supersets)[:MAX_RELATED]
            self._related[query] = found
        return found
