"""Which of the second world's differences from ours costs the rankers: each switched off
alone, then all at once, on the second world's one-click position-based users (a diagnosis,
so tuning seeds only).

    python -m bench.rank.world_ablation --seeds 100 101 \
        --json bench/results/grank_second_world_ablation.json

Variants of ``second_pbm1_uniform`` (``bench.rank.grank``): as built; every peer knows the
whole catalogue; no random initial clicks; one query a second (our clock); all three off.
The catalogue, grades, one-term and two-term queries and one-click users stay.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from typing import Any

import numpy as np

from bench.rank.grids import METHODS, second_world_grid
from bench.rank.sim import Simulation

VARIANTS: dict[str, tuple[tuple[str, float | None], ...]] = {
    "as_built": (),
    "whole_catalogue": (("known_fraction", 1.0),),
    "no_initial_clicks": (("initial_clicks", 0),),
    "one_query_a_second": (("mean_gap_s", None),),
    "all_three_off": (("known_fraction", 1.0), ("initial_clicks", 0), ("mean_gap_s", None)),
}


def run(variant: str, method: str, seed: int) -> dict[str, Any]:
    base = second_world_grid()[0]
    scenario = replace(base, name=f"{base.name}/{variant}", world_options=VARIANTS[variant])
    started = time.process_time()
    curves = Simulation(scenario, METHODS[method], seed).run()["curves"]
    return {
        "variant": variant,
        "method": method,
        "seed": seed,
        "ndcg": curves["ndcg"][-1],
        "ndcg_shown": curves["ndcg_shown"][-1],
        "cpu_s": time.process_time() - started,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seeds", type=int, nargs="+", default=[100, 101])
    parser.add_argument("--methods", nargs="+", default=["grank_paper_f0", "byteswarm_v2"])
    parser.add_argument("--variants", nargs="+", default=list(VARIANTS), choices=list(VARIANTS))
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--json", required=True)
    args = parser.parse_args(argv)
    if min(args.seeds) < 100:
        parser.error("a diagnosis: seeds >= 100; seeds 0-4 are the reported ones")
    tasks = [(v, m, s) for s in args.seeds for v in args.variants for m in args.methods]
    started = time.time()
    with ProcessPoolExecutor(args.workers) as pool:
        rows = list(pool.map(run, *zip(*tasks, strict=True)))
    summary: dict[str, dict[str, Any]] = {}
    for variant in args.variants:
        for method in args.methods:
            values = [r["ndcg"] for r in rows if (r["variant"], r["method"]) == (variant, method)]
            summary.setdefault(variant, {})[method] = {
                "mean": float(np.mean(values)),
                "std": float(np.std(values)),
                "per_seed": values,
            }
            print(f"{variant:>20} {method:>16} nDCG {np.mean(values):.3f} ± {np.std(values):.3f}")
    command = "python -m bench.rank.world_ablation " + " ".join(
        argv if argv is not None else sys.argv[1:]
    )
    out = {"command": command, "wall_s": time.time() - started, "rows": rows, "summary": summary}
    with open(args.json, "w") as handle:
        json.dump(out, handle, indent=1)


if __name__ == "__main__":
    main()
