"""The central learner of ``bench.rank.ceiling``: Beta posteriors per (query, item) from
every page and click, weighted by the examinations the click model expects
(``examination.py``), and variants that read the traffic by the peers' rules instead.

``RULES`` (each adds its rule to the ones before it):

- ``exact``: the click model's expected examinations, pages without a click included;
- ``clicked_pages``: pages without a click are not counted (a peer logs clicks only);
- ``peer_skips``: each result above the click counts ``1 / r`` passed-over at rank r (the
  peers' ``skip_position_power`` 1), not the model's expected examination;
- ``peer_votes``: one vote per (user, query, item), its latest action (a click 1, a pass
  ``1 / r``): the peers' ``recent`` cap with its click-or-skip settling.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from bench.rank.examination import examined
from models.rank.bm25 import Bm25Index

if TYPE_CHECKING:
    from bench.rank.sim import Simulation

PRIOR_TOP = 0.5
PAGE = 10
RULES = ("exact", "clicked_pages", "peer_skips", "peer_votes")


class CentralLearner:
    """Beta posteriors per (query, item) from clicks and model-expected examinations."""

    def __init__(
        self, sim: Simulation, strength: float, related: float | None, concentration: float = 1.0
    ) -> None:
        world = sim.world
        bm25 = Bm25Index(1.2, 0.75)
        bm25.add_items(world.items)
        self.clicks: dict[str, dict[str, float]] = {}
        self.passed: dict[str, dict[str, float]] = {}
        self.prior: dict[str, dict[str, float]] = {}
        for query in world.queries:
            scores = bm25.search(query)
            best = max(scores.values(), default=1.0)
            self.prior[query] = {k: PRIOR_TOP * v / best for k, v in scores.items()}
            self.clicks[query] = dict.fromkeys(scores, 0.0)
            self.passed[query] = dict.fromkeys(scores, 0.0)
        self.strength = strength
        self.concentration = concentration
        self.related_b = related
        terms = {q: frozenset(q.split()) for q in world.queries}
        self.related = {
            q: [o for o in world.queries if terms[o] < terms[q] or terms[o] > terms[q]]
            for q in world.queries
        }

    def priors(self, query: str) -> dict[str, float]:
        """The BM25 prior, moved (with ``related``) as ``byteswarm_v3`` moves it: times the
        related queries' summed posterior ``(C' + b top) / (top (C' + S' + b))``."""
        base = self.prior[query]
        b = self.related_b
        if b is None:
            return base
        moved = {}
        for item, p in base.items():
            rc = sum(self.clicks[o].get(item, 0.0) for o in self.related[query])
            rs = sum(self.passed[o].get(item, 0.0) for o in self.related[query])
            moved[item] = p * (rc + b * PRIOR_TOP) / (PRIOR_TOP * (rc + rs + b))
        return moved

    def means(self, query: str, items: list[str]) -> dict[str, float]:
        a = self.strength
        clicks, passed, prior = self.clicks[query], self.passed[query], self.priors(query)
        return {k: (clicks[k] + a * prior[k]) / (clicks[k] + passed[k] + a) for k in items}

    def candidates(self, query: str, known: frozenset[str] | None) -> list[str]:
        return [k for k in self.prior[query] if known is None or k in known]

    def ranking(self, query: str, known: frozenset[str] | None) -> list[str]:
        """The known matches by posterior mean, then BM25."""
        items = self.candidates(query, known)
        means = self.means(query, items)
        return sorted(items, key=lambda k: (-means[k], -self.prior[query][k], k))

    def sampled(
        self, query: str, known: frozenset[str] | None, rng: np.random.Generator
    ) -> list[str]:
        a = self.strength
        clicks, passed, prior = self.clicks[query], self.passed[query], self.priors(query)
        items = self.candidates(query, known)
        alpha = np.array([clicks[k] + a * prior[k] for k in items])
        beta = np.array([passed[k] + a * (1.0 - prior[k]) for k in items])
        k = self.concentration
        draws = rng.beta(np.maximum(k * alpha, 1e-6), np.maximum(k * beta, 1e-6))
        order = np.argsort(-draws, kind="stable")[:PAGE]
        return [items[int(n)] for n in order]

    def update(
        self, query: str, shown: list[str], clicked: list[str], model: str, user: int = 0
    ) -> None:
        """Count the click and the expected passed-over examinations of ``shown``."""
        position = shown.index(clicked[0]) + 1 if clicked else len(shown) + 1
        above = shown[: position - 1]
        found = self.means(query, above)
        seen = examined(model, [found[k] for k in above], bool(clicked))
        passed = self.passed[query]
        for item, weight in zip(above, seen, strict=True):
            passed[item] += weight
        if clicked:
            self.clicks[query][clicked[0]] += 1.0


class PeerRulesLearner(CentralLearner):
    """``CentralLearner`` reading pages by the peers' rules up to ``rules`` (``RULES``)."""

    def __init__(
        self,
        sim: Simulation,
        strength: float,
        related: float | None,
        concentration: float,
        rules: str,
    ) -> None:
        super().__init__(sim, strength, related, concentration)
        self.level = RULES.index(rules)
        self.votes: dict[tuple[str, str, int], tuple[bool, float]] = {}

    def update(
        self, query: str, shown: list[str], clicked: list[str], model: str, user: int = 0
    ) -> None:
        if not clicked:
            return
        if self.level < RULES.index("peer_skips"):
            super().update(query, shown, clicked, model, user)
            return
        position = shown.index(clicked[0]) + 1
        for rank, item in enumerate(shown[: position - 1], start=1):
            if item != clicked[0]:
                self.count(query, item, user, False, 1.0 / rank)
        self.count(query, clicked[0], user, True, 1.0)

    def count(self, query: str, item: str, user: int, click: bool, weight: float) -> None:
        """Add one click or pass; with ``peer_votes`` it replaces the user's earlier one."""
        if self.level >= RULES.index("peer_votes"):
            earlier = self.votes.get((query, item, user))
            if earlier is not None:
                was_click, was_weight = earlier
                (self.clicks if was_click else self.passed)[query][item] -= was_weight
            self.votes[(query, item, user)] = (click, weight)
        (self.clicks if click else self.passed)[query][item] += weight


def learner_for(
    sim: Simulation, strength: float, related: float | None, concentration: float, rules: str
) -> CentralLearner:
    """The learner that reads the traffic by ``rules``."""
    if rules == "exact":
        return CentralLearner(sim, strength, related, concentration)
    return PeerRulesLearner(sim, strength, related, concentration, rules)
