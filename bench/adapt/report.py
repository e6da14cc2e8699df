"""Aggregate per-seed adapt results (mean ± std) and compare them with the issue's targets."""

from __future__ import annotations

from typing import Any

import numpy as np

SCALARS = (
    "uplink_per_sample",
    "downlink_per_round",
    "downlink_payload_per_round",
    "passes_per_sample",
    "backward_passes_per_sample",
    "upload_fraction_actual",
    "cloud_resets",
    "prompts_rejected",
    "teacher_acc_on_uploads",
    "device_acc_on_uploads",
    "classes_per_upload",
    "domains_seen",
)


def _ms(values: list[float]) -> dict[str, float]:
    arr = np.asarray(values, np.float64)
    return {"mean": float(arr.mean()), "std": float(arr.std(ddof=1)) if len(arr) > 1 else 0.0}


def aggregate(per_seed: dict[int, dict[str, dict[str, Any]]]) -> dict[str, dict[str, Any]]:
    seeds = sorted(per_seed)
    out: dict[str, dict[str, Any]] = {}
    for name, first in per_seed[seeds[0]].items():
        runs = [per_seed[s][name] for s in seeds]
        entry: dict[str, Any] = {
            "overall_pct": _ms([100 * r["overall"] for r in runs]),
            "overall_pct_per_seed": {
                s: 100 * r["overall"] for s, r in zip(seeds, runs, strict=True)
            },
            "per_domain_pct": {
                d: _ms([100 * r["per_domain"][d] for r in runs]) for d in first["per_domain"]
            },
        }
        for key in SCALARS:
            if key in first:
                entry[key] = _ms([float(r[key]) for r in runs])
        for key in ("spec", "needs_updatable_device"):
            if key in first:
                entry[key] = first[key]
        out[name] = entry
    return out


def _paired(summary: dict[str, Any], a: str, b: str) -> dict[str, Any]:
    """a - b in points: difference of means, each method's seed std, and the per-seed
    (paired: same stream, same models) differences' mean ± std."""
    sa, sb = summary[a]["overall_pct"], summary[b]["overall_pct"]
    seeds = sorted(summary[a]["overall_pct_per_seed"])
    per_seed = [
        summary[a]["overall_pct_per_seed"][s] - summary[b]["overall_pct_per_seed"][s] for s in seeds
    ]
    return {
        "points": sa["mean"] - sb["mean"],
        "seed_std": max(sa["std"], sb["std"]),
        "paired": _ms(per_seed),
    }


VERDICT = {
    None: "one seed: no std, no verdict",
    True: "beats random by more than the seed std",
    False: "does NOT beat random by more than the seed std",
}


def check_targets(summary: dict[str, Any], budgets: tuple[float, ...]) -> dict[str, Any]:
    mean = {k: v["overall_pct"]["mean"] for k, v in summary.items()}
    lines, checks = [], {}
    uvpa = [m for m in mean if m.startswith("uvpa_")]
    for m in uvpa:
        gain = mean[m] - mean["source"]
        checks[f"{m}_gain_over_source"] = {"points": gain, "target": 15.0, "met": gain >= 15}
        lines.append(f"{m}: {mean[m]:.1f} vs source {mean['source']:.1f}: {gain:+.1f} points "
                     f"(target >= +15: {'met' if gain >= 15 else 'NOT met'})")  # fmt: skip
    tent = mean["tent (updatable device)"]
    improved = [m for m in mean if m.startswith("improved_") and "@" not in m]
    for m in improved:
        if "random" in m or "plain_teacher" in m:
            continue
        ok = mean[m] >= tent
        checks[f"{m}_vs_tent"] = {"points": mean[m] - tent, "met": ok}
        lines.append(f"{m} (25 % upload, forward-only): {mean[m]:.1f} vs TENT {tent:.1f} "
                     f"({'met' if ok else 'NOT met'})")  # fmt: skip
    pairs = [(m, "prompt_random_upload") for m in uvpa if "session1" not in m]
    pairs += [(m, "improved_random_upload") for m in improved
              if "random" not in m and "plain_teacher" not in m]  # fmt: skip
    for a, b in pairs:
        if b not in summary:
            continue
        comparison = _paired(summary, a, b)
        single_seed = len(summary[a]["overall_pct_per_seed"]) < 2
        ok = None if single_seed else comparison["points"] > comparison["seed_std"]
        checks[f"{a}_vs_{b}"] = comparison | {"met": ok}
        paired = comparison["paired"]
        lines.append(f"{a} vs {b}: {comparison['points']:+.1f} points (paired "
                     f"{paired['mean']:+.1f} ± {paired['std']:.1f}), seed std "
                     f"{comparison['seed_std']:.1f}: {VERDICT[ok]}")  # fmt: skip
    return {"checks": checks, "lines": lines, "upload_diagnostics": diagnostics(summary)}


def diagnostics(summary: dict[str, Any]) -> dict[str, dict[str, float]]:
    """What the uploads were like: teacher and device accuracy on them, classes per upload."""
    keys = ("teacher_acc_on_uploads", "device_acc_on_uploads", "classes_per_upload")
    return {
        name: {k: entry[k]["mean"] for k in keys}
        for name, entry in summary.items()
        if all(k in entry for k in keys)
    }


SHIPPED = "domains_warp"
GOAL_OVER_TENT = 5.0
PAIRS = (
    (SHIPPED, "tent (updatable device)"),
    (SHIPPED, "bn_stats (updatable device)"),
    (SHIPPED, "source"),
    (SHIPPED, "improved_entropy"),
    (SHIPPED, "teacher_bn_buffer_every_sample"),
    (SHIPPED, "domains_no_warp"),
    (SHIPPED, "domains_no_warm_start"),
    ("warp_entropy", "improved_entropy"),
    ("improved_entropy", "tent (updatable device)"),
)


def split_checks(summary: dict[str, Any]) -> dict[str, Any]:
    """Paired differences (same seed, stream and models) on one split, and issue 22's goal:
    the forward-only device at least TENT + 5 points (judged on the paired mean)."""
    pairs = {
        f"{a} - {b}": _paired(summary, a, b) for a, b in PAIRS if a in summary and b in summary
    }
    lines = [
        f"{name}: {p['paired']['mean']:+.1f} ± {p['paired']['std']:.1f} (paired)"
        for name, p in pairs.items()
    ]
    goal: dict[str, Any] = {}
    key = f"{SHIPPED} - tent (updatable device)"
    if key in pairs:
        margin = pairs[key]["paired"]["mean"]
        goal = {"margin": margin, "target": GOAL_OVER_TENT, "met": margin >= GOAL_OVER_TENT}
        lines.append(f"goal {SHIPPED} >= TENT + {GOAL_OVER_TENT:.0f}: {margin:+.1f} "
                     f"({'met' if goal['met'] else 'NOT met'})")  # fmt: skip
    return {"paired": pairs, "goal": goal, "lines": lines}
