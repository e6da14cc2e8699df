"""The SPSA bench's extras: peak memory of SPSA and Adam against a forward pass
(bench/finetune/memory.py in subprocesses), and an onnxruntime peer alongside torch peers."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import numpy as np

from bench.finetune.config import SimConfig
from bench.finetune.sim import accuracy, peer_batches
from bench.finetune.task import Task
from models.spsa.bert import load_minilm
from models.spsa.codes import ScaleRule, encode
from models.spsa.engine import Record, projected_gradient, record_direction
from models.spsa.polarity import PolarityBatch, PolarityLoss
from models.spsa.replica import Replica, RunConfig


def _loss_on(loss: PolarityLoss[Any], batch: PolarityBatch) -> Callable[[np.ndarray], float]:
    return lambda theta: loss.loss(theta, batch)


def run_ort_alongside(task: Task, base: SimConfig, rounds: int) -> dict[str, Any]:
    """Three torch peers and one onnxruntime peer, each with its own replica of θ."""
    from models.spsa.onnx_export import export_encoder
    from models.spsa.ort_backend import OrtEncoder

    config, weights = load_minilm()
    started = time.perf_counter()
    path = export_encoder(config, task.layout, weights)
    export_seconds = time.perf_counter() - started
    ort_loss = PolarityLoss(OrtEncoder(path))
    torch_loss = PolarityLoss(task.encoder)
    run = RunConfig(
        "bench-ort",
        "independent",
        base.learning_rate,
        base.epsilon,
        ScaleRule(base.initial_scale),
        10,
    )
    replicas = [Replica(run, task.layout, task.theta0) for _ in range(base.peers)]
    gaps, code_diffs, agree_rounds = [], [], 0
    step_seconds: dict[str, list[float]] = {"torch": [], "onnxruntime": []}
    for r in range(rounds):
        state = replicas[0].state()
        batches = [
            mine[0] for mine in peer_batches(task, replace(base, seed=0, probes=1), r, base.peers)
        ]
        for p, replica in enumerate(replicas):
            backend = ort_loss if p == base.peers - 1 else torch_loss
            z = record_direction(state, f"peer{p}", task.layout.size)
            t0 = time.perf_counter()
            g = projected_gradient(_loss_on(backend, batches[p]), replica.theta, z, base.epsilon)
            step_seconds["onnxruntime" if backend is ort_loss else "torch"].append(
                time.perf_counter() - t0
            )
            if backend is ort_loss:
                g_ref = projected_gradient(
                    _loss_on(torch_loss, batches[p]), replica.theta, z, base.epsilon
                )
                gaps.append(abs(g - g_ref))
                code_diffs.append(
                    abs((encode(g, state.scale) or 0) - (encode(g_ref, state.scale) or 0))
                )
            code = encode(g, state.scale)
            if code is not None:
                for other in replicas:
                    other.offer(Record(run.run_id, r, f"peer{p}", (code,)))
        for replica in replicas:
            replica.close_round()
        agree_rounds += len({rep.sha256 for rep in replicas}) == 1
    return {
        "peers": base.peers,
        "onnxruntime_peers": 1,
        "rounds": rounds,
        "export_seconds": export_seconds,
        "rounds_with_all_hashes_equal": agree_rounds,
        "checkpoint_hashes_equal": len({json.dumps(rep.checkpoint_hashes()) for rep in replicas})
        == 1,
        "accuracy_onnxruntime_replica": accuracy(task, replicas[-1].theta, task.test),
        "max_abs_g_gap_ort_vs_torch": max(gaps),
        "median_abs_g_gap": float(np.median(gaps)),
        "code_off_by": {str(k): code_diffs.count(k) for k in sorted(set(code_diffs))},
        "step_seconds_median": {k: float(np.median(v)) for k, v in step_seconds.items()},
    }


def run_memory() -> dict[str, Any]:
    out = {}
    for what in ("forward", "spsa", "adam"):
        done = subprocess.run(
            [sys.executable, "-m", "bench.finetune.memory", what],
            capture_output=True,
            text=True,
            check=True,
        )
        out[what] = json.loads(done.stdout.strip().splitlines()[-1])
    out["spsa_over_forward_peak"] = out["spsa"]["peak_mib"] / out["forward"]["peak_mib"]
    out["adam_over_forward_peak"] = out["adam"]["peak_mib"] / out["forward"]["peak_mib"]
    return out
