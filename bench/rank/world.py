"""Seeded worlds and simulated users for the G-Rank bench.

Paper mode: 256 items with 3 of 39 tags, single-tag queries drawn uniformly; grade 2 for the
lowest-id matching item (the paper's user wants it), 1 for other matches. Realistic mode:
Zipf query popularity, some tags never queried (unseen, evaluated on BM25 fallback), graded
relevance 0-2 among the tag's matches (so metadata alone cannot order them).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from models.rank.rows import Item

# Standard online-LTR click-model parameters (5 grades); our grades 0/1/2 use entries 0/2/4.
PERFECT_CLICK = (0.0, 0.2, 0.4, 0.8, 1.0)
NAVIGATIONAL_CLICK = (0.05, 0.3, 0.5, 0.7, 0.95)
NAVIGATIONAL_STOP = (0.2, 0.3, 0.5, 0.7, 0.9)
INFORMATIONAL_CLICK = (0.4, 0.6, 0.7, 0.8, 0.9)
INFORMATIONAL_STOP = (0.1, 0.2, 0.3, 0.4, 0.5)


@dataclass
class World:
    mode: str
    items: list[Item]
    queries: list[str]
    """Queries users issue."""
    query_p: np.ndarray
    """(Q,) probability of each issued query."""
    unseen: list[str]
    """Queries nobody issues during the run; evaluated only (cold start)."""
    grades: dict[str, dict[str, int]] = field(default_factory=dict)
    """query -> item -> grade (items absent have grade 0)."""
    matches: dict[str, list[str]] = field(default_factory=dict)
    """query -> items whose tags contain it, by id."""
    max_grade: int = 2
    """Grades run 0..max_grade (click models map them onto the standard five)."""
    relevant_grade: int = 2
    """The lowest grade MRR and P@1 count as relevant."""
    known_fraction: float = 1.0
    """Each peer knows each item with this probability (1: every peer knows the catalogue)."""
    initial_clicks: int = 0
    """Random clicks every peer makes before the first query."""
    mean_gap_s: float | None = None
    """Mean seconds between queries, Poisson arrivals; None: one query a second, exactly."""

    def sample_query(self, rng: np.random.Generator) -> str:
        return self.queries[int(rng.choice(len(self.queries), p=self.query_p))]


def _title(rng: np.random.Generator, vocabulary: int) -> str:
    return " ".join(f"w{int(w)}" for w in rng.integers(vocabulary, size=int(rng.integers(1, 5))))


def paper_world(seed: int, n_items: int = 256, n_tags: int = 39) -> World:
    rng = np.random.default_rng(seed)
    tags = [f"tag{t:02d}" for t in range(n_tags)]
    items = []
    for n in range(n_items):
        chosen = tuple(tags[t] for t in sorted(rng.choice(n_tags, size=3, replace=False)))
        items.append(Item(f"i{n:04d}", _title(rng, 200), f"artist{int(rng.integers(50))}", chosen))
    world = World("paper", items, tags, np.full(n_tags, 1.0 / n_tags), [])
    for tag in tags:
        matched = [item.id for item in items if tag in item.tags]
        world.matches[tag] = matched
        world.grades[tag] = {item: (2 if i == 0 else 1) for i, item in enumerate(matched)}
    return world


def realistic_world(
    seed: int,
    n_items: int = 512,
    n_tags: int = 60,
    unseen_fraction: float = 0.2,
    zipf_s: float = 1.0,
) -> World:
    rng = np.random.default_rng(seed)
    tags = [f"tag{t:03d}" for t in range(n_tags)]
    items = []
    for n in range(n_items):
        count = int(rng.integers(2, 5))
        chosen = tuple(tags[t] for t in sorted(rng.choice(n_tags, size=count, replace=False)))
        items.append(Item(f"i{n:05d}", _title(rng, 300), f"artist{int(rng.integers(100))}", chosen))
    order = rng.permutation(n_tags)
    n_unseen = round(unseen_fraction * n_tags)
    issued = [tags[t] for t in order[n_unseen:]]
    weights = 1.0 / np.arange(1, len(issued) + 1) ** zipf_s
    world = World(
        "realistic", items, issued, weights / weights.sum(), [tags[t] for t in order[:n_unseen]]
    )
    for tag in tags:
        matched = [item.id for item in items if tag in item.tags]
        world.matches[tag] = matched
        # graded relevance among the matches: 30 % off-topic (0), 50 % relevant (1), 20 % best (2)
        draws = rng.random(len(matched))
        world.grades[tag] = {
            item: (0 if d < 0.3 else 1 if d < 0.8 else 2)
            for item, d in zip(matched, draws, strict=True)
        }
    return world


def clicks_paper(world: World, query: str, shown: list[str], rng: np.random.Generator) -> list[str]:
    """The paper's user: the lowest-id shown item whose tags match the query."""
    del rng
    grades = world.grades[query]
    hits = [item for item in shown if item in grades]
    return [min(hits)] if hits else []


def clicks_position(
    world: World, query: str, shown: list[str], rng: np.random.Generator
) -> list[str]:
    """Position-based: click at rank r with probability (1/r) * alpha(grade), navigational alpha."""
    grades = world.grades[query]
    draws = rng.random(len(shown))
    return [
        item
        for r, (item, draw) in enumerate(zip(shown, draws, strict=True), start=1)
        if draw < NAVIGATIONAL_CLICK[2 * grades.get(item, 0)] / r
    ]


def _cascade(click_p: tuple[float, ...], stop_p: tuple[float, ...]) -> object:
    def clicks(world: World, query: str, shown: list[str], rng: np.random.Generator) -> list[str]:
        grades = world.grades[query]
        clicked = []
        for item in shown:
            grade = 2 * grades.get(item, 0)
            if rng.random() < click_p[grade]:
                clicked.append(item)
                if rng.random() < stop_p[grade]:
                    break
        return clicked

    return clicks


clicks_navigational = _cascade(NAVIGATIONAL_CLICK, NAVIGATIONAL_STOP)
clicks_informational = _cascade(INFORMATIONAL_CLICK, INFORMATIONAL_STOP)

CLICK_MODELS = {
    "paper": clicks_paper,
    "position": clicks_position,
    "navigational": clicks_navigational,
    "informational": clicks_informational,
}
