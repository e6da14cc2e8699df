"""The score explanation: own + peers is the click score the order uses, the parts give the
served order back, and explaining changes no ranking (``scores`` is checked bit for bit
against the pre-explanation implementation, restated here)."""

from __future__ import annotations

import dataclasses
import random

import numpy as np
import pytest

from models.rank.config import (
    BM25_ONLY,
    BYTESWARM,
    BYTESWARM_V2,
    BYTESWARM_V3,
    PAPER_F1,
    RankConfig,
)
from models.rank.counters import ClickCounters, agreement
from models.rank.explain import order_key
from models.rank.index import RankIndex
from models.rank.rows import ClickRow, Item

WORDS = ("blue", "night", "jazz", "rock", "soft", "loud", "red")
CONFIGS = {
    "v2": BYTESWARM_V2,
    "v3": BYTESWARM_V3,
    "byteswarm": BYTESWARM,
    "paper_f1": PAPER_F1,
    "consensus": dataclasses.replace(BYTESWARM, consensus_rounds=2),
    "support": dataclasses.replace(BYTESWARM, min_support=0.3, author_cap="share"),
    "budget_log": dataclasses.replace(BYTESWARM, vote_budget=3.0, author_cap="log"),
}


def world(config: RankConfig, seed: int) -> RankIndex:
    """A catalogue of 40 items and 600 clicks by the node and 12 peers, some of whom
    share the node's taste."""
    rng = random.Random(seed)
    items = [
        Item(f"i{n}", " ".join(rng.sample(WORDS, 2)), f"artist{n % 5}", (rng.choice(WORDS),))
        for n in range(40)
    ]
    index = RankIndex("me", config, items)
    authors = ["me", *(f"peer{n}" for n in range(12))]
    seqs = dict.fromkeys(authors, 0)
    rows = []
    for t in range(600):
        author = rng.choice(authors)
        query = rng.choice(WORDS)
        liked = [i.id for i in items if query in i.title or rng.random() < 0.05]
        item = rng.choice(liked[: 3 + authors.index(author) % 4] or [items[0].id])
        # the results above the click: what ``byteswarm_v3`` counts as skipped
        above = tuple(liked[: liked.index(item)]) if config.estimator == "beta" else ()
        at = len(above) + 1 if above else 0
        rows.append(ClickRow(author, seqs[author], query, above, item, float(t), at))
        seqs[author] += 1
    index.add_rows(rows)
    return index


@pytest.mark.parametrize("name", sorted(CONFIGS))
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_parts_compose_the_click_score_and_give_the_served_order(name: str, seed: int) -> None:
    index = world(CONFIGS[name], seed)
    checked = skipped = 0
    for query in [*WORDS, "blue night", "nothing at all"]:
        ranked, fallback = index.rank_or_popular(query, None)
        if fallback:
            continue
        parts = index.explain(query, ranked)
        assert list(parts) == ranked
        for p in parts.values():
            assert abs(p.own + p.peers - p.clicks) <= 1e-9, (query, p)
            assert p.peers >= sum(peer.share for peer in p.top_peers) - 1e-9
            assert [peer.share for peer in p.top_peers] == sorted(
                (peer.share for peer in p.top_peers), reverse=True
            )
        assert sorted(parts.values(), key=order_key) == [parts[i] for i in ranked]
        checked += sum(p.clicks > 0 for p in parts.values())
        beta = CONFIGS[name].estimator == "beta"
        assert all((p.attractiveness is not None) == beta for p in parts.values())
        skipped += sum((p.skips or 0.0) > 0 for p in parts.values())
    assert checked > 0  # the worlds do have clicked results to explain
    assert skipped > 0 or CONFIGS[name].estimator != "beta"  # and v3 skipped ones


def test_a_peer_share_is_its_click_times_its_similarity_weight() -> None:
    catalogue = [Item("a", "jazz", "x"), Item("b", "jazz", "y"), Item("c", "rock", "z")]
    index = RankIndex("me", dataclasses.replace(BYTESWARM, half_life_s=None), catalogue)
    index.add_rows(
        [
            ClickRow("me", 0, "jazz", (), "a", 0.0),
            ClickRow("me", 1, "rock", (), "c", 0.0),
            ClickRow("twin", 0, "jazz", (), "a", 0.0),  # shares 'a' and 'jazz' with me
            ClickRow("twin", 1, "jazz", (), "b", 0.0),
            ClickRow("other", 0, "jazz", (), "b", 0.0),  # shares only the term
        ]
    )
    weights = index.author_weights()
    parts = index.explain("jazz", index.rank("jazz", None))
    assert parts["a"].own == pytest.approx(1.0)  # one vote, weight 1 + F
    assert parts["a"].peers == pytest.approx(weights["twin"])
    shares = {p.author: p.share for p in parts["b"].top_peers}
    assert shares == pytest.approx({"twin": weights["twin"], "other": weights["other"]})
    assert parts["b"].own == 0.0
    trusted = index.trusted(5)
    assert trusted[0].author == "twin"
    twin = trusted[0]
    assert (twin.shared_items, twin.shared_terms, twin.union_items) == (1, 1, 3)
    assert twin.similarity == pytest.approx(1.0)


def test_without_clicks_bm25_alone_explains_the_order() -> None:
    index = world(BM25_ONLY, 0)
    ranked = index.rank("loud rock", None)
    parts = index.explain("loud rock", ranked)
    assert len(parts) > 1
    assert all(
        p.matched and p.bm25 > 0.0 and p.clicks == p.own == p.peers == 0.0 for p in parts.values()
    )
    bm25 = [parts[i].bm25 for i in ranked]
    assert bm25 == sorted(bm25, reverse=True)


def _old_scores(
    counters: ClickCounters,
    query: str,
    weights: np.ndarray,
    now: float,
    min_support: float,
    consensus_rounds: int,
) -> dict[str, float]:
    """``ClickCounters.scores`` as it was before the explanation (session 10)."""
    found = counters.capped(query, now)
    if found is None:
        return {}
    items, authors, values = found
    weighted = values * weights[authors]
    totals = np.bincount(items, weights=weighted)
    if consensus_rounds > 0:
        mass = np.bincount(authors, weights=values)
        shares = np.divide(
            values, mass[authors], out=np.zeros_like(values), where=mass[authors] > 0
        )
        for _ in range(consensus_rounds):
            trust = agreement(items, authors, shares, totals)
            totals = np.bincount(items, weights=weighted * trust[authors])
    if min_support > 0.0:
        trusted = (weights[authors] > 0.0) & (values > 0.0)
        support = np.bincount(items, weights=trusted)
        voters = np.unique(authors[trusted]).size
        totals[support < min_support * voters] = 0.0
    positive = np.flatnonzero(totals > 0.0)
    return {counters.item_name(i): float(totals[i]) for i in positive.tolist()}


@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_scores_are_bit_for_bit_what_they_were(name: str) -> None:
    config = CONFIGS[name]
    for seed in (3, 4):
        index = world(config, seed)
        weights = np.array(list(index.author_weights().values()))
        counters = index._clicks
        for query in WORDS:
            new = counters.scores(
                query, weights, index.now, config.min_support, config.consensus_rounds
            )
            old = _old_scores(
                counters, query, weights, index.now, config.min_support, config.consensus_rounds
            )
            assert new == old  # exact floats, same keys: the order cannot have moved
