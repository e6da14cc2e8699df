"""Ranking order, fallbacks, exploration, counters and incremental similarity."""

from __future__ import annotations

import dataclasses
import math
from collections import Counter, defaultdict

import numpy as np
import pytest

from models.rank.bm25 import Bm25Index
from models.rank.config import BM25_ONLY, BYTESWARM, GLOBAL_COUNTS, PAPER_F1
from models.rank.index import RankIndex
from models.rank.rows import ClickRow, CounterRow, Item
from models.rank.similarity import max_normalise, raw_similarity, top_terms
from models.rank.wire_size import (
    array_header_bytes,
    counters_bytes,
    row_bytes,
    rows_bytes,
    rows_to_counters,
)

CATALOGUE = [
    Item("m1", "jazz", "ann", ("blue",)),
    Item("m2", "jazz", "bob", ("blue",)),
    Item("long", "jazz night long session", "cat", ("blue",)),
    Item("c", "rock", "dan", ()),
    Item("p", "pop", "eve", ()),
]


def click(author: str, seq: int, query: str, item: str) -> ClickRow:
    return ClickRow(author, seq, query, (), item, float(seq))


def test_bm25_single_match_scores_ln2() -> None:
    index = Bm25Index()
    index.add_items([Item("d1", "jazz", "x1"), Item("d2", "rock", "x2")])
    # N = 2, df = 1 -> idf = ln 2; tf = 1 and dl = avgdl -> tf (k1 + 1) / (tf + k1) = 1
    assert index.search("jazz") == pytest.approx({"d1": math.log(2.0)})
    assert index.search("nothing") == {}


def test_unseen_query_falls_back_to_bm25_order() -> None:
    index = RankIndex("me", GLOBAL_COUNTS, CATALOGUE)
    # shorter documents score higher; equal scores break by id
    assert index.rank("Jazz ", k=None) == ["m1", "m2", "long"]


def test_clicks_reorder_matches_but_never_lift_click_only_items_above_them() -> None:
    index = RankIndex("me", GLOBAL_COUNTS, CATALOGUE)
    index.add_rows([click("a", s, "jazz", "c") for s in range(50)])
    index.add_rows([click("b", 0, "jazz", "long")])
    assert index.rank("jazz", k=None) == ["long", "m1", "m2", "c"]


def test_no_match_and_no_clicks_falls_back_to_popular_items() -> None:
    index = RankIndex("me", GLOBAL_COUNTS, CATALOGUE)
    assert index.rank("zzz") == []
    index.add_rows([click("a", 0, "rock", "c"), click("a", 1, "pop", "p"), click("b", 0, "x", "p")])
    assert index.rank("zzz") == ["p", "c"]
    assert index.rank("   ") == []


def test_bm25_only_ignores_clicks() -> None:
    index = RankIndex("me", BM25_ONLY, CATALOGUE)
    index.add_rows([click("a", 0, "jazz", "long")])
    assert index.rank("jazz", k=None) == ["m1", "m2", "long"]


def test_exploration_off_is_deterministic_and_seeded_on_is_reproducible() -> None:
    index = RankIndex("me", dataclasses.replace(GLOBAL_COUNTS, explore_p=1.0), CATALOGUE)
    base = index.rank("jazz", k=None)
    assert index.rank("jazz", k=None) == base
    first = index.rank("jazz", k=None, explore_rng=np.random.default_rng(3))
    again = index.rank("jazz", k=None, explore_rng=np.random.default_rng(3))
    assert first == again
    assert sorted(first) == sorted(base)
    assert sum(a != b for a, b in zip(first, base, strict=True)) == 2
    never = RankIndex("me", dataclasses.replace(GLOBAL_COUNTS, explore_p=0.0), CATALOGUE)
    assert never.rank("jazz", k=None, explore_rng=np.random.default_rng(3)) == base


def test_exploration_can_bring_an_unshown_item_into_view() -> None:
    index = RankIndex("me", dataclasses.replace(GLOBAL_COUNTS, explore_p=0.5), CATALOGUE)
    shown = {
        item
        for seed in range(40)
        for item in index.rank("jazz", k=1, explore_rng=np.random.default_rng(seed))
    }
    assert shown == {"m1", "m2", "long"}


def test_exploration_within_shown_never_changes_what_is_shown() -> None:
    config = dataclasses.replace(GLOBAL_COUNTS, explore_p=1.0, explore_scope="shown")
    index = RankIndex("me", config, CATALOGUE)
    base = index.rank("jazz", k=2)
    pages = [index.rank("jazz", k=2, explore_rng=np.random.default_rng(s)) for s in range(20)]
    assert all(sorted(page) == sorted(base) for page in pages)
    assert any(page != base for page in pages)
    assert index.rank("jazz", k=1, explore_rng=np.random.default_rng(0)) == base[:1]


def test_tail_exploration_swaps_only_the_last_shown_slot_with_an_unshown_result() -> None:
    config = dataclasses.replace(GLOBAL_COUNTS, explore_p=1.0, explore_scope="tail")
    index = RankIndex("me", config, CATALOGUE)
    base = index.rank("jazz", k=None)  # three matches
    pages = [index.rank("jazz", k=2, explore_rng=np.random.default_rng(s)) for s in range(10)]
    assert all(page == [base[0], base[2]] for page in pages)
    # nothing unshown to bring in: the page stays as ranked
    assert index.rank("jazz", k=3, explore_rng=np.random.default_rng(0)) == base


@pytest.mark.parametrize("n_rows", [0, 1, 15, 16, 40])
def test_batch_bytes_are_the_header_plus_each_rows_bytes(n_rows: int) -> None:
    batch = [
        ClickRow(f"author{s % 3}", s, "jazz", ("m1", "m2")[: s % 3], "m1", s * 1.5)
        for s in range(n_rows)
    ]
    expected = array_header_bytes(n_rows) + sum(row_bytes(row) for row in batch)
    assert rows_bytes(batch) == expected


def test_counters_merge_by_maximum_and_ignore_replays() -> None:
    index = RankIndex("me", GLOBAL_COUNTS, CATALOGUE)
    assert index.add_counters([CounterRow("a", "jazz", "m2", 3, 1.0)]) == 3
    assert index.add_counters([CounterRow("a", "jazz", "m2", 5, 2.0)]) == 2
    assert index.add_counters([CounterRow("a", "jazz", "m2", 3, 1.0)]) == 0
    assert index.click_scores("jazz") == pytest.approx({"m2": 5.0})


def test_counters_rank_like_the_rows_they_summarise() -> None:
    rng = np.random.default_rng(0)
    queries, items = ["jazz", "rock", "blue"], [it.id for it in CATALOGUE]
    all_rows = [
        click(f"a{rng.integers(4)}", seq, queries[rng.integers(3)], items[rng.integers(5)])
        for seq in range(200)
    ]
    all_rows = [dataclasses.replace(r, seq=i) for i, r in enumerate(all_rows)]
    from_rows = RankIndex("a0", PAPER_F1, CATALOGUE)
    from_rows.add_rows(all_rows)
    from_counters = RankIndex("a0", PAPER_F1, CATALOGUE)
    from_counters.add_counters(rows_to_counters(all_rows[:120]))
    base: dict[tuple[str, str, str], int] = {}
    rows_to_counters(all_rows[:120], base)
    from_counters.add_counters(rows_to_counters(all_rows[120:], base))
    for query in queries:
        assert from_counters.click_scores(query) == pytest.approx(from_rows.click_scores(query))


def test_counters_are_smaller_than_rows_for_repeated_clicks() -> None:
    batch = [ClickRow("author", s, "jazz", ("m1", "m2", "long"), "m1", float(s)) for s in range(20)]
    counters = rows_to_counters(batch)
    assert counters == [CounterRow("author", "jazz", "m1", 20, 19.0)]
    assert counters_bytes(counters) < rows_bytes(batch) / 10


def test_incremental_similarity_matches_a_fresh_index() -> None:
    rng = np.random.default_rng(1)
    queries, items = [f"t{i}" for i in range(15)], [f"i{i}" for i in range(30)]
    catalogue = [Item(i, i, "x") for i in items]
    live = RankIndex("a0", BYTESWARM, catalogue)
    seen: list[ClickRow] = []
    for seq in range(300):
        row = ClickRow(
            f"a{rng.integers(6)}", seq, queries[rng.integers(15)], (), items[rng.integers(30)], seq
        )
        seen.append(row)
        live.add_rows([row])
        if seq % 37 == 0:
            live.rank(queries[0])
    fresh = RankIndex("a0", BYTESWARM, catalogue)
    fresh.add_rows(seen)
    assert live.similarity() == pytest.approx(fresh.similarity())
    for query in queries:
        assert live.rank(query, k=None) == fresh.rank(query, k=None)


def test_own_click_assigns_increasing_sequence_numbers() -> None:
    index = RankIndex("me", BYTESWARM, CATALOGUE)
    first = index.own_click("Jazz", ["m1"], "m1", 1.0)
    second = index.own_click("jazz", ["m1"], "m2", 2.0)
    assert (first.seq, second.seq, first.query) == (0, 1, "jazz")


def test_incremental_profiles_match_the_reference_formula() -> None:
    rng = np.random.default_rng(2)
    queries, items = [f"t{i}" for i in range(25)], [f"i{i}" for i in range(40)]
    index = RankIndex("a0", PAPER_F1, [Item(i, i, "x") for i in items])
    seen: list[ClickRow] = []
    for seq in range(600):
        author = f"a{rng.integers(8)}"
        row = ClickRow(author, seq, queries[rng.integers(25)], (), items[rng.integers(40)], seq)
        seen.append(row)
        index.add_rows([row])
        if seq % 50 == 0:
            index.rank(queries[0])
    terms: dict[str, Counter[str]] = defaultdict(Counter)
    clicked: dict[str, set[str]] = defaultdict(set)
    for row in seen:
        terms[row.author][row.query] += 1
        clicked[row.author].add(row.clicked)
    top = {author: top_terms(counts, 10) for author, counts in terms.items()}
    raw = {
        author: raw_similarity(top["a0"], clicked["a0"], top[author], clicked[author])
        for author in terms
        if author != "a0"
    }
    assert index.similarity() == pytest.approx(max_normalise(raw))
