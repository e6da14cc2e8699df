"""How well one central learner that knows the click model does on the same traffic.

    python -m bench.rank.ceiling --scenarios second_pbm1_uniform second_pbm1_zipf \
        second_dbn1_uniform second_dbn1_zipf --seeds 0 1 2 3 4 --strength 8 \
        --workers 2 --json bench/results/grank_ceiling.json

Issue 22 asks for 0.90 served nDCG@10 after 10,000 queries on the second world, and the
decentralised rankers plateau below it on the uniform scenarios. This bench asks whether
the traffic carries enough information at all. It replaces the 100 peers by **one learner
that sees every page and every click at once, and knows the users' click model exactly**
(``one_click.py``: the examination probability of every rank, the abandonment). It has no
gossip delay, no peers to weigh, no half-life. It runs on the same world, the same query
schedule and the same click draws as ``bench.rank.grank`` (``Simulation``'s streams). A
query is answered from the issuing peer's known items only, as a peer would.

Per (query, item) it keeps a Beta posterior on the item's attractiveness: clicks, and the
*expected* number of times the item was examined and passed over given the page and the
click (under ``pbm1`` an item at rank r above the click was looked at with probability
``(1/r)(1 - a) / (1 - a/r)``; under ``dbn1`` every item above the click was read; a page
without a click spreads its examinations by the model, with the current means ``a``).
The prior is the BM25 order the nodes use (``prior_top`` x bm25 / best, worth
``--strength`` examinations). Policies for the pages users see:

- ``thompson``: the known matches sorted by one draw from each posterior (its
  pseudo-counts times ``--concentration``: below 1 explores more);
- ``greedy``: sorted by posterior mean (no exploration);
- ``swaps``: the greedy page with ``byteswarm_v3``'s two exploration swaps.

Served nDCG is measured as ``bench.rank.metrics`` does: the evaluated peers' top 10 by
posterior mean among the items they know, against the best ranking of those items, weighted
by query popularity; and the shown pages' nDCG against the whole catalogue, as the
simulation's ``ndcg_shown``. ``--related b`` moves the prior by related queries as
``byteswarm_v3`` does. It is no bound (a smarter policy could learn faster); it is the
number to hold the decentralised rankers against. Initial random clicks are left out.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import platform
import sys
import time
from dataclasses import replace
from typing import Any

import numpy as np

from bench.rank.examination import examined
from bench.rank.grids import METHODS
from bench.rank.metrics import ndcg_at
from bench.rank.sim import Simulation
from bench.rank.tune_grid import scenarios
from models.rank.bm25 import Bm25Index
from models.rank.explore import explore

POLICIES = ("thompson", "greedy", "swaps")
PRIOR_TOP = 0.5
PAGE = 10


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

    def update(self, query: str, shown: list[str], clicked: list[str], model: str) -> None:
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


def run(
    scenario_name: str,
    seed: int,
    policy: str,
    strength: float,
    related: float | None,
    queries: int | None,
    concentration: float = 1.0,
) -> dict[str, Any]:
    started = time.process_time()
    scenario = scenarios()[scenario_name]
    if queries is not None:
        scenario = replace(scenario, n_queries=queries)
    # the simulation is built (not run) for its world, catalogues, schedule and click draws
    sim = Simulation(scenario, METHODS["byteswarm_v3"], seed)
    world = sim.world
    learner = CentralLearner(sim, strength, related, concentration)
    explore_rng = sim.rng_explore
    swaps = METHODS["byteswarm_v3"].explore_swaps
    xs, curve, shown_ndcg, shown_curve = [], [], [], []
    for step in range(scenario.n_queries):
        node = sim.nodes[sim.issuers[int(sim.schedule_issuers[step])]]
        query = world.queries[int(sim.schedule_queries[step])]
        if policy == "thompson":
            shown = learner.sampled(query, node.catalogue_ids, explore_rng)
        else:
            ranked = learner.ranking(query, node.catalogue_ids)
            if policy == "swaps" and len(ranked) > 1:
                explore(ranked, min(PAGE, len(ranked)), explore_rng, swaps, "any")
            shown = ranked[:PAGE]
        shown_ndcg.append(ndcg_at(shown, world.grades[query]))
        clicked = sim.click_model(world, query, shown, sim.rng_click)
        learner.update(query, shown, clicked, scenario.clicks)
        if (step + 1) % scenario.eval_every == 0:
            xs.append(step + 1)
            curve.append(evaluate(sim, learner))
            shown_curve.append(float(np.mean(shown_ndcg[-scenario.eval_every :])))
    return {
        "scenario": scenario_name,
        "seed": seed,
        "policy": policy,
        "strength": strength,
        "related": related,
        "concentration": concentration,
        "x": xs,
        "ndcg": curve,
        "ndcg_final": curve[-1],
        "ndcg_shown": shown_curve,
        "ndcg_shown_final": shown_curve[-1],
        "cpu_s": time.process_time() - started,
    }


def evaluate(sim: Simulation, learner: CentralLearner) -> float:
    """Served nDCG@10 over the evaluated peers, as ``Evaluator.evaluate``'s ``ndcg``."""
    world = sim.world
    values = []
    for node in sim.eval_nodes:
        grades = sim.evaluator.grades_for(node)
        values.append(
            sum(
                w * ndcg_at(learner.ranking(q, node.catalogue_ids)[:PAGE], grades[q])
                for q, w in zip(world.queries, world.query_p, strict=True)
            )
        )
    return float(np.mean(values))


def _job(args: tuple[str, int, str, float, float | None, int | None, float]) -> dict[str, Any]:
    return run(*args)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[2], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--scenarios", nargs="+", default=["second_pbm1_uniform", "second_dbn1_uniform"]
    )
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2, 3, 4])
    parser.add_argument("--policies", nargs="+", choices=POLICIES, default=list(POLICIES))
    parser.add_argument("--strength", type=float, default=1.0)
    parser.add_argument(
        "--related", type=float, help="move the prior by related queries (byteswarm_v3's b)"
    )
    parser.add_argument(
        "--concentration", type=float, default=1.0, help="Thompson draws' pseudo-count factor"
    )
    parser.add_argument("--queries", type=int)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--json", required=True)
    args = parser.parse_args()
    known = scenarios()
    for name in args.scenarios:
        if name not in known:
            parser.error(f"unknown scenario {name!r}")
    for flag in ("strength", "concentration"):
        value = getattr(args, flag)
        if not (np.isfinite(value) and value > 0):
            parser.error(f"--{flag} must be a positive number")
    if args.related is not None and not (np.isfinite(args.related) and args.related > 0):
        parser.error("--related must be a positive number")
    if args.queries is not None and args.queries < 100:
        parser.error("--queries must be at least 100 (one evaluation)")
    if any(seed < 0 for seed in args.seeds):
        parser.error("--seeds must be 0 or more")
    jobs = [
        (name, seed, policy, args.strength, args.related, args.queries, args.concentration)
        for name in args.scenarios
        for policy in args.policies
        for seed in args.seeds
    ]
    started = time.time()
    with multiprocessing.Pool(args.workers) as pool:
        runs = []
        for n, result in enumerate(pool.imap(_job, jobs), start=1):
            runs.append(result)
            print(
                f"[{n}/{len(jobs)}] {result['scenario']} {result['policy']} seed {result['seed']}: "
                f"{result['ndcg_final']:.3f}",
                flush=True,
            )
    summary: dict[str, dict[str, Any]] = {}
    for name in args.scenarios:
        for policy in args.policies:
            chosen = [r for r in runs if r["scenario"] == name and r["policy"] == policy]
            finals = [r["ndcg_final"] for r in chosen]
            shown = [r["ndcg_shown_final"] for r in chosen]
            summary.setdefault(name, {})[policy] = {
                "mean": float(np.mean(finals)),
                "std": float(np.std(finals)),
                "shown_mean": float(np.mean(shown)),
                "shown_std": float(np.std(shown)),
                "n": len(finals),
            }
            print(
                f"{name:24s} {policy:9s} served {np.mean(finals):.3f} ± {np.std(finals):.3f}"
                f"  shown {np.mean(shown):.3f} ± {np.std(shown):.3f}"
            )
    out = {
        "command": "python -m bench.rank.ceiling " + " ".join(sys.argv[1:]),
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "machine": platform.platform(),
        "seeds": args.seeds,
        "strength": args.strength,
        "related": args.related,
        "concentration": args.concentration,
        "wall_s": time.time() - started,
        "summary": summary,
        "runs": runs,
    }
    with open(args.json, "w") as handle:
        json.dump(out, handle, indent=1)


if __name__ == "__main__":
    main()
