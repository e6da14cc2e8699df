"""Issue 22's tuning: the per-domain loop's settings, chosen on the tuned split only.

Every candidate runs on the tuned split in order and reordered, both built from the
validation images with training seeds 10 and 11 (``bench.adapt.splits``); TENT runs on
the same streams. Candidates are ranked by their worst margin over TENT across the two
streams (the goal is a margin on both), then by their mean. The unseen split is never
built here.
"""

from __future__ import annotations

import datetime
import json
import platform
import time
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

import numpy as np

from bench.adapt.loops import AFTER
from bench.adapt.runs import LoopSpec, run_loop, run_reference
from bench.adapt.splits import load_models, validation_stream

DOMAIN_SPLITS = ("tuned", "tuned_reordered")


def domain_candidates() -> dict[str, LoopSpec]:
    """The preset before tuning (round 1: one change at a time), then round 2's
    combinations with round 1's winner. The shipped loop (bench.adapt.loops.AFTER) is
    round 2's winner, "tm_mix"."""
    cloud = replace(AFTER.cloud, teacher_view="raw")
    base = replace(AFTER, selection="top", cloud=cloud)  # the preset before tuning

    def with_cloud(**changes: Any) -> LoopSpec:
        return replace(base, cloud=replace(cloud, **changes))

    return {
        "base": base,
        "no_warm_start": with_cloud(warm_start="none"),
        "features_only": with_cloud(warm_start="features"),
        "fresh0": with_cloud(fresh_steps=0),
        "fresh100": with_cloud(fresh_steps=100),
        "steps40": with_cloud(steps=40),
        "steps10": with_cloud(steps=10),
        "lr0.02": with_cloud(lr=0.02),
        "uniform": with_cloud(weighting="uniform"),
        "buf64": with_cloud(buffer_size=64),
        "buf256": with_cloud(buffer_size=256),
        "warp_lr0.2": with_cloud(warp_lr_scale=0.2),
        "teacher_moments": with_cloud(teacher_view="moments"),
        "hard": with_cloud(targets="hard"),
        "plain_teacher": with_cloud(teacher_bn_from_buffer=False),
        "mix": replace(base, selection="mix"),
        "no_warp": replace(base, family="filter_feature"),
        # round 2: the teacher on moment-aligned uploads won round 1 on both streams
        "tm_lr0.02": with_cloud(teacher_view="moments", lr=0.02),
        "tm_uniform": with_cloud(teacher_view="moments", weighting="uniform"),
        "tm_features_only": with_cloud(teacher_view="moments", warm_start="features"),
        "tm_warp_lr0.2": with_cloud(teacher_view="moments", warp_lr_scale=0.2),
        "tm_mix": replace(base, selection="mix", cloud=replace(cloud, teacher_view="moments")),
    }


def tune_domains(
    candidates: dict[str, LoopSpec], seeds: tuple[int, ...], offset: int, cache: Path,
    out: Path,
) -> int:  # fmt: skip
    runs: dict[str, dict[str, dict[str, float]]] = {name: {} for name in candidates}
    tent: dict[str, dict[str, float]] = {split: {} for split in DOMAIN_SPLITS}
    for seed in seeds:
        models = load_models(seed, cache)
        for split in DOMAIN_SPLITS:
            stream = validation_stream(split, seed, offset)
            tent[split][str(seed)] = 100 * run_reference(stream, models.trained, "tent")["overall"]
            for name, spec in candidates.items():
                t = time.perf_counter()
                result = run_loop(stream, models.runners[spec.family], models.folded,
                                  models.teacher, spec, seed, models.reference)  # fmt: skip
                runs[name].setdefault(split, {})[str(seed)] = 100 * result["overall"]
                print(f"seed {seed} {split:16s} {name:18s} {100 * result['overall']:5.1f} "
                      f"(TENT {tent[split][str(seed)]:.1f}) {time.perf_counter() - t:.0f}s",
                      flush=True)  # fmt: skip
    summary = {}
    for name, per_split in runs.items():
        margins = {
            split: float(np.mean([v - tent[split][s] for s, v in per_split[split].items()]))
            for split in DOMAIN_SPLITS
        }
        means = {split: float(np.mean(list(per_split[split].values()))) for split in DOMAIN_SPLITS}
        summary[name] = {
            "mean_pct": means,
            "margin_over_tent": margins,
            "worst_margin": min(margins.values()),
            "spec": asdict(candidates[name]),
            "per_seed": per_split,
        }

    def rank(name: str) -> tuple[float, float]:
        entry = summary[name]
        return -entry["worst_margin"], -float(np.mean(list(entry["mean_pct"].values())))

    ranking = sorted(summary, key=rank)
    lines = [
        f"{n:18s} worst margin {summary[n]['worst_margin']:+5.1f}  "
        + "  ".join(f"{k} {v:5.1f}" for k, v in summary[n]["mean_pct"].items())
        for n in ranking
    ]
    print("\n".join(lines))
    report = {
        "bench": "adapt_tune_domains",
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "machine": platform.platform(),
        "validation_seeds": list(seeds),
        "streams": {
            s: f"validation split x2, severity 5, stream seed {offset} + model seed"
            for s in DOMAIN_SPLITS
        },
        "tent_pct": tent,
        "candidates": summary,
        "ranking": lines,
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2, default=float) + "\n")
    return 0
