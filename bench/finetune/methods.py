"""The SPSA bench's main part: the one-byte methods on 4 peers against fp32 SPSA and Adam,
with their settings, and the merge of main parts run separately."""

from __future__ import annotations

import json
from dataclasses import asdict, replace
from typing import Any

from bench.finetune.adam import adam_baseline
from bench.finetune.config import SimConfig
from bench.finetune.sim import accuracy, simulate
from bench.finetune.task import Task, summary

METHODS = ("fp32", "independent", "shared", "sign")
PROBES = 8
"""Projected gradients per peer per round in the main part (``--quick``: 2, to stay fast)."""
LEARNING_RATE = 3e-2
DECAY_FLOOR = 0.1
"""η of every SPSA method, decaying linearly to DECAY_FLOOR · η at the last round: picked with
PROBES on a validation part of the training split (spsa_tune_probes.json)."""
BATCH = 8
"""Words per peer per round (with 4 peers: 32 words a round, as for Adam)."""
ADAM_LEARNING_RATE = 1e-3


def run_main(
    task: Task, base: SimConfig, seeds: list[int], methods: tuple[str, ...] = (*METHODS, "adam")
) -> dict[str, Any]:
    out: dict[str, Any] = {"zero_shot": summary([accuracy(task, task.theta0, task.test)] * 1)}
    runs: dict[str, list[dict[str, Any]]] = {m: [] for m in methods}
    for seed in seeds:
        for method in methods:
            if method == "adam":
                result = adam_baseline(task, replace(base, seed=seed), ADAM_LEARNING_RATE)
            else:
                result = simulate(task, replace(base, method=method, seed=seed))
            runs[method].append({"seed": seed, **asdict(result)})
            print(
                f"main {method} seed={seed} acc={result.accuracy:.4f} {result.seconds:.0f}s",
                flush=True,
            )
    for method, items in runs.items():
        out[method] = {**summary([i["accuracy"] for i in items]), "runs": items}
    return out


def merge_main(parts: list[dict[str, Any]]) -> dict[str, Any]:
    """One "main" section from parts run separately (other seeds or methods, same config)."""
    configs = {json.dumps(p["config"]["main"], sort_keys=True) for p in parts if "main" in p}
    if len(configs) > 1:
        raise ValueError("main parts ran with different configs")
    runs: dict[str, list[dict[str, Any]]] = {}
    zero_shot: list[float] = []
    for part in parts:
        main = part.get("main", {})
        zero_shot += main.get("zero_shot", {}).get("values", [])[:1]
        for method, entry in main.items():
            if method != "zero_shot":
                runs.setdefault(method, []).extend(entry["runs"])
    out: dict[str, Any] = {"zero_shot": summary(zero_shot[:1])}
    for method, items in runs.items():
        items.sort(key=lambda i: i["seed"])
        if len({i["seed"] for i in items}) != len(items):
            raise ValueError(f"{method}: a seed appears in more than one part")
        out[method] = {**summary([i["accuracy"] for i in items]), "runs": items}
    return out
