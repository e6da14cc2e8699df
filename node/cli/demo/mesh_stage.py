"""Mesh: the device daemons start, connect, and gossip signed notes to every node."""

from __future__ import annotations

import time
from typing import Any

from node.cli.demo.context import Demo
from node.cli.swarm import note_count

NOTES_PER_NODE = 3


def run(demo: Demo, peers: int) -> dict[str, Any]:
    from node.cli.control import send_control

    swarm, progress = demo.swarm, demo.progress
    t0 = time.monotonic()
    first = swarm.start(config=demo.node_config(0))
    progress.wait(lambda: swarm.status(first), 60, "node0 to start", check=demo.check)
    demo.boot = swarm.address(first)
    demo.devices = [
        first,
        *(swarm.start(demo.boot, config=demo.node_config(i)) for i in range(1, peers)),
    ]

    def connected() -> list[int]:
        return [len((swarm.status(d) or {}).get("connected_peers", [])) for d in demo.devices]

    progress.wait(
        lambda: all(c >= 1 for c in connected()),
        60,
        "the mesh",
        lambda: f"connections per node {connected()}",
        demo.check,
    )
    mesh_s = round(time.monotonic() - t0, 2)
    progress.line(f"{peers} device daemons up and meshed in {mesh_s} s (bootstrap {demo.boot})")
    for i, d in enumerate(demo.devices):
        for j in range(NOTES_PER_NODE):
            send_control(d, "publish", {"text": f"hello from node{i} #{j}", "value": j})
    total = NOTES_PER_NODE * len(demo.devices)
    t1 = time.monotonic()
    progress.wait(
        lambda: all(note_count(swarm, d) >= total for d in demo.devices),
        60,
        f"every node to store all {total} signed notes",
        lambda: f"notes per node {[note_count(swarm, d) for d in demo.devices]}",
        demo.check,
    )
    gossip_s = round(time.monotonic() - t1, 2)
    progress.line(f"{total} signed notes on every node by gossip in {gossip_s} s")
    return {
        "status": "ok",
        "daemons": peers,
        "seconds": mesh_s,
        "notes": total,
        "gossip_s": gossip_s,
    }
