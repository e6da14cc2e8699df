"""BM25 over item metadata (title, artist, tags): which items match a query, and how well."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable

from models.rank.rows import Item, tokens


class Bm25Index:
    """An in-memory inverted index; ``search`` scores only items sharing a token with the query.

    Scores use the Okapi BM25 formula with ``idf = ln(1 + (N - df + 0.5) / (df + 0.5))``,
    Lucene's variant, which never goes negative. SQLite FTS5's ``bm25()`` has the same term
    frequency and length normalisation but ``idf = ln((N - df + 0.5) / (df + 0.5))`` floored
    at 1e-6, which flattens every term found in half the items or more; the test against FTS5
    (tests/models/rank/test_bm25_reference.py) checks both facts.
    """

    def __init__(self, k1: float = 1.2, b: float = 0.75) -> None:
        self._k1 = k1
        self._b = b
        self._items: dict[str, Item] = {}
        self._lengths: dict[str, int] = {}
        self._postings: dict[str, dict[str, int]] = {}
        self._total_length = 0
        self._cache: dict[str, dict[str, float]] = {}

    def __len__(self) -> int:
        return len(self._items)

    def __contains__(self, item_id: object) -> bool:
        return item_id in self._items

    def item(self, item_id: str) -> Item:
        return self._items[item_id]

    def add_items(self, items: Iterable[Item]) -> None:
        """Add or replace items; the search cache is dropped because idf changes."""
        for item in items:
            if item.id in self._items:
                self._remove(item.id)
            words = tokens(" ".join((item.title, item.artist, *item.tags)))
            self._items[item.id] = item
            self._lengths[item.id] = len(words)
            self._total_length += len(words)
            for word, count in Counter(words).items():
                self._postings.setdefault(word, {})[item.id] = count
        self._cache.clear()

    def _remove(self, item_id: str) -> None:
        item = self._items.pop(item_id)
        self._total_length -= self._lengths.pop(item_id)
        for word in set(tokens(" ".join((item.title, item.artist, *item.tags)))):
            self._postings[word].pop(item_id, None)

    def search(self, query: str) -> dict[str, float]:
        """Items sharing at least one token with ``query``, mapped to their BM25 score (> 0)."""
        cached = self._cache.get(query)
        if cached is not None:
            return cached
        n_items = len(self._items)
        scores: dict[str, float] = {}
        if n_items:
            average_length = self._total_length / n_items
            for word in sorted(set(tokens(query))):  # one order whatever the hash seed
                posting = self._postings.get(word)
                if not posting:
                    continue
                df = len(posting)
                idf = math.log(1.0 + (n_items - df + 0.5) / (df + 0.5))
                for item_id, tf in posting.items():
                    norm = self._k1 * (
                        1.0 - self._b + self._b * self._lengths[item_id] / average_length
                    )
                    scores[item_id] = scores.get(item_id, 0.0) + idf * tf * (self._k1 + 1.0) / (
                        tf + norm
                    )
        if len(self._cache) > 4096:
            self._cache.clear()
        self._cache[query] = scores
        return scores
