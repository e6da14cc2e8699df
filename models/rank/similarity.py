"""The paper's peer similarity: ``S_i(j) = (k_t + k_m^2) / k_u``, normalised by its maximum.

k_t = |top-K query terms of i ∩ top-K query terms of j|, k_m = |clicked items of i ∩ clicked
items of j|, k_u = |clicked items of i ∪ clicked items of j|.
"""

from __future__ import annotations

from collections.abc import Mapping, Set


def top_terms(term_counts: Mapping[str, int], k: int) -> frozenset[str]:
    """The k most frequent terms; ties broken alphabetically so every node agrees."""
    ranked = sorted(term_counts.items(), key=lambda pair: (-pair[1], pair[0]))
    return frozenset(term for term, _ in ranked[:k])


def raw_similarity(
    own_terms: Set[str], own_items: Set[str], peer_terms: Set[str], peer_items: Set[str]
) -> float:
    """Unnormalised ``(k_t + k_m^2) / k_u``; 0 when neither node has clicked anything."""
    k_m = len(own_items & peer_items)
    k_u = len(own_items) + len(peer_items) - k_m
    if k_u == 0:
        return 0.0
    k_t = len(own_terms & peer_terms)
    return (k_t + k_m * k_m) / k_u


def max_normalise(raw: Mapping[str, float]) -> dict[str, float]:
    """Divide by the largest value so the most similar peer has 1; all zeros stay zeros."""
    largest = max(raw.values(), default=0.0)
    if largest <= 0.0:
        return dict.fromkeys(raw, 0.0)
    return {peer: value / largest for peer, value in raw.items()}
