"""The demo's generated catalogue, its simulated users and the ground truth they click by.

Everything comes from one seed: items with one or two genre tags, how often each genre is
searched (Zipf), and a hidden grade per (query, item): 0 off-topic, 1 relevant, 2 best.
A tag match alone cannot order the matches, so served nDCG@10 rises only as G-Rank learns
from clicks. Users follow a cascade click model (the online-LTR "navigational" one).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

GENRES = ("jazz", "ambient", "techno", "folk", "soul", "punk", "disco", "blues", "dub", "funk")
WORDS = (
    "night", "river", "glass", "summer", "echo", "velvet", "signal", "harbor", "paper", "orbit",
    "silver", "garden", "motion", "static", "lantern", "winter", "neon", "canyon", "mirror",
    "fever", "ocean", "circuit", "shadow", "bloom",
)  # fmt: skip
CLICK_P = (0.05, 0.5, 0.95)
"""Probability of a click on an item of grade 0, 1, 2 that the user looks at."""
STOP_P = (0.2, 0.5, 0.9)
"""Probability that the user stops looking after clicking an item of grade 0, 1, 2."""


@dataclass(frozen=True)
class World:
    items: list[dict[str, object]]
    """Catalogue rows as ``byteswarm items import`` reads them (id, title, artist, tags)."""
    queries: list[str]
    query_p: np.ndarray
    """(Q,) how often users issue each query."""
    grades: dict[str, dict[str, int]]
    """query -> item id -> grade; items absent have grade 0."""

    def catalogue_jsonl(self) -> str:
        return "".join(json.dumps(item) + "\n" for item in self.items)

    def sample_queries(self, rng: np.random.Generator, n: int) -> list[str]:
        picks = rng.choice(len(self.queries), size=n, p=self.query_p)
        return [self.queries[int(i)] for i in picks]


def make_world(seed: int, n_items: int = 48, n_queries: int = 8) -> World:
    """A catalogue of ``n_items`` over ``n_queries`` genres; every genre has a best item."""
    rng = np.random.default_rng(seed)
    genres = list(GENRES[:n_queries])
    items: list[dict[str, object]] = []
    for n in range(n_items):
        tags = [
            genres[int(t)]
            for t in rng.choice(n_queries, size=int(rng.integers(1, 3)), replace=False)
        ]
        title = " ".join(WORDS[int(w)] for w in rng.choice(len(WORDS), size=2, replace=False))
        items.append(
            {"id": f"t{n:03d}", "title": title, "artist": f"artist {n % 17}", "tags": sorted(tags)}
        )
    grades: dict[str, dict[str, int]] = {}
    for genre in genres:
        matched = [str(item["id"]) for item in items if genre in item["tags"]]  # type: ignore[operator]
        draws = rng.random(len(matched))
        graded = {
            i: 0 if d < 0.3 else 1 if d < 0.8 else 2 for i, d in zip(matched, draws, strict=True)
        }
        if matched and 2 not in graded.values():
            graded[matched[int(rng.integers(len(matched)))]] = 2
        grades[genre] = graded
    weights = 1.0 / np.arange(1, n_queries + 1)
    order = rng.permutation(n_queries)
    return World(items, [genres[int(i)] for i in order], weights / weights.sum(), grades)


def user_clicks(
    world: World, query: str, shown: Sequence[str], rng: np.random.Generator
) -> list[str]:
    """A cascade user: reads the page top-down, clicks by grade, may stop after a click."""
    grades = world.grades[query]
    clicked = []
    for item in shown:
        grade = grades.get(item, 0)
        if rng.random() < CLICK_P[grade]:
            clicked.append(item)
            if rng.random() < STOP_P[grade]:
                break
    return clicked


def ndcg_at(ranking: Sequence[str], grades: Mapping[str, int], k: int = 10) -> float:
    """nDCG@k with gains 2^grade - 1 (the bench's ``grank_metrics.ndcg_at``)."""
    gains = np.array([2.0 ** grades.get(item, 0) - 1.0 for item in ranking[:k]])
    discounts = 1.0 / np.log2(np.arange(2, k + 2))
    ideal = np.sort(np.array([2.0**g - 1.0 for g in grades.values()]))[::-1][:k]
    best = float(ideal @ discounts[: len(ideal)])
    return float(gains @ discounts[: len(gains)]) / best if best > 0 else 0.0


def served_ndcg(world: World, rankings: Mapping[str, Sequence[str]]) -> float:
    """nDCG@10 of what a node serves, weighted by how often users issue each query."""
    return float(
        sum(
            p * ndcg_at(rankings.get(q, []), world.grades[q])
            for q, p in zip(world.queries, world.query_p, strict=True)
        )
    )
