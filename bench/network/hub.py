"""Real daemons, one bootstrap: N leaves given one hub as their bootstrap, in one process on
loopback, with the default ``[discovery]`` keys. Every few seconds: the hub's degree and
trims, the leaves' degrees. What the connection manager must give (issue 21): the hub
stays at or below ``high_water``, every leaf reaches ``target_degree``, no leaf is refused.

The scale simulation (``scale.py``) runs the same decision code to 1,000 peers; this runs
the daemons themselves, as many as one process on a shared machine holds. Writes
``results/network_hub.json``.
"""

from __future__ import annotations

import argparse
import datetime
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import trio

from node.config.settings import load_config
from node.runtime.daemon import Daemon

RESULTS = Path(__file__).resolve().parents[1] / "results"
QUIET = {"adapt": {"enabled": False}}


async def run(leaves: int, seconds: float, every: float, tmp: Path) -> list[dict[str, Any]]:
    hub = Daemon(load_config(None, data_dir=str(tmp / "hub"), **QUIET))
    samples: list[dict[str, Any]] = []
    async with trio.open_nursery() as nursery:
        await nursery.start(hub.run)
        boot = f"{hub.p2p.listen_addrs()[0]}/p2p/{hub.peer_id}"
        start = trio.current_time()
        nodes = []
        for i in range(leaves):
            config = load_config(None, data_dir=str(tmp / f"leaf{i}"), bootstrap=[boot], **QUIET)
            nodes.append(Daemon(config))
            await nursery.start(nodes[-1].run)
        while trio.current_time() - start < seconds:
            await trio.sleep(every)
            degrees = sorted(len(n.p2p.connected_peers()) for n in nodes)
            samples.append(
                {
                    "t_s": round(trio.current_time() - start, 1),
                    "hub_degree": len(hub.p2p.connected_peers()),
                    "hub_trims": hub.discovery.trimmer.trims,
                    "hub_closed": hub.discovery.trimmer.closed,
                    "hub_full_answers": hub.discovery.counters["full_answers"],
                    "leaf_degree": {"min": degrees[0], "max": degrees[-1]},
                    "leaves_at_target": sum(
                        d >= hub.config.discovery.target_degree for d in degrees
                    ),
                    "leaf_closed": sum(n.discovery.trimmer.closed for n in nodes),
                    "leaf_exchanges": sum(n.discovery.counters["exchanges"] for n in nodes),
                    "leaf_told_full": sum(n.discovery.counters["told_full"] for n in nodes),
                }
            )
            print(samples[-1], flush=True)
        nursery.cancel_scope.cancel()
    return samples


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leaves", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--every", type=float, default=2.5, help="seconds between samples")
    parser.add_argument("--json", type=Path, default=RESULTS / "network_hub.json")
    args = parser.parse_args(argv)
    if not 1 <= args.leaves <= 64:
        parser.error("--leaves: between 1 and 64")
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="bench-hub-") as tmp:
        samples = trio.run(run, args.leaves, args.seconds, args.every, Path(tmp))
    config = load_config(None).discovery
    result = {
        "bench": "network_hub",
        "command": f"python -m bench.network.hub {' '.join(argv or sys.argv[1:])}".strip(),
        "date": datetime.date.today().isoformat(),
        "leaves": args.leaves,
        "discovery": {
            k: getattr(config, k)
            for k in ("target_degree", "high_water", "low_water", "trim_grace", "full_backoff")
        },
        "samples": samples,
        "wall_s": time.monotonic() - started,
    }
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(result, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
