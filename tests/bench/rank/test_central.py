"""The central learner's peer-rule variants read the traffic as the peers do, one rule at a
time (``bench.rank.central``)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest

from bench.rank.central import PeerRulesLearner, learner_for
from bench.rank.world import World
from models.rank.rows import Item

PAGE = ["i0", "i1", "i2", "i3"]


def _sim() -> Any:
    items = [Item(item, f"song {item}", "band") for item in PAGE]
    grades = {"song": dict.fromkeys(PAGE, 1)}
    world = World("test", items, ["song"], np.ones(1), [], grades, max_grade=4)
    return SimpleNamespace(world=world)


def _learner(rules: str) -> Any:
    return learner_for(_sim(), 8.0, None, 1.0, rules)


def test_exact_counts_a_page_without_a_click_and_the_others_do_not() -> None:
    exact, peers = _learner("exact"), _learner("clicked_pages")
    for learner in (exact, peers):
        learner.update("song", PAGE, [], "pbm1", user=1)
    assert sum(exact.passed["song"].values()) > 0.0
    assert sum(peers.passed["song"].values()) == 0.0
    assert not isinstance(exact, PeerRulesLearner)


def test_peer_skips_weigh_the_results_above_a_click_one_over_their_rank() -> None:
    learner = _learner("peer_skips")
    learner.update("song", PAGE, ["i3"], "pbm1", user=1)
    assert [learner.passed["song"][k] for k in PAGE[:3]] == pytest.approx([1.0, 0.5, 1 / 3])
    assert learner.clicks["song"]["i3"] == 1.0


def test_without_peer_votes_every_click_counts() -> None:
    learner = _learner("peer_skips")
    for _ in range(3):
        learner.update("song", PAGE, ["i1"], "dbn1", user=1)
    assert learner.clicks["song"]["i1"] == 3.0


def test_peer_votes_keep_one_latest_vote_per_user() -> None:
    learner = _learner("peer_votes")
    for _ in range(3):
        learner.update("song", PAGE, ["i1"], "dbn1", user=1)
    assert learner.clicks["song"]["i1"] == 1.0
    # the same user later passes i1 over (clicks i2 below it): the pass replaces the click
    learner.update("song", PAGE, ["i2"], "dbn1", user=1)
    assert learner.clicks["song"]["i1"] == 0.0
    assert learner.passed["song"]["i1"] == pytest.approx(0.5)
    # another user's click on i1 is a vote of its own
    learner.update("song", PAGE, ["i1"], "dbn1", user=2)
    assert learner.clicks["song"]["i1"] == 1.0
    # i0, above every click here: one pass by user 1 (its four pages replace each other) and
    # one by user 2
    assert learner.passed["song"]["i0"] == pytest.approx(2.0)
