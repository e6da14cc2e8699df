"""Wire bytes per one-byte projected gradient, counted at the sockets of real daemons.

``python -m bench.spsa_wire --peers 4 --rounds 60 --seeds 0 1 2 --json out.json``
``python -m bench.spsa_wire --probes 8 ...`` (eight one-byte gradients per record)

Starts N ``byteswarm run`` device nodes (tiny model, onnxruntime backend: what a phone
runs), measures an idle window first (gossipsub heartbeats, sync loop, status: the cost
of being in a swarm at all), then runs one ``train start`` run of R rounds and counts
every byte every node sent on TCP (``ss -ti`` bytes_sent: Noise, yamux, gossipsub
control, sync, hash announcements all included) until every node agreed on the final θ.

Reports bytes per projected gradient (one gradient = one accepted record), in total and
above the idle rate, and what one signed record costs before any transport.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.gossip import socket_bytes_sent, write_report
from node import wire
from node.cli import send_control
from node.finetune_task import export_encoder_file
from node.swarm import Swarm, finetune_run


def signed_record_bytes(code: int = -57) -> int:
    """Bytes of one signed Grad record as it sits in a gossip batch (before transport)."""
    body = wire.encode(wire.Grad.of("wire-0", 123, (code,)))
    return len(wire.encode(wire.sign_record(bytes(32), "finetune/grads/wire-0", 123, 0, body)))


def run(
    peers: int, rounds: int, round_seconds: float, seed: int, idle_s: float, probes: int = 1
) -> dict[str, Any]:
    root = Path(tempfile.mkdtemp(prefix="byteswarm-spsa-wire-"))
    encoders = root / "encoders"
    export_encoder_file("tiny", encoders)
    config = f'[finetune]\nbackend = "onnxruntime"\nencoder_dir = "{encoders}"\n'
    run_id = f"wire-{seed}"
    with Swarm(root, sync_interval=5.0) as swarm:
        first = swarm.start(config=config)
        boot = swarm.address(first)
        for _ in range(peers - 1):
            swarm.start(boot, config=config)
        swarm.wait_for(
            lambda: all(
                len((swarm.status(d) or {}).get("connected_peers", [])) >= 1 for d in swarm.dirs
            ),
            60,
            "every node connected",
        )
        time.sleep(3.0)
        pids = {p.pid for p in swarm.procs}
        idle0 = socket_bytes_sent(pids)
        time.sleep(idle_s)
        idle_rate = (socket_bytes_sent(pids) - idle0) / idle_s
        start = socket_bytes_sent(pids)
        t0 = time.monotonic()
        args = {
            "run_id": run_id,
            "model": "tiny",
            "mode": "independent",
            "rounds": rounds,
            "round_seconds": round_seconds,
            "checkpoint_every": 10,
            "delay_seconds": 2.0,
            "probes": probes,
        }
        send_control(first, "train_start", args, timeout=120)

        def agreed() -> bool:
            for d in swarm.dirs:
                final = finetune_run(d, run_id).get("checkpoints", {}).get(str(rounds), {})
                if len(final.get("agree", [])) < peers:
                    return False
            return True

        swarm.wait_for(agreed, 120 + rounds * round_seconds * 3, "every node on the final θ")
        seconds = time.monotonic() - t0
        sent = socket_bytes_sent(pids) - start
        runs = [finetune_run(d, run_id) for d in swarm.dirs]
    gradients = int(runs[0]["records"]) * probes  # each record carries one byte per probe
    above_idle = sent - idle_rate * seconds
    return {
        "seed": seed,
        "peers": peers,
        "rounds": rounds,
        "round_seconds": round_seconds,
        "gradients": gradients,
        "probes": probes,
        "gradients_expected": peers * rounds * probes,
        "same_theta_everywhere": len({r["sha256"] for r in runs}) == 1,
        "run_seconds": round(seconds, 2),
        "bytes_sent": sent,
        "idle_bytes_per_s": round(idle_rate, 1),
        "bytes_per_gradient": round(sent / gradients, 1),
        "bytes_per_gradient_above_idle": round(above_idle / gradients, 1),
        "bytes_per_gradient_per_receiver": round(sent / gradients / (peers - 1), 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--peers", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=60)
    parser.add_argument("--round-seconds", type=float, default=1.0)
    parser.add_argument("--idle-seconds", type=float, default=20.0)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument(
        "--probes", type=int, default=1, help="projected gradients (bytes) per peer per round"
    )
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()
    runs = []
    for seed in args.seeds:
        runs.append(
            run(args.peers, args.rounds, args.round_seconds, seed, args.idle_seconds, args.probes)
        )
        print(json.dumps(runs[-1]), file=sys.stderr)
    extra = {
        "signed_grad_record_bytes": signed_record_bytes(),
        "target_bytes_per_gradient": 16,
        "dense_fp32_gradient_bytes": 31_104 * 4,
    }
    write_report("spsa_wire", runs, {"round_seconds"}, extra, args.json)


if __name__ == "__main__":
    main()
