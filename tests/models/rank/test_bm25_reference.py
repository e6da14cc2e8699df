"""Reference check: ``Bm25Index`` against SQLite FTS5's ``bm25()`` on random catalogues."""

from __future__ import annotations

import math
import random
import sqlite3

import pytest

from models.rank.bm25 import Bm25Index
from models.rank.rows import Item

WORDS = ["blue", "moon", "red", "sky", "jazz", "rock", "night", "day", "song", "love", "rain"]


def catalogue(seed: int, n_items: int) -> list[Item]:
    rng = random.Random(seed)
    return [
        Item(
            id=f"i{n}",
            title=" ".join(rng.choices(WORDS, k=rng.randint(1, 5))),
            artist=rng.choice(WORDS),
            tags=tuple(rng.sample(WORDS, k=rng.randint(1, 3))),
        )
        for n in range(n_items)
    ]


def fts5_scores(items: list[Item], query: str) -> dict[str, float]:
    db = sqlite3.connect(":memory:")
    db.execute("CREATE VIRTUAL TABLE t USING fts5(id UNINDEXED, body)")
    db.executemany(
        "INSERT INTO t VALUES (?, ?)",
        [(item.id, " ".join((item.title, item.artist, *item.tags))) for item in items],
    )
    # FTS5's bm25() is negated so that ORDER BY bm25(t) puts the best match first
    return {
        row[0]: -row[1] for row in db.execute("SELECT id, bm25(t) FROM t WHERE t MATCH ?", (query,))
    }


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("word", ["blue", "rain", "song"])
def test_single_term_scores_match_fts5_once_each_idf_is_divided_out(seed: int, word: str) -> None:
    items = catalogue(seed, n_items=60)
    ours = Bm25Index()
    ours.add_items(items)
    theirs = fts5_scores(items, word)
    mine = ours.search(word)
    assert set(mine) == set(theirs) and theirs
    n, df = len(items), len(theirs)
    our_idf = math.log(1.0 + (n - df + 0.5) / (df + 0.5))
    fts5_idf = max(math.log((n - df + 0.5) / (df + 0.5)), 1e-6)
    for item_id, score in theirs.items():
        assert mine[item_id] / our_idf == pytest.approx(score / fts5_idf, rel=1e-9)


def test_a_term_in_most_items_still_separates_items_where_fts5_flattens_it() -> None:
    common = [Item(id=f"c{n}", title="blue " * (1 + n % 3), artist="x", tags=()) for n in range(9)]
    items = [*common, Item(id="other", title="red", artist="y", tags=())]
    ours = Bm25Index()
    ours.add_items(items)
    mine = ours.search("blue")
    theirs = fts5_scores(items, "blue")
    assert max(theirs.values()) < 1e-5  # idf floored at 1e-6: no ranking signal left
    assert mine["c2"] > mine["c1"] > mine["c0"] > 0.1  # more "blue" ranks higher
