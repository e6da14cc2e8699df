"""What the G-Rank bench measures on the honest nodes it evaluates.

- ``distance``: the paper's mean node distance — per query term, the summed rank displacement
  (Spearman footrule over the whole catalogue, ties by id) between the node's local
  click-count ranking (raw counts of every row in its store, attackers' included) and the
  ranking by all honest clicks; averaged over terms with honest clicks, then over nodes.
- ``ndcg``/``mrr``/``p1`` of the served top 10 (no exploration), over issued queries weighted
  by how often users issue them; ``ndcg_uniform`` weights each issued query the same;
  ``ndcg_unseen`` covers queries nobody issued; ``ndcg_terms_n`` is ``ndcg`` over the issued
  queries of n terms only (``by_terms``: the second world's one-term genre queries have no
  informative metadata order, its two-term ones do). MRR and P@1 count grades from the world's
  ``relevant_grade`` up as relevant. A peer that knows only part of the catalogue is
  measured against the best ranking of the items it knows (``ndcg``; it can serve nothing
  else) and, as ``ndcg_catalogue``, against the best of the whole catalogue.
- ``attack_top1``/``attack_top3``: share of evaluated nodes serving the attacker's item at
  rank 1 / within the top 3 for the attacked query.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol

import numpy as np

from bench.rank.world import World
from models.rank.index import RankIndex
from models.rank.rows import ClickRow


class EvaluatedNode(Protocol):
    number: int
    index: RankIndex
    raw: dict[str, dict[str, int]]
    catalogue_ids: frozenset[str] | None


def ndcg_at(ranking: Sequence[str], grades: Mapping[str, int], k: int = 10) -> float:
    gains = np.array([2.0 ** grades.get(item, 0) - 1.0 for item in ranking[:k]])
    discounts = 1.0 / np.log2(np.arange(2, k + 2))
    ideal = np.sort(np.array([2.0**g - 1.0 for g in grades.values()]))[::-1][:k]
    best = float(ideal @ discounts[: len(ideal)])
    return float(gains @ discounts[: len(gains)]) / best if best > 0 else 0.0


def reciprocal_rank(ranking: Sequence[str], grades: Mapping[str, int], relevant: int = 2) -> float:
    for r, item in enumerate(ranking, start=1):
        if grades.get(item, 0) >= relevant:
            return 1.0 / r
    return 0.0


def by_terms(
    world: World, rankings: Mapping[str, Sequence[str]], grades: Mapping[str, Mapping[str, int]]
) -> dict[str, float]:
    """``ndcg_terms_n``: served nDCG@10 over the issued queries of n terms, weighted by how
    often users issue them (renormalised within the group)."""
    groups: dict[int, list[tuple[float, float]]] = {}
    for query, weight in zip(world.queries, world.query_p, strict=True):
        value = ndcg_at(rankings[query], grades[query])
        groups.setdefault(len(query.split()), []).append((float(weight), value))
    found = {}
    for n, pairs in sorted(groups.items()):
        total = sum(w for w, _ in pairs)
        if total > 0.0:
            found[f"ndcg_terms_{n}"] = sum(w * v for w, v in pairs) / total
    return found


class Evaluator:
    def __init__(
        self, world: World, target_query: str, target_item: str, with_distance: bool = True
    ) -> None:
        self.world = world
        self.target = (target_query, target_item)
        self.position = {item.id: n for n, item in enumerate(world.items)}
        self.honest_counts: dict[str, np.ndarray] = {}
        self.with_distance = with_distance and len(world.items) <= 1_000
        self._known_grades: dict[int, dict[str, dict[str, int]]] = {}

    def grades_for(self, node: EvaluatedNode) -> dict[str, dict[str, int]]:
        """The world's grades restricted to the items ``node`` knows (all of them, usually)."""
        known = node.catalogue_ids
        if known is None:
            return self.world.grades
        found = self._known_grades.get(node.number)
        if found is None:
            found = self._known_grades[node.number] = {
                q: {item: g for item, g in grades.items() if item in known}
                for q, grades in self.world.grades.items()
            }
        return found

    def count_honest(self, rows: Sequence[ClickRow]) -> None:
        for row in rows:
            if not row.clicked:
                continue  # a page passed over
            counts = self.honest_counts.setdefault(row.query, np.zeros(len(self.world.items)))
            counts[self.position[row.clicked]] += 1.0

    def _positions(self, scores: np.ndarray) -> np.ndarray:
        order = np.lexsort((np.arange(len(scores)), -scores))
        positions = np.empty(len(scores), dtype=np.int64)
        positions[order] = np.arange(len(scores))
        return positions

    def _vector(self, counts: Mapping[str, float]) -> np.ndarray:
        vector = np.zeros(len(self.world.items))
        for item, value in counts.items():
            vector[self.position[item]] = value
        return vector

    def distance(self, node: EvaluatedNode, truth: Mapping[str, np.ndarray]) -> float:
        """The paper's node distance: mean over terms of the summed rank displacement."""
        return float(
            np.mean(
                [
                    np.abs(self._positions(self._vector(node.raw.get(q, {}))) - t).sum()
                    for q, t in truth.items()
                ]
            )
        )

    def evaluate(
        self,
        nodes: Sequence[EvaluatedNode],
        distance_nodes: Sequence[EvaluatedNode] | None = None,
    ) -> dict[str, Any]:
        """Metrics averaged over ``nodes``; the distance over ``distance_nodes`` (default
        ``nodes``), whose maximum is reported too (the paper's "0 for all nodes")."""
        world = self.world
        truth = {q: self._positions(c) for q, c in self.honest_counts.items()}
        per_node: dict[str, list[float]] = {}
        extra: dict[str, float] = {}
        if self.with_distance and truth:
            distances = [self.distance(node, truth) for node in (distance_nodes or nodes)]
            extra = {"distance": float(np.mean(distances)), "distance_max": max(distances)}
        for node in nodes:
            values: dict[str, float] = {}
            rankings = {q: node.index.rank(q, k=10) for q in world.queries}
            grades = self.grades_for(node)
            weights = world.query_p
            relevant = world.relevant_grade
            values["ndcg"] = float(
                sum(
                    w * ndcg_at(rankings[q], grades[q])
                    for q, w in zip(world.queries, weights, strict=True)
                )
            )
            if node.catalogue_ids is not None:
                values["ndcg_catalogue"] = float(
                    sum(
                        w * ndcg_at(rankings[q], world.grades[q])
                        for q, w in zip(world.queries, weights, strict=True)
                    )
                )
            values.update(by_terms(world, rankings, grades))
            values["ndcg_uniform"] = float(
                np.mean([ndcg_at(rankings[q], grades[q]) for q in world.queries])
            )
            values["mrr"] = float(
                sum(
                    w * reciprocal_rank(rankings[q], grades[q], relevant)
                    for q, w in zip(world.queries, weights, strict=True)
                )
            )
            values["p1"] = float(
                sum(
                    w * (grades[q].get(rankings[q][0], 0) >= relevant if rankings[q] else 0.0)
                    for q, w in zip(world.queries, weights, strict=True)
                )
            )
            if world.unseen:
                values["ndcg_unseen"] = float(
                    np.mean([ndcg_at(node.index.rank(q, k=10), grades[q]) for q in world.unseen])
                )
            query, item = self.target
            top3 = rankings[query][:3]
            values["attack_top1"] = float(bool(top3) and top3[0] == item)
            values["attack_top3"] = float(item in top3)
            for key, value in values.items():
                per_node.setdefault(key, []).append(value)
        return {**extra, **{key: float(np.mean(v)) for key, v in per_node.items()}}
