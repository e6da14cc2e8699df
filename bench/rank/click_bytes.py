"""What carrying the results above a click costs: Click body bytes before and now.

    python -m bench.rank.click_bytes --seed 100 --queries 3000 \
        --json bench/results/grank_click_bytes.json

Runs ``byteswarm_v3`` on our position scenario and the second world's four (100 peers,
``--queries`` queries) and encodes every row an honest peer wrote as the service does
(``node.rank.records.compact_click``: ``position`` and the ids above the click) and as it
did before (``shown=[]``). Body bytes only: a signed record adds ~141 B around either.
"""

from __future__ import annotations

import argparse
import dataclasses
import json

import msgspec
import numpy as np

from bench.rank.grids import METHODS, position_scenario, second_world_grid
from bench.rank.sim import Simulation
from node import wire
from node.rank.records import compact_click


def measure(seed: int, queries: int) -> dict[str, dict[str, float]]:
    out = {}
    for scenario in [position_scenario(), *second_world_grid()]:
        sim = Simulation(
            dataclasses.replace(scenario, n_queries=queries), METHODS["byteswarm_v3"], seed
        )
        sim.run()
        rows = [
            row
            for n in sim.honest
            for row in sim.nodes[n].log
            if row.author == sim.nodes[n].index.self_id
        ]
        bodies = [compact_click(row.query, row.shown, row.clicked) for row in rows]
        before = [len(wire.encode(msgspec.structs.replace(body, shown=[]))) for body in bodies]
        now = [len(wire.encode(body)) for body in bodies]
        out[scenario.name] = {
            "rows": len(rows),
            "mean_position": float(np.mean([body.position for body in bodies])),
            "body_bytes_before": float(np.mean(before)),
            "body_bytes_now": float(np.mean(now)),
        }
        print(scenario.name, out[scenario.name], flush=True)
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seed", type=int, default=100)
    parser.add_argument("--queries", type=int, default=3_000)
    parser.add_argument("--json", required=True)
    args = parser.parse_args(argv)
    result = {"seed": args.seed, "queries": args.queries, **measure(args.seed, args.queries)}
    with open(args.json, "w") as handle:
        json.dump(result, handle, indent=1)


if __name__ == "__main__":
    main()
