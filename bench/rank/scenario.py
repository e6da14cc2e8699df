"""A simulation's setup (``Scenario``: world, users, attack, gossip, scale) and its world."""

from __future__ import annotations

from dataclasses import dataclass

from bench.rank.second_world import second_world
from bench.rank.world import World, paper_world, realistic_world


@dataclass(frozen=True)
class Scenario:
    name: str
    world: str = "paper"
    """paper | realistic | scale (realistic with 5,000 items) | second_uniform | second_zipf
    (``second_world.py``, uniform or Zipf queries)."""
    world_options: tuple[tuple[str, float | None], ...] = ()
    """Keyword arguments for ``second_world`` (e.g. ``(("known_fraction", 1.0),)``), to
    take the second world's differences from ours apart one at a time."""
    clicks: str = "paper"
    """paper | position | navigational | informational (``world.py``) | pbm1 | dbn1
    (``one_click.py``)."""
    attack: str = "none"
    """none | targeted | inflation | sybil75 | mimicry | backdated."""
    gossip: str = "pull"
    n_nodes: int = 100
    n_queries: int = 10_000
    eval_every: int = 100
    attack_at: int = 2_000
    n_eval_nodes: int = 20
    explore: bool = True
    """Exploration swaps in the rankings users see (never in evaluation)."""
    explore_scope: str | None = None
    """Override the methods' ``RankConfig.explore_scope`` (any | shown); None keeps theirs."""
    n_distance_nodes: int | None = None
    """Honest nodes the mean node distance averages over (None: the evaluated nodes)."""
    peer_choice: str = "network"
    """network: pull from a random live peer (the paper); learned: only peers met in gossip."""


def make_world(scenario: Scenario, seed: int) -> World:
    if scenario.world == "paper":
        return paper_world(seed)
    if scenario.world.startswith("second_"):
        options = dict(scenario.world_options)
        return second_world(seed, queries=scenario.world.removeprefix("second_"), **options)  # type: ignore[arg-type]
    if scenario.world == "scale":
        return realistic_world(seed, n_items=5_000, n_tags=200)
    return realistic_world(seed)
