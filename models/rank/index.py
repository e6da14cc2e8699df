"""``RankIndex``: one node's G-Rank state, fed rows incrementally, answering ranked queries."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np

from models.rank.attractiveness import SkipVotes, posterior
from models.rank.bm25 import Bm25Index
from models.rank.config import RankConfig
from models.rank.counters import ClickCounters
from models.rank.explain import ScoreParts, TrustedAuthor, explain_scores, trusted_authors
from models.rank.explore import explore
from models.rank.popularity import Popularity
from models.rank.profiles import PeerProfiles
from models.rank.rows import ClickRow, CounterRow, Item, normalise_query, tokens


class RankIndex:
    """Click counters, per-author profiles and a metadata index for the node ``self_id``.

    Counters and similarity inputs are updated per row; the author weights are rebuilt (one
    numpy pass) on the first ``rank`` after new rows, never per row or per query.
    """

    def __init__(self, self_id: str, config: RankConfig, items: Iterable[Item] = ()) -> None:
        self.self_id = self_id
        self.config = config
        self._bm25 = Bm25Index(config.bm25_k1, config.bm25_b)
        self._bm25.add_items(items)
        self._clicks = ClickCounters(config.half_life_s, config.author_cap, config.vote_budget)
        self._popular = Popularity(config.popular_half_life_s, config.author_cap)
        self._skips = (
            SkipVotes(
                config.half_life_s,
                config.skip_position_power,
                config.related_from == "supersets",
            )
            if config.estimator == "beta"
            else None
        )
        self._seen_keys: set[tuple[str, int]] = set()
        self._seen_counters: dict[tuple[str, str, str], int] = {}
        self._profiles = PeerProfiles(self_id, config.top_k_terms)
        self._query_terms: dict[str, list[str]] = {}
        self._weights: np.ndarray | None = None
        self._next_seq = 0
        self.now = 0.0
        self.n_rows = 0

    # ---- ingestion -------------------------------------------------------------------
    def add_items(self, items: Iterable[Item]) -> None:
        self._bm25.add_items(items)

    def add_rows(self, rows: Iterable[ClickRow]) -> int:
        """Ingest click rows (own or gossiped); returns how many were counted."""
        counted = 0
        dedupe = self.config.dedupe
        seen = self._seen_keys
        for row in rows:
            if dedupe:
                key = (row.author, row.seq)
                if key in seen:
                    continue
                seen.add(key)
            if row.author == self.self_id:
                self._next_seq = max(self._next_seq, row.seq + 1)
            query = normalise_query(row.query)
            if row.clicked:
                author_id = self._count(
                    row.author, query, row.clicked, row.ts, 1, self._weight(row)
                )
            else:
                author_id = self._passed_over(row.author, query, row.ts)
            if self._skips is not None:
                self._skips.add(row, query, author_id, self._clicks)
            counted += 1
        self.n_rows += counted
        return counted

    def add_counters(self, counters: Iterable[CounterRow]) -> int:
        """Merge compact counters by maximum per (author, query, item); returns clicks added."""
        added = 0
        for counter in counters:
            query = normalise_query(counter.query)
            key = (counter.author, query, counter.item)
            delta = counter.count
            if self.config.dedupe:
                delta -= self._seen_counters.get(key, 0)
                if delta <= 0:
                    continue
                self._seen_counters[key] = counter.count
            self._count(counter.author, query, counter.item, counter.ts, delta, float(delta))
            added += delta
        self.n_rows += added
        return added

    def _weight(self, row: ClickRow) -> float:
        if not self.config.inverse_position:
            return 1.0
        horizon = self.config.position_horizon
        position = row.page_position() or horizon  # unknown: a full vote
        return min(position, horizon) / horizon

    def own_click(self, query: str, shown: Iterable[str], clicked: str, ts: float) -> ClickRow:
        """Make this node's next row (the caller signs and stores it) and count it."""
        row = ClickRow(
            self.self_id, self._next_seq, normalise_query(query), tuple(shown), clicked, ts
        )
        self.add_rows([row])
        return row

    def _count(
        self, author: str, query: str, item: str, ts: float, clicks: int, weight: float
    ) -> int:
        profiles = self._profiles
        author_id = profiles.ids.get(author)
        if author_id is None:
            author_id = profiles.id_of(author)
        self._clicks.add_stored(query, item, author_id, weight * self._clicks.unit(ts))
        self._popular.add(item, author_id, ts, weight)
        query_terms = self._query_terms.get(query)
        if query_terms is None:
            query_terms = self._query_terms[query] = tokens(query)
            if self._skips is not None:
                self._skips.add_query(query, query_terms)
        profiles.add(author_id, query_terms, item, clicks)
        self._weights = None
        if ts > self.now:
            self.now = ts
        return author_id

    def _passed_over(self, author: str, query: str, ts: float) -> int:
        """Know a page's author and query (no click: nothing for clicks, popularity or the
        author's profile); returns the author's id."""
        author_id = self._profiles.id_of(author)
        if query not in self._query_terms:
            self._query_terms[query] = tokens(query)
            if self._skips is not None:
                self._skips.add_query(query, self._query_terms[query])
        self._weights = None
        self.now = max(self.now, ts)
        return author_id

    # ---- similarity --------------------------------------------------------------------
    def authors(self) -> set[str]:
        return set(self._profiles.names)

    def similarity(self) -> dict[str, float]:
        """Normalised ``S_i(j)`` for every other author j in the store (max is 1)."""
        values = self._profiles.similarity()
        return {name: float(values[n]) for n, name in enumerate(self._profiles.names) if n}

    def _weight_vector(self) -> np.ndarray:
        """(A,) factor on each author's clicks: ``S_i(j) + F`` (0 below the trust floor);
        the node's own clicks get 1 + F, as if it were its most similar peer."""
        if self._weights is None:
            config = self.config
            if not config.use_similarity:
                weights = np.ones(len(self._profiles))
            else:
                similarity = self._profiles.similarity()
                weights = np.where(
                    similarity < config.trust_floor,
                    0.0,
                    similarity**config.similarity_power + config.isolation_f,
                )
                weights[0] = 1.0 + config.isolation_f
            self._weights = weights
        return self._weights

    def author_weights(self) -> dict[str, float]:
        """``_weight_vector`` by author name."""
        weights = self._weight_vector()
        return {name: float(weights[n]) for n, name in enumerate(self._profiles.names)}

    # ---- ranking -----------------------------------------------------------------------
    def click_scores(self, query: str, now: float | None = None) -> dict[str, float]:
        """``sum_j c_j(Q, k) * (S_i(j) + F)`` per item (after decay and caps), positive only."""
        if not self.config.use_clicks:
            return {}
        when = self.now if now is None else now
        return self._clicks.scores(
            normalise_query(query),
            self._weight_vector(),
            when,
            self.config.min_support,
            self.config.consensus_rounds,
        )

    def explain(self, query: str, ranked: Iterable[str], top: int = 3) -> dict[str, ScoreParts]:
        """Where each of ``ranked`` got its place for ``query`` (``models.rank.explain``):
        own and peers' clicks, BM25, the ``top`` peers' shares. Reads the ranker's own
        arrays; ranks nothing."""
        normal = normalise_query(query)
        meta = self._bm25.search(normal) if normal else {}
        clicks = self.click_scores(normal) if normal else {}
        pairs = None
        if normal and self.config.use_clicks:
            config = self.config
            pairs = self._clicks.pair_parts(
                normal,
                self._weight_vector(),
                self.now,
                config.min_support,
                config.consensus_rounds,
            )
        names = self._profiles.names
        beta = None
        if normal and self._skips is not None:
            beta = (self.match_order(normal, meta, clicks), self.skip_scores(normal))
        return explain_scores(
            list(ranked),
            meta,
            clicks,
            pairs,
            self._clicks.item_ids,
            names.__getitem__,
            self._weight_vector(),
            top,
            beta,
        )

    def trusted(self, n: int = 5) -> list[TrustedAuthor]:
        """The ``n`` peers whose clicks weigh most here, with their similarity's inputs."""
        return trusted_authors(self._profiles, self._weight_vector(), n)

    def skip_scores(self, query: str, now: float | None = None) -> dict[str, float]:
        """Similarity-weighted decayed skip votes per item (``beta`` estimator; else empty)."""
        if self._skips is None or not self.config.use_clicks:
            return {}
        when = self.now if now is None else now
        normal, weights = normalise_query(query), self._weight_vector()
        scores = self._skips.counters.scores(normal, weights, when)
        for item, value in self._skips.passed.scores(normal, weights, when).items():
            scores[item] = scores.get(item, 0.0) + value
        return scores

    def match_order(
        self,
        normal: str,
        meta: Mapping[str, float],
        clicks: dict[str, float],
        sample_rng: np.random.Generator | None = None,
    ) -> dict[str, float]:
        """What text matches are sorted by (then BM25): the click score, or with the ``beta``
        estimator (``byteswarm_v3``) the posterior of ``models.rank.attractiveness`` (one
        draw from it with ``sample_rng``)."""
        if self._skips is None:
            return clicks
        config = self.config
        related = None
        if config.related_strength is not None:
            related = (*self._related_votes(normal), config.related_strength)
        return posterior(
            meta,
            clicks,
            self.skip_scores(normal),
            config.prior_strength,
            config.prior_top,
            related,
            config.prior_relative,
            None if sample_rng is None else (sample_rng, config.explore_concentration),
            config.prior_cap,
        )

    def _related_votes(self, query: str) -> tuple[dict[str, float], dict[str, float]]:
        clicks: dict[str, float] = {}
        skips: dict[str, float] = {}
        assert self._skips is not None
        for other in self._skips.related(query):
            for item, value in self.click_scores(other).items():
                clicks[item] = clicks.get(item, 0.0) + value
            for item, value in self.skip_scores(other).items():
                skips[item] = skips.get(item, 0.0) + value
        return clicks, skips

    def popular(self, k: int) -> list[str]:
        """Catalogue items by (recent, weighted) click popularity across all queries."""
        if not self.config.use_clicks:
            return []
        return self._popular.top(k, self._weight_vector(), self.now, self._bm25)

    def rank(
        self, query: str, k: int | None = 10, explore_rng: np.random.Generator | None = None
    ) -> list[str]:
        """Ranked item ids: metadata matches (by clicks, then BM25), then click-only items.

        A query with neither falls back to popular items. Passing ``explore_rng`` explores
        with probability ``explore_p`` as ``explore_scope`` says; evaluation passes None.
        """
        return self.rank_or_popular(query, k, explore_rng)[0]

    def rank_or_popular(
        self, query: str, k: int | None = 10, explore_rng: np.random.Generator | None = None
    ) -> tuple[list[str], bool]:
        """``rank``'s answer and whether it is the popular fallback (nothing matched), so
        a caller can show popular items as such and never as results."""
        normal = normalise_query(query)
        if not normal:
            return [], False
        meta = self._bm25.search(normal)
        clicks = self.click_scores(normal)
        config = self.config
        thompson = config.explore_scope == "sample" and self._skips is not None
        sampled = thompson and explore_rng is not None and explore_rng.random() < config.explore_p
        order = self.match_order(normal, meta, clicks, explore_rng if sampled else None)
        matched = sorted(meta, key=lambda item: (-order.get(item, 0.0), -meta[item], item))
        click_only = [item for item in clicks if item not in meta and item in self._bm25]
        click_only.sort(key=lambda item: (-clicks[item], item))
        ranked = matched + click_only
        fallback = not ranked
        if fallback:
            ranked = self.popular(k if k is not None else len(self._bm25))
        if (
            explore_rng is not None
            and not thompson
            and len(ranked) > 1
            and explore_rng.random() < config.explore_p
        ):
            shown = len(ranked) if k is None else min(k, len(ranked))
            scope = "any" if config.explore_scope == "sample" else config.explore_scope
            explore(ranked, shown, explore_rng, config.explore_swaps, scope)
        return (ranked if k is None else ranked[:k]), fallback
