"""Wire bytes per one-byte projected gradient, counted at the sockets of real daemons.

``python -m bench.finetune.wire --peers 4 --rounds 60 --seeds 0 1 2 --json out.json``
``python -m bench.finetune.wire --probes 8 ...`` (eight one-byte gradients per record)
``python -m bench.finetune.wire --grads-by pull --pull-every 8 --probes 64 ...`` (the run's
records are not gossiped but pulled by sync from every peer every 8 rounds)
``python -m bench.finetune.wire --merge a.json b.json --json out.json`` (one report, a summary
per configuration, from invocations run one at a time)

Starts N ``byteswarm run`` device nodes (tiny model, onnxruntime backend: what a phone
runs), measures an idle window first (gossipsub heartbeats, sync loop, status: the cost
of being in a swarm at all), then runs one ``train start`` run of R rounds and counts
every byte every node sent on TCP (``ss -ti`` bytes_sent: Noise, yamux, gossipsub
control, sync, hash announcements all included) until every node agreed on the final θ.

Reports bytes per projected gradient (one gradient = one byte of an accepted record), in
total and above the idle rate, the share of the bytes the idle rate accounts for, the
gossip messages the nodes sent during the run, and what one signed record costs before
any transport.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from bench.runtime.measure import socket_bytes_sent, write_report
from node import wire
from node.cli import send_control
from node.finetune_task import export_encoder_file
from node.swarm import Swarm, finetune_run


def signed_record_bytes(code: int = -57, probes: int = 1) -> int:
    """Bytes of one signed Grad record as it sits in a gossip batch (before transport)."""
    body = wire.encode(wire.Grad.of("wire-0", 123, (code,) * probes))
    return len(wire.encode(wire.sign_record(bytes(32), "finetune/grads/wire-0", 123, 0, body)))


def counter(swarm: Swarm, name: str) -> int:
    """A p2p counter summed over the nodes (from their 1 s status snapshots)."""
    return sum(int((swarm.status(d) or {}).get("counters", {}).get(name, 0)) for d in swarm.dirs)


COUNTED = ("gossip_messages_out", "sync_responses_in", "sync_response_bytes_in")


def run(
    peers: int,
    rounds: int,
    round_seconds: float,
    seed: int,
    idle_s: float,
    probes: int = 1,
    grads_by: str = "gossip",
    pull_every: int = 8,
    sync_interval: float = 5.0,
) -> dict[str, Any]:
    root = Path(tempfile.mkdtemp(prefix="byteswarm-spsa-wire-"))
    encoders = root / "encoders"
    export_encoder_file("tiny", encoders)
    config = f'[finetune]\nbackend = "onnxruntime"\nencoder_dir = "{encoders}"\n'
    run_id = f"wire-{seed}"
    with Swarm(root, sync_interval=sync_interval) as swarm:
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
        counted0 = {name: counter(swarm, name) for name in COUNTED}
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
            "grads_by": grads_by,
            "pull_every": pull_every,
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
        time.sleep(1.5)  # the status snapshot (1 s) catches up with the counters
        counted = {name: counter(swarm, name) - counted0[name] for name in COUNTED}
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
        "grads_by": grads_by,
        "pull_every": pull_every if grads_by == "pull" else None,
        "sync_interval_s": sync_interval,
        "gradients_expected": peers * rounds * probes,
        "same_theta_everywhere": len({r["sha256"] for r in runs}) == 1,
        "run_seconds": round(seconds, 2),
        "bytes_sent": sent,
        "idle_bytes_per_s": round(idle_rate, 1),
        "bytes_per_gradient": round(sent / gradients, 1),
        "bytes_per_gradient_above_idle": round(above_idle / gradients, 1),
        "bytes_per_gradient_per_receiver": round(sent / gradients / (peers - 1), 1),
        "idle_share": round(idle_rate * seconds / sent, 3),
        "gossip_messages_out": counted["gossip_messages_out"],
        "sync_exchanges": counted["sync_responses_in"],
        "sync_response_payload_bytes": counted["sync_response_bytes_in"],
        "run_records_gossiped": sum(int(r.get("gossiped", 0)) for r in runs),
        "scheduled_pulls": sum(int(r.get("pulls", 0)) for r in runs),
    }


def config_name(r: dict[str, Any]) -> str:
    transport = f"pull K={r['pull_every']}" if r["grads_by"] == "pull" else "gossip"
    return f"P={r['probes']} {transport} sync {r.get('sync_interval_s', 5.0):g} s"


def summarise(runs: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Mean ± std of every measured float, per configuration (probes, transport)."""
    measured = [
        "bytes_per_gradient",
        "bytes_per_gradient_above_idle",
        "idle_share",
        "idle_bytes_per_s",
        "run_seconds",
    ]
    summary: dict[str, dict[str, Any]] = {}
    for name in dict.fromkeys(config_name(r) for r in runs):
        group = [r for r in runs if config_name(r) == name]
        summary[name] = {
            k: {
                "mean": float(np.mean([r[k] for r in group])),
                "std": float(np.std([r[k] for r in group])),
            }
            for k in measured
        }
        summary[name]["seeds"] = [r["seed"] for r in group]
    return summary


def merge(paths: list[Path], out: Path | None, notes: list[str]) -> None:
    """One report from several invocations (each run one at a time), a summary per config."""
    reports = [json.loads(p.read_text()) for p in paths]
    runs = [r for report in reports for r in report["runs"]]
    result = {
        "bench": "spsa_wire",
        "date": reports[-1]["date"],
        "machine": reports[-1]["machine"],
        "commands": [report["command"] for report in reports],
        "notes": notes,
        "signed_grad_record_bytes": {
            str(p): signed_record_bytes(probes=p) for p in sorted({r["probes"] for r in runs})
        },
        "target_bytes_per_gradient": 16,
        "dense_fp32_gradient_bytes": 31_104 * 4,
        "runs": runs,
        "summary": summarise(runs),
    }
    text = json.dumps(result, indent=2)
    if out:
        out.write_text(text + "\n")
    print(text)


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
    parser.add_argument(
        "--grads-by",
        choices=["gossip", "pull"],
        default="gossip",
        help="the run's transport: gossiped records, or sync pulls every --pull-every rounds",
    )
    parser.add_argument("--pull-every", type=int, default=8, help="rounds between pulls")
    parser.add_argument(
        "--sync-interval",
        type=float,
        default=5.0,
        help="the daemons' [sync] interval (s): heads every interval, a pull when behind",
    )
    parser.add_argument(
        "--merge", type=Path, nargs="+", default=None, help="combine these reports (no run)"
    )
    parser.add_argument("--note", action="append", default=[], help="with --merge: a remark")
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()
    if args.merge:
        merge(args.merge, args.json, args.note)
        return
    runs = []
    for seed in args.seeds:
        runs.append(
            run(
                args.peers,
                args.rounds,
                args.round_seconds,
                seed,
                args.idle_seconds,
                args.probes,
                args.grads_by,
                args.pull_every,
                args.sync_interval,
            )
        )
        print(json.dumps(runs[-1]), file=sys.stderr)
    extra = {
        "signed_grad_record_bytes": signed_record_bytes(probes=args.probes),
        "target_bytes_per_gradient": 16,
        "dense_fp32_gradient_bytes": 31_104 * 4,
    }
    write_report(
        "spsa_wire",
        "bench.finetune.wire",
        runs,
        {"round_seconds", "sync_interval_s"},
        extra,
        args.json,
    )


if __name__ == "__main__":
    main()
