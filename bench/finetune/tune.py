"""Learning-rate / batch probes for the SPSA bench, on a validation part of the TRAINING split.

The test split is never touched: the training words are split again (80 % fit, 20 %
validation, seed 1) and each probe trains on the fit part and scores the validation part.

python -m bench.finetune.tune --json bench/results/spsa_tune.json \
    independent:3e-3:8:300:0 independent:1e-2:8:300:0 sign:5e-3:8:300:0:1.0 ...

A probe is ``method:learning_rate:batch_per_peer:rounds:seed[:scale][:field=value ...]`` where
``scale`` is the initial (byte modes) or fixed (sign) scale and the fields are SimConfig's
(e.g. ``decay_rounds=300:decay_floor=0``); 4 peers. Results are appended to the JSON file.
"""

from __future__ import annotations

import argparse
import json
import time
from dataclasses import asdict, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import torch

from bench.finetune.adam import adam_baseline
from bench.finetune.config import SimConfig
from bench.finetune.sim import simulate
from bench.finetune.task import Task, load_task, machine
from models.spsa.polarity import split_words


def validation_task() -> Task:
    task = load_task(None)
    fit, validation = split_words(task.train, test_fraction=0.2, seed=1)
    return replace(task, train=fit, test=validation)


def parse_probe(spec: str) -> SimConfig:
    method, lr, batch, rounds, seed, *rest = spec.split(":")
    scale = [item for item in rest if "=" not in item]
    fields = dict(item.split("=", 1) for item in rest if "=" in item)
    config = SimConfig(
        method,
        peers=4,
        rounds=int(rounds),
        batch=int(batch),
        learning_rate=float(lr),
        seed=int(seed),
        eval_every=50,
    )
    kinds = {"warmup_rounds": int, "decay_rounds": int, "peers": int, "probes": int}
    values: dict[str, Any] = {k: kinds.get(k, float)(v) for k, v in fields.items()}
    config = replace(config, **values)
    if scale and method == "sign":
        return replace(config, sign_scale=float(scale[0]))
    return replace(config, initial_scale=float(scale[0])) if scale else config


def run_probe(task: Task, spec: str) -> dict[str, Any]:
    config = parse_probe(spec)
    started = time.perf_counter()
    if config.method == "adam":
        result = adam_baseline(task, config, config.learning_rate)
    else:
        result = simulate(task, config)
    return {
        "probe": spec,
        "config": asdict(config),
        "validation_accuracy": result.accuracy,
        "curve_validation_256": result.curve,
        "seconds": time.perf_counter() - started,
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--json", type=Path, required=True)
    parser.add_argument("probes", nargs="+")
    args = parser.parse_args()
    torch.set_num_threads(1)
    task = validation_task()
    out: dict[str, Any] = json.loads(args.json.read_text()) if args.json.exists() else {}
    out.setdefault("split", "training words re-split 80/20 (seed 1); test split unused")
    out.setdefault("fit_words", len(task.train))
    out.setdefault("validation_words", len(task.test))
    probes: list[dict[str, Any]] = out.setdefault("probes", [])
    for spec in args.probes:
        row = {**run_probe(task, spec), "date": datetime.now(UTC).isoformat(timespec="seconds")}
        row["machine"] = machine()
        probes.append(row)
        print(f"{spec} val={row['validation_accuracy']:.4f} {row['seconds']:.0f}s", flush=True)
        args.json.write_text(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
