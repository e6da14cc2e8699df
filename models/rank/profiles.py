"""Per-author profiles for the paper's similarity, kept incrementally as rows arrive.

For every author j the node tracks k_m(j) = |own clicked items ∩ j's| (updated per new
(author, item) pair through an item -> authors index), |j's items| and k_t(j) = |own top-K
terms ∩ j's top-K terms| (refreshed for authors whose terms changed, and for everyone only
when the node's own top-K set changes). The similarity vector is then one numpy expression.
"""

from __future__ import annotations

import numpy as np

from models.rank.similarity import top_terms


class PeerProfiles:
    """Author ids (the node itself is 0) and what ``S_i(j) = (k_t + k_m^2) / k_u`` needs."""

    def __init__(self, self_id: str, top_k_terms: int) -> None:
        self._top_k = top_k_terms
        self.ids: dict[str, int] = {}
        self.names: list[str] = []
        self._terms: list[dict[str, int]] = []
        self._items: list[set[str]] = []
        self._top: list[frozenset[str]] = []
        self._kth: list[tuple[int, str] | None] = []
        self._k_m: list[int] = []
        self._k_t: list[int] = []
        self._item_authors: dict[str, set[int]] = {}
        self._stale: set[int] = set()
        self.id_of(self_id)

    def __len__(self) -> int:
        return len(self.names)

    def id_of(self, author: str) -> int:
        author_id = self.ids.get(author)
        if author_id is None:
            author_id = self.ids[author] = len(self.names)
            self.names.append(author)
            self._terms.append({})
            self._items.append(set())
            self._top.append(frozenset())
            self._kth.append(None)
            self._k_m.append(0)
            self._k_t.append(0)
        return author_id

    def add(self, author_id: int, query_terms: list[str], item: str, count: int) -> None:
        """Account ``count`` clicks of ``author_id`` on ``item`` under a query with these terms."""
        terms = self._terms[author_id]
        top = self._top[author_id]
        for term in query_terms:
            total = terms.get(term, 0) + count
            terms[term] = total
            # counts only grow, so the top-K set changes only when an outsider passes the K-th
            if term not in top:
                kth = self._kth[author_id]
                if kth is None or (-total, term) < kth:
                    self._stale.add(author_id)
        items = self._items[author_id]
        if item in items:
            return
        items.add(item)
        holders = self._item_authors.setdefault(item, set())
        if author_id == 0:
            for holder in holders:
                self._k_m[holder] += 1
        elif item in self._items[0]:
            self._k_m[author_id] += 1
        holders.add(author_id)

    def items_of(self, author_id: int) -> set[str]:
        return self._items[author_id]

    def top_terms_of(self, author_id: int) -> frozenset[str]:
        self._refresh()
        return self._top[author_id]

    def _refresh(self) -> None:
        if not self._stale:
            return
        own_before = self._top[0]
        for author_id in self._stale:
            terms = self._terms[author_id]
            top = self._top[author_id] = top_terms(terms, self._top_k)
            if len(top) >= self._top_k:
                self._kth[author_id] = max((-terms[term], term) for term in top)
        own = self._top[0]
        changed = range(len(self.names)) if own != own_before else self._stale
        for author_id in changed:
            self._k_t[author_id] = len(own & self._top[author_id])
        self._stale.clear()

    def overlap(self, author_id: int) -> tuple[int, int, int]:
        """(k_t, k_m, k_u) of ``author_id`` against the node: shared top-K query terms,
        shared clicked items, clicked items of either (the similarity's inputs)."""
        self._refresh()
        k_m = self._k_m[author_id]
        return self._k_t[author_id], k_m, len(self._items[0]) + len(self._items[author_id]) - k_m

    def raw_similarity(self) -> np.ndarray:
        """(A,) unnormalised ``(k_t + k_m^2) / k_u`` per author id; 0 for the node itself."""
        self._refresh()
        k_m = np.array(self._k_m, dtype=np.float64)  # (A,)
        k_t = np.array(self._k_t, dtype=np.float64)  # (A,)
        sizes = np.fromiter((len(s) for s in self._items), np.float64, len(self._items))  # (A,)
        k_u = sizes[0] + sizes - k_m  # (A,)
        raw: np.ndarray = np.divide(k_t + k_m * k_m, k_u, out=np.zeros_like(k_u), where=k_u > 0)
        raw[0] = 0.0
        return raw

    def similarity(self) -> np.ndarray:
        """(A,) ``S_i(j)`` max-normalised over the other authors; entry 0 (the node) is 0."""
        raw = self.raw_similarity()
        largest = float(raw.max())
        normalised: np.ndarray = raw / largest if largest > 0.0 else raw
        return normalised
