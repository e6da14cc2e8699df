"""Gossip throughput of real local daemons.

    python -m bench.runtime.gossip --peers 10 --seconds 30

Starts N ``byteswarm run`` processes on 127.0.0.1 (each bootstraps off node0 and one
random earlier node), has every node publish signed notes at ``--rate`` per second for
``--seconds``, and reports: mesh formation time, the fraction delivered by gossip alone
and after sync repair, p50/p99 one-way latency (commit at the author to commit at the
receiver; one machine, one clock), records per second, CPU ms per record per node, and
wire bytes per record counted at the sockets (``ss -ti`` bytes_sent, all libp2p control
traffic included).
"""

from __future__ import annotations

import argparse
import json
import random
import sqlite3
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np

from bench.runtime.measure import cpu_seconds, socket_bytes_sent, write_report
from node.cli import send_control
from node.swarm import Swarm, note_count

NOTES = "byteswarm/notes"


def latencies_ms(data_dir: Path) -> list[int]:
    db = sqlite3.connect(f"file:{data_dir / 'node.db'}?mode=ro", uri=True)
    try:
        rows = db.execute(
            "SELECT received_ms - ts_ms FROM records WHERE topic = ? AND source != 'local'",
            (NOTES,),
        ).fetchall()
    finally:
        db.close()
    return [int(r[0]) for r in rows]


def run(peers: int, seconds: float, rate: float, seed: int) -> dict[str, Any]:
    rng = random.Random(seed)
    root = Path(tempfile.mkdtemp(prefix="byteswarm-bench-"))
    per_node = int(seconds * rate)
    expected = peers * per_node
    with Swarm(root, sync_interval=5.0) as swarm:
        t0 = time.monotonic()
        first = swarm.start()
        addrs = [swarm.address(first)]
        for _ in range(peers - 1):
            # node0 plus one random earlier node: a mesh, not a star around node0
            data_dir = swarm.start(sorted({addrs[0], rng.choice(addrs)}))
            addrs.append(swarm.address(data_dir))
        swarm.wait_for(
            lambda: all(
                (swarm.status(d) or {}).get("topics", {}).get(NOTES, 0) >= 1 for d in swarm.dirs
            ),
            60,
            "every node to have a gossip mesh",
        )
        mesh_s = time.monotonic() - t0
        time.sleep(2.0)
        pids = {p.pid for p in swarm.procs}
        cpu0 = {p.pid: cpu_seconds(p.pid) for p in swarm.procs}
        bytes0 = socket_bytes_sent(pids)
        t1 = time.monotonic()
        threads = [
            threading.Thread(
                target=send_control,
                args=(
                    d,
                    "publish",
                    {"text": "bench", "value": 1.0, "count": per_node, "rate": rate},
                ),
                kwargs={"timeout": seconds + 60},
            )
            for d in swarm.dirs
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        publish_s = time.monotonic() - t1
        gossip_done = time.monotonic()
        swarm.wait_for(
            lambda: all(note_count(swarm, d) >= expected for d in swarm.dirs),
            300,
            "every note on every node",
        )
        settle_s = time.monotonic() - gossip_done
        elapsed = time.monotonic() - t1
        bytes_sent = socket_bytes_sent(pids) - bytes0
        cpu = [cpu_seconds(p.pid) - cpu0[p.pid] for p in swarm.procs]
        statuses = [swarm.status(d) or {} for d in swarm.dirs]
        lat = np.array([x for d in swarm.dirs for x in latencies_ms(d)], dtype=np.float64)
    gossip_in = sum(int(s.get("counters", {}).get("gossip_records_in", 0)) for s in statuses)
    deliveries = expected * (peers - 1)
    return {
        "peers": peers,
        "seconds": seconds,
        "rate_per_node": rate,
        "seed": seed,
        "records_published": expected,
        "mesh_formation_s": round(mesh_s, 2),
        "publish_s": round(publish_s, 2),
        "settle_after_publish_s": round(settle_s, 2),
        "delivered_by_gossip": round(gossip_in / deliveries, 4),
        "delivered_after_sync": 1.0,  # wait_for above only returns once every node has all
        "latency_ms_p50": float(np.percentile(lat, 50)),
        "latency_ms_p99": float(np.percentile(lat, 99)),
        "records_per_s": round(expected / elapsed, 1),
        "cpu_ms_per_record_per_node": round(1000 * float(np.mean(cpu)) / expected, 3),
        "wire_bytes_per_record": round(bytes_sent / expected, 1),
        "wire_bytes_per_delivery": round(bytes_sent / deliveries, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--peers", type=int, default=10)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--rate", type=float, default=25.0, help="notes/s published per node")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()
    runs = []
    for seed in args.seeds:
        print(
            f"seed {seed}: {args.peers} peers, {args.seconds} s at {args.rate}/s per node",
            file=sys.stderr,
        )
        runs.append(run(args.peers, args.seconds, args.rate, seed))
        print(json.dumps(runs[-1]), file=sys.stderr)
    write_report("gossip", "bench.runtime.gossip", runs, {"seconds"}, {}, args.json)


if __name__ == "__main__":
    main()
