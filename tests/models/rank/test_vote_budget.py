"""``vote_budget``: an author's decayed votes across all queries are scaled to fit a budget."""

from __future__ import annotations

import numpy as np
import pytest

from models.rank.counters import ClickCounters

WEIGHTS = np.ones(3)  # author 0 (the node), 1 (honest), 2 (spammer), all trusted alike


def counters(budget: float | None) -> ClickCounters:
    clicks = ClickCounters(half_life_s=100.0, cap="recent", vote_budget=budget)
    clicks.add("q", "good", 1, ts=0.0)
    for n in range(1_000):  # a burst of distinct votes at one time
        clicks.add(f"spam{n % 50}", f"item{n}", 2, ts=0.0)
    clicks.add("spam0", "bad", 2, ts=0.0)
    clicks.add("q", "bad", 2, ts=0.0)
    return clicks


def test_a_burst_of_distinct_votes_weighs_like_the_budget() -> None:
    scores = counters(budget=10.0).scores("q", WEIGHTS, now=0.0)
    assert scores["good"] == pytest.approx(1.0)  # one vote: far under the budget
    assert scores["bad"] == pytest.approx(10.0 / 1_002)  # 1,002 votes share 10


def test_without_a_budget_every_vote_counts_one() -> None:
    scores = counters(budget=None).scores("q", WEIGHTS, now=0.0)
    assert scores["good"] == pytest.approx(1.0) and scores["bad"] == pytest.approx(1.0)


def test_the_budget_follows_decay_and_never_scales_the_nodes_own_votes() -> None:
    clicks = ClickCounters(half_life_s=100.0, cap="recent", vote_budget=2.0)
    for n in range(4):
        clicks.add(f"q{n}", "a", 0, ts=0.0)  # the node's own: 4 votes, never scaled
        clicks.add(f"q{n}", "b", 1, ts=0.0)  # a peer's 4 votes: mass 4 > budget 2
    now = clicks.scores("q0", np.ones(2), now=0.0)
    assert now["a"] == pytest.approx(1.0) and now["b"] == pytest.approx(0.5)
    later = clicks.scores("q0", np.ones(2), now=100.0)  # one half-life: mass 2, no scaling
    assert later["a"] == pytest.approx(0.5) and later["b"] == pytest.approx(0.5)


def test_the_budget_survives_a_rebase_of_the_stored_units() -> None:
    clicks = ClickCounters(half_life_s=1.0, cap="recent", vote_budget=2.0)
    for n in range(4):
        clicks.add(f"q{n}", "b", 1, ts=0.0)
    clicks.add("late", "b", 1, ts=500.0)  # 500 half-lives on: stored units rebase
    scores = clicks.scores("late", np.ones(2), now=500.0)
    assert scores["b"] == pytest.approx(1.0)  # the old votes have decayed out of the mass
