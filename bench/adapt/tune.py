"""Choose cloud-learner and selection settings on a validation stream, never the test one.

    python -m bench.adapt.tune --group additive --json bench/results/adapt_tune_additive.json
    python -m bench.adapt.tune --group domains --json bench/results/adapt_tune_domains.json

The validation stream is built from the validation split (197 images, each shown twice per
domain with fresh corruption noise), never from the stream pool the bench reports on, and the
device/teacher weights come from training seeds (10, 11) the bench does not use.
"""

from __future__ import annotations

import argparse
import datetime
import json
import platform
import time
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

import numpy as np
import torch

from bench.adapt.runs import LoopSpec, run_loop, run_source
from bench.adapt.tune_domains import domain_candidates, tune_domains
from models.adapt.cloud import CloudConfig
from models.adapt.digits import load_digit_splits
from models.adapt.onnx_export import export_device_onnx
from models.adapt.prompts import family_by_name
from models.adapt.runner import DeviceRunner
from models.adapt.stream import StreamConfig, materialise
from models.adapt.training import TrainConfig, device_model, teacher_model

VALIDATION_SEEDS = (10, 11)
STREAM_SEED_OFFSET = 1000

BASE = CloudConfig(on_shift="none")  # session 1's additive setting
BN = replace(BASE, teacher_bn_from_buffer=True)
HARD = replace(BN, targets="hard")
DETECT = replace(HARD, shift_test="inputs", on_shift="reset")


def additive_candidates() -> dict[str, LoopSpec]:
    def spec(cloud: CloudConfig, measure: str = "entropy") -> LoopSpec:
        return LoopSpec("additive", measure, 0.25, cloud)

    return {
        "session1": spec(BASE),
        "bn_teacher": spec(BN),
        "hard": spec(replace(BASE, targets="hard")),
        "bn_hard": spec(HARD),
        "bn_hard_lr0.1": spec(replace(HARD, lr=0.1)),
        "bn_hard_lr0.02": spec(replace(HARD, lr=0.02)),
        "bn_hard_buf64": spec(replace(HARD, buffer_size=64)),
        "bn_hard_buf256": spec(replace(HARD, buffer_size=256)),
        "bn_hard_steps40": spec(replace(HARD, steps=40)),
        "bn_hard_smooth1": spec(replace(HARD, smoothness=1.0)),
        "bn_hard_smooth10": spec(replace(HARD, smoothness=10.0)),
        "bn_hard_uniform": spec(replace(HARD, weighting="uniform")),
        "bn_hard_relearn": spec(replace(HARD, on_shift="relearn", reset_margin=0.3)),
        "bn_hard_bound4": spec(replace(HARD, norm_bound=4.0)),
        # round 2: a domain-change test on the uploads' image statistics
        "det_relearn": spec(replace(DETECT, on_shift="relearn")),
        "det_reset": spec(DETECT),
        "det_reset_smooth1": spec(replace(DETECT, smoothness=1.0)),
        "det_reset_smooth10": spec(replace(DETECT, smoothness=10.0)),
        "det_relearn_smooth1": spec(replace(DETECT, on_shift="relearn", smoothness=1.0)),
        "det_reset_smooth1_lr0.02": spec(replace(DETECT, smoothness=1.0, lr=0.02)),
        "det_reset_smooth1_steps40": spec(replace(DETECT, smoothness=1.0, steps=40)),
        "det_reset_soft_smooth1": spec(replace(DETECT, smoothness=1.0, targets="soft")),
        # round 3: stronger smoothing (an offline fit on 48 uploads preferred 100 to 1)
        "det_reset_smooth30": spec(replace(DETECT, smoothness=30.0)),
        "det_reset_smooth100": spec(replace(DETECT, smoothness=100.0)),
        "bn_hard_smooth100": spec(replace(HARD, smoothness=100.0)),
        "det_relearn_smooth100": spec(replace(DETECT, on_shift="relearn", smoothness=100.0)),
    }


def selection_candidates() -> dict[str, LoopSpec]:
    """Upload selections for the improved family at session 1's cloud setting."""
    improved = CloudConfig(teacher_bn_from_buffer=True)
    out = {
        "ff_random": LoopSpec(
            "filter_feature", "random", 0.25, replace(improved, weighting="uniform")
        ),
        "ff_top": LoopSpec("filter_feature", "entropy", 0.25, improved),
        "ff_top_uniform": LoopSpec(
            "filter_feature", "entropy", 0.25, replace(improved, weighting="uniform")
        ),
        "ff_top_conf0.8": LoopSpec(
            "filter_feature", "entropy", 0.25, replace(improved, min_teacher_confidence=0.8)
        ),
    }
    for selection in ("mix", "class_balanced", "sample"):
        out[f"ff_{selection}"] = LoopSpec("filter_feature", "entropy", 0.25, improved, selection)
    return out


GROUPS = {
    "additive": additive_candidates,
    "selection": selection_candidates,
    "domains": domain_candidates,
}


def validation_stream(seed: int, severity: int) -> list[Any]:
    splits = load_digit_splits()
    images = np.concatenate([splits.val_images, splits.val_images])  # (394, 16, 16)
    labels = np.concatenate([splits.val_labels, splits.val_labels])
    config = StreamConfig(severity=severity, images_per_domain=len(labels))
    return list(materialise(images, labels, config, STREAM_SEED_OFFSET + seed))


def merge(parts: list[Path], out: Path) -> int:
    """One report from several tuning runs (each ran a subset of candidates)."""
    reports = [json.loads(p.read_text()) for p in parts]
    candidates: dict[str, Any] = {}
    for report in reports:
        candidates |= report["candidates"]
    ranking = sorted(candidates, key=lambda n: -candidates[n]["overall_pct_mean"])
    merged = reports[0] | {
        "date": max(r["date"] for r in reports),
        "candidates": candidates,
        "ranking": [
            f"{n}: {candidates[n]['overall_pct_mean']:.1f} "
            f"({candidates[n]['gain_over_source']:+.1f} over source)"
            for n in ranking
        ],
    }
    out.write_text(json.dumps(merged, indent=2, default=float) + "\n")
    print("\n".join(merged["ranking"]))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--group", choices=sorted(GROUPS))
    parser.add_argument("--merge", type=Path, nargs="*", default=None,
                        help="merge earlier --json outputs into one (no runs)")  # fmt: skip
    parser.add_argument("--only", nargs="*", default=None, help="candidate names to run")
    parser.add_argument("--json", type=Path, required=True)
    parser.add_argument("--cache-dir", type=Path, default=Path("/tmp/adapt_w"))
    args = parser.parse_args(argv)
    if args.merge:
        return merge(args.merge, args.json)
    if args.group is None:
        parser.error("--group or --merge is required")
    torch.set_num_threads(1)
    candidates = GROUPS[args.group]()
    if args.only:
        candidates = {k: v for k, v in candidates.items() if k in args.only}
    if args.group == "domains":
        return tune_domains(candidates, VALIDATION_SEEDS, STREAM_SEED_OFFSET, args.cache_dir,
                            args.json)  # fmt: skip
    splits = load_digit_splits()
    results: dict[str, dict[str, Any]] = {name: {} for name in candidates}
    source: dict[int, float] = {}
    for seed in VALIDATION_SEEDS:
        trained = device_model(splits, seed, args.cache_dir, TrainConfig())
        teacher = teacher_model(splits, seed, args.cache_dir, TrainConfig())
        folded = trained.fold()
        stream = validation_stream(seed, 5)
        runners = {f: DeviceRunner(export_device_onnx(folded, family_by_name(f)))
                   for f in ("additive", "filter_feature")}  # fmt: skip
        source[seed] = 100 * run_source(stream, runners["additive"], "additive")["overall"]
        for name, spec in candidates.items():
            t = time.perf_counter()
            out = run_loop(stream, runners[spec.family], folded, teacher, spec, seed)
            results[name][str(seed)] = out
            print(f"seed {seed} {name:28s} {100 * out['overall']:5.1f} (source "
                  f"{source[seed]:.1f}) teacher@up {out['teacher_acc_on_uploads']:.2f} "
                  f"device@up {out['device_acc_on_uploads']:.2f} "
                  f"classes {out['classes_per_upload']:.1f} resets {out['cloud_resets']} "
                  f"{time.perf_counter() - t:.0f}s", flush=True)  # fmt: skip
    summary: dict[str, dict[str, Any]] = {
        name: {
            "overall_pct_mean": float(np.mean([100 * r["overall"] for r in runs.values()])),
            "gain_over_source": float(
                np.mean([100 * r["overall"] - source[int(s)] for s, r in runs.items()])
            ),
            "spec": asdict(candidates[name]),
            "per_seed": runs,
        }
        for name, runs in results.items()
    }
    for name, entry in sorted(summary.items(), key=lambda kv: -kv[1]["overall_pct_mean"]):
        print(f"{name:28s} {entry['overall_pct_mean']:5.1f} ({entry['gain_over_source']:+.1f})")
    report = {
        "bench": "adapt_tune",
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "machine": platform.platform(),
        "validation_seeds": list(VALIDATION_SEEDS),
        "stream": "validation split x2, severity 5, stream seed 1000 + model seed",
        "source_pct": source,
        "candidates": summary,
    }
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(report, indent=2, default=float) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
