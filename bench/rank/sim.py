"""The G-Rank network simulation: peers issue queries, click, and pull (or push) gossip.

Every node runs ``models.rank.RankIndex``, the code the daemon serves. Gossip follows
docs/architecture.md §5: after its query a node pulls from one random known peer; the
responder sends the rows (own and relayed) logged since this requester's last pull
(per-requester cursor); the puller learns the responder and the responder learns the puller.
The store keeps one copy of each (author, seq), so the simulation hands the index only rows
it lacks (computed from per-author prefixes, which is cheaper than filtering the cursor batch
and gives the same state).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import msgspec
import numpy as np

from bench.rank.metrics import Evaluator, ndcg_at
from bench.rank.one_click import ONE_CLICK_MODELS
from bench.rank.peer import SimNode, peer_id
from bench.rank.scenario import Scenario, make_world
from bench.rank.wire import ENCODINGS, WireAccount
from bench.rank.world import CLICK_MODELS
from models.rank.config import RankConfig
from models.rank.index import RankIndex
from models.rank.rows import ClickRow, Item
from models.rank.wire_size import array_header_bytes, counters_bytes, row_bytes, rows_to_counters

N_ATTACKERS = 10
BACKDATE_S = 1e9
"""How far back the ``backdated`` attack dates its one click per attacker."""
MEASURE_EVERY = 25
_ENCODER = msgspec.msgpack.Encoder()


class Simulation:
    def __init__(self, scenario: Scenario, config: RankConfig, seed: int) -> None:
        self.scenario = scenario
        self.world = make_world(scenario, seed)
        if scenario.explore_scope is not None:
            config = replace(config, explore_scope=scenario.explore_scope)  # type: ignore[arg-type]
        models = {**CLICK_MODELS, **ONE_CLICK_MODELS}
        self.click_model: Callable[..., list[str]] = models[scenario.clicks]  # type: ignore[assignment]
        streams = [np.random.default_rng([seed, k]) for k in range(6)]
        self.rng_user, self.rng_click, self.rng_explore, self.rng_gossip, self.rng_attack, _ = (
            streams
        )
        # the second world's draws come from streams of their own, so the first world's
        # runs draw exactly what they drew before it existed
        rng_clock, rng_catalogue, rng_initial = (
            np.random.default_rng([seed, k]) for k in range(6, 9)
        )
        n_honest = scenario.n_nodes // 4 if scenario.attack == "sybil75" else scenario.n_nodes
        n_bad = {"none": 0, "sybil75": scenario.n_nodes - n_honest}.get(
            scenario.attack, N_ATTACKERS
        )
        catalogues = [self._catalogue(rng_catalogue) for _ in range(n_honest + n_bad)]
        self.nodes = [
            SimNode(
                n,
                RankIndex(peer_id(n), config, items),
                honest=n < n_honest,
                preset=config if config.half_life_rows is not None else None,
                items=items,
                catalogue_ids=ids,
            )
            for n, (items, ids) in enumerate(catalogues)
        ]
        self.honest = list(range(n_honest))
        self.attackers = list(range(n_honest, n_honest + n_bad))
        self.mimics = self.attackers if scenario.attack == "mimicry" else []
        self.issuers = self.honest + self.mimics
        for n in self.issuers:
            self.nodes[n].learn(int(self.rng_gossip.choice([m for m in self.issuers if m != n])))
        self.joined = bool(self.mimics)
        self.target_query, self.target_item = self._pick_target()
        self.evaluator = Evaluator(self.world, self.target_query, self.target_item)
        self.eval_nodes = [self.nodes[n] for n in self.honest[: scenario.n_eval_nodes]]
        n_distance = scenario.n_distance_nodes or scenario.n_eval_nodes
        self.distance_nodes = [self.nodes[n] for n in self.honest[:n_distance]]
        for node in self.distance_nodes:
            node.track_raw = True
        self.row_sizes: dict[tuple[str, int], int] = {}
        # the whole query schedule up front (identical for every method: common random numbers)
        self.schedule_issuers = self.rng_user.integers(len(self.issuers), size=scenario.n_queries)
        self.schedule_queries = self.rng_user.choice(
            len(self.world.queries), p=self.world.query_p, size=scenario.n_queries
        )
        gap = self.world.mean_gap_s
        self.clock: np.ndarray | None = (
            None if gap is None else np.cumsum(rng_clock.exponential(gap, scenario.n_queries))
        )
        """(n_queries,) when each query is made; None: query n at n seconds."""
        self.response_rows: list[int] = []
        self.response_bytes: list[int] = []
        self.vector_bytes: list[int] = []
        self.counter_bytes: list[int] = []
        self.wire = WireAccount()
        self.wire_bytes: dict[str, list[int]] = {name: [] for name in ENCODINGS}
        self.request_bytes: list[int] = []
        self.pages: list[int] = []
        self.rank_seconds: list[float] = []
        self.shown_ndcg: list[float] = []
        """nDCG@10 of each page users saw (exploration included): what exploring costs them.
        Against the world's grades, so with partial catalogues compare it with the served
        ``ndcg_catalogue``, not ``ndcg``."""
        if self.world.initial_clicks:
            self._initial_clicks(rng_initial)

    def _catalogue(self, rng: np.random.Generator) -> tuple[list[Item], frozenset[str] | None]:
        """The items one peer knows: all, or each with the world's ``known_fraction``."""
        items = self.world.items
        if self.world.known_fraction >= 1.0:
            return items, None
        kept = [
            item
            for item, draw in zip(items, rng.random(len(items)), strict=True)
            if draw < self.world.known_fraction
        ]
        return kept, frozenset(item.id for item in kept)

    def _initial_clicks(self, rng: np.random.Generator) -> None:
        """Every issuing peer clicks a random item it knows among a random query's matches,
        ``initial_clicks`` times, before the first query (time 0, shown alone)."""
        for n in self.issuers:
            node = self.nodes[n]
            rows = []
            for _ in range(self.world.initial_clicks):
                query = self.world.queries[int(rng.integers(len(self.world.queries)))]
                known = node.catalogue_ids
                matches = [i for i in self.world.matches[query] if known is None or i in known]
                if matches:
                    item = matches[int(rng.integers(len(matches)))]
                    rows.append(node.index.own_click(query, [item], item, 0.0))
            self._own(node, rows)
            if node.honest:
                self.evaluator.count_honest(rows)

    def _time(self, step: int) -> float:
        return float(step) if self.clock is None else float(self.clock[step])

    def _pick_target(self) -> tuple[str, str]:
        popular = self.world.queries[: min(10, len(self.world.queries))]
        query = popular[int(self.rng_attack.integers(len(popular)))]
        grades = self.world.grades[query]
        worst = min(grades.values())
        return query, max(item for item, grade in grades.items() if grade == worst)

    def _transfer(self, source: SimNode, target: SimNode, measure: bool = False) -> None:
        """One pull (or push) with the paper's per-requester cursor.

        Bytes are measured on a sample of transfers for three encodings of the same exchange:
        the paper's cursor response; a version-vector request (per-author highest seq, whose
        bytes are counted) answered with only the rows the requester lacks; and the latter as
        compact counters. All three leave the requester with the same rows. These three are
        ``models.rank.wire_size`` estimates; ``self.wire`` measures the version-vector pull in
        the daemon's own encoding (``bench.rank.wire``), the headline.
        """
        cursor_start = source.cursors.get(target.number, 0)
        source.cursors[target.number] = len(source.log)
        vector = target.vector
        fresh = source.missing_for(vector)
        target.learn(source.number)
        source.learn(target.number)
        self.response_rows.append(len(source.log) - cursor_start)
        if measure:
            request = len(_ENCODER.encode([[a, s] for a, s in vector.items()]))
            self.response_bytes.append(source.cursor_bytes(cursor_start))
            sizes = self.row_sizes
            fresh_bytes = sum(sizes[(row.author, row.seq)] for row in fresh)
            self.vector_bytes.append(request + array_header_bytes(len(fresh)) + fresh_bytes)
            self.counter_bytes.append(request + counters_bytes(rows_to_counters(fresh)))
            pull = self.wire.pull(source.log, cursor_start, vector)
            self.request_bytes.append(pull["request"])
            self.pages.append(pull["pages"])
            for name in ENCODINGS:
                self.wire_bytes[name].append(pull[name])
        target.receive(fresh, self.row_sizes)

    def _gossip(self, node: SimNode, measure: bool) -> None:
        if self.scenario.peer_choice == "network":
            live = self.issuers + (self.attackers if self.joined and not self.mimics else [])
            number = node.number
            while number == node.number:
                number = live[int(self.rng_gossip.integers(len(live)))]
            peer = self.nodes[number]
        elif node.known:
            peer = self.nodes[node.known[int(self.rng_gossip.integers(len(node.known)))]]
        else:
            return
        if self.scenario.gossip == "push":
            self._transfer(node, peer, measure)
        else:
            self._transfer(peer, node, measure)

    def _own(self, node: SimNode, rows: list[ClickRow]) -> None:
        """A node stores the rows it just wrote (own_click already counted them)."""
        for row in rows:
            self.row_sizes[(row.author, row.seq)] = row_bytes(row)
            self.wire.add(row)
        node.receive(rows, self.row_sizes)

    def _step(self, step: int) -> None:
        node = self.nodes[self.issuers[int(self.schedule_issuers[step])]]
        query = self.world.queries[int(self.schedule_queries[step])]
        started = time.perf_counter()
        explore_rng = self.rng_explore if self.scenario.explore else None
        shown = node.index.rank(query, k=10, explore_rng=explore_rng)
        self.rank_seconds.append(time.perf_counter() - started)
        self.shown_ndcg.append(ndcg_at(shown, self.world.grades[query]))
        clicked = self.click_model(self.world, query, shown, self.rng_click)
        if not clicked and shown and node.index.config.passed_pages:
            clicked = [""]  # the page passed over: a row without a click
        rows = [node.index.own_click(query, shown, item, self._time(step)) for item in clicked]
        self._own(node, rows)
        if node.honest:
            self.evaluator.count_honest(rows)
        self._gossip(node, step % MEASURE_EVERY == 0)
        if step == self.scenario.attack_at and self.attackers:
            self._attack(step)
        if self.joined and self.attackers and not self.mimics and self.scenario.gossip == "push":
            # pushing lets an attacker reach any node it likes, once per query
            attacker = self.nodes[
                self.attackers[int(self.rng_attack.integers(len(self.attackers)))]
            ]
            victim = self.nodes[self.honest[int(self.rng_attack.integers(len(self.honest)))]]
            self._transfer(attacker, victim)

    def _attack(self, step: int) -> None:
        """Sybils join now (mimics were there all along) and write their spam clicks."""
        self.joined = True
        items = [item.id for item in self.world.items]
        for n in self.attackers:
            node = self.nodes[n]
            if self.scenario.attack == "backdated":
                # one ordinary click, dated ~32 years back: it stretches the span of a node's
                # click times, which the rows-counted half-life is derived from
                query = self.world.queries[int(self.rng_attack.integers(len(self.world.queries)))]
                item = (self.world.matches[query] or items)[0]
                spam = [(query, item)]
            elif self.scenario.attack == "inflation":
                spam = [
                    (
                        self.world.queries[int(self.rng_attack.integers(len(self.world.queries)))],
                        items[int(self.rng_attack.integers(len(items)))],
                    )
                    for _ in range(1_000)
                ]
            else:
                spam = [(self.target_query, self.target_item)] * 100
            when = self._time(step) - (BACKDATE_S if self.scenario.attack == "backdated" else 0.0)
            rows = [node.index.own_click(q, [i], i, when) for q, i in spam]
            self._own(node, rows)
            if not self.mimics:
                victim = self.honest[int(self.rng_attack.integers(len(self.honest)))]
                node.learn(victim)
                self._transfer(self.nodes[victim], node)

    def run(self) -> dict[str, Any]:
        curves: dict[str, list[float | None]] = {}
        xs: list[int] = []
        since = 0
        for step in range(self.scenario.n_queries):
            self._step(step)
            if (step + 1) % self.scenario.eval_every == 0:
                xs.append(step + 1)
                point = self.evaluator.evaluate(self.eval_nodes, self.distance_nodes)
                window = slice(since, None)
                since = len(self.response_bytes)
                rows_window = slice(-self.scenario.eval_every, None)
                point["rows_per_node"] = float(
                    np.mean([len(self.nodes[n].log) for n in self.honest])
                )
                point["response_bytes"] = float(np.mean(self.response_bytes[window]))
                point["vector_bytes"] = float(np.mean(self.vector_bytes[window]))
                point["vector_counter_bytes"] = float(np.mean(self.counter_bytes[window]))
                for name, sizes in self.wire_bytes.items():
                    point[f"wire_{name}_bytes"] = float(np.mean(sizes[window]))
                point["wire_request_bytes"] = float(np.mean(self.request_bytes[window]))
                point["daemon_pages"] = float(np.mean(self.pages[window]))
                point["response_rows"] = float(np.mean(self.response_rows[rows_window]))
                point["ndcg_shown"] = float(np.mean(self.shown_ndcg[rows_window]))
                if self.nodes[0].preset is not None:
                    honest = [self.nodes[n] for n in self.honest]
                    point["half_life_s"] = float(
                        np.mean([node.index.config.half_life_s or 0.0 for node in honest])
                    )
                    point["rebuilds"] = float(np.mean([node.rebuilds for node in honest]))
                point["rank_ms"] = 1e3 * float(
                    np.mean(self.rank_seconds[-self.scenario.eval_every :])
                )
                for key, value in point.items():
                    curves.setdefault(key, []).append(value)
        attack_at = self.scenario.attack_at if self.attackers else None
        target = [self.target_query, self.target_item]
        return {"x": xs, "curves": curves, "target": target, "attack_at": attack_at}
