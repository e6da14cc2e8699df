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
``byteswarm_v3`` does. ``--rules`` reads the traffic by the peers' rules instead, one rule
at a time (``central.py``: pages without a click left out, skips ``1/r``, one vote per user,
query and item), to see what each costs. It is no bound (a smarter policy could learn
faster); it is the number to hold the decentralised rankers against. Initial random clicks
are left out.
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

from bench.rank.central import PAGE, RULES, CentralLearner, learner_for
from bench.rank.grids import METHODS
from bench.rank.metrics import by_terms, ndcg_at
from bench.rank.sim import Simulation
from bench.rank.tune_grid import scenarios
from models.rank.explore import explore

POLICIES = ("thompson", "greedy", "swaps")


def run(
    scenario_name: str,
    seed: int,
    policy: str,
    strength: float,
    related: float | None,
    queries: int | None,
    concentration: float = 1.0,
    rules: str = "exact",
) -> dict[str, Any]:
    started = time.process_time()
    scenario = scenarios()[scenario_name]
    if queries is not None:
        scenario = replace(scenario, n_queries=queries)
    # the simulation is built (not run) for its world, catalogues, schedule and click draws
    sim = Simulation(scenario, METHODS["byteswarm_v3"], seed)
    world = sim.world
    learner = learner_for(sim, strength, related, concentration, rules)
    explore_rng = sim.rng_explore
    swaps = METHODS["byteswarm_v3"].explore_swaps
    xs, curve, shown_ndcg, shown_curve = [], [], [], []
    terms: dict[str, float] = {}
    for step in range(scenario.n_queries):
        issuer = sim.issuers[int(sim.schedule_issuers[step])]
        node = sim.nodes[issuer]
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
        learner.update(query, shown, clicked, scenario.clicks, issuer)
        if (step + 1) % scenario.eval_every == 0:
            xs.append(step + 1)
            served, terms = evaluate(sim, learner)
            curve.append(served)
            shown_curve.append(float(np.mean(shown_ndcg[-scenario.eval_every :])))
    return {
        "scenario": scenario_name,
        "seed": seed,
        "policy": policy,
        "strength": strength,
        "related": related,
        "concentration": concentration,
        "rules": rules,
        "x": xs,
        "ndcg": curve,
        "ndcg_final": curve[-1],
        "ndcg_terms_final": terms,
        "ndcg_shown": shown_curve,
        "ndcg_shown_final": shown_curve[-1],
        "cpu_s": time.process_time() - started,
    }


def evaluate(sim: Simulation, learner: CentralLearner) -> tuple[float, dict[str, float]]:
    """Served nDCG@10 over the evaluated peers, as ``Evaluator.evaluate``'s ``ndcg``, and its
    ``ndcg_terms_n`` (``metrics.by_terms``), each a mean over the peers."""
    world = sim.world
    values = []
    groups: dict[str, list[float]] = {}
    for node in sim.eval_nodes:
        grades = sim.evaluator.grades_for(node)
        rankings = {q: learner.ranking(q, node.catalogue_ids)[:PAGE] for q in world.queries}
        values.append(
            sum(
                w * ndcg_at(rankings[q], grades[q])
                for q, w in zip(world.queries, world.query_p, strict=True)
            )
        )
        for key, value in by_terms(world, rankings, grades).items():
            groups.setdefault(key, []).append(value)
    return float(np.mean(values)), {key: float(np.mean(v)) for key, v in groups.items()}


def _job(
    args: tuple[str, int, str, float, float | None, int | None, float, str],
) -> dict[str, Any]:
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
    parser.add_argument(
        "--rules", choices=RULES, default="exact", help="how clicks are read (central.py)"
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
        (
            name,
            seed,
            policy,
            args.strength,
            args.related,
            args.queries,
            args.concentration,
            args.rules,
        )
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
            terms = {
                key: float(np.mean([r["ndcg_terms_final"][key] for r in chosen]))
                for key in chosen[0]["ndcg_terms_final"]
            }
            summary.setdefault(name, {})[policy] = {
                "mean": float(np.mean(finals)),
                "std": float(np.std(finals)),
                "shown_mean": float(np.mean(shown)),
                "shown_std": float(np.std(shown)),
                "n": len(finals),
                **terms,
            }
            term_text = "".join(f"  {key} {value:.3f}" for key, value in terms.items())
            print(
                f"{name:24s} {policy:9s} served {np.mean(finals):.3f} ± {np.std(finals):.3f}"
                f"  shown {np.mean(shown):.3f} ± {np.std(shown):.3f}{term_text}"
            )
    out = {
        "command": "python -m bench.rank.ceiling " + " ".join(sys.argv[1:]),
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "machine": platform.platform(),
        "seeds": args.seeds,
        "strength": args.strength,
        "related": args.related,
        "concentration": args.concentration,
        "rules": args.rules,
        "wall_s": time.time() - started,
        "summary": summary,
        "runs": runs,
    }
    with open(args.json, "w") as handle:
        json.dump(out, handle, indent=1)


if __name__ == "__main__":
    main()
