"""Where a ranking came from: each result's click score split into the node's own clicks and
its peers' (each weighted by similarity), its metadata (BM25) score, and the peers the node
trusts most with the overlaps that make it trust them.

Computed from the ranker's own arrays (``ClickCounters.pair_parts``, the weight vector,
``PeerProfiles.overlap``): an explanation, never a second ranker. ``order_key`` restates
``RankIndex.rank_or_popular``'s order from the parts, so a test can check that sorting the
explained items by it gives the served ranking, and that own + peers is the click score.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from models.rank.profiles import PeerProfiles


@dataclass(frozen=True, slots=True)
class PeerPart:
    """One peer's part in an item's click score."""

    author: str
    weight: float
    """``S_i(j) + F`` (0 below the trust floor): what each of its clicks is multiplied by."""
    share: float
    """Its decayed, capped click on the item times ``weight`` (as the score sums it)."""


@dataclass(frozen=True, slots=True)
class ScoreParts:
    """Why one item sits where it does in a ranking."""

    item: str
    clicks: float
    """The click score the order uses (``RankIndex.click_scores``)."""
    own: float
    """This node's clicks on the item for the query (weight 1 + F)."""
    peers: float
    """Every other author's clicks, each times its weight; ``own + peers == clicks``."""
    bm25: float
    """The metadata match (title, artist, tags); 0 for an item only clicks brought in."""
    matched: bool
    """Whether the item matches the query's text (matches rank before click-only items)."""
    top_peers: tuple[PeerPart, ...]
    """The peers with the largest shares, largest first."""
    attractiveness: float | None = None
    """With the ``beta`` estimator (``byteswarm_v3``): what text matches are sorted by
    instead of ``clicks``, the posterior (clicks + prior) / (clicks + skips + strength)."""
    skips: float | None = None
    """With the ``beta`` estimator: the similarity-weighted skip votes on the item."""


@dataclass(frozen=True, slots=True)
class TrustedAuthor:
    """A peer the node weighs highly, and why: the similarity's inputs."""

    author: str
    weight: float
    similarity: float
    """``S_i(j)``, max-normalised over the node's peers (the most similar has 1)."""
    shared_terms: int
    """k_t: top query terms in common."""
    shared_items: int
    """k_m: items both clicked."""
    union_items: int
    """k_u: items either clicked."""


def order_key(parts: ScoreParts) -> tuple[bool, float, float, str]:
    """``rank``'s order as a sort key: text matches first by click score (attractiveness with
    the ``beta`` estimator) then BM25, then click-only items by click score; ties by item id."""
    first = parts.attractiveness if parts.matched and parts.attractiveness is not None else None
    by = parts.clicks if first is None else first
    return (not parts.matched, -by, -parts.bm25 if parts.matched else 0.0, parts.item)


def explain_scores(
    ranked: Sequence[str],
    meta: Mapping[str, float],
    clicks: Mapping[str, float],
    pairs: tuple[np.ndarray, np.ndarray, np.ndarray] | None,
    item_ids: Mapping[str, int],
    author_name: Callable[[int], str],
    weights: np.ndarray,
    top: int = 3,
    beta: tuple[Mapping[str, float], Mapping[str, float]] | None = None,
) -> dict[str, ScoreParts]:
    """``ScoreParts`` of each of ``ranked``; ``pairs`` is ``ClickCounters.pair_parts``'s
    (items, authors, shares), each (P,), ``weights`` the (A,) author weights; ``beta`` the
    (attractiveness, skips) of the ``beta`` estimator, if the ranker uses it."""
    out: dict[str, ScoreParts] = {}
    if pairs is not None:  # only the pairs of the ranked items: one pass over the query's
        wanted = [item_ids[i] for i in ranked if i in item_ids]
        keep = np.flatnonzero(np.isin(pairs[0], wanted))  # (P',) indices into the (P,)
        pairs = (pairs[0][keep], pairs[1][keep], pairs[2][keep])
    for item in ranked:
        own = peers = 0.0
        top_peers: tuple[PeerPart, ...] = ()
        item_id = item_ids.get(item)
        if pairs is not None and item_id is not None:
            items, authors, shares = pairs
            mine = items == item_id  # (P',)
            own = float(shares[mine & (authors == 0)].sum())
            others = np.flatnonzero(mine & (authors != 0))  # indices into the (P,) arrays
            peers = float(shares[others].sum())
            best = others[np.argsort(-shares[others], kind="stable")[:top]]
            top_peers = tuple(
                PeerPart(author_name(int(authors[n])), float(weights[authors[n]]), float(shares[n]))
                for n in best.tolist()
                if shares[n] > 0.0
            )
        out[item] = ScoreParts(
            item,
            float(clicks.get(item, 0.0)),
            own,
            peers,
            float(meta.get(item, 0.0)),
            item in meta,
            top_peers,
            None if beta is None else float(beta[0].get(item, 0.0)),
            None if beta is None else float(beta[1].get(item, 0.0)),
        )
    return out


def trusted_authors(profiles: PeerProfiles, weights: np.ndarray, n: int) -> list[TrustedAuthor]:
    """The ``n`` other authors with the largest positive weight (then similarity, name)."""
    similarity = profiles.similarity()  # (A,)
    names = profiles.names
    candidates = [a for a in range(1, len(names)) if weights[a] > 0.0]
    candidates.sort(key=lambda a: (-float(weights[a]), -float(similarity[a]), names[a]))
    chosen = []
    for a in candidates[:n]:
        k_t, k_m, k_u = profiles.overlap(a)
        chosen.append(
            TrustedAuthor(names[a], float(weights[a]), float(similarity[a]), k_t, k_m, k_u)
        )
    return chosen
