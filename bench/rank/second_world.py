"""The second world: a catalogue, users and ground truth built apart from ``world.py``'s.

Issue 22 found ``byteswarm_v2`` weaker on an independent G-Rank simulation than on ours, so
this world changes what ours assumes, one assumption at a time:

- **Catalogue from latent attributes.** Each item has one genre, one or two moods and a
  quality in [0, 1]; its metadata (the tags BM25 reads) carry the genre always, each true
  mood with probability ``1 - MISSING_MOOD`` and a wrong mood with probability
  ``SPURIOUS_MOOD``. Ours draws tags at random and grades directly.
- **Five grades (0-4) from the latent attributes**, not from the metadata: for a genre query,
  1-4 by quality among the genre's items; for a genre + mood query, 2-4 by quality for items
  with both, 0-1 for the genre alone (a good one gets 1), 0 for the mood alone. So BM25's
  two-term match is informative but wrong where metadata is. Ours: 0-2 drawn per match.
- **One- and two-term queries**: every genre plus genre + mood pairs with enough items,
  drawn uniformly or by Zipf popularity (``queries``). Ours: one tag, Zipf, some unseen.
- **Its own clock**: queries arrive as a Poisson process (``mean_gap_s``), not one a second.
- **Partial catalogues**: each peer knows each item with probability ``known_fraction``
  and can only serve those (the daemon ranks its own imported catalogue); served nDCG is
  measured against the best ranking of what the peer knows (``ndcg``) and of the whole
  catalogue (``ndcg_catalogue``).
- **Random initial clicks**: each peer starts with ``initial_clicks`` clicks on random
  matching items of random queries, made before the first query.

Users click at most once a query (``one_click.py``).
"""

from __future__ import annotations

import numpy as np

from bench.rank.world import World
from models.rank.rows import Item

MISSING_MOOD = 0.2
"""Probability that a true mood is missing from an item's metadata."""
SPURIOUS_MOOD = 0.15
"""Probability that an item's metadata carry a mood it does not have."""
MIN_PAIR_ITEMS = 4
"""A genre + mood query exists only if at least this many items truly have both."""


def _grade_genre(quality: float) -> int:
    return 1 + int(quality > 0.4) + int(quality > 0.65) + int(quality > 0.85)


def _grade_pair(has_genre: bool, has_mood: bool, quality: float) -> int:
    if has_genre and has_mood:
        return 2 + int(quality > 0.5) + int(quality > 0.8)
    return int(has_genre and quality > 0.6)


def second_world(
    seed: int,
    queries: str = "uniform",
    n_items: int = 400,
    n_genres: int = 12,
    n_moods: int = 8,
    n_pairs: int = 36,
    zipf_s: float = 1.1,
    known_fraction: float = 0.7,
    initial_clicks: int = 3,
    mean_gap_s: float | None = 3.0,
) -> World:
    """A seeded second world; ``queries`` is ``uniform`` or ``zipf`` (popularity ~ 1/r^s)."""
    # its own seed space: the same seed never draws the same numbers as world.py's worlds
    rng = np.random.default_rng([seed, 22, 2])
    genre = rng.integers(n_genres, size=n_items)  # (N,)
    moods = [
        frozenset(rng.choice(n_moods, size=int(rng.integers(1, 3)), replace=False).tolist())
        for _ in range(n_items)
    ]
    quality = rng.beta(2.0, 2.0, size=n_items)  # (N,)
    items = []
    for n in range(n_items):
        tags = [f"g{int(genre[n]):02d}"]
        tags += [f"m{m}" for m in sorted(moods[n]) if rng.random() >= MISSING_MOOD]
        if rng.random() < SPURIOUS_MOOD:
            wrong = [m for m in range(n_moods) if m not in moods[n]]
            tags.append(f"m{int(rng.choice(wrong))}")
        title = " ".join(f"t{int(w)}" for w in rng.integers(500, size=int(rng.integers(1, 4))))
        items.append(Item(f"s{n:04d}", title, f"band{int(rng.integers(150))}", tuple(tags)))
    grades: dict[str, dict[str, int]] = {}
    for g in range(n_genres):
        grades[f"g{g:02d}"] = {
            items[n].id: _grade_genre(float(quality[n])) for n in np.flatnonzero(genre == g)
        }
    pairs = [
        (g, m)
        for g in range(n_genres)
        for m in range(n_moods)
        if sum(genre[n] == g and m in moods[n] for n in range(n_items)) >= MIN_PAIR_ITEMS
    ]
    for k in sorted(rng.choice(len(pairs), size=min(n_pairs, len(pairs)), replace=False)):
        g, m = pairs[int(k)]
        grade = {
            items[n].id: _grade_pair(genre[n] == g, m in moods[n], float(quality[n]))
            for n in range(n_items)
        }
        grades[f"g{g:02d} m{m}"] = {item: v for item, v in grade.items() if v > 0}
    issued = list(grades)
    if queries == "uniform":
        query_p = np.full(len(issued), 1.0 / len(issued))
    elif queries == "zipf":
        ranks = rng.permutation(len(issued)) + 1  # (Q,) popularity rank of each query
        weights = 1.0 / ranks.astype(float) ** zipf_s
        query_p = weights / weights.sum()
    else:
        raise ValueError(f"queries must be uniform or zipf, not {queries!r}")
    world = World(
        f"second_{queries}",
        items,
        issued,
        query_p,
        [],
        grades,
        max_grade=4,
        relevant_grade=3,
        known_fraction=known_fraction,
        initial_clicks=initial_clicks,
        mean_gap_s=mean_gap_s,
    )
    for query in issued:
        terms = set(query.split())
        world.matches[query] = [item.id for item in items if terms & set(item.tags)]
    return world
