"""Finetune: a one-byte SPSA run across the devices, on onnxruntime (no torch on them).

A third of the way in one device is stopped and restarted; half way a new device joins
late. At the end every node must hold the same θ, bit for bit, and ``train verify`` must
replay every node's stored log to the announced hashes.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from node.cli.demo.context import Demo
from node.cli.demo.progress import Skipped
from node.cli.swarm import finetune_run, run_settled, service_status


def grad_bytes(d: Path, run_id: str) -> tuple[int, int]:
    """(gradient records, their stored bytes: signed record, as gossiped) on node ``d``."""
    from node import wire
    from node.config.settings import STORE_FILE
    from node.store.database import Store

    with Store.open(d / STORE_FILE, readonly=True) as store:
        sql = "SELECT count(*), coalesce(sum(length(blob)), 0) FROM records WHERE topic = ?"
        count, size = store.db.execute(sql, (f"{wire.GRADS_TOPIC}/{run_id}",)).fetchone()
    return int(count), int(size)


CHECKPOINT_EVERY = 5
"""Rounds between θ checkpoints; the run's last round must be one (``Sizes``)."""

RESTART_S = 1.0
"""How long the stopped device stays down (the run goes on without it meanwhile)."""

VERIFY = [sys.executable, "-m", "node", "train", "verify"]


def verify_all(dirs: list[Path], run_id: str) -> dict[str, Any]:
    """``byteswarm train verify`` on every node at once (separate processes)."""
    procs = {
        d.name: subprocess.Popen(
            [*VERIFY, "--run", run_id, "--data-dir", str(d), "--json"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for d in dirs
    }
    results: dict[str, Any] = {}
    for name, proc in procs.items():
        out, err = proc.communicate(timeout=120)
        try:
            report = json.loads(out)
        except json.JSONDecodeError:
            report = {"ok": False, "error": (err.strip().splitlines() or ["no output"])[-1]}
        results[name] = {
            "ok": bool(report.get("ok")) and proc.returncode == 0,
            "records": report.get("records"),
            "round": report.get("round"),
            "error": report.get("error"),
        }
    return results


def run(demo: Demo) -> dict[str, Any]:
    missing = [n for n in ("onnxruntime", "torch") if importlib.util.find_spec(n) is None]
    if missing:
        raise Skipped(f"needs {missing[0]} (pip install -e '.[all]')")
    from node.finetune.task import default_encoder_dir, encoder_file, export_encoder_file

    swarm, progress, rounds = demo.swarm, demo.progress, demo.sizes.finetune_rounds
    # The devices train on onnxruntime, from the encoder exported here (torch, once).
    folder = default_encoder_dir()
    if not encoder_file("tiny", folder).is_file():
        progress.busy(lambda: export_encoder_file("tiny", folder), "the ONNX encoder (torch, once)")
    run_id = f"demo-seed{demo.seed}"
    args = {
        "run_id": run_id,
        "model": "tiny",
        "mode": "shared",
        "rounds": rounds,
        "round_seconds": 1.0,
        "checkpoint_every": CHECKPOINT_EVERY,
        "delay_seconds": 2.0,
        "learning_rate": 1e-3 * (1 + demo.seed % 3),
    }
    from node.cli.control import send_control

    send_control(demo.devices[0], "train_start", args, timeout=120)
    progress.line(f"run {run_id}: {rounds} rounds of 1 s on {len(demo.devices)} devices, tiny BERT")
    # The export stage needs torch in this process: load it while the run's start delay
    # passes, not on the export's clock.
    progress.busy(lambda: importlib.import_module("torch"), "torch, for the export stage")
    victim = demo.devices[-1]
    timeline: list[dict[str, Any]] = []
    events: list[dict[str, Any]] = []
    t0 = time.monotonic()

    def rounds_now() -> dict[str, int]:
        return {d.name: int(finetune_run(d, run_id).get("round", 0) or 0) for d in demo.devices}

    def sample() -> str:
        now = rounds_now()
        timeline.append({"t": round(time.monotonic() - t0, 2), "rounds": now})
        return ", ".join(f"{n} r{r}" for n, r in now.items())

    def lead() -> int:
        return int(finetune_run(demo.devices[0], run_id).get("round", 0) or 0)

    progress.wait(
        lambda: lead() >= rounds // 3, 60 + rounds, f"round {rounds // 3}", sample, demo.check
    )
    demo.stopped.add(victim)
    proc = swarm.procs[swarm.dirs.index(victim)]
    proc.terminate()
    proc.wait(timeout=30)
    events.append({"t": round(time.monotonic() - t0, 2), "event": f"{victim.name} stopped"})
    progress.line(f"round {lead()}: stopped {victim.name} (SIGTERM); it restarts in {RESTART_S} s")
    progress.wait(
        lambda: time.monotonic() - t0 > events[-1]["t"] + RESTART_S, 10, "the restart", sample
    )
    swarm.start(demo.boot, data_dir=victim, config=demo.node_config(demo.devices.index(victim)))
    demo.stopped.discard(victim)
    events.append({"t": round(time.monotonic() - t0, 2), "event": f"{victim.name} restarted"})
    progress.wait(
        lambda: lead() >= rounds // 2, 60 + rounds, f"round {rounds // 2}", sample, demo.check
    )
    late = swarm.start(demo.boot, config=demo.node_config(len(demo.devices)))
    demo.devices.append(late)
    events.append({"t": round(time.monotonic() - t0, 2), "event": f"{late.name} joined late"})
    progress.line(f"round {lead()}: {late.name} joins late (it catches up from its peers)")
    devices = list(demo.devices)
    progress.wait(
        lambda: run_settled(devices, run_id, rounds),
        90 + 2 * rounds,
        f"every device to agree on θ after round {rounds}",
        sample,
        demo.check,
    )
    sample()
    runs = {d.name: finetune_run(d, run_id) for d in devices}
    hashes = {name: r.get("sha256", "") for name, r in runs.items()}
    progress.line(f"all {len(devices)} devices at θ {next(iter(hashes.values()))[:16]}; verifying")
    verified = verify_all(devices, run_id)
    count, size = grad_bytes(devices[0], run_id)
    probes = int(runs[devices[0].name].get("probes", 1) or 1)
    backends = {d.name: service_status(d, "finetune").get("backend") for d in devices}
    torch_loaded = {
        d.name: "torch" in ((swarm.status(d) or {}).get("heavy_modules") or []) for d in devices
    }
    result = {
        "status": "ok",
        "run_id": run_id,
        "rounds": rounds,
        "probes": probes,
        "records": runs[devices[0].name].get("records"),
        "sha256": hashes,
        "same_theta_everywhere": len(set(hashes.values())) == 1,
        "verify": verified,
        "verified_everywhere": all(v["ok"] for v in verified.values()),
        "bytes_per_gradient": round(size / (count * probes), 1) if count else None,
        "gradient_records": count,
        "backends": backends,
        "torch_loaded": torch_loaded,
        "restarted": victim.name,
        "late_joiner": late.name,
        "events": events,
        "timeline": timeline,
        "seconds": round(time.monotonic() - t0, 2),
    }
    ok = sum(v["ok"] for v in verified.values())
    kinds = ", ".join(sorted({str(b) for b in backends.values()}))
    progress.line(
        f"{result['records']} records of {probes} one-byte gradients, "
        f"{result['bytes_per_gradient']} B per gradient stored (signed record); "
        f"same θ on every device: {result['same_theta_everywhere']}; "
        f"train verify ok on {ok}/{len(verified)}; backends {kinds}"
    )
    if not result["same_theta_everywhere"] or ok < len(verified):
        result["status"] = "failed"
        result["reason"] = f"devices disagree on θ or verify failed ({ok}/{len(verified)} ok)"
    return result
